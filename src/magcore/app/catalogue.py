"""The service's catalogue: cycle definitions, forms, answers checked against them, approval.

Mixed into :class:`~magcore.app.service.Service`. Definitions come from the plugins, from
:meth:`CatalogueMixin.add_cycle` and from the store (versions a conversation was started on);
a cycle version's regulation is approved here (WOR art. 27).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from ..domain.approvals import MAX_REFERENCE_LENGTH, ApprovalState
from ..domain.conversation import Command, Conversation, DraftRecord, SavePreparation
from ..domain.conversation.visibility import seen_by
from ..errors import NotFoundError, PluginError, Problem, RecordInvalidError
from ..events import CommittedBatch, thaw
from ..model.cycle import CycleDefinition
from ..model.input_policy import check_id, check_text
from . import versions

if TYPE_CHECKING:
    from ..clock import Clock
    from ..forms import FormDefinition
    from ..i18n import Catalogue
    from ..plugins import PluginHost
    from ..storage.base import Store

__all__ = ["CatalogueMixin"]


class CatalogueMixin:
    """Cycles, forms, answer checks and approvals of a service (mixed into ``Service``)."""

    if TYPE_CHECKING:
        store: Store
        clock: Clock
        host: PluginHost
        origin: str
        language: str
        plugin_failures: list[PluginError]
        _cycles: dict[str, CycleDefinition]
        _forms: dict[str, FormDefinition] | None
        _form_versions: dict[str, FormDefinition]
        _policy_hashes: dict[str, str]
        _policies: dict[tuple[str, int, int], Any]
        _tell: Callable[[CommittedBatch], None]

        def catalogue_for(self, cycle: str | None = None) -> Catalogue: ...

    # -- cycles ----------------------------------------------------------------------------

    def add_cycle(self, definition: CycleDefinition | Mapping[str, Any]) -> CycleDefinition:
        """Make a cycle definition available (plugins' definitions are added automatically)."""
        if not isinstance(definition, CycleDefinition):
            definition = CycleDefinition.from_json(definition)
        self._cycles[definition.key] = definition
        return definition

    @property
    def cycles(self) -> Mapping[str, CycleDefinition]:
        """Every known definition by ``id@version``."""
        return dict(self._cycles)

    def cycle(self, key: str) -> CycleDefinition:
        """The definition ``id@version``, or the newest version of ``id``."""
        if key in self._cycles:
            return self._cycles[key]
        stored = versions.stored_cycle(self.store, key) if "@" in key else None
        if stored is not None:
            self._cycles[key] = stored
            return stored
        candidates = [d for d in self._cycles.values() if d.id == key]
        if not candidates:
            known = ", ".join(sorted(self._cycles)) or "none"
            raise NotFoundError(f"unknown cycle {key!r} (known: {known})")
        return max(candidates, key=lambda d: d.version)

    # -- approval ----------------------------------------------------------------------------

    def policy_hash(self, cycle: str | CycleDefinition) -> str:
        """The current hash of a cycle version's regulation (what its approvals approve)."""
        definition = cycle if isinstance(cycle, CycleDefinition) else self.cycle(cycle)
        if definition.key not in self._policy_hashes:
            self._policy_hashes[definition.key] = versions.regulation_hash(
                self.host, definition, self.forms
            )
        return self._policy_hashes[definition.key]

    def approve_policy(
        self,
        cycle: str | CycleDefinition,
        *,
        body: str,
        reference: str,
        on: date,
        actor: str,
        policy_hash: str | None = None,
    ) -> ApprovalState:
        """Record that *body* approved a cycle version's regulation (WOR art. 27), in the
        stream ``cycle:<id>`` and the audit log (:func:`magcore.app.versions.approve`).

        *reference* and *actor* pass the input policy first (:class:`~magcore.errors.InputRefused`
        naming ``/reference`` or ``/actor``; a reference is at most
        :data:`~magcore.domain.approvals.MAX_REFERENCE_LENGTH` characters): both are kept in
        clear for as long as the audit log."""
        reference = check_text(reference, pointer="/reference", max_length=MAX_REFERENCE_LENGTH)
        actor = check_id(actor, pointer="/actor")
        definition = cycle if isinstance(cycle, CycleDefinition) else self.cycle(cycle)
        used = {f for k in definition.kinds for f in versions.kind_forms(definition, k.id).values()}
        batch = versions.approve(
            self.store,
            definition,
            current_hash=self.policy_hash(definition),
            forms=[self.form(f) for f in sorted(used)],
            body=body,
            reference=reference,
            on=on,
            actor=actor,
            origin=self.origin,
            policy_hash=policy_hash,
            now=self.clock.now(),
        )
        self._tell(batch)
        self._policies.clear()  # they say whether declared content may go: it may now
        return versions.approval_state(self.store, definition.id)

    # -- forms -----------------------------------------------------------------------------

    @property
    def forms(self) -> Mapping[str, FormDefinition]:
        """Every form the plugins contribute, by id (the newest version of each)."""
        if self._forms is None:
            contributed = self.host.hooks.forms()
            self.plugin_failures.extend(contributed.problems)
            newest: dict[str, FormDefinition] = {}
            for form in contributed:
                self._form_versions[form.key] = form
                if form.id not in newest or form.version > newest[form.id].version:
                    newest[form.id] = form
            self._forms = newest
        return self._forms

    def form(self, form_id: str) -> FormDefinition:
        """The newest installed version of form *form_id*."""
        try:
            return self.forms[form_id]
        except KeyError:
            known = ", ".join(sorted(self.forms)) or "none"
            failed = [str(f) for f in self.plugin_failures if f.hook == "magcore_register_forms"]
            because = (
                f"; plugins that failed to contribute forms: {'; '.join(failed)}" if failed else ""
            )
            raise NotFoundError(
                f"form {form_id!r} is not installed (known: {known}){because}"
            ) from None

    def form_version(self, key: str) -> FormDefinition:
        """Form ``id@version``: installed, or kept in the store since a conversation used it."""
        if key not in self.forms and key in self._form_versions:
            return self._form_versions[key]
        stored = versions.stored_form(self.store, key)
        if stored is None:
            raise NotFoundError(f"form {key!r} is neither installed nor kept in the store")
        self._form_versions[key] = stored
        return stored

    def check_answers(self, conv: Conversation, command: Command) -> None:
        """Validate a preparation's or record's answers before anything is stored.

        The answers must fit the form the conversation kind names (its JSON Schema, messages in
        the service's language), and then every ``magcore_check_record`` plugin may object.
        Raises :class:`~magcore.errors.RecordInvalidError` with every problem; nothing is stored.
        """
        if not isinstance(command, DraftRecord | SavePreparation):
            return
        kind = self.cycle(conv.cycle).kind(conv.kind)
        form_id = kind.record_form if isinstance(command, DraftRecord) else kind.preparation_form
        answers = thaw(command.answers)
        use = "record" if isinstance(command, DraftRecord) else "preparation"
        pinned = conv.forms.get(use)
        form = self.form_version(pinned) if pinned else self.form(form_id) if form_id else None
        problems: list[Problem] = []
        if form is not None:
            from ..forms import validate

            catalogue = self.catalogue_for(conv.cycle)
            problems.extend(validate(form, answers, language=self.language, catalogue=catalogue))
            if isinstance(command, DraftRecord):
                problems.extend(_given_twice(command, answers))
        else:  # a kind without a form takes free text only
            from ..forms.free_text import free_text_problems

            catalogue = self.catalogue_for(conv.cycle)
            problems.extend(
                free_text_problems(answers, language=self.language, catalogue=catalogue)
            )
        if not problems:
            self._audit_checks(conv, command.actor, use)
            problems.extend(
                # the checks act for the writer: they get what the writer sees, no more
                self.host.hooks.check_record(
                    answers,
                    form,
                    seen_by(conv, command.actor),
                    actor=command.actor,
                    language=self.language,
                )
            )
        if problems:
            what = f"answers to form {form_id}" if form_id else "answers"
            raise RecordInvalidError(problems, what=what)

    def _audit_checks(self, conv: Conversation, writer: str, use: str) -> None:
        """One audit line per check plugin about to see *writer*'s answers (content reaching
        a plugin, audited like every such delivery; the check acts for the writer)."""
        from ..storage.base import AuditRecord

        names = self.host.hooks.record_checkers()
        if not names:
            return
        now = self.clock.now().isoformat()
        self.store.append_audit(
            [
                AuditRecord(
                    at=now,
                    actor=f"plugin:{name}",
                    action="check-record",
                    object=f"conversation:{conv.id}",
                    result="done",
                    origin=self.origin,
                    reason=f"the {use} answers {writer} is writing, and what {writer} sees of "
                    "the conversation (the check acts for the writer)",
                    purpose="check",
                )
                for name in names
            ]
        )


def _given_twice(command: DraftRecord, answers: Mapping[str, Any]) -> list[Problem]:
    """A record whose form answers a field of the record itself (``summary``, ``themes``)
    differently from the record: both would be kept, and confirmed, while the record shows
    one and the form the other. The same value given twice is fine (the command line fills
    the form's fields from its flags). A form's ``agreements`` answer is not compared: forms
    and the test kit use it for the form's own list."""
    found = []
    summary = answers.get("summary")
    if command.summary and isinstance(summary, str) and summary != command.summary:
        found.append(
            Problem(
                "/summary",
                "the summary is given twice, differently: as the record's summary and as "
                "the form's answer; give it once, or the same text in both",
                "conflict",
            )
        )
    themes = answers.get("themes")
    if (
        command.themes
        and isinstance(themes, list)
        and sorted(map(str, themes)) != sorted(command.themes)
    ):
        found.append(
            Problem(
                "/themes",
                "the themes are given twice, differently: as the record's themes and as "
                "the form's answer",
                "conflict",
            )
        )
    return found
