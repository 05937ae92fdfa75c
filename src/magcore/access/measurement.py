"""Reading a measurement's results: the only way its counts leave the store, always audited.

A comparison reads the counts of a series' closed rounds from the store's ballot boxes
(:mod:`magcore.storage.ballots`), lets :func:`magcore.domain.measurement.compare` decide what
may be shown (every number at least the minimum group size), and chains one audit line: who
asked, for which series, with which minimum. Opening and closing a round leave their own line
(:func:`audit_line`), written with the round's event in the same transaction. Answering leaves
none, on purpose: a dated line per answer would say who answered when. Added in 0.2.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import cast

from ..clock import as_utc
from ..domain.measurement import check_counts, compare
from ..model.measurement import Comparison, Round
from ..storage.ballots import BallotBoxes
from ..storage.base import AuditRecord, Store
from .statistics import check_minimum

__all__ = ["PURPOSE", "audit_line", "read_comparison"]

#: The purpose every measurement audit line names.
PURPOSE = "team_measurement"


def audit_line(action: str, what: str, *, actor: str, at: datetime, origin: str) -> AuditRecord:
    """The audit line of *action* (``measurement.open``, ``.close``, ``.report``) on *what*."""
    return AuditRecord(
        at=as_utc(at).isoformat(),
        actor=actor,
        action=action,
        object=what,
        result="done",
        origin=origin,
        purpose=PURPOSE,
    )


def read_comparison(
    store: Store,
    rounds: Sequence[Round],
    *,
    k: int | None,
    asker: str,
    at: datetime,
    origin: str,
) -> Comparison:
    """The comparison of *rounds* (closed rounds of one series) as it may be shown, audited.

    *k* may only raise the regulation's minimum group size
    (:func:`magcore.access.statistics.check_minimum`). Counts that are not those a round was
    closed on are refused with :class:`~magcore.domain.measurement.CountsIntegrityError`.
    """
    minimum = check_minimum(k)
    boxes = cast(BallotBoxes, store)
    found: list[tuple[Round, Mapping[str, Mapping[str, int]] | None]] = []
    for current in rounds:
        counts = boxes.ballot_counts(current.id)
        # counts changed outside magcore are refused, not shown (CountsIntegrityError)
        if counts is None:
            check_counts(current, None, None)
        else:
            check_counts(current, counts.respondents, counts.counts)
        found.append((current, None if counts is None else counts.counts))
    result = compare(found, k=minimum)
    store.append_audit(
        [
            audit_line(
                "measurement.report",
                f"measurement-series:{result.series}",
                actor=asker,
                at=at,
                origin=origin,
            )
        ]
    )
    return result
