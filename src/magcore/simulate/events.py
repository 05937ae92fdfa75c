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
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ..model.cycle import ParticipantRole
from ._order import lex_order, pack, stable_order
from .engine import DAY, HOUR, MINUTE, NOT_HELD_REASONS, Simulation, recorder_slots, third_role
from .measurement import QUESTIONNAIRE_JSON, measurement_rounds, minimum_group
from .org import ORG_JOINED, ORG_LEFT, ORG_MANAGER_CHANGED, ORG_MOVED

__all__ = ["COLUMNS", "EVENT_TYPES"]

I64 = npt.NDArray[np.int64]

#: The columns of the event log, in order.
COLUMNS = ("stream", "version", "type", "at", "actor", "data")
#: The event types the simulator writes, by code.
EVENT_TYPES = (
    "conversation.requested",
    "conversation.scheduled",
    "conversation.rescheduled",
    "conversation.held",
    "conversation.not_held",
    "record.drafted",
    "record.confirmed",
    "conversation.agreed",
    "agreement.updated",
    "person.joined",
    "person.left",
    "person.moved",
    "manager.changed",
    "measurement.opened",
    "measurement.closed",
)
(
    T_REQ,
    T_SCHED,
    T_RESCHED,
    T_HELD,
    T_NOT_HELD,
    T_DRAFT,
    T_CONFIRM,
    T_AGREED,
    T_UPDATE,
    T_JOINED,
    T_LEFT,
    T_MOVED,
    T_MANAGER,
    T_OPENED,
    T_CLOSED,
) = range(len(EVENT_TYPES))
_AGREEMENT_TEXT = "gesimuleerd"


def _pa() -> Any:
    try:
        import pyarrow
        import pyarrow.compute
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "writing the event log needs pyarrow: pip install 'magcore[parquet]'"
        ) from exc
    return pyarrow


class _Slot:
    """Events of one type: times sorted, with the row (and sub-index) each comes from."""

    def __init__(self, kind: int, t: I64, row: I64, sub: I64 | None = None) -> None:
        order = stable_order(t)
        self.kind = kind
        self.t = t[order]
        self.row = row[order]
        self.sub = sub[order] if sub is not None else None

    def window(self, a: int, b: int) -> tuple[I64, I64, I64]:
        lo, hi = np.searchsorted(self.t, [a, b], side="left")
        sub = self.sub[lo:hi] if self.sub is not None else np.zeros(hi - lo, dtype=np.int64)
        return self.t[lo:hi], self.row[lo:hi], sub


class _Part:
    """The events of one type in one window: numbers for sorting, and the ``data`` strings."""

    __slots__ = ("actor", "at", "code", "data", "stream", "version")

    def __init__(
        self, at: I64, stream: I64, version: I64, code: I64 | int, actor: I64, data: Any
    ) -> None:
        self.at = at
        self.stream = stream
        """0 for the organisation's stream, 1 + the conversation's row otherwise."""
        self.version = version
        self.code = np.broadcast_to(np.asarray(code, dtype=np.int64), at.shape)
        self.actor = actor
        """Index into the builder's actor table."""
        self.data = data


class _Builder:
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

    # -- small string helpers -------------------------------------------------------------

    def ids(self, prefix: str, nums: I64, width: int) -> Any:
        pc = self.pc
        text = pc.utf8_lpad(pc.cast(self.pa.array(nums), self.pa.string()), width, "0")
        return pc.binary_join_element_wise(prefix, text, "")

    def dictionary(self, table: Any, index: I64) -> Any:
        """``table[index]`` dictionary-encoded: the window's own values (in *table*'s order),
        and an ``int32`` index into them. No string is copied per row, and a Parquet writer
        takes the dictionary as it is instead of hashing every value again."""
        present = np.zeros(len(table), dtype=bool)
        present[index] = True
        used = np.flatnonzero(present)
        position = np.cumsum(present, dtype=np.int32) - 1
        return self.pa.DictionaryArray.from_arrays(
            self.pa.array(position[index]), self.take(table, used)
        )

    def take(self, table: Any, index: I64) -> Any:
        return self.pc.take(table, self.pa.array(index))

    def actor(self, kind: I64 | int, nums: I64) -> I64:
        """Actor index: kind 0 system, 1 person, 2 manager, 3 coach (one table for all)."""
        result: I64 = self.actor_offset[kind] + np.maximum(nums, 0)
        return result

    def json_id(self, kind: I64 | int, nums: I64) -> Any:
        """``"id"`` or ``null`` for each (kind, number); number -1 means nobody."""
        index = np.where(nums < 0, 0, self.actor_offset[kind] + np.maximum(nums, 0))
        return self.take(self.quoted_table, index)

    def days(self, day: I64) -> Any:
        return self.take(self.day_names, day - self.day_lo)

    def iso(self, t: I64) -> Any:
        """``YYYY-MM-DDTHH:MM:SS+00:00``, as ``datetime.isoformat`` writes an aware UTC time.

        Simulated times are whole minutes, so the time of day comes from a 1,440-entry table.
        """
        day, second = np.divmod(t, DAY)
        return self.join(self.days(day), self.take(self.clock_table, second // MINUTE))

    def join(self, *parts: Any) -> Any:
        return self.pc.binary_join_element_wise(*parts, "")

    def constant(self, text: str, n: int) -> Any:
        return self.pa.repeat(self.pa.scalar(text, self.pa.string()), n)

    def participant(self, rows: I64, slot: I64 | int) -> I64:
        """The actor index of participant *slot* (0 employee, 1 partner, 2 coach) of *rows*."""
        result: I64 = self.slot_actor[rows, slot]
        return result

    def participant_json(self, rows: I64, slot: int) -> Any:
        """``"id"`` of participant *slot* of *rows*, or ``null`` where there is nobody."""
        index = np.where(self.slot_none[rows, slot], 0, self.slot_actor[rows, slot])
        return self.take(self.quoted_table, index)

    def agreement_list(self, agreement_rows: I64, counts: I64, carried: bool) -> Any:
        """``[{...},{...}]`` per row: the agreements *agreement_rows*, grouped by *counts*."""
        pa, pc = self.pa, self.pc
        a = self.sim.agreements
        c = self.sim.conversations
        src = a.conv[agreement_rows]
        number = self.take(self.agreement_ids, a.number[agreement_rows])
        owner_names = pa.array(["employee", "both", "manager", "coach", "peer"])
        owner_code = np.where(
            (a.owner[agreement_rows] == 2) & (c.pattern[src] == 1), 4, a.owner[agreement_rows]
        )
        owner_code = np.where((owner_code == 2) & (c.pattern[src] == 3), 3, owner_code)
        theme_code = np.where(
            a.theme[agreement_rows] < 0, len(self.theme_json) - 1, a.theme[agreement_rows]
        )
        if carried:
            origin = self.join('"', self.take(self.conv_ids, src), "#", number, '"')
        else:
            origin = self.constant("null", len(agreement_rows))
        items = self.join(
            '{"carried_from":',
            origin,
            ',"due":null,"id":"',
            number,
            '","owner":"',
            self.take(owner_names, owner_code),
            '","status":"open","text":"',
            _AGREEMENT_TEXT,
            '","theme":',
            self.take(self.theme_json, theme_code),
            "}",
        )
        offsets = np.zeros(len(counts) + 1, dtype=np.int32)
        np.cumsum(counts, out=offsets[1:])
        lists = pa.ListArray.from_arrays(pa.array(offsets), items)
        return self.join("[", pc.binary_join(lists, ","), "]")

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

    def conversation_part(self, kind: int, t: I64, rows: I64, sub: I64) -> _Part:
        pa = self.pa
        c = self.sim.conversations
        n = len(rows)
        r = c.n_resched[rows]
        version: I64
        if kind == T_REQ:
            version = np.ones(n, dtype=np.int64)
            actor = self.participant(rows, c.initiator[rows])
            data = self.requested(rows)
        elif kind == T_SCHED:
            version = np.full(n, 2, dtype=np.int64)
            actor = self.participant(rows, c.initiator[rows])
            data = self.join('{"on":"', self.iso(c.on[rows, 0]), '","place":""}')
        elif kind == T_RESCHED:
            version = 3 + sub
            reason = c.resched_reason[rows, sub]
            actor = self.participant(rows, np.where(reason == 0, 0, 1))
            data = self.join(
                '{"on":"',
                self.iso(c.on[rows, sub + 1]),
                '","reason":"',
                self.take(pa.array(["absence", "no_time"]), reason),
                '"}',
            )
        elif kind == T_HELD:
            version = 3 + r
            actor = self.participant(rows, 1)
            data = self.join('{"on":"', self.days(c.held_day[rows]), '"}')
        elif kind == T_NOT_HELD:
            version = 3 + r
            reason = c.reason[rows]
            actor = self.participant(rows, np.where(reason == 3, 1, c.initiator[rows]))
            data = self.take(
                pa.array([f'{{"reason":"{name}"}}' for name in NOT_HELD_REASONS]), reason
            )
        elif kind == T_DRAFT:
            version = 4 + r
            actor = self.participant(rows, c.author[rows])
            first = self.agreement_first[rows]
            counts = c.n_agreements[rows]
            agreement_rows = np.repeat(first - np.cumsum(counts) + counts, counts) + np.arange(
                int(counts.sum())
            )
            medium = self.take(pa.array(["digital", "paper"]), c.paper[rows].astype(np.int64))
            data = self.join(
                '{"agreements":',
                self.agreement_list(agreement_rows, counts, False),
                ',"answers":{},"content_on_paper":false,"medium":"',
                medium,
                '","revision":1,"summary":"","themes":[]}',
            )
        elif kind == T_CONFIRM:
            version = 5 + r + sub
            actor = self.participant(rows, c.confirm_slot[rows, sub])
            data = self.constant('{"revision":1}', n)
        else:  # agreed
            version = 5 + r + c.n_parts[rows]
            actor = self.participant(rows, c.confirm_slot[rows, c.n_parts[rows] - 1])
            data = self.constant('{"revision":1}', n)
        return _Part(t, rows + 1, version, kind, actor, data)

    def requested(self, rows: I64) -> Any:
        pa, pc = self.pa, self.pc
        c = self.sim.conversations
        a = self.sim.agreements
        pattern = c.pattern[rows]
        employee = self.json_id(1, c.person[rows])
        partner = self.participant_json(rows, 1)
        three = pattern == 2
        role = self.take(self.partner_roles, c.kind[rows] * 4 + pattern)
        pieces = [
            '[{"person":',
            employee,
            ',"role":"employee"},{"person":',
            partner,
            ',"role":"',
            role,
            '"}',
        ]
        coach_id = None
        if three.any():
            coach_id = self.participant_json(rows, 2)
            pieces.append(
                pc.if_else(
                    pa.array(three),
                    self.join(
                        ',{"person":',
                        coach_id,
                        ',"role":"',
                        self.take(self.third_roles, c.kind[rows]),
                        '"}',
                    ),
                    "",
                )
            )
        pieces.append("]")
        participants = self.join(*pieces)
        alone = pattern == 3  # the third party in the partner slot (no optional manager)
        prep_flags, rec_flags = self.preparer[c.kind[rows]], self.recorder[c.kind[rows]]
        for flags in (prep_flags, rec_flags):
            flags[alone, 1] = flags[alone, 2]
        preparers = self.role_list(prep_flags, three, employee, partner, coach_id)
        if np.array_equal(prep_flags, rec_flags):
            recorders = preparers  # the same people prepare and record (the usual case)
        else:
            recorders = self.role_list(rec_flags, three, employee, partner, coach_id)
        lo = np.searchsorted(a.carried_conv, rows, side="left")
        hi = np.searchsorted(a.carried_conv, rows, side="right")
        counts = hi - lo
        carried_idx = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(
            int(counts.sum())
        )
        carried = self.agreement_list(a.carried_row[carried_idx], counts, True)
        return self.join(
            '{"carried_forward":',
            carried,
            self.take(self.kind_head, c.kind[rows]),
            participants,
            self.take(self.kind_middle, c.kind[rows]),
            preparers,
            ',"recorders":',
            recorders,
            ',"team":',
            self.take(self.team_table, c.team[rows]),
            ',"themes":[]}',
        )

    def role_list(
        self, flags: npt.NDArray[np.bool_], three: Any, employee: Any, partner: Any, coach: Any
    ) -> Any:
        """``[ids]`` per row: the employee, partner and coach whose *flags* are set, in order."""
        pa, pc = self.pa, self.pc
        flags = flags.copy()
        flags[:, 2] &= three
        if flags[:, :2].all() and not flags[:, 2].any():
            return self.join("[", employee, ",", partner, "]")
        # (Not binary_join_element_wise(null_handling="skip"): pyarrow 26 drops rows there.)
        comma = pa.array(["", ","])
        first = flags[:, 0] & (flags[:, 1] | flags[:, 2])
        second = flags[:, 1] & flags[:, 2]
        return self.join(
            "[",
            pc.if_else(pa.array(flags[:, 0]), employee, ""),
            self.take(comma, first.astype(np.int64)),
            pc.if_else(pa.array(flags[:, 1]), partner, ""),
            self.take(comma, second.astype(np.int64)),
            pc.if_else(pa.array(flags[:, 2]), coach, "") if coach is not None else "",
            "]",
        )

    def update_part(self, t: I64, rows: I64) -> _Part:
        pa = self.pa
        a = self.sim.agreements
        conv = a.conv[rows]
        data = self.join(
            '{"agreement":"',
            self.take(self.agreement_ids, a.number[rows]),
            '","note":"","status":"',
            self.take(pa.array(["open", "done", "dropped"]), a.status[rows]),
            '"}',
        )
        actor = self.actor(1, self.sim.conversations.person[conv])
        return _Part(t, conv + 1, a.version[rows], T_UPDATE, actor, data)

    # -- the organisation's stream, measurement rounds ----------------------------------------

    def team_ids(self, teams: I64) -> Any:
        return self.ids("t", teams, 5)

    def round_ids(self, rows: I64 | None = None) -> Any:
        """``team-<team>-NNN``: the round ids (all, or *rows*); the series is ``team-<team>``."""
        if not self.rounds:
            return self.pa.array([], self.pa.string())
        rows = np.arange(len(self.rounds["team"])) if rows is None else rows
        number = self.pc.cast(self.pa.array(self.rounds["number"][rows]), self.pa.string())
        return self.join(
            "team-",
            self.team_ids(self.rounds["team"][rows]),
            "-",
            self.pc.utf8_lpad(number, 3, "0"),
        )

    def measurement_part(self, t: I64, rows: I64, sub: I64) -> _Part:
        """``measurement.opened`` (*sub* 0) and ``.closed`` (1), as the library writes them."""
        pa, pc = self.pa, self.pc
        r = self.rounds
        n = len(rows)
        text = pa.array(np.full(n, "", dtype=object), pa.string())
        round_id = self.round_ids(rows)
        k = minimum_group(self.sim.config)
        opening = sub == 0
        if opening.any():
            o = rows[opening]
            team = self.team_ids(r["team"][o])
            first = r["number"][o] == 0
            opened = self.join(
                '{"below":false,"eligible":',
                pc.cast(pa.array(r["eligible"][o]), pa.string()),
                f',"k":{k},"label":"',
                self.take(pa.array(["vervolgmeting", "0-meting"]), first.astype(np.int64)),
                '","opened_on":"',
                self.days(r["opened"][o]),
                f'","organisation":"{self.sim.config.organisation}","phase":"',
                self.take(pa.array(["follow_up", "baseline"]), first.astype(np.int64)),
                f'","questionnaire":{QUESTIONNAIRE_JSON},"round":"',
                self.take(round_id, np.flatnonzero(opening)),
                '","series":"team-',
                team,
                '","unit":"',
                team,
                '"}',
            )
            text = self.scatter(text, opening, opened)
        if (~opening).any():
            c = rows[~opening]
            answered = r["respondents"][c]
            shown = answered >= k
            count = pc.cast(pa.array(answered), pa.string())
            closed = self.join(
                '{"respondents":',
                pc.if_else(pa.array(shown), count, "null"),
                ',"round":"',
                self.take(round_id, np.flatnonzero(~opening)),
                '","suppressed":',
                self.take(pa.array(["true", "false"]), shown.astype(np.int64)),
                "}",
            )
            text = self.scatter(text, ~opening, closed)
        stream = 1 + len(self.sim.conversations) + rows
        version = 1 + sub
        zeros = np.zeros(n, dtype=np.int64)
        return _Part(t, stream, version, np.where(opening, T_OPENED, T_CLOSED), zeros, text)

    def scatter(self, base: Any, mask: npt.NDArray[np.bool_], values: Any) -> Any:
        """*base* with the rows where *mask* holds replaced by *values*, in order."""
        index = np.arange(len(mask), dtype=np.int64)
        index[mask] = len(mask) + np.arange(int(mask.sum()), dtype=np.int64)
        return self.take(self.pa.concat_arrays([base, values]), index)

    def ragged(self, lo: I64, hi: I64) -> tuple[I64, I64]:
        """(row, group) for the rows ``lo[g]:hi[g]`` of every group *g*, groups in order."""
        counts = hi - lo
        group = np.repeat(np.arange(len(lo), dtype=np.int64), counts)
        row = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
        return row.astype(np.int64), group

    def json_list(self, items: Any, group: I64, n: int) -> Any:
        """``[item,...]`` per group (*items* are ordered by group)."""
        offsets = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(np.bincount(group, minlength=n), out=offsets[1:])
        lists = self.pa.ListArray.from_arrays(self.pa.array(offsets), items)
        return self.join("[", self.pc.binary_join(lists, ","), "]")

    def member_roles(self, person: I64, day: I64) -> Any:
        """The ``roles`` of ``person.moved``: each person's member roles up to *day* (the
        earlier ones ended), sorted as the library sorts them (team, start)."""
        org = self.sim.org
        key = org.asg_key
        lo = np.searchsorted(key, person << 32, side="left")
        hi = np.searchsorted(key, (person << 32) | day, side="right")
        row, group = self.ragged(lo, hi)
        start = key[row] & 0xFFFFFFFF
        ended = row != np.repeat(hi - 1, hi - lo)
        end = np.where(ended, key[np.minimum(row + 1, len(key) - 1)] & 0xFFFFFFFF, 0)
        team = org.asg_team[row]
        order = np.lexsort((start, team, group))
        row, group, start, ended, end, team = (
            x[order] for x in (row, group, start, ended, end, team)
        )
        items = self.join(
            self.pc.if_else(self.pa.array(ended), self.join('{"end":"', self.days(end), '",'), "{"),
            '"role":"member","start":"',
            self.days(start),
            '","team":',
            self.take(self.team_table, team),
            "}",
        )
        return self.json_list(items, group, len(person))

    def manager_roles(self, team: I64, day: I64) -> Any:
        """The ``managers`` of ``manager.changed``: each team's manager roles up to *day*."""
        org = self.sim.org
        key = org.tm_key
        lo = np.searchsorted(key, team << 32, side="left")
        hi = np.searchsorted(key, (team << 32) | day, side="right")
        row, group = self.ragged(lo, hi)
        start = key[row] & 0xFFFFFFFF
        nxt = np.minimum(row + 1, len(key) - 1)
        ended = row != np.repeat(hi - 1, hi - lo)
        end = np.where(ended, key[nxt] & 0xFFFFFFFF, 0)
        manager = org.tm_manager[row]
        keep = manager >= 0  # a team without a manager has no manager role
        row, group, start, ended, end, manager = (
            x[keep] for x in (row, group, start, ended, end, manager)
        )
        order = np.lexsort((start, manager, group))  # by person (m-ids in number order)
        group, start, ended, end, manager = (x[order] for x in (group, start, ended, end, manager))
        items = self.join(
            self.pc.if_else(self.pa.array(ended), self.join('{"end":"', self.days(end), '",'), "{"),
            '"person":',
            self.json_id(2, manager),
            ',"role":"manager","start":"',
            self.days(start),
            '","team":',
            self.take(self.team_table, team[group]),
            "}",
        )
        return self.json_list(items, group, len(team))

    def org_part(self, t: I64, rows: I64) -> _Part:
        """``person.joined``/``left``/``moved`` and ``manager.changed``, as the library's
        :func:`magcore.domain.orgchanges.changes` writes them for the same single change."""
        pa = self.pa
        ev = self.sim.org.events
        kind = ev["type"][rows]
        group = stable_order(kind)
        texts = []
        for code in (ORG_JOINED, ORG_LEFT, ORG_MOVED, ORG_MANAGER_CHANGED):
            these = rows[group[kind[group] == code]]
            if not len(these):
                continue
            on = self.days(ev["day"][these])
            team = self.take(self.team_table, ev["team"][these])
            if code == ORG_MANAGER_CHANGED:
                texts.append(
                    self.join(
                        '{"manager":',
                        self.json_id(2, ev["manager"][these]),
                        ',"managers":',
                        self.manager_roles(ev["team"][these], ev["day"][these]),
                        ',"on":"',
                        on,
                        '","previous":',
                        self.json_id(2, ev["previous"][these]),
                        ',"team":',
                        team,
                        "}",
                    )
                )
                continue
            person = self.json_id(1, ev["person"][these])
            if code == ORG_LEFT:
                texts.append(self.join('{"on":"', on, '","person":', person, "}"))
            elif code == ORG_JOINED:
                texts.append(
                    self.join(
                        '{"on":"',
                        on,
                        '","person":',
                        person,
                        ',"record":{"email":null,"hired_on":"',
                        on,
                        '"},"roles":[{"role":"member","start":"',
                        on,
                        '","team":',
                        team,
                        "}]}",
                    )
                )
            else:
                texts.append(
                    self.join(
                        '{"from_team":',
                        self.take(self.team_table, ev["previous"][these]),
                        ',"on":"',
                        on,
                        '","person":',
                        person,
                        ',"roles":',
                        self.member_roles(ev["person"][these], ev["day"][these]),
                        ',"team":',
                        team,
                        "}",
                    )
                )
        inverse = np.empty(len(rows), dtype=np.int64)
        inverse[group] = np.arange(len(rows), dtype=np.int64)
        data = self.take(pa.concat_arrays(texts), inverse)
        n = len(rows)
        return _Part(
            t,
            np.zeros(n, dtype=np.int64),
            self.org_version[rows],
            T_JOINED + kind,
            np.zeros(n, dtype=np.int64),
            data,
        )
