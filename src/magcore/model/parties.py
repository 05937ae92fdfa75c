"""Who takes part in a kind of conversation, as data: parties, roles and membership rules.

A conversation kind lists its *parties*. Each party is a role (``employee``, ``manager``, or any
role the cycle registers, such as ``career_coach`` or ``company_doctor``), how many people hold
it in one conversation (``min``/``max``), whether it is required or optional, whether its
people may write the shared record and whether they confirm it, and a *membership rule* that
says who in the organisation may hold it on the day (the manager of the employee, a member of
the same team, a person from the coach pool, ...). The rule is checked when a conversation is
requested (:mod:`magcore.domain.participants`), with an error that names the party.

Two-sided by construction: every required party confirms the record, and a kind whose
confirming parties are one side only is refused (nothing is approved by one side).

Nobody names themselves, or anyone else, into a colleague's conversation. Whoever starts a
conversation names its people, so a party filled from an open pool (``organisation``,
``other_team``: anyone employed) is only as safe as the one who picks it. :func:`check_parties`
refuses a kind with an open-pool party unless the only one who may start it is the employee it is
about (its ``initiators`` are the subject's role alone): otherwise a colleague could request a
colleague's conversation naming themselves for that party, or a manager could name anyone
(a team mate as "company doctor") into a record that is the employee's. Such a party names the
organisation role its people hold instead (membership ``holds_role``, e.g.
``"holds": "hr_adviser"``), and only the people who hold that role on the day may take it. The
built-in team roles ``member`` and ``manager`` are no function to hold: every employee is a
member and every manager a manager, so ``holds`` refuses them (``coach`` is a function only some
people hold; ``coach_pool`` is the same pool under the role ``coach``).

The old fixed patterns (``employee_manager``, ``peer``, ``three_party``, ``team``) are
translated into party lists by :func:`parties_for_pattern`, so existing definitions keep working.
"""

from __future__ import annotations

import contextlib
import contextvars
import enum
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol

import attrs

from ..errors import DefinitionError
from .orgroles import Role, as_org_role
from .text import Text, as_text

__all__ = [
    "BUILTIN_ROLES",
    "PICKED",
    "POOLED",
    "KindParties",
    "Membership",
    "ParticipantRole",
    "Party",
    "Pattern",
    "RoleDefinition",
    "as_role",
    "as_roles",
    "check_parties",
    "default_membership",
    "parties_for_pattern",
    "roles_to_hold",
]


class Pattern(enum.StrEnum):
    """The old fixed participant patterns; a kind may still name one instead of its parties."""

    EMPLOYEE_MANAGER = "employee_manager"
    PEER = "peer"
    THREE_PARTY = "three_party"
    TEAM = "team"


class ParticipantRole(enum.StrEnum):
    """The roles the core knows. A cycle may register more (:class:`RoleDefinition`)."""

    EMPLOYEE = "employee"
    MANAGER = "manager"
    PEER = "peer"
    COACH = "coach"
    TEAM_MEMBER = "team_member"


#: The built-in roles' ids.
BUILTIN_ROLES = frozenset(ParticipantRole)

_ROLE_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def as_role(value: Any) -> str:
    """A role id: the :class:`ParticipantRole` member for a built-in role, else the checked text.

    Role ids are lower-case identifiers (``career_coach``), so a person id is never taken for
    a role by accident and the other way round.
    """
    if isinstance(value, ParticipantRole):
        return value
    if not isinstance(value, str) or not _ROLE_ID.match(value):
        raise DefinitionError(
            f"role {value!r} must be a lower-case identifier such as 'career_coach'",
            pointer="/role",
        )
    try:
        return ParticipantRole(value)
    except ValueError:
        return value


def _lenient_role(value: Any) -> Any:
    try:
        return ParticipantRole(value)
    except ValueError:
        return value


def as_roles(value: Any) -> tuple[str, ...]:
    """Converter: a tuple of role ids. The cycle checks each names one of the kind's parties
    (:class:`~magcore.model.cycle.CycleDefinition`), so a bad one is refused with its field."""
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise DefinitionError(f"expected a list of roles, got {value!r}")
    return tuple(_lenient_role(v) for v in value)


class Membership(enum.StrEnum):
    """Who in the organisation may hold a party's role in one conversation, on its day."""

    SUBJECT = "subject"
    """The employee the conversation is about (exactly one, always required)."""
    MANAGER_OF_EMPLOYEE = "manager_of_employee"
    """The employee's manager on the day (in a team conversation: the team's manager)."""
    SAME_TEAM = "same_team"
    """A member of the employee's team on the day (a peer)."""
    COACH_POOL = "coach_pool"
    """A person holding a coach role in the organisation on the day, not the employee or
    their manager."""
    TEAM = "team"
    """Every member of the team the conversation is about."""
    ORGANISATION = "organisation"
    """Anyone employed in the organisation on the day other than the employee (e.g. an
    alderman, a facilitator from another department)."""
    OTHER_TEAM = "other_team"
    """Anyone employed on the day from outside the employee's team: not the employee, not a
    member of their team, not their manager (e.g. an independent facilitator, colleagues from
    other departments). For a team conversation: anyone employed outside the team."""
    ROLE_HOLDER = "holds_role"
    """A person employed on the day who holds the organisation role the party names in
    ``holds`` (by default its own role id, e.g. ``hr_adviser``) on the day, in any team; never
    the employee, and not their manager on the day: an adviser, an interviewer or a facilitator
    stands beside the line, as a coach does (a kind that wants the manager has a manager party).
    For a team conversation: not a member of the team and not its manager."""


#: The open pools: anyone employed may be named for the party. Never for a role that may start
#: the conversation (:func:`check_parties`).
POOLED = frozenset({Membership.ORGANISATION, Membership.OTHER_TEAM})
#: The rules under which the caller picks who takes a party from its candidates.
PICKED = frozenset(
    {
        Membership.SAME_TEAM,
        Membership.COACH_POOL,
        Membership.ROLE_HOLDER,
        Membership.ORGANISATION,
        Membership.OTHER_TEAM,
    }
)


_DEFAULT_MEMBERSHIP: Mapping[str, Membership] = {
    ParticipantRole.EMPLOYEE: Membership.SUBJECT,
    ParticipantRole.MANAGER: Membership.MANAGER_OF_EMPLOYEE,
    ParticipantRole.PEER: Membership.SAME_TEAM,
    ParticipantRole.COACH: Membership.COACH_POOL,
    ParticipantRole.TEAM_MEMBER: Membership.TEAM,
}


def default_membership(role: str) -> Membership:
    """The membership rule a role has when a party does not name one."""
    return _DEFAULT_MEMBERSHIP.get(role, Membership.ORGANISATION)


def _count(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None and attribute.name == "max":
        return
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 500:
        raise DefinitionError(
            f"{attribute.name} must be a whole number from 0 to 500", pointer=f"/{attribute.name}"
        )


def _membership(value: Any) -> Membership:
    try:
        return Membership(value)
    except ValueError:
        raise DefinitionError(
            f"unknown membership {value!r} (known: {', '.join(Membership)})",
            pointer="/membership",
        ) from None


def _holds(value: Any) -> str | None:
    if value is None:
        return None
    try:
        return as_org_role(value)
    except DefinitionError as exc:
        raise DefinitionError(f"holds: {exc.message}", pointer="/holds") from None


#: The built-in team roles that are no function of their own: ``holds`` may not name them.
_NO_FUNCTION: Mapping[str, str] = {
    Role.MEMBER: "every employee is a member of a team",
    Role.MANAGER: "every manager in the organisation holds 'manager'",
}


def _default_holds(party: Party) -> str | None:
    if party.membership is Membership.ROLE_HOLDER:
        return as_org_role(str(party.role))
    return None


@attrs.frozen(kw_only=True)
class Party:
    """One party in a kind of conversation: a role, how many, and who may hold it."""

    role: str = attrs.field(converter=as_role)
    """The role id: a built-in role or one the cycle registers in ``roles``."""
    required: bool = True
    """Whether the conversation can only take place with this party (optional: it may be absent)."""
    min: int = attrs.field(default=1, validator=_count)
    """The fewest people holding the role when the party takes part."""
    max: int | None = attrs.field(default=1, validator=_count)
    """The most people holding the role (``null``: no limit, e.g. every team member)."""
    membership: Membership = attrs.field(
        default=attrs.Factory(lambda self: default_membership(self.role), takes_self=True),
        converter=_membership,
    )
    """Who may hold the role on the day (see :class:`Membership`)."""
    holds: str | None = attrs.field(
        default=attrs.Factory(_default_holds, takes_self=True), converter=_holds
    )
    """For membership ``holds_role``: the organisation role its people hold on the day
    (``hr_adviser``; by default the party's own role id). ``None`` for any other membership."""
    records: bool = True
    """Whether its people may write the shared record."""
    confirms: bool = True
    """Whether its people confirm the record. Every required party confirms."""

    def __attrs_post_init__(self) -> None:
        if self.min < 1:
            raise DefinitionError(
                "min must be at least 1 (make the party optional instead)", pointer="/min"
            )
        if self.max is not None and self.max < self.min:
            raise DefinitionError(f"max ({self.max}) is below min ({self.min})", pointer="/max")
        if self.required and not self.confirms:
            raise DefinitionError(
                f"party {str(self.role)!r} is required, so it confirms the record (two-sided)",
                pointer="/confirms",
            )
        single = self.membership in (Membership.SUBJECT, Membership.MANAGER_OF_EMPLOYEE)
        if single and (self.min, self.max) != (1, 1):
            raise DefinitionError(
                f"party {str(self.role)!r} ({self.membership.value}) is exactly one person: "
                "min and max must be 1",
                pointer="/max",
            )
        if self.membership is Membership.SUBJECT and not self.required:
            raise DefinitionError(
                "the employee the conversation is about is always required", pointer="/required"
            )
        if self.membership is Membership.TEAM and self.min < 2:
            raise DefinitionError(
                "a team party needs at least two members: min must be 2 or more", pointer="/min"
            )
        if self.holds is not None and self.membership is not Membership.ROLE_HOLDER:
            raise DefinitionError(
                f"party {str(self.role)!r} names a role to hold, which only membership "
                f"'holds_role' uses (not {self.membership.value!r})",
                pointer="/holds",
            )
        everyone = _NO_FUNCTION.get(self.holds) if self.holds is not None else None
        if everyone is not None:
            raise DefinitionError(
                f"party {str(self.role)!r}: {everyone}, so holding "
                f"{str(self.holds)!r} lets any of them name themselves for the part; name a "
                "role only the people who do it hold (e.g. 'hr_adviser', 'company_doctor')",
                pointer="/holds",
            )

    @property
    def optional(self) -> bool:
        return not self.required


def _role_id(value: Any) -> str:
    """Converter: a registered role's id, checked as :func:`as_role` checks it, and named at
    the role's own field (``/roles/0/id``)."""
    try:
        return as_role(value)
    except DefinitionError as exc:
        raise DefinitionError(exc.message, pointer="/id") from None


@attrs.frozen(kw_only=True)
class RoleDefinition:
    """A role a cycle registers beyond the built-in ones, described for the regulation."""

    id: str = attrs.field(converter=_role_id)
    name: Text = attrs.field(converter=as_text)
    description: Text = attrs.field(converter=as_text)
    """What the role does in a conversation, as the regulation tells it (B1)."""

    def __attrs_post_init__(self) -> None:
        if self.id in BUILTIN_ROLES:
            raise DefinitionError(
                f"role {self.id!r} is built in; register only new roles", pointer="/id"
            )


_EMPLOYEE = Party(role=ParticipantRole.EMPLOYEE)
_MANAGER = Party(role=ParticipantRole.MANAGER)

_PATTERN_PARTIES: Mapping[Pattern, tuple[Party, ...]] = {
    Pattern.EMPLOYEE_MANAGER: (_EMPLOYEE, _MANAGER),
    Pattern.PEER: (_EMPLOYEE, Party(role=ParticipantRole.PEER)),
    Pattern.THREE_PARTY: (_EMPLOYEE, _MANAGER, Party(role=ParticipantRole.COACH)),
    Pattern.TEAM: (Party(role=ParticipantRole.TEAM_MEMBER, min=2, max=None),),
}


def parties_for_pattern(pattern: Pattern | None) -> tuple[Party, ...]:
    """The party list an old fixed pattern stands for (empty for ``None``)."""
    return () if pattern is None else _PATTERN_PARTIES[pattern]


class KindParties(Protocol):
    """What :func:`check_parties` reads of a :class:`~magcore.model.cycle.ConversationKind`."""

    @property
    def id(self) -> str: ...
    @property
    def pattern(self) -> Pattern | None: ...
    @property
    def parties(self) -> tuple[Party, ...]: ...
    @property
    def initiators(self) -> tuple[str, ...]: ...
    @property
    def preparers(self) -> tuple[str, ...]: ...
    @property
    def recorders(self) -> tuple[str, ...] | None: ...
    @property
    def recorder_roles(self) -> tuple[str, ...]: ...
    @property
    def shape(self) -> str: ...


def roles_to_hold(kinds: Iterable[KindParties]) -> tuple[str, ...]:
    """The organisation roles beyond member, manager and coach that *kinds*' ``holds_role``
    parties name, sorted: what a municipality's organisation import must assign."""
    held = {p.holds for k in kinds for p in k.parties if p.holds is not None}
    return tuple(sorted(str(r) for r in held if r not in set(Role)))


_KEPT_BEFORE_RULE: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "magcore_kept_before_rule", default=False
)


@contextlib.contextmanager
def _kept_before_the_initiator_rule() -> Iterator[None]:
    """Load a definition a store kept before :func:`check_parties` refused open pools that
    someone other than the employee may fill, so that its conversations stay readable (an
    employee's record is theirs); a new request under it is still refused whenever someone
    other than the employee would name an open pool's people
    (:func:`magcore.domain.conversation.decide.decide`). For the store's own loading only."""
    token = _KEPT_BEFORE_RULE.set(True)
    try:
        yield
    finally:
        _KEPT_BEFORE_RULE.reset(token)


def check_parties(kind: KindParties, registered: Sequence[str], where: str) -> None:
    """The parties of *kind* in a cycle that registers the roles *registered*: known roles,
    one subject (or one team), two sides that confirm, and an open pool only where the employee
    alone may start the conversation. Raises :class:`~magcore.errors.DefinitionError` naming
    the field under *where* (``/kinds/0``)."""
    if len(set(registered)) != len(registered):
        raise DefinitionError("a role is registered twice", pointer="/roles")
    if kind.pattern is not None and kind.parties != parties_for_pattern(kind.pattern):
        raise DefinitionError(
            "give either a pattern or a list of parties, not both", pointer=f"{where}/pattern"
        )
    if not kind.parties:
        raise DefinitionError(
            "parties are missing: list who takes part (or give an old pattern)",
            pointer=f"{where}/parties",
        )
    roles = [p.role for p in kind.parties]
    for index, party in enumerate(kind.parties):
        if party.role not in BUILTIN_ROLES and party.role not in registered:
            raise DefinitionError(
                f"role {str(party.role)!r} is neither built in nor registered in the cycle's roles",
                pointer=f"{where}/parties/{index}/role",
            )
        if roles.count(party.role) > 1:
            raise DefinitionError(
                f"role {str(party.role)!r} appears twice among the parties",
                pointer=f"{where}/parties/{index}/role",
            )
    subjects = [p for p in kind.parties if p.membership is Membership.SUBJECT]
    teams = [p for p in kind.parties if p.membership is Membership.TEAM]
    if len(teams) + len(subjects) != 1:
        raise DefinitionError(
            "a kind is about one employee (one party with membership 'subject') or one team "
            "(one party with membership 'team')",
            pointer=f"{where}/parties",
        )
    confirming = [p for p in kind.parties if p.confirms and p.required]
    if len(confirming) < 2 and not (teams and teams[0].min >= 2):
        raise DefinitionError(
            "nothing is approved by one side: at least two required parties must confirm "
            "the record",
            pointer=f"{where}/parties",
        )
    if not kind.initiators:
        raise DefinitionError(
            "someone must be able to start the conversation", pointer=f"{where}/initiators"
        )
    if kind.recorders is not None and not kind.recorders:
        raise DefinitionError(
            "someone must be able to write the record", pointer=f"{where}/recorders"
        )
    if not kind.recorder_roles:
        raise DefinitionError(
            "someone must be able to write the record", pointer=f"{where}/parties"
        )
    for field in ("initiators", "preparers", "recorders"):
        for role in getattr(kind, field) or ():
            if role not in roles:
                raise DefinitionError(
                    f"role {str(role)!r} does not take part in a {kind.shape} conversation "
                    f"(roles: {', '.join(roles)})",
                    pointer=f"{where}/{field}",
                )
    if not _KEPT_BEFORE_RULE.get():
        _check_only_the_employee_picks_an_open_pool(kind, where)


def _check_only_the_employee_picks_an_open_pool(kind: KindParties, where: str) -> None:
    """Refuse an open-pool party when anyone but the employee may start the conversation: who
    starts it names its people, so a manager (or a facilitator, a team member) could name
    anyone employed, themselves or a team mate, into the employee's conversation."""
    subject = {p.role for p in kind.parties if p.membership is Membership.SUBJECT}
    pickers = [str(r) for r in kind.initiators if r not in subject]
    if not pickers:
        return
    for index, party in enumerate(kind.parties):
        if party.membership in POOLED and party.role in kind.initiators:
            raise DefinitionError(  # the sharpest form: its own people name themselves
                f"kind {kind.id}: party {str(party.role)!r} may start the conversation (it is "
                f"among the initiators), but with membership {party.membership.value!r} anyone "
                "employed may be named for it, so any employee could join a colleague's "
                "conversation by naming themselves; use membership 'holds_role' with the "
                f'organisation role its people hold (e.g. "holds": "hr_adviser"), or '
                f"leave {str(party.role)!r} out of the initiators",
                pointer=f"{where}/parties/{index}/membership",
            )
        if party.membership in POOLED:
            only = (
                'or let only the employee start it ("initiators": ["employee"])'
                if subject
                else "a team conversation has no one employee who could pick it"
            )
            raise DefinitionError(
                f"kind {kind.id}: party {str(party.role)!r} has membership "
                f"{party.membership.value!r}, so whoever starts the conversation may name anyone "
                f"employed for it, and {', '.join(pickers)} may start it (initiators): they "
                "could name themselves or a colleague into the employee's conversation; use "
                "membership 'holds_role' with the organisation role its people hold (e.g. "
                f'"holds": "company_doctor"), {only}',
                pointer=f"{where}/parties/{index}/membership",
            )
