"""String building for the event log: lookup tables, ids, dates and JSON lists, column-wise.

The base of the event builder (:mod:`magcore.simulate.events`): Arrow compute kernels build a
window's strings from lookup tables, with no Python object per event. Split from
:mod:`magcore.simulate.events`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .course import DAY, MINUTE
from .eventcodes import I64
from .tables import Simulation

__all__: list[str] = []


class _Text:
    """The lookup tables the builder fills in, and the string helpers that read them."""

    pa: Any
    pc: Any
    sim: Simulation
    rounds: dict[str, I64]
    org_version: I64
    agreement_first: I64
    kind_head: Any
    kind_middle: Any
    theme_json: Any
    partner_roles: Any
    third_roles: Any
    preparer: npt.NDArray[np.bool_]
    recorder: npt.NDArray[np.bool_]
    conv_ids: Any
    actor_offset: I64
    slot_actor: I64
    slot_none: npt.NDArray[np.bool_]
    quoted_table: Any
    clock_table: Any
    team_table: Any
    agreement_ids: Any
    day_lo: int
    day_names: Any

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
