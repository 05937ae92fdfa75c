"""What the plugins contribute: definitions, texts and rules, collected and checked.

:class:`ContributionHooks` calls each implementation of a contribution hook on its own with a
checked ``register``; a plugin that raises or registers the wrong thing becomes a
:class:`~magcore.errors.PluginError` naming it, and the others' contributions still count. The
typed facade :class:`~magcore.hooks.Hooks` (reached as :attr:`magcore.plugins.PluginHost.hooks`)
builds on it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs
import pluggy

from .errors import DefinitionError, MagcoreError, PluginError
from .model.cycle import CycleDefinition, claimed_source
from .model.themes import Theme

if TYPE_CHECKING:
    from .access.decision import LegalBasis
    from .access.retention import RetentionProfile
    from .domain.workflows import Workflow
    from .forms import FormDefinition
    from .i18n import Catalogue, MessageBundle
    from .i18n.scoped import CycleCatalogues

__all__ = ["ContributionHooks", "Contributions"]

T = TypeVar("T")


class _WrongReturn(Exception):
    """A hook returned something of the wrong type (turned into a PluginError by the caller)."""


def _reason(exc: BaseException) -> str:
    """What went wrong, for a PluginError: the exception's type and message."""
    return str(exc) if isinstance(exc, _WrongReturn) else f"{type(exc).__name__}: {exc}"


@attrs.frozen
class Contributions(Generic[T]):
    """Items contributed through one hook, each with the plugin that sent it."""

    items: tuple[tuple[str, T], ...]
    problems: tuple[PluginError, ...] = ()

    def __iter__(self) -> Iterator[T]:
        return (item for _, item in self.items)

    def __len__(self) -> int:
        return len(self.items)

    def by_plugin(self) -> Mapping[str, tuple[T, ...]]:
        grouped: dict[str, list[T]] = {}
        for plugin, item in self.items:
            grouped.setdefault(plugin, []).append(item)
        return {k: tuple(v) for k, v in grouped.items()}


def _instances_of(kind: type[T]) -> Callable[[Any, str], T]:
    """What :meth:`ContributionHooks._collect` accepts of a hook that registers *kind*: the item
    itself, or a :class:`DefinitionError` naming the plugin and what it gave instead."""

    def accept(item: Any, plugin: str) -> T:
        if not isinstance(item, kind):
            raise DefinitionError(
                f"expected a {kind.__name__}, got {type(item).__name__}", source=plugin
            )
        return item

    return accept


def _message_bundles(item: Any, plugin: str) -> MessageBundle:
    """What ``magcore_register_messages`` accepts: a :class:`~magcore.i18n.MessageBundle` whose
    vocabulary puts no score or judgement into the texts people read."""
    from .i18n import MessageBundle
    from .model.scoring import check_vocabulary

    bundle = _instances_of(MessageBundle)(item, plugin)
    check_vocabulary(bundle.vocabulary, source=plugin)
    return bundle


def _without_duplicates(found: Contributions[CycleDefinition]) -> Contributions[CycleDefinition]:
    """*found* without the cycles whose ``id@version`` more than one registration claims, each
    claim a fault naming every plugin that registered it: which one magcore would use is no
    choice to make quietly (conversations and approvals point at an ``id@version``)."""
    claims: dict[str, list[str]] = {}
    for plugin, cycle in found.items:
        claims.setdefault(cycle.key, []).append(plugin)
    twice = {key: plugins for key, plugins in claims.items() if len(plugins) > 1}
    if not twice:
        return found
    problems = list(found.problems)
    for key, plugins in twice.items():
        names = " and ".join(repr(p) for p in sorted(set(plugins)))
        also = f"registered {len(plugins)} times by {names}"
        for plugin in dict.fromkeys(plugins):
            problems.append(
                PluginError(
                    distribution=plugin,
                    hook="magcore_register_cycles",
                    reason=f"cycle {key!r} is {also}; an id@version is one definition, so "
                    "neither is used: give one of them another id (or a new version)",
                )
            )
    kept = tuple((p, c) for p, c in found.items if c.key not in twice)
    return Contributions(kept, tuple(problems))


@attrs.frozen
class ContributionHooks:
    """Typed calls into the contribution hooks (the base of :class:`~magcore.hooks.Hooks`)."""

    _pm: pluggy.PluginManager
    _names: Mapping[int, str]

    def _plugin_name(self, impl: pluggy.HookImpl) -> str:
        return self._names.get(id(impl.plugin)) or impl.plugin_name

    def _collect(
        self, hook: str, accept: Callable[[Any, str], T], **kwargs: Any
    ) -> Contributions[T]:
        """Call each implementation of a contribution hook on its own, with a checked register.

        A plugin whose registration fails contributes nothing at all from that call.
        """
        caller = getattr(self._pm.hook, hook)
        items: list[tuple[str, T]] = []
        problems: list[PluginError] = []
        for impl in reversed(caller.get_hookimpls()):
            name = self._plugin_name(impl)
            mine: list[tuple[str, T]] = []

            def register(
                item: Any, /, _name: str = name, _mine: list[tuple[str, T]] = mine
            ) -> None:
                _mine.append((_name, accept(item, _name)))

            call_kwargs = {"register": register, **kwargs}
            try:
                returned = impl.function(*[call_kwargs[arg] for arg in impl.argnames])
                if returned is not None:
                    raise _WrongReturn(
                        f"returned {type(returned).__name__} instead of None; hand each item "
                        "to register(item) instead of returning it"
                    )
            except _WrongReturn as exc:
                problems.append(PluginError(distribution=name, hook=hook, reason=str(exc)))
                continue
            except MagcoreError as exc:
                problem = PluginError(distribution=name, hook=hook, reason=str(exc))
                problem.__cause__ = exc
                problems.append(problem)
                continue
            except Exception as exc:  # a plugin's own bug: isolate it and say whose
                problem = PluginError(
                    distribution=name, hook=hook, reason=f"{type(exc).__name__}: {exc}"
                )
                problem.__cause__ = exc
                problems.append(problem)
                continue
            items.extend(mine)
        return Contributions(tuple(items), tuple(problems))

    # -- contributions ---------------------------------------------------------------------

    def cycles(self) -> Contributions[CycleDefinition]:
        """Every cycle definition the plugins contribute, checked (scoring-free, consistent).

        An ``id@version`` registered more than once (by two plugins, or twice by one) is a
        fault naming each plugin that registered it, and none of its definitions is used.
        """

        def accept(item: Any, plugin: str) -> CycleDefinition:
            if isinstance(item, CycleDefinition):
                return item
            if isinstance(item, Mapping):
                return CycleDefinition.from_json(item, source=claimed_source(plugin, item))
            raise DefinitionError(
                f"expected a CycleDefinition or a dict, got {type(item).__name__}", source=plugin
            )

        return _without_duplicates(self._collect("magcore_register_cycles", accept))

    def themes(self) -> Contributions[Theme]:
        """Every theme the plugins contribute, checked like a cycle's themes (scoring-free
        titles, topics and prompts)."""
        from .model.scoring import check_definition

        def accept(item: Any, plugin: str) -> Theme:
            theme = _instances_of(Theme)(item, plugin)
            check_definition(
                {
                    "id": theme.id,
                    "title": theme.title.texts(),
                    "prompts": [prompt.texts() for prompt in theme.prompts],
                    "topics": [
                        {"id": topic.id, "title": topic.title.texts()} for topic in theme.topics
                    ],
                },
                source=plugin,
            )
            return theme

        return self._collect("magcore_register_themes", accept)

    def forms(self) -> Contributions[FormDefinition]:
        """Every form definition the plugins contribute, checked (schema, scoring-free, texts)."""
        from .forms import FormDefinition

        def accept(item: Any, plugin: str) -> FormDefinition:
            if isinstance(item, FormDefinition):
                return item
            if isinstance(item, Mapping):
                return FormDefinition.from_json(item, source=plugin)
            raise DefinitionError(
                f"expected a FormDefinition or a dict, got {type(item).__name__}", source=plugin
            )

        return self._collect("magcore_register_forms", accept)

    def catalogue(self) -> tuple[Catalogue, tuple[PluginError, ...]]:
        """The message catalogue with every plugin's translations and vocabulary layered on."""
        from .i18n import DEFAULT_CATALOGUE

        bundles = self._collect("magcore_register_messages", _message_bundles)
        catalogue = DEFAULT_CATALOGUE
        for bundle in bundles:
            catalogue = catalogue.with_bundle(bundle)
        return catalogue, bundles.problems

    def catalogues(self) -> tuple[CycleCatalogues, tuple[PluginError, ...]]:
        """The catalogue per cycle: each plugin's words reach its own cycles only (see
        :mod:`magcore.i18n.scoped`); plugins without a cycle count for every cycle."""
        from .i18n.scoped import scope_catalogues

        bundles = self._collect("magcore_register_messages", _message_bundles)
        owners = [(plugin, cycle.id) for plugin, cycle in self.cycles().items]
        return scope_catalogues(bundles.items, owners), bundles.problems

    def retention_profiles(self) -> Contributions[RetentionProfile]:
        """Every retention profile ("destroy N years after X"), the built-in ones included."""
        from .access.retention import RetentionProfile

        return self._collect("magcore_register_retention_rules", _instances_of(RetentionProfile))

    def legal_bases(self) -> Contributions[LegalBasis]:
        """Every legal basis the plugins declare (name, article, scope)."""
        from .access.decision import LegalBasis

        return self._collect("magcore_register_legal_bases", _instances_of(LegalBasis))

    def workflows(self) -> Contributions[Workflow]:
        """Every workflow the plugins contribute, loaded and checked (never about a score)."""
        from .domain.workflows import Workflow, load_workflow

        def accept(item: Any, plugin: str) -> Workflow:
            return item if isinstance(item, Workflow) else load_workflow(item, source=plugin)

        return self._collect("magcore_register_workflows", accept)

    def problems(self) -> list[PluginError]:
        """Every fault of every contribution hook (cycles, themes, forms, messages, retention
        profiles, legal bases, workflows), collected without stopping: what ``magcore plugins``
        shows. Added in 0.2."""
        cycles, forms = self.cycles(), self.forms()
        found: list[PluginError] = [*cycles.problems, *forms.problems]
        for collect in (self.themes, self.retention_profiles, self.legal_bases, self.workflows):
            found.extend(collect().problems)
        found.extend(self.catalogue()[1])
        installed = {form.id for form in forms}
        for plugin, cycle in cycles.items:
            found.extend(_missing_forms(cycle, plugin, installed))
        return found

    def cycle_faults(self, cycle: CycleDefinition) -> list[PluginError]:
        """What keeps *cycle*'s regulation from being whole: every fault of the plugin that
        registers it (a form it ships that was refused, a hook that raised) and each form its
        kinds name that no plugin contributes. ``magcore policy render`` renders nothing while
        there is one. Added in 0.2."""
        owners = [plugin for plugin, c in self.cycles().items if c.key == cycle.key]
        found = [p for p in self.problems() if p.distribution in owners]
        if not owners:  # a cycle no plugin registers (given directly): its forms all the same
            found.extend(_missing_forms(cycle, cycle.key, {form.id for form in self.forms()}))
        return found

    def cycle_refusals(self, key: str) -> list[PluginError]:
        """The faults that refused the cycle ``id@version`` (or ``id``) *key* entirely: its
        definition failed its check, or another plugin registered the same ``id@version``.
        Added in 0.2."""
        claimed = re.compile(rf"\bcycle '?{re.escape(key)}(@\d+)?'?(?![\w@.-])")
        return [p for p in self.cycles().problems if claimed.search(p.reason)]

    def contributions(self, hook: str, accept: Callable[[Any, str], T]) -> Contributions[T]:
        """Collect a contribution hook with a custom *accept* (used by forms, messages...)."""
        return self._collect(hook, accept)

    def content_needs(self) -> Contributions[Any]:
        """Every content declaration (``magcore_declare_content``): which content, what for."""
        from .access.observers import ContentNeed, check_content_need

        def accept(item: Any, plugin: str) -> ContentNeed:
            return check_content_need(_instances_of(ContentNeed)(item, plugin), plugin=plugin)

        return self._collect("magcore_declare_content", accept)


def _missing_forms(cycle: CycleDefinition, plugin: str, installed: set[str]) -> list[PluginError]:
    """A fault for each form a kind of *cycle* (registered by *plugin*) names that no plugin
    registers: a typo in the cycle's definition, blamed on the cycle that names it."""
    found = []
    for kind in cycle.kinds:
        for use, form_id in (("preparation", kind.preparation_form), ("record", kind.record_form)):
            if form_id is not None and form_id not in installed:
                found.append(
                    PluginError(
                        distribution=plugin,
                        hook="magcore_register_cycles",
                        reason=f"kind {kind.id!r} of cycle {cycle.key!r} names {form_id!r} as "
                        f"its {use} form, and no plugin registers a form with that id "
                        f"(forms: {', '.join(sorted(installed)) or 'none'})",
                    )
                )
    return found
