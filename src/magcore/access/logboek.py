"""The audit log as Logboek Dataverwerkingen records (the Dutch government's logging standard).

The standard (Logius, *Logboek Dataverwerkingen*) logs every processing of personal data as an
OpenTelemetry span: a *Dataverwerking* is a trace, each *Actie* in it a span, with the
attributes ``dpl.core.processing_activity_id`` (a URI into the register of processing
activities), ``dpl.core.data_subject_id`` (the person concerned, not in clear) and
``dpl.core.data_subject_id_type``. This module turns magcore's audit chain into such spans with
``opentelemetry-sdk`` (``pip install 'magcore[logboek]'``), so they can go to any OpenTelemetry
exporter, and writes them as JSON records with the fields of the standard's interface.

- **One action, one span.** Every audit line is a span; lines written by one actor at one
  moment from one origin (one command) form one trace, the first line its root.
- **The same ids every time.** Trace and span ids are derived from the lines' keyed chain
  hashes, so exporting again gives the same ids and a record can be traced to its line.
- **The register is the regulation's.** ``dpl.core.processing_activity_id`` is
  :func:`~magcore.access.processing.activity_uri` of the line's activity, the same ids the
  regulation prints as the register (AVG art. 30).
- **No person in clear.** The data subject id is an HMAC-SHA-256 pseudonym under a key only the
  installation holds (:func:`subject_key`, derived from the audit key); the privacy officer can
  compute a person's pseudonym (:func:`pseudonym`) to find their lines. An object that names a
  person (``person:<id>/1``, ``person:<id>/sharing``, ``keys:person:<id>``,
  ``listing:<id>``), or a part by its author (``conversation:<id>/preparation:<id>``), names
  them by the same pseudonym in ``dpl.magcore.object``. ``subject_key=None``
  writes magcore person ids in clear, for a log that stays inside the organisation.
- **Status as the standard says.** A done or allowed action is ``STATUS_CODE_OK``, a refusal
  ``STATUS_CODE_UNSET`` (a refused request is no fault of the system), a failure
  ``STATUS_CODE_ERROR``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import attrs

from ..clock import Clock, as_utc
from ..domain.goals import GoalEvent
from ..storage.base import AuditRecord, Store
from ..storage.chain import ChainKey, parse_event_object
from .decision import PRIVACY_OFFICER
from .processing import DEFAULT_REGISTER, activity_for, activity_uri

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.sdk.trace.export import SpanExporter

__all__ = [
    "LOGBOEK_STATUS",
    "LogboekLine",
    "logboek_lines",
    "logboek_records",
    "pseudonym",
    "record_of",
    "subject_key",
    "write_logboek",
]

#: The standard's ``status_code`` values, by OpenTelemetry's status code number.
LOGBOEK_STATUS = {0: "STATUS_CODE_UNSET", 1: "STATUS_CODE_OK", 2: "STATUS_CODE_ERROR"}

_SEQ = "dpl.magcore.audit_seq"
_SUBJECT_LABEL = b"magcore logboek data subject v1"


def subject_key(audit_key: ChainKey) -> bytes:
    """The pseudonym key for data subject ids, derived from the installation's audit key."""
    return hmac.new(audit_key.secret, _SUBJECT_LABEL, hashlib.sha256).digest()


def pseudonym(person: str, key: bytes) -> str:
    """The ``dpl.core.data_subject_id`` of *person* under *key* (hex HMAC-SHA-256)."""
    return hmac.new(key, person.encode("utf-8"), hashlib.sha256).hexdigest()


@attrs.frozen
class LogboekLine:
    """One audit line as the standard sees it: the action, its trace and its subject."""

    seq: int
    name: str
    at: datetime
    trace_id: int
    span_id: int
    parent_span_id: int | None
    status: int
    attributes: Mapping[str, str | int]


def _id(label: bytes, line_hash: str, size: int) -> int:
    value = int.from_bytes(hashlib.sha256(label + line_hash.encode()).digest()[:size], "big")
    return value or 1  # an all-zero id is invalid in OpenTelemetry


class _Subjects:
    """Who an audit line is about, from the store's metadata (never from content)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._conversations: dict[str, str | None] | None = None
        self._goals: dict[str, str | None] = {}

    def of(self, obj: str) -> str | None:
        head = obj.split("/", 1)[0]
        kind, _, ident = head.partition(":")
        if kind == "conversation":
            if self._conversations is None:
                self._conversations = {r.id: r.subject for r in self.store.conversations()}
            return self._conversations.get(ident)
        if kind == "goal":
            if ident not in self._goals:
                owner = next(
                    (e.data.get("owner") for e in self.store.read(head) if e.type == GoalEvent.SET),
                    None,
                )
                self._goals[ident] = owner if isinstance(owner, str) else None
            return self._goals[ident]
        if kind == "person":
            return ident or None
        if kind == "keys":  # keys:person:<id>
            sub_kind, _, person = ident.partition(":")
            return person if sub_kind == "person" and person else None
        return None


#: Objects whose first part names a person: ``person:<id>/...`` (their stream, an event of it,
#: their sharing choices, a notification to them), ``keys:person:<id>`` (their key),
#: ``listing:<id>/...`` (what they listed).
_PERSON_OBJECTS = ("person:", "keys:person:", "listing:")


#: A part of an object named by its author, a person: ``conversation:<id>/preparation:<id>``
#: (and what follows it, ``/answers/<field>``). The author of a preparation is often the data
#: subject themselves: in clear beside their pseudonym, it would undo the pseudonym.
_AUTHORED_PART = re.compile(r"(^|/)(preparation:)([^/]+)")


def _object(obj: str, key: bytes | None) -> str:
    """*obj* with the people it names (the person of its first part, the author of a part) as
    their pseudonyms under *key* (as is without one)."""
    if key is None:
        return obj
    head, slash, rest = obj.partition("/")
    rest = _AUTHORED_PART.sub(lambda m: m[1] + m[2] + pseudonym(m[3], key), rest)
    for prefix in _PERSON_OBJECTS:
        if head.startswith(prefix) and len(head) > len(prefix):
            return f"{prefix}{pseudonym(head[len(prefix) :], key)}{slash}{rest}"
    return f"{head}{slash}{rest}"


def _status(result: str) -> int:
    if result in ("done", "allowed"):
        return 1
    if result == "denied":
        return 0
    return 2


def logboek_lines(
    store: Store,
    *,
    register: str = DEFAULT_REGISTER,
    subject_key: bytes | None = None,
    after: int = 0,
) -> Iterator[LogboekLine]:
    """The audit lines after *after*, each with its trace, span, activity and subject."""
    subjects = _Subjects(store)
    group: tuple[str, str, str] | None = None
    root = (0, 0)
    for entry in store.read_audit(after=after):
        line_hash = str(entry["hash"])
        key = (str(entry["at"]), str(entry["actor"]), str(entry["origin"]))
        span_id = _id(b"span", line_hash, 8)
        parent: int | None
        if key != group:
            group, root, parent = key, (_id(b"trace", line_hash, 16), span_id), None
        else:
            parent = root[1]
        attributes: dict[str, str | int] = {
            "dpl.core.processing_activity_id": activity_uri(activity_for(entry), register),
            _SEQ: int(entry["seq"]),
            "dpl.magcore.object": _object(str(entry["object"]), subject_key),
        }
        if entry.get("purpose"):
            attributes["dpl.magcore.purpose"] = str(entry["purpose"])
        person = subjects.of(str(entry["object"]))
        if person is not None:
            if subject_key is None:
                attributes["dpl.core.data_subject_id"] = person
                attributes["dpl.core.data_subject_id_type"] = f"{register}#person-id"
            else:
                attributes["dpl.core.data_subject_id"] = pseudonym(person, subject_key)
                attributes["dpl.core.data_subject_id_type"] = f"{register}#person-id-hmac-sha256"
        yield LogboekLine(
            seq=int(entry["seq"]),
            name=_name(entry),
            at=datetime.fromisoformat(str(entry["at"])),
            trace_id=root[0],
            span_id=span_id,
            parent_span_id=parent,
            status=_status(str(entry["result"])),
            attributes=attributes,
        )


def _name(entry: Mapping[str, Any]) -> str:
    action, obj = str(entry["action"]), str(entry["object"])
    event = parse_event_object(obj)
    kind = (event[0] if event else obj.split("/", 1)[0]).split(":", 1)[0]
    return action if action.startswith(f"{kind}.") else f"{action} {kind}".strip()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("magcore")
    except PackageNotFoundError:  # a source tree that was never installed
        return "unknown"


def _spans(lines: Iterable[LogboekLine], exporter: SpanExporter, service: str) -> None:
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.id_generator import IdGenerator
    from opentelemetry.sdk.trace.sampling import ALWAYS_ON
    from opentelemetry.trace import NonRecordingSpan, SpanContext, Status, StatusCode, TraceFlags

    class Preset(IdGenerator):
        """Hands out the ids derived from the chain, one span at a time."""

        trace_id = 0
        span_id = 0

        def generate_trace_id(self) -> int:
            return self.trace_id

        def generate_span_id(self) -> int:
            return self.span_id

    ids = Preset()
    release = _version()
    resource = Resource.create({"service.name": service, "service.version": release})
    provider = TracerProvider(
        sampler=ALWAYS_ON, resource=resource, id_generator=ids, shutdown_on_exit=False
    )
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("magcore.access.logboek", release)
    try:
        for line in lines:
            ids.trace_id, ids.span_id = line.trace_id, line.span_id
            context = None
            if line.parent_span_id is not None:
                parent = SpanContext(
                    line.trace_id,
                    line.parent_span_id,
                    is_remote=False,
                    trace_flags=TraceFlags(TraceFlags.SAMPLED),
                )
                context = trace.set_span_in_context(NonRecordingSpan(parent))
            at = int(line.at.timestamp() * 1_000_000) * 1_000
            span = tracer.start_span(
                line.name, context=context, attributes=dict(line.attributes), start_time=at
            )
            if line.status:
                span.set_status(Status(StatusCode.OK if line.status == 1 else StatusCode.ERROR))
            span.end(end_time=at)
    finally:
        provider.shutdown()


def record_of(span: ReadableSpan) -> dict[str, Any]:
    """The standard's record (its interface's fields) of one exported span."""
    context = span.context
    assert context is not None  # a span the SDK ended always has its context
    record: dict[str, Any] = {
        "trace_id": f"{context.trace_id:032x}",
        "span_id": f"{context.span_id:016x}",
        "status_code": LOGBOEK_STATUS[int(span.status.status_code.value)],
        "name": span.name,
        "start_time": (span.start_time or 0) // 1_000_000,
        "end_time": (span.end_time or 0) // 1_000_000,
    }
    if span.parent is not None:
        record["parent_span_id"] = f"{span.parent.span_id:016x}"
    record["resource"] = {
        "attributes": [{"key": k, "value": v} for k, v in sorted(span.resource.attributes.items())]
    }
    record["attributes"] = [
        {"key": k, "value": v} for k, v in sorted((span.attributes or {}).items())
    ]
    return record


def _collecting() -> tuple[SpanExporter, list[ReadableSpan]]:
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

    spans: list[ReadableSpan] = []

    class Collect(SpanExporter):
        def export(self, batch: Sequence[ReadableSpan]) -> SpanExportResult:
            spans.extend(batch)
            return SpanExportResult.SUCCESS

    return Collect(), spans


def logboek_records(
    store: Store,
    *,
    actor: str,
    clock: Clock,
    origin: str = "api",
    register: str = DEFAULT_REGISTER,
    subject_key: bytes | None = None,
    after: int = 0,
    exporter: SpanExporter | None = None,
    service: str = "magcore",
) -> list[dict[str, Any]]:
    """The audit lines after *after* as Logboek Dataverwerkingen records.

    The export is itself a disclosure: *actor* (the privacy officer) and *origin* are written
    in an audit line of its own, after the lines it exports, at the time of *clock* (the
    service's, ``service.clock``, as every other line; never the wall clock). With *exporter* (any
    OpenTelemetry ``SpanExporter``, e.g. OTLP to the organisation's Logboek) the spans also go
    there. Needs ``pip install 'magcore[logboek]'``.
    """
    from ..extras import require

    require("logboek", feature="the Logboek Dataverwerkingen export")
    collect, spans = _collecting()
    lines = logboek_lines(store, register=register, subject_key=subject_key, after=after)
    _spans(lines, collect, service)
    if exporter is not None:
        exporter.export(spans)
    records = [record_of(span) for span in spans]
    seqs = [a["value"] for r in records for a in r["attributes"] if a["key"] == _SEQ]
    last = max(seqs, default=after)
    store.append_audit(
        [
            AuditRecord(
                at=as_utc(clock.now()).isoformat(),
                actor=actor,
                action="export",
                object=f"audit:logboek/{after + 1}-{last}",
                result="done",
                origin=origin,
                reason=f"{len(records)} lines as Logboek Dataverwerkingen records",
                purpose=PRIVACY_OFFICER,
            )
        ]
    )
    return records


def write_logboek(records: Iterable[Mapping[str, Any]], out: IO[str] | Path) -> int:
    """Write *records* as JSON lines to *out* (a file or a path); returns how many."""
    if isinstance(out, Path):
        with out.open("w", encoding="utf-8") as handle:
            return write_logboek(records, handle)
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
        count += 1
    return count
