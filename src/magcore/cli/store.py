"""``magcore store``: check, back up, restore, migrate and copy the store.

Thin over :mod:`magcore.app.maintenance`; see ``docs/how-to/operate.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ._common import get_app, json_option
from ._output import emit_json, say

__all__ = ["store"]


def _open(url: str, **settings: Any) -> Any:
    from ..storage.base import StoreSettings

    return get_app().host.hooks.open_store(url, StoreSettings(**settings))


def _provider(url: str) -> Any:
    """The key provider of the store at *url*, or None where none is found (never made)."""
    from ..errors import StorageError
    from ..storage.base import StoreSettings

    try:
        return get_app().host.hooks.key_provider(url, StoreSettings(create=False))
    except StorageError:
        return None


def _audit_keys(url: str) -> Any:
    """The audit keys of the store at *url* (``KeyProvider.audit_key``), or None without a
    key provider (keyed lines are then reported as not verifiable)."""
    provider = _provider(url)
    return None if provider is None else provider.audit_key


def _new_sqlite_file(url: str) -> Path | None:
    """The file an SQLite *url* names, if it does not exist yet (else None)."""
    if not url.startswith("sqlite:"):
        return None
    from ..storage.sqlite import path_from_url

    path = path_from_url(url)
    return None if path.exists() else path


@click.group()
def store() -> None:
    """Check, back up, restore, migrate or copy the store."""


@store.command()
@json_option
def check(as_json: bool) -> None:
    """Read the whole store back: its file, every event, and the audit chain.

    Exits with status 1 and lists every problem when something is wrong. The store is opened
    read-only; nothing is changed.
    """
    from ..app.chain import witness_head
    from ..app.maintenance import StoreCheck, check_store
    from ..errors import StorageError

    url = get_app().store_url()
    try:
        opened = _open(url, create=False, read_only=True)
    except StorageError as exc:
        result = StoreCheck(url=url, events=0, streams=0, audit_entries=0, problems=(str(exc),))
    else:
        try:
            provider = _provider(url)
            # the head the key provider witnessed, outside the database, finds a rollback
            witness_head(opened, provider)
            result = check_store(
                opened,
                keys=None if provider is None else provider.audit_key,
                provider=provider,
            )
        finally:
            opened.close()
    if as_json:
        emit_json(result.as_json())
    elif result.ok:
        say(
            f"The store is whole: {result.events} events in {result.streams} streams and "
            f"{result.audit_entries} audit lines checked."
        )
    if not result.ok:
        for problem in result.problems:
            click.echo(f"problem: {' '.join(problem.split())}", err=True)
        rows_only = all(p.startswith("read model table ") for p in result.problems)
        advice = (
            "write the rows back from the events ('magcore store repair-read-models')"
            if rows_only
            else "restore it from a backup ('magcore store restore BACKUP --replace')"
        )
        click.echo(f"error: the store has {len(result.problems)} problem(s); {advice}", err=True)
        click.get_current_context().exit(1)


@store.command()
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@json_option
def backup(target: Path, as_json: bool) -> None:
    """Write a copy of the store to the new file TARGET, safe while others write.

    The copy is checked before the command ends. A PostgreSQL store is backed up with
    PostgreSQL's own tools; the command says how.
    """
    from ..app.maintenance import backup_store

    url = get_app().store_url()
    opened = _open(url, create=False)
    try:
        summary = backup_store(opened, target, keys=_audit_keys(url))
    finally:
        opened.close()
    if as_json:
        emit_json({"backup": str(summary.path), **summary.check.as_json()})
        return
    say(
        f"Backed up to {summary.path}: {summary.check.events} events and "
        f"{summary.check.audit_entries} audit lines, checked."
    )


@store.command()
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--replace",
    is_flag=True,
    help="Move the current store file aside (never deleted) and restore in its place.",
)
@json_option
def restore(backup_file: Path, replace: bool, as_json: bool) -> None:
    """Put the backup BACKUP_FILE in the store's place, checked before and after.

    Stop every process that uses the store first. Only SQLite stores; for PostgreSQL use
    pg_restore (see 'magcore store backup').
    """
    from ..app.maintenance import restore_store
    from ..errors import StorageError
    from ..storage.sqlite import path_from_url

    url = get_app().store_url()
    if not url.startswith("sqlite:"):
        raise StorageError(f"'magcore store restore' restores SQLite stores; {url} is not one")
    provider = _provider(url)
    summary = restore_store(
        backup_file,
        path_from_url(url),
        replace=replace,
        keys=None if provider is None else provider.audit_key,
        provider=provider,
        clock=get_app().clock().now,
    )
    if as_json:
        emit_json(
            {
                "restored": str(summary.target),
                "from": str(summary.backup),
                "moved_aside": str(summary.moved_aside) if summary.moved_aside else None,
                "destroyed_again": len(summary.destroyed_again),
                **summary.check.as_json(),
            }
        )
        return
    say(
        f"Restored {summary.target} from {summary.backup}: {summary.check.events} events and "
        f"{summary.check.audit_entries} audit lines, replayed and checked."
    )
    if summary.moved_aside:
        say(f"The previous file was moved to {summary.moved_aside}.")
    if summary.destroyed_again:
        say(
            f"Destroyed again {len(summary.destroyed_again)} data key(s) that were destroyed "
            "after the backup was made (erasures, retention): the key file remembers them."
        )
    elif provider is None:
        say(
            "No key file was found: data keys destroyed after the backup was made are alive "
            "in the restored store. Apply those erasures again."
        )


@store.command("destroy-forgotten")
@json_option
def destroy_forgotten(as_json: bool) -> None:
    """Destroy again the data keys the key file remembers as destroyed.

    For a store restored by other means than 'magcore store restore' (pg_restore, a copied
    file): erasures and retention runs made after its backup come back into force. Each owner
    whose keys go gets an audit line.
    """
    from ..app.maintenance import destroy_forgotten_keys
    from ..errors import KeyProviderError

    url = get_app().store_url()
    provider = _provider(url)
    if provider is None:
        raise KeyProviderError(f"no key provider is found for {url}: nothing to compare with")
    opened = _open(url, create=False)
    try:
        again = destroy_forgotten_keys(opened, provider, clock=get_app().clock().now)
    finally:
        opened.close()
    if as_json:
        emit_json({"destroyed_again": len(again)})
        return
    say(f"Destroyed again {len(again)} data key(s) the key file remembers as destroyed.")


@store.command("retention")
@click.option(
    "--dry-run", is_flag=True, help="Only say what would be destroyed; destroy and write nothing."
)
@click.option(
    "--again",
    is_flag=True,
    help="Also go over conversations destroyed before (once, after upgrading an older store).",
)
@json_option
def retention(dry_run: bool, again: bool, as_json: bool) -> None:
    """Destroy every conversation whose retention term has passed today.

    The retention job of the regulation: each conversation past its term (its cycle's
    retention profile; the installation's time zone decides what today is) loses its data
    key, with a 'destroy' audit line and a content-free tombstone. A record under a
    restriction of processing (AVG art. 18) is kept while the restriction holds. Run it daily
    from a scheduler, and at once after a restore. Prints counts, never content; a
    conversation that cannot be checked or destroyed is named in the log (standard error) and
    the command exits with 1 after doing the others.
    """
    run = get_app().service().apply_retention(dry_run=dry_run, again=again)
    if as_json:
        emit_json(
            {
                "today": run.today.isoformat(),
                "dry_run": run.dry_run,
                "destroyed": len(run.destroyed),
                "by_profile": dict(sorted(run.by_profile.items())),
                "held": run.held,
                "again": run.again,
                "failed": run.failed,
            }
        )
    else:
        verb = "Would destroy" if dry_run else "Destroyed"
        profiles = ", ".join(f"{n} under {p}" for p, n in sorted(run.by_profile.items()))
        say(
            f"{verb} {len(run.destroyed)} conversation(s) past their retention term on "
            f"{run.today.isoformat()}" + (f" ({profiles})." if profiles else ".")
        )
        if run.held:
            say(f"Kept {run.held} conversation(s) past their term: restricted (AVG art. 18).")
        if run.again:
            say(f"Went over {run.again} conversation(s) destroyed before (older goal copies).")
        if run.failed:
            say(
                f"{run.failed} conversation(s) could not be checked or destroyed (the log names "
                "them: an uninstalled cycle or retention profile, or a store error); the next "
                "run tries them again."
            )
    if run.failed:
        click.get_current_context().exit(1)


@store.command("repair-read-models")
@json_option
def repair_read_models(as_json: bool) -> None:
    """Write back every read-model row that differs from the events, with an audit line.

    For the rows 'magcore store check' names as not matching the events (someone wrote in the
    database): each is inserted, replaced or deleted as the events give it, in one
    transaction. Refused, with nothing changed, without the store's key file, when the audit
    log does not verify or when some conversation's events cannot be folded (restore a backup
    then). Exits with 1 when the read models still differ afterwards.
    """
    from ..app.read_model_check import read_model_problems
    from ..app.read_model_repair import repair_read_models as repair
    from ..errors import KeyProviderError

    url = get_app().store_url()
    provider = _provider(url)
    if provider is None:  # a chain checked without its keys vouches for no event
        raise KeyProviderError(
            f"no key provider is found for {url}: the audit log cannot be verified with its "
            "keys, so the events cannot vouch for the rows; nothing was changed"
        )
    opened = _open(url, create=False)
    try:
        result = repair(opened, provider=provider)
        remaining = read_model_problems(opened)
    finally:
        opened.close()
    if as_json:
        emit_json({**result.as_json(), "ok": not remaining, "problems": remaining})
    elif not result.changed:
        say("The read models already match the events; nothing was changed.")
    else:
        say(f"Repaired the read models from the events: {result.summary()}.")
        for table, changes in (
            ("conversations", result.conversations),
            ("agreements", result.agreements),
            ("people index", result.people),
        ):
            for action, keys in (
                ("inserted", changes.inserted),
                ("replaced", changes.replaced),
                ("deleted", changes.deleted),
            ):
                for key in keys:
                    say(f"  {table} {key}: {action}")
        say("One audit line records the repair.")
    if remaining:
        for problem in remaining:
            click.echo(f"problem: {' '.join(problem.split())}", err=True)
        click.echo(
            f"error: the read models still have {len(remaining)} problem(s) after the repair",
            err=True,
        )
        click.get_current_context().exit(1)


@store.command()
@json_option
def migrate(as_json: bool) -> None:
    """Bring the store's schema to this magcore's version (back it up first).

    Never creates a store: a missing or empty file is an error ('magcore init' creates one).
    """
    from ..errors import StorageError
    from ..storage.sqlite import path_from_url

    url = get_app().store_url()
    if url.startswith("sqlite:") and not path_from_url(url).exists():
        raise StorageError(f"{path_from_url(url)} does not exist; 'magcore init' creates a store")
    opened = _open(url, create=True)
    try:
        version = opened.schema_version()
    finally:
        opened.close()
    if as_json:
        emit_json({"store": url, "schema_version": version})
        return
    say(f"The store is at schema version {version}.")


@store.command()
@click.argument("source", metavar="FROM")
@click.argument("target", metavar="TO")
@json_option
def copy(source: str, target: str, as_json: bool) -> None:
    """Copy every event, audit line and table of the store FROM into the new, empty store TO.

    FROM and TO are store URLs (sqlite:///file.db, postgresql://...). Both are replayed
    afterwards and must be equal. Stop every writer of FROM first. The key file goes along:
    next to an SQLite target it is copied (file mode 0600); with a key folder both stores use
    the same file; a target with no place for a key file gets a warning saying what to do.
    """
    from ..app.maintenance import copy_between
    from ..cli._app import resolve_store_url
    from ..crypto.files import same_keys
    from ..defaults.keys import key_file_path
    from ..errors import KeyProviderError

    base = Path.cwd()
    target_url = resolve_store_url(target, base)
    new_file = _new_sqlite_file(target_url)
    source_url = resolve_store_url(source, base)
    source_keys, target_keys = key_file_path(source_url), key_file_path(target_url)
    if source_keys is not None and not source_keys.exists():
        source_keys = None  # a store without keys, or kept by a key-provider plugin
    if (
        source_keys is not None
        and target_keys is not None
        and target_keys.exists()
        and not same_keys(target_keys, source_keys)
    ):
        raise KeyProviderError(
            f"cannot copy: the key file {target_keys} of {target} already holds other keys; "
            "copy into a new store, or move that file aside. Nothing was copied"
        )
    opened_source = _open(source_url, create=False, read_only=True)
    try:
        opened_target = _open(target_url, create=True)
        try:
            summary, result = copy_between(
                opened_source, opened_target, keys=_audit_keys(source_url)
            )
        except BaseException:
            opened_target.close()
            if new_file is not None:  # created for this copy: leave nothing behind
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{new_file}{suffix}").unlink(missing_ok=True)
            raise
        opened_target.close()
    finally:
        opened_source.close()
    keys = _copy_keys(source_keys, target_keys)
    _witness_copy(target_url)
    if as_json:
        emit_json(
            {
                "from": summary.source,
                "to": summary.target,
                "rows": dict(summary.rows),
                "keys": keys,
            }
        )
        return
    say(
        f"Copied {result.events} events and {result.audit_entries} audit lines "
        f"({sum(summary.rows.values())} rows in {len(summary.rows)} tables); both replay alike."
    )
    if keys.get("copied_to"):
        say(f"Copied the key file to {keys['copied_to']}.")


def _witness_copy(url: str) -> None:
    """Witness the new copy's head at its own place (where its key provider keeps a witness)."""
    from ..app.chain import witness_copied_log

    provider = _provider(url)
    if provider is None:
        return
    opened = _open(url, create=False)
    try:
        witness_copied_log(opened, provider)
    finally:
        opened.close()


def _copy_keys(source: Path | None, target: Path | None) -> dict[str, str | None]:
    """Give the copy its keys: copy the key file, or say where it is shared or what to do."""
    from ..crypto.files import copy_key_file

    if source is None:
        return {"from": None, "copied_to": None, "shared": None}
    if target is None:
        click.echo(
            f"warning: the target has no place for a key file: set MAGCORE_KEY_FOLDER to a "
            f"folder holding a copy of {source} (named magcore-keys.json) before opening it, "
            "or its content and keyed audit lines cannot be read",
            err=True,
        )
        return {"from": str(source), "copied_to": None, "shared": None}
    if target.resolve() == source.resolve():
        return {"from": str(source), "copied_to": None, "shared": str(source)}
    copied = copy_key_file(source, target)
    return {"from": str(source), "copied_to": str(target) if copied else None, "shared": None}
