"""Every hook a magcore plugin may implement, documented in one place.

Hooks come in five families, by when magcore calls them:

* **contribution** hooks hand the plugin a ``register`` callable; magcore checks every item as
  it is registered (a cycle with a score is refused) and names the plugin that sent it;
* **choice** hooks are answered by one plugin (``firstresult``): the first non-``None`` wins;
* **check** hooks let every plugin object to a record before it is stored;
* **observer** hooks hear about events once per committed batch, never per event, after the
  commit; a failing observer cannot undo the commit or silence the others;
* **meta** hooks let a plugin add hook specifications of its own.

``docs/plugins/hooks.md`` has a section per hook; a test checks that the two agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import pluggy

if TYPE_CHECKING:
    import click

    from .access.decision import LegalBasis
    from .access.retention import RetentionProfile
    from .crypto.provider import KeyProvider
    from .domain.conversation import Conversation
    from .domain.workflows import Notification, Workflow
    from .errors import Problem
    from .forms import FormDefinition
    from .i18n import MessageBundle
    from .model.cycle import CycleDefinition
    from .model.measurement import Questionnaire
    from .model.themes import Theme
    from .storage.base import Store, StoreSettings

__all__ = ["PROJECT", "Register", "hookimpl", "hookspec"]

PROJECT = "magcore"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

T_contra = TypeVar("T_contra", contravariant=True)


class Register(Protocol[T_contra]):
    """The callable a contribution hook receives: call it once per item you contribute."""

    def __call__(self, item: T_contra, /) -> None: ...


# -- contribution hooks ----------------------------------------------------------------------


@hookspec
def magcore_register_cycles(register: Register[CycleDefinition]) -> None:
    """Contribute conversation-cycle definitions.

    Call ``register(definition)`` once per :class:`~magcore.model.cycle.CycleDefinition`
    (or per plain dict, which is loaded with ``CycleDefinition.from_json``). A definition that
    introduces a score raises :class:`~magcore.errors.ScoringNotAllowedError`, an inconsistent
    one :class:`~magcore.errors.DefinitionError`; either becomes a
    :class:`~magcore.errors.PluginError` naming your distribution, and nothing you registered in
    that call is kept.

    :param register: accepts one cycle definition.
    """


@hookspec
def magcore_register_themes(register: Register[Theme]) -> None:
    """Contribute themes (conversation cards) with short prompts in Dutch and English.

    :param register: accepts one :class:`~magcore.model.themes.Theme`.
    """


@hookspec
def magcore_register_forms(register: Register[FormDefinition | Mapping[str, Any]]) -> None:
    """Contribute form definitions (a JSON Schema plus UI hints and texts in nl and en).

    Every form passes the scoring-free check when it is registered.

    :param register: accepts one ``magcore.forms.FormDefinition`` or its JSON as a dict.
    """


@hookspec
def magcore_register_questionnaires(
    register: Register[Questionnaire | Mapping[str, Any]],
) -> None:
    """Contribute questionnaires for anonymous team measurements (statements about the team).

    Every questionnaire passes the scoring-free check when it is read; its answer options may
    not be grades. Added in 0.2.

    :param register: accepts one ``magcore.model.measurement.Questionnaire`` or its JSON.
    """


@hookspec
def magcore_register_messages(register: Register[MessageBundle]) -> None:
    """Contribute message translations and vocabulary overrides.

    For example, a municipality that never says "klant" registers a vocabulary override that
    replaces it with "inwoner" in every text magcore shows.

    :param register: accepts one ``magcore.i18n.MessageBundle``
        (language, messages by key, vocabulary replacements).
    """


@hookspec
def magcore_register_retention_rules(register: Register[RetentionProfile]) -> None:
    """Contribute retention profiles of the form "destroy N years after event X".

    :param register: accepts one ``magcore.access.retention.RetentionProfile``.
    """


@hookspec
def magcore_register_legal_bases(register: Register[LegalBasis]) -> None:
    """Declare legal bases (name, article, scope) under which others may read something.

    A legal basis never opens special-category content; only the employee's own sharing choice
    does.

    :param register: accepts one ``magcore.access.LegalBasis``.
    """


@hookspec
def magcore_register_workflows(register: Register[Workflow | Mapping[str, Any]]) -> None:
    """Contribute workflows as data: a trigger, an optional condition and actions.

    Workflows remind, ask for a conversation, invite a coach or carry agreements forward; they
    can never create or read a score, and their notifications never carry conversation content.

    :param register: accepts one ``magcore.domain.workflows.Workflow`` or its JSON as a dict.
    """


@hookspec
def magcore_register_commands(cli: click.Group) -> None:
    """Add commands to the ``magcore`` command-line tool.

    :param cli: the top-level click group; call ``cli.add_command(...)`` or use
        ``@cli.command()``.
    """


# -- choice hooks ----------------------------------------------------------------------------


@hookspec(firstresult=True)
def magcore_open_store(url: str, settings: StoreSettings) -> Store | None:
    """Return a :class:`~magcore.storage.Store` for *url*, or ``None`` if its scheme is not yours.

    Stops at the first non-``None`` result. The built-in ``memory://`` and ``sqlite:///`` back
    ends are registered with ``trylast=True``, so an installed plugin can take over a scheme.
    """


@hookspec(firstresult=True)
def magcore_key_provider(url: str, settings: StoreSettings) -> KeyProvider | None:
    """Return the :class:`~magcore.crypto.KeyProvider` for the store at *url*, or ``None``.

    The provider wraps the data keys that encrypt content with its key-encryption key (in a
    file, an HSM or a cloud KMS) and gives the audit chain's HMAC key. Stops at the first
    non-``None`` result; the built-in file provider (``magcore.defaults.keys``) is registered
    with ``trylast=True``, so an installed plugin takes over.
    """


# -- check hooks -----------------------------------------------------------------------------


@hookspec
def magcore_check_record(
    record: Mapping[str, Any],
    form: FormDefinition | None,
    conversation: Conversation,
    actor: str,
    language: str,
) -> Sequence[Problem] | None:
    """Return problems with *record* beyond its JSON Schema; ``None`` or ``[]`` if none.

    Called by the service before a record (or a preparation) is stored, after the form's own
    JSON Schema passed. Any problem stops the store and is shown to the person who wrote the
    record, with the field's JSON pointer. Implementations take only the arguments they need.

    :param record: the answers as plain JSON data.
    :param form: the ``magcore.forms.FormDefinition`` the answers follow, or ``None``.
    :param conversation: the :class:`~magcore.domain.conversation.Conversation` as it is now.
    :param actor: the person writing.
    :param language: ``nl`` or ``en``: the language to write problem messages in.
    """


# -- observer hooks --------------------------------------------------------------------------


@hookspec
def magcore_events_committed(batch: Any) -> None:
    """Called once per committed batch (never per event), after the commit, from the outbox.

    *batch* is a :class:`magcore.access.observers.Delivery`: per event its type, stream,
    version, time and actor id, and **no content** unless your plugin declared it with
    :func:`magcore_declare_content` (then only the declared fields, and each such delivery is
    audited). Batches come at least once (the same ``batch.seq`` may come again after a crash),
    in commit order, from a dispatcher apart from the commit: a slow observer delays no one.
    Everything in the batch is read-only. An exception, or a return value other than ``None``,
    is a :class:`~magcore.errors.PluginError` naming your distribution and this hook; the batch
    is retried with back-off and, after the last attempt, kept in the dead-letter list that
    ``magcore plugins`` shows.
    """


@hookspec
def magcore_declare_content(register: Callable[[Any], None]) -> None:
    """Declare the content your observer needs: ``register(ContentNeed(...))``.

    A :class:`magcore.access.observers.ContentNeed` names event types, the data fields of
    them you receive, the purpose and the legal basis. Declarations appear in the regulation
    (``render_policy``) and change its hash, so they are approved like any other change. A
    declaration of an event type without content, or of a field the event type does not carry
    as content, is refused when it is registered (a PluginError naming the event type and field).
    """


@hookspec
def magcore_send_notification(notification: Notification) -> str | None:
    """Deliver *notification* to its recipient; return a delivery reference, or ``None``.

    Every notifier is called (e-mail, a chat tool, a letter queue). A notification carries a
    message key, the recipient and a link, never conversation content.

    :param notification: a ``magcore.app.workflows.Notification``.
    """


# -- meta hooks ------------------------------------------------------------------------------


@hookspec(historic=True)
def magcore_addhooks(pluginmanager: pluggy.PluginManager) -> None:
    """Add hook specifications of your own, for plugins that host plugins."""
