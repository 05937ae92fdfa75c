"""``magcore audit verify`` and ``magcore audit checkpoint``: check the audit chain, sign its end.

``verify`` checks the chain from its first line to its last (keyed lines with the key
provider's audit keys) and compares every event in the store with the line written when it was
committed. ``checkpoint`` writes a small signed JSON file (count, last hash, time, signature) to
keep outside the store; ``verify --checkpoint FILE`` checks the store against it, which finds a
tail that was cut off and chained again even by someone who holds the audit key.

``verify`` also compares the log with the head the key provider witnessed (outside the
database, :mod:`magcore.crypto.witness`), which finds a log set back by someone without keys.
``accept-restore`` records a rollback made on purpose (a backup restored by other means) and
sets the witnessed head to the restored log's end.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import click

from ._common import ID, TEXT, get_app, json_option, operator
from ._output import emit_json, say, write_private

__all__ = ["accept_restore", "audit", "checkpoint", "logboek", "verify"]


#: The highest audit line number: the largest integer SQLite (and PostgreSQL's bigint) holds.
MAX_SEQ = 2**63 - 1


def _register(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--register``: a text by the input policy (the option type checked that) that is an
    absolute URL or URN without spaces, so every exported activity id is a URI."""
    if value is None:
        return None
    from urllib.parse import urlsplit

    try:
        scheme = urlsplit(value).scheme
    except ValueError:  # e.g. an unclosed IPv6 bracket
        scheme = ""
    if not scheme or any(char.isspace() for char in value):
        raise click.BadParameter(
            f"{value!a} is not an address: give an absolute URL such as "
            "https://example.nl/register (no spaces)"
        )
    return value


@click.group()
def audit() -> None:
    """Check the audit log and sign checkpoints of it."""


def _keys(service: Any) -> Any:
    provider = service.key_provider
    return provider.audit_key if provider is not None else None


@audit.command()
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A signed checkpoint (from `magcore audit checkpoint`) to check the log against.",
)
@click.option(
    "--older-events",
    is_flag=True,
    default=False,
    help="Accept events without an audit line before the first event line: a store begun "
    "under magcore 0.1 whose log starts with keyed lines (otherwise such events are accepted "
    "only in a log that starts with unkeyed lines).",
)
@json_option
def verify(checkpoint_file: Path | None, older_events: bool, as_json: bool) -> None:
    """Check the audit chain and the events against it.

    Exits with status 1 and names the first broken line if a line was changed, removed,
    reordered, chained again without the key or cut off at the end, or if an event was changed,
    removed or added outside magcore. With --checkpoint, also if the log does not reach the
    checkpoint or differs from it.
    """
    from ..access.audit import verify_store
    from ..access.checkpoint import Checkpoint, CheckpointError, verify_against

    service = get_app().service()
    keys = _keys(service)
    if checkpoint_file is not None:
        from ..errors import InputRefused
        from ..model.input_policy import MAX_JSON_BYTES, load_json, read_limited

        try:
            what = f"checkpoint {checkpoint_file}"
            data = load_json(read_limited(checkpoint_file, MAX_JSON_BYTES, what=what), what=what)
        except OSError as exc:
            raise CheckpointError(f"cannot read checkpoint {checkpoint_file}: {exc}") from exc
        except InputRefused as exc:
            problems = "; ".join(str(p) for p in exc.problems[:3])
            raise CheckpointError(f"cannot read checkpoint {checkpoint_file}: {problems}") from exc
        point = Checkpoint.from_json(data, where=str(checkpoint_file))
        result = verify_against(service.store, point, keys=keys, older_events=older_events or None)
    else:
        result = verify_store(service.store, keys=keys, older_events=older_events or None)
    problem = result.problem
    if as_json:
        emit_json(
            {
                "ok": result.ok,
                "entries": result.entries,
                "events": result.events,
                "unkeyed": result.unkeyed,
                "uncovered_events": result.uncovered,
                "witnessed": result.witnessed,
                "problem": (
                    {"seq": problem.seq, "reason": problem.reason, "event": problem.event}
                    if problem
                    else None
                ),
            }
        )
    elif result.ok:
        say(
            f"The audit log is intact: {result.entries} lines checked, "
            f"{result.events} events match their lines."
        )
        if result.witnessed is not None:
            say(f"It reaches the head the key provider witnessed (line {result.witnessed}).")
        if result.unkeyed:
            say(
                f"Note: {result.unkeyed} lines are not keyed (written before the chain was "
                "keyed, or without a key provider): they prove order, not origin."
            )
        if result.uncovered:
            say(f"Note: {result.uncovered} older events were written before event lines.")
    if not result.ok:
        assert problem is not None
        where = f"line {problem.seq}" if problem.seq else f"event {problem.event}"
        click.echo(f"error: the audit log is broken at {where}: {problem.reason}", err=True)
        click.get_current_context().exit(1)


@audit.command()
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the checkpoint to this file (default: print it).",
)
def checkpoint(output: Path | None) -> None:
    """Verify the log, then write a signed checkpoint of its end (keep it outside the store)."""
    from ..access.checkpoint import CheckpointError, take_checkpoint

    service = get_app().service()
    if service.key_provider is None:
        raise CheckpointError(
            "no key provider for this store, so there is no key to sign with; set "
            "MAGCORE_KEY_FOLDER or install a key-provider plugin"
        )
    point = take_checkpoint(
        service.store, service.key_provider.audit_key(), now=service.clock.now()
    )
    text = json.dumps(point.to_json(), indent=2, sort_keys=True) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    say(f"Checkpoint written to {output}: {point.count} lines, last hash {point.last_hash}.")


@audit.command("accept-restore")
@click.option(
    "--reason",
    required=True,
    type=TEXT,
    help="Why the store went back (the backup, the ticket): written in the audit line.",
)
@json_option
def accept_restore(reason: str, as_json: bool) -> None:
    """Accept that the store was set back on purpose (a backup restored with pg_restore or a
    copied file): write a line saying how far the log went back, then set the head the key
    provider witnessed to the restored log's end. Stop every process that writes the store
    first. 'magcore store restore' does this itself."""
    from ..app.rollback import accept_restored_log
    from ..errors import KeyProviderError
    from ..storage.base import StoreSettings

    app = get_app()
    url = app.store_url()
    provider = app.host.hooks.key_provider(url, StoreSettings(create=False))
    if provider is None:
        raise KeyProviderError(f"no key provider is found for {url}: no witnessed head to set")
    store = app.host.hooks.open_store(url, StoreSettings(create=False))
    try:
        accepted = accept_restored_log(
            store, provider, origin=operator(), reason=reason, clock=app.clock().now
        )
    finally:
        store.close()
    if as_json:
        emit_json(_accepted_json(accepted))
    elif accepted is None:
        say("The audit log reaches the witnessed head: there is no rollback to accept.")
    else:
        say(
            f"Accepted: the log went back from {accepted.witnessed} to {accepted.restored} "
            f"lines; line {accepted.count} records it, and is now the witnessed head."
        )


def _accepted_json(accepted: Any) -> dict[str, Any]:
    """``accept-restore --json``: the counts, or ``accepted: false``."""
    if accepted is None:
        return {"accepted": False}
    return {
        "accepted": True,
        "witnessed": accepted.witnessed,
        "restored": accepted.restored,
        "count": accepted.count,
    }


@audit.command()
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the records to this file as JSON lines (default: print them).",
)
@click.option(
    "--after",
    type=click.IntRange(min=0, max=MAX_SEQ),
    default=0,
    help="Only lines after this one.",
)
@click.option(
    "--register",
    default=None,
    type=TEXT,
    callback=_register,
    metavar="URL",
    help="The address of your register of processing activities (default: magcore's).",
)
@click.option(
    "--clear-ids",
    is_flag=True,
    help="Write magcore person ids in clear instead of keyed pseudonyms.",
)
@click.option(
    "--as",
    "actor",
    default="privacy-officer",
    show_default=True,
    type=ID,
    metavar="PERSON",
    help="Who exports.",
)
def logboek(
    output: Path | None, after: int, register: str | None, clear_ids: bool, actor: str
) -> None:
    """Export the audit log as Logboek Dataverwerkingen records (the government's standard).

    Each line becomes an OpenTelemetry span with the standard's dpl.core attributes: the
    processing activity (an id from the register the regulation prints), and the person
    concerned as a keyed pseudonym. The export itself is written in the audit log.
    """
    from ..access.logboek import logboek_records, subject_key, write_logboek
    from ..access.processing import DEFAULT_REGISTER
    from ..extras import require

    require("logboek", feature="magcore audit logboek")
    service = get_app().service()
    key = None
    if not clear_ids:
        if service.key_provider is None:
            raise click.UsageError(
                "no key provider for this store, so there is no key for pseudonyms; set "
                "MAGCORE_KEY_FOLDER, or pass --clear-ids for a log that stays inside"
            )
        key = subject_key(service.key_provider.audit_key())
    records = logboek_records(
        service.store,
        actor=actor,
        origin=operator(),
        register=register or DEFAULT_REGISTER,
        subject_key=key,
        after=after,
        clock=service.clock,
    )
    if output is None:
        write_logboek(records, sys.stdout)
        return
    text = io.StringIO()
    count = write_logboek(records, text)
    # people (as pseudonyms, or in clear) and what was read of whom: for the one who asked only
    write_private(output, text.getvalue())
    say(f"{count} Logboek Dataverwerkingen records written to {output}.")
