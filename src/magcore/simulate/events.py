"""The simulated event log, in the library's event format, built and written in chunks.

Every row is what :meth:`magcore.events.Event.to_json` gives for the same event: ``stream``,
``version``, ``type``, ``at``, ``actor`` and ``data`` (canonical JSON text: sorted keys, no
spaces, exactly :func:`magcore.events.canonical_json`). Conversation events use the types of
:mod:`magcore.conversation`, so :func:`magcore.conversation.replay` rebuilds each simulated
conversation. Organisation events are on the stream ``org:<organisation>`` (the configuration's
``organisation``, default ``sim``), each exactly the event
:func:`magcore.domain.orgchanges.changes` gives when the service records the same single change
(``person.joined``, ``person.left``, ``person.moved``, ``manager.changed``, with the roles and
managers they carry). The org stream has no ``organisation.imported`` or ``team.added``: the
starting organisation is not logged. Team measurement rounds
(:mod:`magcore.simulate.measurement`) are on ``measurement:<round>`` streams, as
:mod:`magcore.domain.measurement` writes them.

The log is produced one calendar month at a time (by ``at``), sorted by
``(at, stream, version)``, with the strings built column-wise by Arrow compute kernels from
lookup tables: no Python object per event. Parquet (``at`` as a UTC timestamp) and CSV (``at``
as ISO 8601 text) are written chunk by chunk, while the next chunks are built, so a log of tens
of millions of events never sits in memory.

The builder is split by stream: :mod:`magcore.simulate.eventcodes` (columns, type codes),
:mod:`magcore.simulate.eventtext` (string helpers), :mod:`magcore.simulate.conversation_events`
and :mod:`magcore.simulate.org_events`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..model.cycle import ParticipantRole
from ._order import lex_order, pack, stable_order
from .conversation_events import _ConversationEvents
from .course import DAY, HOUR, MINUTE
from .eventcodes import COLUMNS as COLUMNS
from .eventcodes import EVENT_TYPES as EVENT_TYPES
from .eventcodes import I64 as I64
from .eventcodes import (
    T_AGREED,
    T_CONFIRM,
    T_DRAFT,
    T_HELD,
    T_NOT_HELD,
    T_REQ,
    T_RESCHED,
    T_SCHED,
    T_UPDATE,
    _Part,
    _Slot,
)
from .eventcodes import _pa as _pa
from .kinds import recorder_slots, third_role
from .measurement import measurement_rounds
from .org_events import _OrgEvents
from .tables import Simulation

__all__ = ["COLUMNS", "EVENT_TYPES"]


class _Builder(_ConversationEvents, _OrgEvents):
    """Builds the event rows of a :class:`Simulation` window by window.

    Strings that repeat (stream names, actor ids, dates, clock times, event types) are built
    once into lookup tables; a window's rows are sorted on numbers first, so its ``stream``,
    ``type`` and ``actor`` columns are single lookups, and only ``data`` is reordered.
    """

    def __init__(self, sim: Simulation, shared: dict[str, Any] | None = None) -> None:
        self.pa = _pa()
        self.pc = self.pa.compute
        pa = self.pa
        self.sim = sim
        c = sim.conversations
        a = sim.agreements
        org = sim.org
        n = len(c)
        rows = np.arange(n, dtype=np.int64)
        held = np.flatnonzero(c.held)
        res = np.nonzero(c.t_resched >= 0)
        conf = np.nonzero((c.t_confirm >= 0) & c.held[:, None])
        resolved = np.flatnonzero(a.status > 0)
        self.agreed_t = c.t_confirm[rows, c.n_parts - 1]
        ev = org.events if sim.org_events else {k: v[:0] for k, v in org.events.items()}
        org_t = ev["day"] * DAY + 6 * HOUR
        key = pack(org_t - int(org_t.min()) if len(org_t) else org_t, ev["type"], ev["person"] + 1)
        org_order = (
            stable_order(key)
            if key is not None
            else np.lexsort((ev["person"], ev["type"], org_t)).astype(np.int64)
        )
        self.org_version = np.empty(len(org_t), dtype=np.int64)
        self.org_version[org_order] = np.arange(1, len(org_t) + 1)
        self.slots = [
            _Slot(T_REQ, c.t_req, rows),
            _Slot(T_SCHED, c.t_sched, rows),
            _Slot(T_RESCHED, c.t_resched[res], res[0].astype(np.int64), res[1].astype(np.int64)),
            _Slot(T_HELD, c.t_out[held], held),
            _Slot(T_NOT_HELD, c.t_out[~c.held], np.flatnonzero(~c.held)),
            _Slot(T_DRAFT, c.t_draft[held], held),
            _Slot(T_CONFIRM, c.t_confirm[conf], conf[0].astype(np.int64), conf[1].astype(np.int64)),
            _Slot(T_AGREED, self.agreed_t[held], held),
            _Slot(T_UPDATE, a.t_update[resolved], resolved),
            _Slot(-1, org_t[org_order], org_order),  # in version order, so each part is sorted
        ]
        # Team measurement rounds: with the organisation's events (not in a block's builder).
        self.rounds = measurement_rounds(sim.config, org) if sim.org_events else {}
        if self.rounds and len(self.rounds["team"]):
            n_rounds = len(self.rounds["team"])
            opened = self.rounds["opened"] * DAY + 9 * HOUR
            closed = self.rounds["closed"] * DAY + 17 * HOUR
            round_rows = np.arange(n_rounds, dtype=np.int64)
            self.slots.append(
                _Slot(
                    -2,
                    np.concatenate([opened, closed]),
                    np.concatenate([round_rows, round_rows]),
                    np.repeat(np.array([0, 1], dtype=np.int64), n_rounds),
                )
            )
        self.agreement_first = np.cumsum(c.n_agreements) - c.n_agreements
        cycle = sim.cycle
        # The constant text around a requested event's participants, per kind.
        self.kind_head = pa.array(
            [f',"cycle":"{cycle.key}","kind":"{k.id}","participants":' for k in cycle.kinds]
        )
        self.kind_middle = pa.array([f',"pattern":"{k.shape}","preparers":' for k in cycle.kinds])
        self.theme_json = pa.array([f'"{t.id}"' for t in cycle.themes] + ["null"])
        prep = np.zeros((len(cycle.kinds), 3), dtype=bool)
        # The role names of the slots per kind and code: employee, partner, third party.
        self.partner_roles = pa.array(
            [r for k in cycle.kinds for r in ("manager", "peer", "manager", third_role(k))]
        )
        self.third_roles = pa.array([str(third_role(k)) for k in cycle.kinds])
        for i, kind in enumerate(cycle.kinds):
            for j, role in enumerate((ParticipantRole.EMPLOYEE, None, third_role(kind))):
                if role is None:
                    prep[i, j] = any(
                        r in kind.preparers for r in (ParticipantRole.MANAGER, ParticipantRole.PEER)
                    )
                else:
                    prep[i, j] = role in kind.preparers
        self.preparer = prep
        self.recorder = np.array([recorder_slots(k) for k in cycle.kinds], dtype=bool).reshape(
            -1, 3
        )
        self.cycle_key = cycle.key
        self.types = pa.array(list(EVENT_TYPES))
        # Lookup tables: conversation ids and streams, actors (quoted for JSON), teams.
        self.conv_ids = self.ids("c", rows + sim.first_conversation, 8)
        self.streams = pa.concat_arrays(
            [
                pa.array([f"org:{sim.config.organisation}"]),
                self.join("conversation:", self.conv_ids),
                self.join("measurement:", self.round_ids()),
            ]
        )
        sizes = (1, org.n_people, max(org.n_managers, 1), max(sim.coaches, 1))
        self.actor_offset = np.cumsum((0, *sizes[:-1])).astype(np.int64)
        # Each conversation's participants as actor indices (slots: employee, partner, coach),
        # once, instead of per event: the partner is a peer (1), manager (2) or third party (3).
        partner_kind = np.where(c.pattern == 1, 1, np.where(c.pattern == 3, 3, 2))
        people = (c.person, c.partner, c.coach)
        kinds = (np.ones_like(c.person), partner_kind, np.full_like(c.person, 3))
        self.slot_actor = np.stack(
            [self.actor_offset[k] + np.maximum(p, 0) for k, p in zip(kinds, people, strict=True)],
            axis=1,
        )
        self.slot_none = np.stack([p < 0 for p in people], axis=1)
        # The tables over the whole organisation: built once per run when *shared* is given.
        tables = shared if shared is not None else {}
        if not tables:
            actors = pa.concat_arrays(
                [
                    pa.array(["system"]),
                    self.ids("p", np.arange(sizes[1], dtype=np.int64), 7),
                    self.ids("m", np.arange(sizes[2], dtype=np.int64), 6),
                    self.ids("k", np.arange(sizes[3], dtype=np.int64), 4),
                ]
            )
            minutes = np.arange(24 * 60)
            tables.update(
                actor=actors,
                quoted=pa.concat_arrays([pa.array(["null"]), self.join('"', actors[1:], '"')]),
                clock=pa.array([f"T{m // 60:02d}:{m % 60:02d}:00+00:00" for m in minutes.tolist()]),
                team=self.join('"', self.ids("t", np.arange(org.n_teams), 5), '"'),
            )
        self.actor_table = tables["actor"]
        self.quoted_table = tables["quoted"]
        self.clock_table = tables["clock"]
        self.team_table = tables["team"]
        numbers = int(a.number.max()) + 1 if len(a) else 1
        self.agreement_ids = pa.array([f"a{k}" for k in range(numbers)])
        starts = [int(s.t[0]) for s in self.slots if len(s.t)]
        ends = [int(s.t[-1]) for s in self.slots if len(s.t)]
        self.min_t = min(starts, default=0)
        self.max_t = max(ends, default=0)
        # Every date the log names: times of events, planned dates, days held, org days.
        candidates = [self.min_t // DAY, self.max_t // DAY]
        if n:
            candidates += [int(c.on.max()) // DAY, int(c.held_day.max())]
        if sim.org_events and len(org_t):  # the roles in org events start before the run
            candidates += [int(org.hired.min()), int((org.tm_key & 0xFFFFFFFF).min())]
        self.day_lo = min(candidates)
        day_hi = max(candidates) + 1
        table = np.arange(self.day_lo, day_hi + 1, dtype=np.int64).astype("datetime64[D]")
        self.day_names = pa.array(np.datetime_as_string(table, unit="D").astype(object))

    # -- one window ------------------------------------------------------------------------

    def table(self, a: int, b: int) -> tuple[Any, I64] | None:
        """The events with ``a <= at < b`` (seconds), sorted, as an Arrow table; and ``at``."""
        pa = self.pa
        parts: list[_Part] = []
        for slot in self.slots:
            t, rows, sub = slot.window(a, b)
            if not len(t):
                continue
            if slot.kind == -1:
                parts.append(self.org_part(t, rows))
            elif slot.kind == -2:
                parts.append(self.measurement_part(t, rows, sub))
            elif slot.kind == T_UPDATE:
                parts.append(self.update_part(t, rows))
            else:
                parts.append(self.conversation_part(slot.kind, t, rows, sub))
        if not parts:
            return None
        at = np.concatenate([p.at for p in parts])
        stream = np.concatenate([p.stream for p in parts])
        version = np.concatenate([p.version for p in parts])
        order = self.merge_order(at, stream, version)
        at = at[order]
        stream = stream[order]
        data = pa.concat_arrays([p.data for p in parts])
        actors = np.concatenate([p.actor for p in parts])
        table = pa.table(
            {
                "stream": self.dictionary(self.streams, stream),
                "version": pa.array(version[order].astype(np.int32)),
                "type": self.dictionary(self.types, np.concatenate([p.code for p in parts])[order]),
                "at": pa.array(at * 1_000_000, pa.timestamp("us", tz="UTC")),
                "actor": self.dictionary(self.actor_table, actors[order]),
                "data": self.take(data, order),
            }
        )
        return table, at

    @staticmethod
    def merge_order(at: I64, stream: I64, version: I64) -> I64:
        """The order by (at, stream, version) of the parts' rows, one after the other.

        Each part is sorted already, so a stable sort of one packed key (a merge sort that
        finds the sorted runs) merges them, instead of sorting from scratch.
        """
        if not len(at):
            return np.zeros(0, dtype=np.int64)
        unit = MINUTE if not (at % MINUTE).any() else 1
        first = at.min()
        key = pack((at - first) // unit, stream, version)
        if key is None:
            return lex_order(at, stream, version)
        order: I64 = np.argsort(key, kind="stable").astype(np.int64)
        return order
