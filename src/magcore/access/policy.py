"""The read policy: the facts besides the stored events that an access decision needs.

:class:`ReadPolicy` holds who is who (the directory), the legal bases the plugins declare, and
which kinds, themes and form fields are special-category. Special kinds, themes and fields differ
per cycle: :func:`kept_policies` gives the policy of each cycle as the store keeps its definition
(``cycle-definition:<id@version>``, kept the first time a conversation uses it) and its forms, so
every reader that is not handed a policy per cycle still applies the cycle's own (one decision
path: :class:`~magcore.access.gateway.Gateway` and the module functions decide alike).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from ..errors import MagcoreError
from ..model.cycle import CycleDefinition
from ..model.parties import _kept_before_the_initiator_rule
from ..storage.base import Store
from .decision import Directory, LegalBasis, legal_bases_tuple

__all__ = [
    "DESTROYED_EVENT",
    "SENSITIVITY_KEY",
    "SPECIAL_CATEGORY_RISK",
    "SPECIAL_KIND_RULES",
    "PolicyFor",
    "ReadPolicy",
    "kept_policies",
    "special_fields_of",
    "stricter",
]

#: The JSON Schema keyword that marks a form field's sensitivity.
SENSITIVITY_KEY = "x-magcore-sensitivity"
#: The sensitivity value of a field whose free text may hold health data (AVG art. 9).
SPECIAL_CATEGORY_RISK = "special-category-risk"
#: The type of the content-free event left where a destroyed stream was.
DESTROYED_EVENT = "stream.destroyed"

#: What a kind that is special-category as a whole means (:attr:`ReadPolicy.special_kinds`, as
#: :func:`~magcore.access.decide_access` and :mod:`~magcore.access.delivery` apply it), described
#: as data next to the policy: part of what the regulation of a cycle with such a kind is
#: rendered from (:func:`~magcore.access.regulation.regulation_source`), so a change of this
#: description changes its hash and the works council approves it with the text that says it.
#: Whoever changes the rules changes this description (and the text ``regulation.special_kind``)
#: with them. A cycle without such a kind keeps its hash.
SPECIAL_KIND_RULES: Mapping[str, Any] = MappingProxyType(
    {
        "about": "special categories of personal data (AVG art. 9), such as health",
        "content_seen_by": "the participants",
        "others_by": "only the employee's own explicit sharing choice",
        "opened_by_legal_basis": False,
        "opened_by_role": False,
        "in_hr_overviews": False,
        "in_research_data": False,
    }
)


def special_fields_of(schema: Mapping[str, Any]) -> tuple[frozenset[str], Mapping[str, str]]:
    """The top-level fields of a form *schema* marked special-category, and each field's theme.

    A field is special when it says ``"x-magcore-sensitivity": "special-category-risk"``; its
    theme comes from ``"x-magcore-theme"`` when present.
    """
    special: set[str] = set()
    themes: dict[str, str] = {}
    for name, field in (schema.get("properties") or {}).items():
        if not isinstance(field, Mapping):
            continue
        if field.get(SENSITIVITY_KEY) == SPECIAL_CATEGORY_RISK:
            special.add(name)
        if isinstance(field.get("x-magcore-theme"), str):
            themes[name] = field["x-magcore-theme"]
    return frozenset(special), MappingProxyType(themes)


@attrs.frozen(kw_only=True)
class ReadPolicy:
    """Everything besides the stored events that reads need: who is who, declared legal bases,
    and which themes and fields are special-category."""

    directory: Directory = attrs.field(factory=Directory)
    legal_bases: tuple[LegalBasis, ...] = attrs.field(default=(), converter=legal_bases_tuple)
    special_themes: frozenset[str] = frozenset()
    special_kinds: frozenset[str] = frozenset()
    """Kinds that are special-category as a whole (a vitality or stress conversation): every
    part of their content is special, so no legal basis opens it, only the employee's choice."""
    special_fields: frozenset[str] = frozenset()
    field_themes: Mapping[str, str] = attrs.field(factory=dict, hash=False)
    declarations_approved: bool = True
    """Whether plugins' content declarations may be delivered under this cycle: the bodies it
    names approved its current regulation, which lists them (WOR art. 27). ``False`` until
    they approve a text that holds a new declaration."""

    @classmethod
    def for_cycle(
        cls,
        cycle: CycleDefinition,
        *,
        forms: Iterable[Mapping[str, Any]] = (),
        directory: Directory | None = None,
        legal_bases: Iterable[LegalBasis] = (),
    ) -> ReadPolicy:
        """Special themes from *cycle*, special fields from the form JSON Schemas in *forms*."""
        special: set[str] = set()
        themes: dict[str, str] = {}
        for schema in forms:
            fields, field_themes = special_fields_of(schema)
            special |= fields
            themes.update(field_themes)
        return cls(
            directory=directory or Directory(),
            legal_bases=tuple(legal_bases),
            special_themes=frozenset(t.id for t in cycle.themes if t.special_category),
            special_kinds=frozenset(k.id for k in cycle.kinds if k.special_category),
            special_fields=frozenset(special),
            field_themes=themes,
        )

    def field_is_special(self, field: str) -> bool:
        return field in self.special_fields or self.field_themes.get(field) in self.special_themes


PolicyFor = Callable[[str], ReadPolicy]
"""Gives the read policy of a cycle (``id@version``)."""


def _kept(store: Store, stream: str) -> Mapping[str, Any] | None:
    events = store.read(stream)
    if not events:
        return None
    data = events[0].data
    found = data.get("definition", data) if "hash" in data else data
    return found if isinstance(found, Mapping) else None


def kept_policies(store: Store, base: ReadPolicy | None = None) -> PolicyFor:
    """The policy of each cycle as *store* keeps its definition and forms, with *base*'s
    directory and legal bases; *base*'s own special kinds, themes and fields count too (a policy
    is only ever made stricter). A cycle the store does not keep gets *base*."""
    base = base or ReadPolicy()
    cache: dict[str, ReadPolicy] = {}

    def policy_for(cycle: str) -> ReadPolicy:
        if cycle in cache:
            return cache[cycle]
        definition = _kept(store, f"cycle-definition:{cycle}")
        policy = base
        if definition is not None:
            try:
                with _kept_before_the_initiator_rule():
                    kept = CycleDefinition.from_json(definition, source=f"store:{cycle}")
            except MagcoreError:  # a definition that no longer loads: the base, never less
                kept = None
            if kept is not None:
                schemas = [
                    form["schema"]
                    for form in (
                        _kept(store, stream) for stream in store.streams("form-definition:")
                    )
                    if form is not None and isinstance(form.get("schema"), Mapping)
                ]
                policy = stricter(base, ReadPolicy.for_cycle(kept, forms=schemas))
        cache[cycle] = policy
        return policy

    return policy_for


def stricter(base: ReadPolicy, cycle: ReadPolicy) -> ReadPolicy:
    """*base* (who is who, legal bases) with the special kinds, themes and fields of both;
    declared content goes only where both say the declarations are approved."""
    return attrs.evolve(
        base,
        special_themes=base.special_themes | cycle.special_themes,
        special_kinds=base.special_kinds | cycle.special_kinds,
        special_fields=base.special_fields | cycle.special_fields,
        field_themes={**cycle.field_themes, **base.field_themes},
        declarations_approved=base.declarations_approved and cycle.declarations_approved,
    )
