"""The cycle definition: a municipality's conversation cycle, declared as versioned data.

A definition says which kinds of conversation exist, how often each is due (its cadence), who may
start one, who takes part (the participant pattern), who prepares, and which approvals a version
needs before it becomes active. It loads from a plain dict or JSON file with
:meth:`CycleDefinition.from_json`, which refuses scores and inconsistencies with an error that
names the field.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from .._typing import to_tuple
from ..errors import DefinitionError
from ._org_fields import _valid_id
from .parties import (
    Membership,
    ParticipantRole,
    Party,
    Pattern,
    RoleDefinition,
    as_roles,
    check_parties,
    parties_for_pattern,
)
from .profiles import Profile, check_profile
from .scoring import check_definition
from .text import Text, as_optional_text, as_text
from .themes import Theme, ThemeTopic

__all__ = [
    "Applicability",
    "Cadence",
    "CadenceKind",
    "ConversationKind",
    "CycleDefinition",
    "Membership",
    "MonthEnd",
    "OrgTrigger",
    "ParticipantRole",
    "Party",
    "Pattern",
    "Recording",
    "RoleDefinition",
    "claimed_source",
]


def claimed_source(source: str, data: Any) -> str:
    """*source* with the ``id@version`` the raw definition *data* claims, when it has one, so
    that a refused cycle's fault names the cycle people ask for. Added in 0.2."""
    if isinstance(data, Mapping) and isinstance(data.get("id"), str):
        version = data.get("version")
        claimed = f"{data['id']}@{version}" if isinstance(version, int) else data["id"]
        return f"{source}, cycle {claimed}"
    return source


class CadenceKind(enum.StrEnum):
    """How often a kind of conversation is due."""

    FREE = "free"
    """No obligation; at most a gentle prompt after ``quiet_days`` without a conversation."""
    PER_YEAR = "per_year"
    """At least ``per_year`` conversations in each calendar year, spread evenly."""
    INTERVAL = "interval"
    """Every ``every_months`` months from the ``anchor`` day (e.g. half-yearly from 01-01).

    The series is counted from the anchor day in the year 2000, so it does not depend on the
    period planned: every 24 months from 01-01 is due on 1 January of even years."""
    AFTER_HIRE = "after_hire"
    """``first_after_months`` after the hire date, then every ``every_months`` months."""
    ON_EVENT = "on_event"
    """Started by a change in the organisation (``event``): due ``delay_days`` after it, to be
    held within ``window_days`` (e.g. an exit conversation when someone leaves)."""


class OrgTrigger(enum.StrEnum):
    """The organisation changes that can start a conversation (an ``on_event`` cadence)."""

    JOINED = "joined"
    """The person is hired (the hire date)."""
    LEFT = "left"
    """The person leaves (the leaving date; a negative delay plans the talk before it)."""
    CHANGED_TEAM = "changed_team"
    """The person moves to another team."""
    CHANGED_MANAGER = "changed_manager"
    """The person gets another manager (a move, or a new manager of the team)."""
    RETURNED = "returned"
    """The person comes back to work after a long absence (the day back; ``min_absent_days``
    says how long an absence must have been)."""


class MonthEnd(enum.StrEnum):
    """What adding months does to a day that the target month lacks (31 January + 1 month)."""

    CLAMP = "clamp"
    """Use the target month's last day (28/29 February)."""
    NEXT_MONTH = "next_month"
    """Use the first day of the month after (1 March)."""


class Applicability(enum.StrEnum):
    """Which employees a kind is planned for."""

    EVERYONE = "everyone"
    WITH_MANAGER = "with_manager"
    SELF_STEERING = "self_steering"
    TEAMS = "teams"


class Recording(enum.StrEnum):
    """How agreements may be recorded: MAG allows digital or on paper."""

    DIGITAL = "digital"
    PAPER = "paper"


def _check_positive(
    instance: object, attribute: attrs.Attribute[int | None], value: int | None
) -> None:
    if value is not None and not (isinstance(value, int) and 1 <= value <= 120):
        raise DefinitionError(
            f"{attribute.name} must be a whole number from 1 to 120", pointer=f"/{attribute.name}"
        )


@attrs.frozen(kw_only=True)
class Cadence:
    """When conversations of a kind are due. See :class:`CadenceKind` for the meaning of fields."""

    kind: CadenceKind = attrs.field(converter=CadenceKind)
    per_year: int | None = attrs.field(default=None, validator=_check_positive)
    every_months: int | None = attrs.field(default=None, validator=_check_positive)
    first_after_months: int | None = attrs.field(default=None, validator=_check_positive)
    anchor: str = "01-01"
    quiet_days: int | None = None
    month_end: MonthEnd = attrs.field(default=MonthEnd.CLAMP, converter=MonthEnd)
    times: int | None = attrs.field(default=None, validator=_check_positive)
    """For ``after_hire``: the most conversations in the series (e.g. 2 onboarding talks)."""
    event: OrgTrigger | None = attrs.field(
        default=None, converter=attrs.converters.optional(OrgTrigger)
    )
    """For ``on_event``: the organisation change that starts the conversation."""
    delay_days: int | None = None
    """For ``on_event``: days from the change to the start of the window (may be negative)."""
    window_days: int | None = None
    """For ``on_event``: days the conversation may be held in; it is due at the window's end."""
    min_absent_days: int | None = None
    """For ``on_event`` with ``returned``: only after an absence of at least this many days."""

    def __attrs_post_init__(self) -> None:
        needed = {
            CadenceKind.FREE: (),
            CadenceKind.PER_YEAR: ("per_year",),
            CadenceKind.INTERVAL: ("every_months",),
            CadenceKind.AFTER_HIRE: ("first_after_months", "every_months"),
            CadenceKind.ON_EVENT: ("event", "window_days"),
        }[self.kind]
        for name in needed:
            if getattr(self, name) is None:
                raise DefinitionError(
                    f"a {self.kind.value} cadence needs {name}", pointer=f"/{name}"
                )
        allowed = {*needed, "anchor", "month_end", "quiet_days"}
        for name in ("per_year", "every_months", "first_after_months"):
            if name not in allowed and getattr(self, name) is not None:
                raise DefinitionError(
                    f"{name} has no meaning for a {self.kind.value} cadence", pointer=f"/{name}"
                )
        try:
            month, day = (int(part) for part in self.anchor.split("-"))
            if not (1 <= month <= 12 and 1 <= day <= 28):
                raise ValueError
        except ValueError:
            raise DefinitionError(
                f"anchor {self.anchor!r} must be MM-DD with a day from 1 to 28", pointer="/anchor"
            ) from None
        if self.times is not None and self.kind is not CadenceKind.AFTER_HIRE:
            raise DefinitionError(
                f"times has no meaning for a {self.kind.value} cadence (only after_hire)",
                pointer="/times",
            )
        if self.quiet_days is not None and not (1 <= self.quiet_days <= 3660):
            raise DefinitionError("quiet_days must be from 1 to 3660", pointer="/quiet_days")
        _check_event_fields(self)

    @property
    def anchor_month_day(self) -> tuple[int, int]:
        month, day = self.anchor.split("-")
        return int(month), int(day)


def _check_event_fields(cadence: Cadence) -> None:
    if cadence.kind is not CadenceKind.ON_EVENT:
        for name in ("event", "delay_days", "window_days", "min_absent_days"):
            if getattr(cadence, name) is not None:
                raise DefinitionError(
                    f"{name} has no meaning for a {cadence.kind.value} cadence (only on_event)",
                    pointer=f"/{name}",
                )
        return
    if cadence.delay_days is not None and not (
        isinstance(cadence.delay_days, int) and -366 <= cadence.delay_days <= 366
    ):
        raise DefinitionError("delay_days must be from -366 to 366", pointer="/delay_days")
    if not (isinstance(cadence.window_days, int) and 1 <= cadence.window_days <= 366):
        raise DefinitionError("window_days must be from 1 to 366", pointer="/window_days")
    least = cadence.min_absent_days
    if least is not None and cadence.event is not OrgTrigger.RETURNED:
        raise DefinitionError(
            "min_absent_days has no meaning for a cadence not started by 'returned'",
            pointer="/min_absent_days",
        )
    if least is not None and not (
        isinstance(least, int) and not isinstance(least, bool) and 1 <= least <= 3660
    ):
        raise DefinitionError("min_absent_days must be from 1 to 3660", pointer="/min_absent_days")


#: Who may approve a cycle version (the regulation); the works council always must.
APPROVAL_BODIES = ("works_council", "executive")


def _approval_bodies(value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise DefinitionError(
            'approvals_required must be a list, e.g. ["works_council", "executive"]',
            pointer="/approvals_required",
        )
    bodies = tuple(value)
    for body in bodies:
        if body not in APPROVAL_BODIES:
            raise DefinitionError(
                f"unknown approving body {body!r} (known: {', '.join(APPROVAL_BODIES)})",
                pointer="/approvals_required",
            )
    if "works_council" not in bodies:
        raise DefinitionError(
            "the works council must approve every version: a regulation on conversations and "
            "the data they record needs its consent (WOR art. 27)",
            pointer="/approvals_required",
        )
    return bodies


def _recordings(value: Any) -> tuple[Recording, ...]:
    return tuple(Recording(v) for v in value)


@attrs.frozen(kw_only=True)
class ConversationKind:
    """One kind of conversation in a cycle (e.g. MAG's yearly conversation, a stress triangle)."""

    id: str = attrs.field(validator=_valid_id)
    name: Text = attrs.field(converter=as_text)
    cadence: Cadence
    initiators: tuple[str, ...] = attrs.field(converter=as_roles)
    preparers: tuple[str, ...] = attrs.field(converter=as_roles)
    pattern: Pattern | None = attrs.field(
        default=None, converter=attrs.converters.optional(Pattern)
    )
    """An old fixed pattern, short for its party list (give ``parties`` instead)."""
    parties: tuple[Party, ...] = attrs.field(
        default=attrs.Factory(lambda self: parties_for_pattern(self.pattern), takes_self=True),
        converter=to_tuple,
    )
    """Who takes part: each party's role, how many, required or optional, who may hold it."""
    recorders: tuple[str, ...] | None = attrs.field(
        default=None, converter=attrs.converters.optional(as_roles)
    )
    """Who may write the shared record (default: every party that ``records``)."""
    themes: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)
    applies_to: Applicability = attrs.field(default=Applicability.EVERYONE, converter=Applicability)
    preparation_form: str | None = None
    record_form: str | None = None
    duration_minutes: int = 45
    special_category: bool = False
    profile: Profile | None = None
    """The profile this kind carries to the employee's next conversation of it (or ``None``)."""

    def __attrs_post_init__(self) -> None:
        if self.pattern is not None and any(
            self.parties == parties_for_pattern(p) for p in Pattern
        ):
            # The parties came from a pattern (perhaps before ``attrs.evolve`` changed it).
            object.__setattr__(self, "parties", parties_for_pattern(self.pattern))

    @functools.cached_property
    def roles(self) -> tuple[str, ...]:
        """The roles of this kind's parties, required and optional, in order."""
        return tuple(p.role for p in self.parties)

    @functools.cached_property
    def required_roles(self) -> tuple[str, ...]:
        """The roles without which a conversation of this kind cannot take place."""
        return tuple(p.role for p in self.parties if p.required)

    @functools.cached_property
    def recorder_roles(self) -> tuple[str, ...]:
        """The roles whose people may write the shared record."""
        if self.recorders is not None:
            return self.recorders
        return tuple(p.role for p in self.parties if p.records)

    @functools.cached_property
    def confirmer_roles(self) -> tuple[str, ...]:
        """The roles whose people confirm the record (every required party, at least)."""
        return tuple(p.role for p in self.parties if p.confirms)

    @functools.cached_property
    def is_team(self) -> bool:
        """Whether the conversation is about a team (a party of every member) not a person."""
        return any(p.membership is Membership.TEAM for p in self.parties)

    @functools.cached_property
    def needs_manager(self) -> bool:
        """Whether a required party is the employee's manager."""
        return any(
            p.required and p.membership is Membership.MANAGER_OF_EMPLOYEE for p in self.parties
        )

    @functools.cached_property
    def with_manager(self) -> bool:
        """Whether the employee's manager takes part, required or optional."""
        return any(p.membership is Membership.MANAGER_OF_EMPLOYEE for p in self.parties)

    @functools.cached_property
    def shape(self) -> str:
        """The pattern's name, or ``parties`` for a kind given by its party list."""
        if self.pattern is not None:
            return self.pattern.value
        for pattern in Pattern:
            if self.parties == parties_for_pattern(pattern):
                return pattern.value
        return "parties"

    def party(self, role: str) -> Party:
        """The party holding *role* in this kind."""
        for party in self.parties:
            if party.role == role:
                return party
        raise DefinitionError(f"kind {self.id} has no party {str(role)!r}")


@attrs.frozen(kw_only=True)
class CycleDefinition:
    """A municipality's conversation cycle, one version of it. Load with :meth:`from_json`."""

    id: str = attrs.field(validator=_valid_id)
    version: int
    name: Text = attrs.field(converter=as_text)
    description: Text | None = attrs.field(default=None, converter=as_optional_text)
    kinds: tuple[ConversationKind, ...] = attrs.field(converter=to_tuple)
    themes: tuple[Theme, ...] = attrs.field(default=(), converter=to_tuple)
    recording: tuple[Recording, ...] = attrs.field(
        default=(Recording.DIGITAL, Recording.PAPER), converter=_recordings
    )
    approvals_required: tuple[str, ...] = attrs.field(
        default=("works_council", "executive"), converter=_approval_bodies
    )
    """Who approves a version before it is active. Always the works council (WOR art. 27)."""
    retention_profile: str = "selectielijst-2020"
    roles: tuple[RoleDefinition, ...] = attrs.field(default=(), converter=to_tuple)
    """Roles this cycle adds to the built-in ones (a career coach, a company doctor, ...)."""

    def __attrs_post_init__(self) -> None:
        _check_consistent(self)

    def kind(self, kind_id: str) -> ConversationKind:
        """The conversation kind with id *kind_id*."""
        for kind in self.kinds:
            if kind.id == kind_id:
                return kind
        raise DefinitionError(f"cycle {self.id} has no conversation kind {kind_id!r}")

    def theme(self, theme_id: str) -> Theme:
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise DefinitionError(f"cycle {self.id} has no theme {theme_id!r}")

    def link(self, link_id: str) -> tuple[Theme, ThemeTopic | None] | None:
        """What a goal may point to: the theme *link_id* (a value), or a theme's topic (a
        behaviour or a competence) with its theme; ``None`` if the cycle declares neither."""
        for theme in self.themes:
            if theme.id == link_id:
                return theme, None
            topic = theme.topic(link_id)
            if topic is not None:
                return theme, topic
        return None

    @functools.cached_property
    def key(self) -> str:
        """``id@version``: how conversations refer to the definition they started under."""
        return f"{self.id}@{self.version}"

    # -- JSON ------------------------------------------------------------------------------

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, source: str | None = None) -> CycleDefinition:
        """Load a definition from plain data.

        Refuses a score first (:class:`~magcore.errors.ScoringNotAllowedError`), then any other
        problem (:class:`~magcore.errors.DefinitionError`), naming the field and *source*.
        """
        from .convert import structure

        if not isinstance(data, Mapping):
            raise DefinitionError("a cycle definition must be a JSON object", source=source)
        check_definition(data, source=source)
        try:
            if isinstance(data.get("approvals_required"), str):
                _approval_bodies(data["approvals_required"])  # a list, not one string
            return structure(dict(data), cls)
        except DefinitionError as exc:
            if source and exc.source is None:
                raise DefinitionError(exc.message, pointer=exc.pointer, source=source) from exc
            raise

    @classmethod
    def from_file(cls, path: str | Path) -> CycleDefinition:
        """Load a definition from a JSON file."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise DefinitionError(f"cannot read cycle definition: {exc}", source=str(path)) from exc
        return cls.from_json(data, source=str(path))

    def to_json(self) -> dict[str, Any]:
        from .convert import unstructure

        result: dict[str, Any] = unstructure(self)
        if not result["roles"]:
            del result["roles"]
        for theme in result["themes"]:
            if not theme["topics"]:  # absent where unused: existing fingerprints stay
                del theme["topics"]
        for kind, data in zip(self.kinds, result["kinds"], strict=True):
            # An old pattern stays short for its parties, and new fields stay out of
            # definitions that do not use them, so existing fingerprints do not change.
            if kind.pattern is None:
                del data["pattern"]
            elif kind.parties == parties_for_pattern(kind.pattern):
                del data["parties"]
            if data.get("profile") is None:
                data.pop("profile", None)
            for party in data.get("parties", ()):
                if party.get("holds") is None:
                    del party["holds"]
            for name in ("event", "delay_days", "window_days", "min_absent_days"):
                if data["cadence"][name] is None:
                    del data["cadence"][name]
        return result

    def role(self, role_id: str) -> RoleDefinition | None:
        """The registered role *role_id*, or ``None`` for a built-in role."""
        return next((r for r in self.roles if r.id == role_id), None)

    def fingerprint(self) -> str:
        """A SHA-256 over the canonical JSON of this definition."""
        canonical = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def _check_consistent(definition: CycleDefinition) -> None:
    if not isinstance(definition.version, int) or definition.version < 1:
        raise DefinitionError("version must be a whole number from 1", pointer="/version")
    if not definition.kinds:
        raise DefinitionError("a cycle needs at least one conversation kind", pointer="/kinds")
    if not definition.recording:
        raise DefinitionError("a cycle needs at least one way of recording", pointer="/recording")
    theme_ids = [t.id for t in definition.themes]
    duplicate = {t for t in theme_ids if theme_ids.count(t) > 1}
    if duplicate:
        raise DefinitionError(f"theme ids appear twice: {sorted(duplicate)}", pointer="/themes")
    linked = [*theme_ids, *(topic.id for theme in definition.themes for topic in theme.topics)]
    twice = sorted({t for t in linked if linked.count(t) > 1})
    if twice:
        raise DefinitionError(
            f"a topic id is also another topic's or a theme's id: {twice}", pointer="/themes"
        )
    seen: set[str] = set()
    for index, kind in enumerate(definition.kinds):
        where = f"/kinds/{index}"
        if kind.id in seen:
            raise DefinitionError(f"conversation kind {kind.id!r} appears twice", pointer=where)
        seen.add(kind.id)
        check_parties(kind, [r.id for r in definition.roles], where)
        check_profile(
            kind.profile,
            preparation_form=kind.preparation_form,
            record_form=kind.record_form,
            where=where,
        )
        for theme in kind.themes:
            if theme not in theme_ids:
                raise DefinitionError(
                    f"theme {theme!r} is not one of the cycle's themes", pointer=f"{where}/themes"
                )
        if kind.applies_to is Applicability.SELF_STEERING and kind.needs_manager:
            raise DefinitionError(
                f"a {kind.shape} conversation needs a manager, but self-steering teams have none "
                "(make the manager an optional party)",
                pointer=f"{where}/applies_to",
            )
        if kind.is_team and kind.applies_to not in (
            Applicability.TEAMS,
            Applicability.SELF_STEERING,
        ):
            raise DefinitionError(
                "a team conversation is planned per team: applies_to must be 'teams' (every "
                "team) or 'self_steering' (teams without a manager)",
                pointer=f"{where}/applies_to",
            )
        if not kind.is_team and kind.applies_to is Applicability.TEAMS:
            raise DefinitionError(
                "only a team conversation can apply to 'teams'", pointer=f"{where}/applies_to"
            )
        if kind.is_team and kind.cadence.kind is CadenceKind.ON_EVENT:
            raise DefinitionError(
                "a change in the organisation starts a conversation about one person, not a team",
                pointer=f"{where}/cadence",
            )
        if not (5 <= kind.duration_minutes <= 480):
            raise DefinitionError(
                "duration_minutes must be from 5 to 480", pointer=f"{where}/duration_minutes"
            )
        if (
            kind.special_category is False
            and any(definition.theme(t).special_category for t in kind.themes)
            and len(kind.themes) == 1
        ):
            raise DefinitionError(
                "a kind about a special-category theme only must be marked special_category",
                pointer=f"{where}/special_category",
            )
