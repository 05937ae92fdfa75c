"""The conversation streams of the event log: requested to agreed, and agreement updates.

Each ``data`` string is what :mod:`magcore.conversation` writes for the same event. Split from
:mod:`magcore.simulate.events`, whose builder these methods are part of.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .course import DAY, HOUR, NOT_HELD_REASONS
from .eventcodes import (
    I64,
    T_CONFIRM,
    T_DRAFT,
    T_HELD,
    T_NOT_HELD,
    T_REQ,
    T_RESCHED,
    T_SCHED,
    T_UPDATE,
    _Part,
)
from .eventtext import _Text

__all__: list[str] = []

_AGREEMENT_TEXT = "gesimuleerd"


class _ConversationEvents(_Text):
    """The builder's conversation events (a part of :class:`magcore.simulate.events._Builder`)."""

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
            # Closed because someone left: by the one who stays (the partner, unless the
            # employee stays and the peer left).
            employee_left = self.sim.org.left[c.person[rows]] * DAY + 8 * HOUR <= c.t_out[rows]
            stays = np.where(employee_left, 1, 0)
            actor = self.participant(rows, np.where(reason == 3, stays, c.initiator[rows]))
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
