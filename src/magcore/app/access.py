"""The service's side of the gateway: views for actors, the listing, the due list, the export,
the policy.

Every public method of :class:`~magcore.app.service.Service` that hands out content does so
through :class:`~magcore.access.gateway.Gateway`: decided for an actor and a purpose at the
service clock's time, and audited.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import date, tzinfo
from typing import TYPE_CHECKING, Any

import attrs

from ..access.decision import (
    PARTICIPATION,
    PRIVACY_OFFICER,
    Basis,
    Decision,
    Directory,
    known_roles,
)
from ..access.gateway import Gateway, Listing
from ..access.reading import ConversationView, GoalView, ReadPolicy, audit_record
from ..domain.organisation import OrganisationEvent, org_stream
from ..domain.sharing import SharingState, person_stream
from ..domain.sharing import replay as replay_sharing
from ..errors import ApprovalMissingError, ConsentError, DefinitionError, NotFoundError
from ..model.days import local_day
from ..model.input_policy import check_id, is_valid_id
from ..storage.streaming import read_stream_data

if TYPE_CHECKING:
    from ..access.due import DueList
    from ..clock import Clock
    from ..errors import PluginError
    from ..model.cycle import CycleDefinition
    from ..model.organisation import Organisation
    from ..plugins import PluginHost
    from ..storage.base import Store

__all__ = ["AccessMixin"]


class AccessMixin:
    """Views, listing, export and the read policy of a service (mixed into ``Service``)."""

    if TYPE_CHECKING:
        store: Store
        clock: Clock
        host: PluginHost
        origin: str
        plugin_failures: list[PluginError]
        _directory: Directory | None
        access_organisation: str | None
        organisation_id: str | None
        timezone: tzinfo
        _policies: dict[tuple[str, int, int], ReadPolicy]

        def cycle(self, key: str) -> CycleDefinition: ...
        def policy_hash(self, cycle: str | CycleDefinition) -> str: ...
        @property
        def cycles(self) -> Mapping[str, CycleDefinition]: ...
        def organisation(self, org_id: str) -> Organisation: ...
        @property
        def forms(self) -> Mapping[str, Any]: ...

    # -- who is who --------------------------------------------------------------------------

    @property
    def directory(self) -> Directory:
        """Who manages whom and who holds which role, for access decisions: the one given to
        :meth:`use_directory`, else the organisation named by ``access_organisation``."""
        if self._directory is not None:
            return self._directory
        org_id = self.access_organisation or self.organisation_id
        if org_id is not None:
            try:
                org = self.organisation(org_id)
            except NotFoundError:
                return Directory()
            return self._org_directory(org)
        return Directory()

    _org_directory_cache: tuple[Organisation, Directory] | None = None
    _access_roles: Mapping[str, Iterable[str]] | None = None

    def _org_directory(self, org: Organisation) -> Directory:
        cached = self._org_directory_cache
        if cached is not None and cached[0] is org:
            directory: Directory = cached[1]
            return directory
        roles = self._access_roles or {}
        outside = {person for person in roles if person not in org.people}
        former = self._removed_people(org.id, outside) if outside else frozenset()
        directory = Directory.from_organisation(org, roles, former=former)
        self._org_directory_cache = (org, directory)
        return directory

    def standing(self, person: str) -> frozenset[str] | None:
        """Where *person* stands today in the organisation access is decided with: the roles
        the directory gives them (the settings' roles while they are employed, a coach's
        assignment), or ``None`` when they are not someone here any more: the organisation
        holds them but they left, or it held them once and an import took them out, or it
        never held them and they hold no role (someone the settings name from outside, an
        external privacy officer, stands with their roles). With no organisation stored
        there is nobody to check against: an empty set. For a front end's session, read
        again at every request (one read of the organisation's version)."""
        check_id(person, pointer="/person")
        org_id = self.access_organisation or self.organisation_id
        if org_id is None:
            return frozenset()
        try:
            org = self.organisation(org_id)
        except NotFoundError:
            if self.store.version(org_stream(org_id)) == 0:
                return frozenset()  # none imported yet
            raise  # it changed while it was read: the caller tries again
        directory = self._directory or self._org_directory(org)
        day = local_day(self.clock.now(), self.timezone)
        held = directory.roles_of(person, day)
        known = org.people.get(person)
        if known is None:
            return held or None
        return held if known.employed_on(day) else None

    def _removed_people(self, org_id: str, wanted: Collection[str]) -> frozenset[str]:
        """Which of *wanted* (role holders not in the organisation now) it held once and an
        import took out (``person.removed``): they hold no role. Read only when a role holder
        is not in the organisation, once per version of it."""
        return frozenset(
            data.get("person")
            for _number, kind, data in read_stream_data(self.store, org_stream(org_id))
            if kind == OrganisationEvent.REMOVED and data.get("person") in wanted
        )

    def use_directory(self, directory: Directory) -> None:
        """Decide access with *directory* (managers and roles) from now on."""
        self._directory = directory
        self._policies.clear()

    def use_roles(self, roles: Mapping[str, Iterable[str]]) -> None:
        """Decide access with the functional *roles* (``hr_adviser``...) and the organisation
        access is decided with already (the service's *organisation*), read when a decision
        first needs it: nothing is loaded now.

        Raises :class:`~magcore.errors.DefinitionError` naming the person (``/roles/<id>``)
        for a person id or role name that is no id, and for a role no access rule knows (a
        typo would leave its holder without the role, and the refusal of a read would point
        at the person, not at the typo); nothing changes then."""
        self._access_roles = self._checked_roles(roles)
        self._directory = None
        self._org_directory_cache = None
        self._policies.clear()

    def use_organisation(
        self, org_id: str, roles: Mapping[str, Iterable[str]] | None = None
    ) -> None:
        """Decide access with the stored organisation *org_id* as it stands at each read (a
        manager change counts at once) and the functional *roles* (``hr_adviser``...)."""
        checked = None if roles is None else self._checked_roles(roles)
        self.organisation(org_id)
        self.access_organisation = org_id
        self._access_roles = checked
        self._directory = None
        self._org_directory_cache = None
        self._policies.clear()

    def _checked_roles(self, roles: Mapping[str, Iterable[str]]) -> dict[str, tuple[str, ...]]:
        """*roles* checked as :meth:`use_roles` says, as a table of tuples."""
        known = known_roles(self._legal_bases())
        if not isinstance(roles, Mapping):
            raise DefinitionError("roles must map person ids to role names", pointer="/roles")
        checked: dict[str, tuple[str, ...]] = {}
        for person, held in roles.items():
            if not isinstance(person, str) or not is_valid_id(person):
                raise DefinitionError(f"roles: {person!a} is not a person id", pointer="/roles")
            where = f"/roles/{person}"
            if isinstance(held, str) or not isinstance(held, Iterable):
                raise DefinitionError(f"roles.{person} must be a list of role names", pointer=where)
            names = tuple(held)
            for role in names:
                if not isinstance(role, str) or not is_valid_id(role):
                    raise DefinitionError(
                        f"roles.{person}: {role!a} is no role name", pointer=where
                    )
                if role not in known:
                    raise DefinitionError(
                        f"roles.{person}: unknown role {role!r} (known: "
                        f"{', '.join(sorted(known))})",
                        pointer=where,
                    )
            checked[person] = names
        return checked

    # -- the gateway -------------------------------------------------------------------------

    def read_policy(self, cycle_key: str) -> ReadPolicy:
        """The facts reads of conversations under *cycle_key* need: the directory, the legal
        bases the plugins declare, special-category kinds, themes and form fields."""
        directory = self.directory
        key = (cycle_key, id(directory), self._approvals_seen(cycle_key.partition("@")[0]))
        policy = self._policies.get(key)
        if policy is None or policy.directory is not directory:
            self._forget_other_directories(directory)
            try:
                definition = self.cycle(cycle_key)
            except NotFoundError:
                policy = self.base_policy()
            else:
                policy = attrs.evolve(
                    ReadPolicy.for_cycle(
                        definition,
                        forms=[dict(form.json_schema()) for form in self.forms.values()],
                        directory=directory,
                        legal_bases=self._legal_bases(),
                    ),
                    declarations_approved=self._declarations_approved(definition),
                )
            self._policies[key] = policy
        return policy

    def _declarations_approved(self, definition: CycleDefinition) -> bool:
        """Whether the bodies *definition* names approved its current regulation, when any
        plugin declares content (which that text lists); ``True`` when none does."""
        if not self._declares_content():
            return True
        from . import versions

        try:
            versions.check_approved(
                definition,
                self.policy_hash(definition),
                versions.approval_state(self.store, definition.id),
            )
        except ApprovalMissingError:
            return False
        return True

    def _forget_other_directories(self, directory: Directory) -> None:
        """Drop the policies built for an earlier directory (an organisation since changed):
        they are never asked for again, and would pile up in a long-running service."""
        stale = [
            key for key, policy in list(self._policies.items()) if policy.directory is not directory
        ]
        for key in stale:
            self._policies.pop(key, None)

    def base_policy(self) -> ReadPolicy:
        """The policy where no cycle says more (a goal set apart from any conversation, a
        cycle no longer known): the special kinds and themes of every known cycle count."""
        directory = self.directory
        newest = self._newest_cycles()
        key = ("*", id(directory), sum(self._approvals_seen(c.id) for c in newest))
        policy = self._policies.get(key)
        if policy is None or policy.directory is not directory:
            self._forget_other_directories(directory)
            cycles = self.cycles.values()
            policy = ReadPolicy(
                directory=directory,
                legal_bases=self._legal_bases(),
                special_kinds=frozenset(
                    k.id for c in cycles for k in c.kinds if k.special_category
                ),
                special_themes=frozenset(
                    t.id for c in cycles for t in c.themes if t.special_category
                ),
                # a goal set apart from any conversation, a person's stream: under no one
                # cycle, so every cycle's current regulation must list the declarations
                declarations_approved=all(self._declarations_approved(c) for c in newest),
            )
            self._policies[key] = policy
        return policy

    def _newest_cycles(self) -> list[CycleDefinition]:
        """The newest known version of each cycle (its current regulation)."""
        newest: dict[str, CycleDefinition] = {}
        for definition in self.cycles.values():
            if definition.id not in newest or definition.version > newest[definition.id].version:
                newest[definition.id] = definition
        return list(newest.values())

    def _approvals_seen(self, cycle_id: str) -> int:
        """How many approvals of *cycle_id* the store holds (its stream's version), when a
        plugin declares content: a read policy built before another approval (by this service
        or another process, ``magcore policy approve``) is built again. ``0`` otherwise."""
        if not self._declares_content():
            return 0
        from ..domain.approvals import cycle_stream

        return self.store.version(cycle_stream(cycle_id))

    def _declares_content(self) -> bool:
        """Whether any plugin declares content (asked once per service)."""
        cached: bool | None = getattr(self, "_declares_content_cache", None)
        if cached is None:
            cached = bool(self.host.hooks.content_needs().by_plugin())
            self._declares_content_cache = cached
        return cached

    def _legal_bases(self) -> tuple[Any, ...]:
        """The legal bases the plugins declare (asked once per service)."""
        cached: tuple[Any, ...] | None = getattr(self, "_legal_bases_cache", None)
        if cached is None:
            found = self.host.hooks.legal_bases()
            self.plugin_failures.extend(found.problems)
            cached = tuple(found)
            self._legal_bases_cache = cached
        return cached

    @property
    def gateway(self) -> Gateway:
        """The one way content leaves: decided for an actor and a purpose, audited."""
        return Gateway(
            self.store,
            clock=self.clock,
            policy_for=self.read_policy,
            policy=self.base_policy(),
            origin=self.origin,
            zone=self.timezone,
        )

    def view(
        self, conversation_id: str, *, actor: str, purpose: str = PARTICIPATION
    ) -> ConversationView:
        """What *actor* may see of a conversation for *purpose* now (every part audited)."""
        return self.gateway.conversation(conversation_id, actor=actor, purpose=purpose)

    def view_goal(self, goal_id: str, *, actor: str, purpose: str = PARTICIPATION) -> GoalView:
        """What *actor* may see of a goal for *purpose* now (audited)."""
        return self.gateway.goal(goal_id, actor=actor, purpose=purpose)

    def listing(self, viewer: str, *, purpose: str) -> Listing:
        """What *viewer* may see for *purpose* now: conversation ids and parts, one audit line."""
        return self.gateway.listing(viewer, purpose=purpose)

    def due_list(
        self,
        viewer: str,
        *,
        cycles: Iterable[str | CycleDefinition],
        start: date,
        end: date,
        purpose: str = PARTICIPATION,
        org_id: str | None = None,
        roles: Collection[str] = (),
    ) -> DueList:
        """Who *viewer* may see is due a conversation in ``[start, end)`` under *cycles* (keys
        or definitions), not answered yet: a manager the people they manage, in the
        conversations they hold with them (*purpose* ``conversation``, the default); an HR
        adviser the whole organisation, for ``planning`` (:mod:`magcore.access.due`). One
        audit line, a refusal too (:class:`~magcore.errors.AccessDenied`). *org_id* is the
        organisation planned (default: the one access is decided with); *roles* are roles the
        caller's sign-in gives *viewer* beside the directory's. Added in 0.4."""
        from ..model.cycle import CycleDefinition

        definitions = [c if isinstance(c, CycleDefinition) else self.cycle(c) for c in cycles]
        org_id = org_id or self.access_organisation or self.organisation_id
        if org_id is None:
            raise NotFoundError("no organisation is imported: there is nobody to plan for")
        return self.gateway.due(
            viewer,
            purpose=purpose,
            organisation=self.organisation(org_id),
            cycles=definitions,
            start=start,
            end=end,
            roles=roles,
        )

    def export(self, person: str, *, requester: str | None = None) -> dict[str, Any]:
        """Everything held about *person* (AVG art. 15), asked by them or the privacy officer.

        The employment facts come from the organisation access is decided with
        (:meth:`use_organisation`, else the service's *organisation*), as
        ``magcore export person`` gives them."""
        return self.gateway.export(
            person, requester=requester or person, organisation=self._export_organisation()
        )

    def _export_organisation(self) -> Organisation | None:
        """The stored organisation whose facts an export holds (``None``: none is known)."""
        org_id = self.access_organisation or self.organisation_id
        if org_id is None:
            return None
        try:
            return self.organisation(org_id)
        except NotFoundError:
            return None

    # -- sharing choices -----------------------------------------------------------------------

    def sharing(self, person: str, *, actor: str | None = None) -> SharingState:
        """Every sharing choice *person* ever made (revoked ones keep their revocation time).

        Only *person* themselves or the privacy officer may ask (*actor* defaults to *person*);
        the read is audited, a refusal raises :class:`~magcore.errors.ConsentError`.
        """
        check_id(person, pointer="/person")
        actor = person if actor is None else check_id(actor, pointer="/actor")
        now = self.clock.now()
        day = local_day(now, self.timezone)
        allowed = actor == person or PRIVACY_OFFICER in self.directory.roles_of(actor, day)
        decision = Decision(
            allowed,
            ("own choices" if actor == person else "privacy officer")
            if allowed
            else "denied because sharing choices are shown to the employee and the privacy officer",
            Basis.AUTHOR if allowed else Basis.DENIED,
        )
        self.store.append_audit(
            [
                audit_record(
                    viewer=actor,
                    obj=f"{person_stream(person)}/sharing",
                    decision=decision,
                    purpose=PARTICIPATION,
                    at=now,
                    origin=self.origin,
                )
            ]
        )
        if not allowed:
            raise ConsentError(f"{actor} may not see {person}'s sharing choices")
        return replay_sharing(person, self.store.read(person_stream(person)))
