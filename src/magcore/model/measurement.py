"""Anonymous team measurements as data: a questionnaire about the team, a round, its result.

A team measures how often it sees something in its own work (a behaviour, a condition of the
work), once at the start (the *baseline*) and again later (*follow-ups*), and looks at the
change. The questionnaire is data: statements about the team or the work, and answer options
that are frequencies or plain choices. It is never a score of a person: every questionnaire
passes :func:`magcore.model.scoring.check_definition` and its options may not read as grades
(:func:`magcore.model.scoring.grade_reason`), so "goed / voldoende / onvoldoende" or "1-5" are
refused like in any form.

The published values here (:class:`ComparisonCell`, :class:`RoundColumn`) hold only counts of
answers that reached the minimum group size; the rules that decide them are in
:mod:`magcore.domain.measurement`. Added in 0.2.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from .._typing import to_tuple
from ..errors import DefinitionError, ScoringNotAllowedError
from .input_policy import is_valid_id
from .scoring import check_definition, grade_reason
from .text import Text, as_text

__all__ = [
    "AnswerOption",
    "Comparison",
    "ComparisonCell",
    "Phase",
    "Questionnaire",
    "ReportGroup",
    "Round",
    "RoundColumn",
    "RoundState",
    "Statement",
]


class Phase(enum.StrEnum):
    """Which measurement of a series a round is."""

    BASELINE = "baseline"
    """The first measurement (0-meting), before the team works on it."""
    FOLLOW_UP = "follow_up"
    """A later measurement (1-meting, 2-meting ...)."""


class RoundState(enum.StrEnum):
    """Where a round is."""

    OPEN = "open"
    CLOSED = "closed"


def _id(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not is_valid_id(value):
        raise DefinitionError(f"{value!r} is not an id", pointer=f"/{attribute.name}")


@attrs.frozen(kw_only=True)
class AnswerOption:
    """One answer people can give, e.g. "often" (*vaak*)."""

    id: str = attrs.field(validator=_id)
    text: Text = attrs.field(converter=as_text)


@attrs.frozen(kw_only=True)
class Statement:
    """One statement about the team or the work ("We help each other when it is busy")."""

    id: str = attrs.field(validator=_id)
    text: Text = attrs.field(converter=as_text)
    group: str | None = None
    """An optional heading the statement belongs to (a value, a vitality criterion)."""


@attrs.frozen(kw_only=True)
class ReportGroup:
    """Answer options counted together in the report ("often or almost always")."""

    id: str = attrs.field(validator=_id)
    text: Text = attrs.field(converter=as_text)
    options: tuple[str, ...] = attrs.field(converter=to_tuple)


@attrs.frozen(kw_only=True)
class Questionnaire:
    """A measurement's questions: statements about the team, one set of answer options.

    *groups*, if given, are the counts the report shows (each option in at most one group);
    without groups the report counts per option. *headings* title the statement groups.
    """

    id: str = attrs.field(validator=_id)
    version: int = 1
    title: Text = attrs.field(converter=as_text)
    description: Text = attrs.field(converter=as_text)
    statements: tuple[Statement, ...] = attrs.field(converter=to_tuple)
    options: tuple[AnswerOption, ...] = attrs.field(converter=to_tuple)
    groups: tuple[ReportGroup, ...] = attrs.field(default=(), converter=to_tuple)
    headings: Mapping[str, Text] = attrs.field(factory=dict, hash=False)

    def __attrs_post_init__(self) -> None:
        _check(self)

    @property
    def option_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.options)

    @property
    def statement_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.statements)

    def statement(self, statement_id: str) -> Statement:
        """The statement *statement_id*."""
        for statement in self.statements:
            if statement.id == statement_id:
                return statement
        raise DefinitionError(f"unknown statement {statement_id!r}", pointer="/statements")

    def categories(self) -> tuple[tuple[str, Text, tuple[str, ...]], ...]:
        """What the report counts: (id, text, options) per group, or per option."""
        if self.groups:
            return tuple((g.id, g.text, g.options) for g in self.groups)
        return tuple((o.id, o.text, (o.id,)) for o in self.options)

    def to_json(self) -> dict[str, Any]:
        """The questionnaire as plain JSON data (what :meth:`from_json` reads)."""
        data: dict[str, Any] = {
            "id": self.id,
            "version": self.version,
            "title": self.title.to_json(),
            "description": self.description.to_json(),
            "statements": [
                {"id": s.id, "text": s.text.to_json(), **({"group": s.group} if s.group else {})}
                for s in self.statements
            ],
            "options": [{"id": o.id, "text": o.text.to_json()} for o in self.options],
        }
        if self.groups:
            data["groups"] = [
                {"id": g.id, "text": g.text.to_json(), "options": list(g.options)}
                for g in self.groups
            ]
        if self.headings:
            data["headings"] = {k: v.to_json() for k, v in self.headings.items()}
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, source: str | None = None) -> Questionnaire:
        """Read a questionnaire; refused (naming the field) if it is malformed or scores."""
        check_definition(data, source=source)
        try:
            return cls(
                id=data["id"],
                version=int(data.get("version", 1)),
                title=data["title"],
                description=data["description"],
                statements=[
                    Statement(id=s["id"], text=s["text"], group=s.get("group"))
                    for s in data["statements"]
                ],
                options=[AnswerOption(id=o["id"], text=o["text"]) for o in data["options"]],
                groups=[
                    ReportGroup(id=g["id"], text=g["text"], options=g["options"])
                    for g in data.get("groups", ())
                ],
                headings={k: Text.coerce(v) for k, v in data.get("headings", {}).items()},
            )
        except ScoringNotAllowedError:
            raise
        except DefinitionError as exc:
            raise DefinitionError(str(exc), pointer=exc.pointer, source=source) from None
        except (KeyError, TypeError, ValueError) as exc:
            raise DefinitionError(
                f"questionnaire is malformed: {exc}", pointer="/", source=source
            ) from None


def _unique(ids: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for value in ids:
        if value in seen:
            raise DefinitionError(f"{what} {value!r} appears twice", pointer=f"/{what}s")
        seen.add(value)


def _check(q: Questionnaire) -> None:
    """A questionnaire people can answer that never grades a person."""
    if not q.statements:
        raise DefinitionError("a questionnaire needs at least one statement", pointer="/statements")
    if len(q.options) < 2:
        raise DefinitionError(
            "a questionnaire needs at least two answer options", pointer="/options"
        )
    _unique(q.statement_ids, "statement")
    _unique(q.option_ids, "option")
    for language in ("nl", "en"):
        reason = grade_reason([o.text.get(language) for o in q.options]) or grade_reason(
            list(q.option_ids)
        )
        if reason:
            raise ScoringNotAllowedError("/options", reason)
    known = set(q.option_ids)
    grouped: list[str] = []
    for group in q.groups:
        unknown = [o for o in group.options if o not in known]
        if unknown or not group.options:
            raise DefinitionError(
                f"report group {group.id!r} names unknown options {unknown}", pointer="/groups"
            )
        grouped.extend(group.options)
    _unique(grouped, "grouped option")
    check_definition(q.to_json())


@attrs.frozen(kw_only=True)
class ComparisonCell:
    """One statement in one round: counts per category, each at least the group size *k*.

    A category with fewer answers is not shown: it is counted in *rest* ("other answers or no
    answer"), which is itself shown only when it reaches *k* (see
    :func:`magcore.domain.measurement.publish`). ``hidden`` means nothing of this statement in
    this round is shown.
    """

    statement: str
    counts: Mapping[str, int] = attrs.field(factory=dict, hash=False)
    rest: int | None = None
    hidden: bool = False

    def numbers(self) -> tuple[int, ...]:
        """Every number this cell shows."""
        return (*self.counts.values(), *((self.rest,) if self.rest is not None else ()))


@attrs.frozen(kw_only=True)
class RoundColumn:
    """One closed round as a report shows it; nothing at all when fewer than *k* answered."""

    round: str
    phase: Phase = attrs.field(converter=Phase)
    label: str
    respondents: int | None
    cells: tuple[ComparisonCell, ...] = attrs.field(default=(), converter=to_tuple)

    @property
    def suppressed(self) -> bool:
        return self.respondents is None

    def cell(self, statement: str) -> ComparisonCell | None:
        """The cell of *statement*, if this round shows one."""
        return next((c for c in self.cells if c.statement == statement), None)

    def numbers(self) -> tuple[int, ...]:
        """Every number this column shows."""
        own = (self.respondents,) if self.respondents is not None else ()
        return own + tuple(n for c in self.cells for n in c.numbers())


@attrs.frozen(kw_only=True)
class Round:
    """One measurement round as its stream tells it (no answers: those are only counted)."""

    id: str = attrs.field(validator=_id)
    series: str = attrs.field(validator=_id)
    """The rounds compared with each other: a baseline and its follow-ups."""
    organisation: str
    unit: str
    """The team (with the teams under it, if *below*) whose members were eligible."""
    below: bool = False
    phase: Phase = attrs.field(converter=Phase)
    label: str
    """How people call this round ("0-meting", "1-meting", "maart 2026")."""
    questionnaire: Questionnaire
    k: int
    """The minimum group size for this round and every report of it."""
    eligible: int
    """How many people the organisation had in the unit on the day the round opened."""
    opened_on: str
    state: RoundState = attrs.field(default=RoundState.OPEN, converter=RoundState)
    respondents: int | None = None
    """How many answered; known once closed, and ``None`` when fewer than *k* did."""
    counts_digest: str | None = None
    """The digest of the counts the round closed on (``None``: none kept, or closed before
    magcore sealed them); see :func:`magcore.domain.measurement.counts_digest`."""


@attrs.frozen(kw_only=True)
class Comparison:
    """A series' closed rounds side by side: the baseline, then each follow-up.

    Every number it holds is at least *k* (the largest of the rounds' own minimum group sizes
    and the one the report asked for); a round fewer than *k* people answered shows nothing.
    """

    series: str
    unit: str
    k: int
    questionnaire: Questionnaire
    columns: tuple[RoundColumn, ...] = attrs.field(converter=to_tuple)

    def numbers(self) -> tuple[int, ...]:
        """Every count the comparison shows (what the minimum group size guards)."""
        return tuple(n for column in self.columns for n in column.numbers())

    def to_json(self) -> dict[str, Any]:
        """The comparison as plain JSON data (counts only)."""
        return {
            "series": self.series,
            "unit": self.unit,
            "k": self.k,
            "questionnaire": {"id": self.questionnaire.id, "version": self.questionnaire.version},
            "rounds": [
                {
                    "round": c.round,
                    "phase": c.phase.value,
                    "label": c.label,
                    "respondents": c.respondents,
                    "statements": [
                        {
                            "statement": cell.statement,
                            "hidden": cell.hidden,
                            "counts": dict(cell.counts),
                            "rest": cell.rest,
                        }
                        for cell in c.cells
                    ],
                }
                for c in self.columns
            ],
        }
