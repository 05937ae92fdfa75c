"""People's sharing choices, for :class:`~magcore.app.people.OrganisationMixin`: the
employee's own decision, with the checks that refuse a choice that could never open anything
(a role taken for a person, an unknown grantee or theme, someone else's conversation)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from ..domain.sharing import GRANTEE_ROLES, GrantSharing, SharingCommand, SharingState
from ..domain.sharing import decide as decide_sharing
from ..errors import ConsentError, InputRefused, Problem
from ..events import Event
from ..model.cycle import CycleDefinition
from ..model.input_policy import check_known_people
from ..model.organisation import Organisation
from ..model.parties import BUILTIN_ROLES
from ._org_context import checked_organisation
from .aggregates import SHARING
from .handler import CommandHandler, Loaded

if TYPE_CHECKING:
    from ..plugins import PluginHost
    from ..storage.base import Store

__all__ = ["SharingChoicesMixin"]


class SharingChoicesMixin:
    """Sharing choices of a service's people (a part of ``OrganisationMixin``)."""

    if TYPE_CHECKING:
        store: Store
        host: PluginHost
        handler: CommandHandler
        timezone: tzinfo
        organisation_id: str | None
        access_organisation: str | None

        def organisation(self, org_id: str) -> Organisation: ...

        @property
        def cycles(self) -> Mapping[str, CycleDefinition]: ...

    def _checked_organisation(self) -> str | None:
        """The organisation requests and choices are checked against
        (:func:`~magcore.app._org_context.checked_organisation`), ``None`` before one is stored."""
        return checked_organisation(self.store, self.organisation_id, self.access_organisation)

    def share(self, command: SharingCommand) -> SharingState:
        """Grant or revoke a sharing choice; only the employee decides about their own record,
        so the result (their own choices) goes back to them alone."""

        def decision(loaded: Loaded[SharingState], now: datetime) -> Sequence[Event]:
            state = loaded.state or SharingState(person=command.person)
            new_events = decide_sharing(state, command, now=now, zone=self.timezone)
            if isinstance(command, GrantSharing):
                if command.to not in GRANTEE_ROLES:
                    self._refuse_role_as_person(command.to)
                    self._check_grantee(command.to)
                self._check_theme(command)
                self._check_conversation(command)
            return new_events

        return self.handler.handle(
            SHARING,
            command.person,
            decision,
            idempotent=True,
            actor=command.actor,
            action=type(command).__name__,
        ).state

    def _refuse_role_as_person(self, to: str) -> None:
        """A choice to a party's role (``company_doctor``) is not a choice to a person: refuse
        it, naming the roles a choice may name, unless the organisation has a person of that id.
        """
        cycles = self.cycles.values()
        roles = set(BUILTIN_ROLES) | {str(r) for c in cycles for k in c.kinds for r in k.roles}
        roles |= {r.id for c in cycles for r in c.roles}
        if to not in roles:
            return
        org_id = self._checked_organisation()
        if org_id is not None and to in self.organisation(org_id).people:
            return
        raise ConsentError(
            f"to {to!r} is a role in a conversation, not a person: name the person, or one of "
            f"the roles a choice may name ({', '.join(sorted(GRANTEE_ROLES))})",
            field="to",
        )

    def _check_grantee(self, to: str) -> None:
        """Refuse a grantee that is neither a person of the organisation (once imported) nor a
        role a choice may name, naming those roles (``hr_advisor`` is a typo, not a person)."""
        try:
            self._check_people([("/to", to)])
        except InputRefused:
            raise InputRefused(
                [
                    Problem(
                        "/to",
                        f"{to!a} is neither a person in the organisation nor a role a choice "
                        f"may name ({', '.join(sorted(GRANTEE_ROLES))})",
                        "unknownPerson",
                    )
                ],
                what="input",
            ) from None

    def _check_theme(self, command: GrantSharing) -> None:
        """Refuse a ``theme:<id>`` choice about a theme no known cycle or plugin has: it would
        never open anything, while the employee believes they shared."""
        theme = command.what.partition(":")[2] if command.what.startswith("theme:") else None
        cycles = self.cycles.values()
        if theme is None or not cycles:
            return
        known = {t.id for c in cycles for t in c.themes}
        if theme in known:
            return
        known |= {t.id for t in self.host.hooks.themes()}
        if theme not in known:
            raise ConsentError(
                f"what {command.what!r} names a theme no cycle has "
                f"(themes: {', '.join(sorted(known))})",
                field="what",
            )

    def _check_conversation(self, command: GrantSharing) -> None:
        """Refuse a choice for one conversation that is not about the employee; one message
        whether the id exists or not, so a choice does not tell which ids exist."""
        wanted = command.conversation
        if wanted is None:
            return
        if not any(row.id == wanted for row in self.store.conversations(subject=command.person)):
            raise ConsentError(
                f"conversation {wanted!r} is not a conversation about {command.person}: "
                "a choice for one conversation names one of theirs",
                field="conversation",
            )

    def _check_people(self, people: Sequence[tuple[str, str]]) -> None:
        """Refuse person ids the installation's organisation does not know (once imported; see
        :func:`~magcore.app._org_context.checked_organisation`)."""
        org_id = self._checked_organisation()
        if org_id is None:
            return
        check_known_people(self.organisation(org_id).people, people)
