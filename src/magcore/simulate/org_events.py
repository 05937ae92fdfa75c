"""The organisation's stream and the measurement rounds of the event log.

``person.joined``/``left``/``moved`` and ``manager.changed`` as
:func:`magcore.domain.orgchanges.changes` writes them, and ``measurement.opened``/``closed`` as
:mod:`magcore.domain.measurement` writes them. Split from :mod:`magcore.simulate.events`, whose
builder these methods are part of.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._order import stable_order
from .eventcodes import I64, T_CLOSED, T_JOINED, T_OPENED, _Part
from .eventtext import _Text
from .measurement import QUESTIONNAIRE_JSON, minimum_group
from .org import ORG_JOINED, ORG_LEFT, ORG_MANAGER_CHANGED, ORG_MOVED

__all__: list[str] = []


class _OrgEvents(_Text):
    """The builder's organisation and measurement events (a part of
    :class:`magcore.simulate.events._Builder`)."""

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
