"""Checking answers against a form: problems in the reader's language, never a traceback.

Two engines, one verdict:

* ``jsonschema`` (always installed) explains: every error becomes a
  :class:`~magcore.errors.Problem` with the JSON pointer of the field and a plain-language message
  from the :mod:`magcore.i18n` catalogue that names the field by its label;
* ``jsonschema-rs`` (the optional extra ``magcore[fast]``) decides in bulk:
  :meth:`FormValidator.validate_many` asks the compiled validator first and only explains the
  documents it rejects. Without the extra, ``jsonschema`` decides too (slower, same verdicts).

Both check ``format`` (dates), so both accept and reject the same documents; a property test in
``tests/forms`` holds them to that.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from ..errors import Problem, RecordInvalidError
from ..events import thaw
from ..i18n import DEFAULT_CATALOGUE, Catalogue
from ..model.input_policy import MAX_JSON_DEPTH, MAX_TEXT_BYTES, json_problems
from ..schemas import format_checker, registry
from .conditions import describe
from .definition import Field, FormDefinition
from .policy_schema import folded_schema, policy_schema

if TYPE_CHECKING:  # jsonschema loads when a form has no compiled validator or answers are wrong
    import jsonschema

__all__ = [
    "FormValidator",
    "check",
    "fast_available",
    "label_for",
    "validate",
    "validator_for",
]

_rs: Any
try:  # pragma: no cover - depends on the installed extras
    import jsonschema_rs as _rs
except ImportError:  # pragma: no cover
    _rs = None


def fast_available() -> bool:
    """Whether the compiled validator (``magcore[fast]``, jsonschema-rs) is installed."""
    return _rs is not None


def _pointer(path: Iterable[Any]) -> str:
    return "".join(f"/{part}" for part in path)


@attrs.frozen(eq=False)
class FormValidator:
    """The validators of one form: build once (:func:`validator_for`), use many times."""

    form: FormDefinition
    _explainer: jsonschema.Draft202012Validator | None = attrs.field(
        default=None, alias="explainer"
    )
    fast: Any = None
    """The compiled jsonschema-rs validator, or ``None`` when the extra is not installed."""
    bulk: Any = None
    """The compiled validator of the form's schema with the input policy folded in
    (:func:`~magcore.forms.policy_schema.folded_schema`): one call decides both for most
    answers. ``None`` without the extra, or for a form whose schema cannot be folded. It may
    refuse what the policy takes (a text over 16,384 characters); what it refuses is decided
    again, exactly."""

    @property
    def explainer(self) -> jsonschema.Draft202012Validator:
        """The ``jsonschema`` validator, built on first use: with the compiled validator
        installed, only answers it rejects need it (and ``jsonschema`` is then imported)."""
        if self._explainer is None:
            import jsonschema

            built = jsonschema.Draft202012Validator(
                self.form.json_schema(), registry=registry(), format_checker=format_checker()
            )
            object.__setattr__(self, "_explainer", built)  # a cache: the value never changes
            return built
        return self._explainer

    @classmethod
    def build(cls, form: FormDefinition, *, use_fast: bool = True) -> FormValidator:
        fast = bulk = None
        if use_fast and _rs is not None:
            schema = form.json_schema()
            fast = _rs.validator_for(schema, validate_formats=True, offline=True)
            folded = folded_schema(schema)
            if folded is not None:
                bulk = _rs.validator_for(folded, validate_formats=True, offline=True)
        return cls(form=form, fast=fast, bulk=bulk)

    def _passes_at_once(self, answers: Any) -> bool:
        """Whether the folded validator takes *answers* (then the policy and the form do);
        ``False`` says nothing yet."""
        if self.bulk is None:
            return False
        try:
            return bool(self.bulk.is_valid(answers))
        except (ValueError, TypeError, OverflowError):  # lone surrogates, not JSON
            return False

    def is_valid(self, answers: Any) -> bool:
        """Whether *answers* fit the form (the fast engine when installed)."""
        if self._passes_at_once(answers):
            return True
        if not _policy_ok(answers, self.fast is not None):
            return False
        return self._schema_valid(answers)

    def _schema_valid(self, answers: Any) -> bool:
        """Whether *answers*, which pass the input policy (so they are JSON data, perhaps
        frozen: read-only mappings and tuples, as an event holds them), fit the form's schema.
        The compiled validator takes only plain dicts and lists: frozen answers are thawed for
        it when it refuses them, and always for ``jsonschema``, whose ``object`` is a dict."""
        if self.fast is not None:
            try:
                return bool(self.fast.is_valid(answers))
            except (ValueError, TypeError, OverflowError):  # a read-only mapping
                pass
            try:
                return bool(self.fast.is_valid(thaw(answers)))
            except (ValueError, TypeError, OverflowError):
                pass  # not for the compiled validator at all: jsonschema decides
        return bool(self.explainer.is_valid(thaw(answers)))

    def problems(
        self, answers: Any, *, language: str = "nl", catalogue: Catalogue | None = None
    ) -> list[Problem]:
        """Every problem with *answers*, in the order of the fields on the form.

        The compiled engine finds the errors when installed, ``jsonschema`` otherwise; both are
        turned into the same problems (a property test compares them).
        """
        catalogue = catalogue or DEFAULT_CATALOGUE
        found: dict[tuple[str, str], Problem] = {}
        order = _field_order(self.form)
        # The input policy first. The schema engines cannot take some of what it refuses (lone
        # surrogates, nesting past their recursion limit, values that are not JSON): then its
        # problems are the answer; otherwise they come next to the schema's.
        refused = _policy_problems(self.form, answers, language, catalogue)
        if any(p.keyword in _UNSAFE for p in refused):
            return sorted(refused, key=lambda p: _sort_key(p.pointer, order))
        for problem in refused:
            found.setdefault((problem.pointer, problem.keyword), problem)
        document = thaw(answers)
        hidden = _hidden_answers(self.form, document, language, catalogue)
        for problem in hidden:
            found.setdefault((problem.pointer, problem.keyword), problem)
        faults = (
            [_from_rs(error) for error in self.fast.iter_errors(document)]
            if self.fast is not None
            else [_from_jsonschema(error) for error in self.explainer.iter_errors(document)]
        )
        for fault in faults:
            if hidden and fault.keyword in _FALSE_SCHEMA:
                continue  # an answer to a question not asked: said above, naming the field
            for problem in _explain(self.form, fault, language, catalogue):
                found.setdefault((problem.pointer, problem.keyword), problem)
        return sorted(found.values(), key=lambda p: _sort_key(p.pointer, order))

    def validate_many(
        self,
        documents: Sequence[Any],
        *,
        language: str = "nl",
        catalogue: Catalogue | None = None,
    ) -> list[tuple[Problem, ...]]:
        """Problems per document (``()`` for a valid one): the bulk path.

        The compiled validator decides (one call for the policy and the form when the form's
        schema folds, :attr:`bulk`); only rejected documents are explained. Valid documents
        share one empty tuple, so a large batch allocates (and garbage-collects) almost nothing.
        """
        check = self._schema_valid
        fast = self.fast is not None
        at_once = self._passes_at_once
        none: tuple[Problem, ...] = ()
        return [
            none
            if at_once(document) or (_policy_ok(document, fast) and check(document))
            else tuple(self.problems(document, language=language, catalogue=catalogue))
            for document in documents
        ]


@functools.cache
def _policy_validator() -> Any:
    return _rs.validator_for(policy_schema())


def _policy_ok(document: Any, fast: bool) -> bool:
    """Whether *document* passes the input policy: the compiled validator decides the common
    case; what it refuses (or cannot take: lone surrogates) is decided in Python."""
    if fast and _rs is not None:
        try:
            if _policy_validator().is_valid(document):
                return True
        except (ValueError, TypeError, OverflowError):  # UnicodeEncodeError is a ValueError
            pass
    return next(json_problems(document), None) is None


#: Policy problems after which a document is not handed to the schema engines.
_UNSAFE = frozenset({"surrogate", "maxDepth", "type", "propertyName", "number"})

_POLICY_MESSAGES = {
    "characters": ("validation.characters", {}),
    "surrogate": ("validation.characters", {}),
    "maxBytes": ("validation.max_bytes", {"limit": MAX_TEXT_BYTES // 1024}),
    "maxDepth": ("validation.max_depth", {"limit": MAX_JSON_DEPTH}),
}


def _policy_problems(
    form: FormDefinition, document: Any, language: str, catalogue: Catalogue
) -> list[Problem]:
    """The input policy's problems (:mod:`magcore.model.input_policy`) in the reader's
    language: control and bidirectional characters, over-long texts, too deep nesting, numbers
    that are not finite or too large."""
    found = []
    for problem in json_problems(document):
        key, params = _POLICY_MESSAGES.get(problem.keyword, (None, {}))
        if key is None:
            found.append(problem)
            continue
        label = label_for(form, problem.pointer, language, catalogue)
        detail = problem.message.removeprefix("holds ")
        message = catalogue.message(key, language, label=label, detail=detail, **params)
        found.append(Problem(problem.pointer, message, problem.keyword))
    return found


#: How the engines name a ``false`` schema (what an unasked conditional question's answer hits).
_FALSE_SCHEMA = frozenset({"None", "False", "falseSchema"})


def _hidden_answers(
    form: FormDefinition, document: Any, language: str, catalogue: Catalogue
) -> list[Problem]:
    """Answers to conditional questions whose condition does not hold (they were not asked):
    each a problem naming the field and the answer it depends on."""
    if not isinstance(document, Mapping):
        return []
    found = []
    for field in form.fields:
        condition = field.show_if
        if condition is None or field.name not in document or condition.holds(document):
            continue
        names = describe(condition, form.field(condition.field), language, catalogue)
        label = label_for(form, f"/{field.name}", language, catalogue)
        message = catalogue.message("validation.only_if", language, label=label, **names)
        found.append(Problem(f"/{field.name}", message, "show_if"))
    return found


def validator_for(form: FormDefinition) -> FormValidator:
    """The (cached) validator of *form*."""
    cached = _CACHE.get(id(form))
    if cached is not None and cached.form is form:
        return cached
    built = FormValidator.build(form)
    if len(_CACHE) > 256:
        _CACHE.clear()
    _CACHE[id(form)] = built
    return built


_CACHE: dict[int, FormValidator] = {}


def validate(
    form: FormDefinition,
    answers: Any,
    *,
    language: str = "nl",
    catalogue: Catalogue | None = None,
) -> list[Problem]:
    """Every problem with *answers* to *form*, with messages in *language*; ``[]`` if none."""
    return validator_for(form).problems(answers, language=language, catalogue=catalogue)


def check(
    form: FormDefinition,
    answers: Any,
    *,
    language: str = "nl",
    catalogue: Catalogue | None = None,
) -> None:
    """Raise :class:`~magcore.errors.RecordInvalidError` listing every problem, if any."""
    found = validate(form, answers, language=language, catalogue=catalogue)
    if found:
        raise RecordInvalidError(found, what=f"answers to form {form.key}")


# -- explaining ------------------------------------------------------------------------------


def _field_order(form: FormDefinition) -> dict[str, int]:
    order: dict[str, int] = {}
    for index, field in enumerate(form.fields):
        order[field.name] = index * 100
        for sub_index, sub in enumerate(field.fields):
            order[f"{field.name}/{sub.name}"] = index * 100 + sub_index + 1
    return order


def _sort_key(pointer: str, order: Mapping[str, int]) -> tuple[int, int, int]:
    parts = pointer.strip("/").split("/") if pointer else []
    if not parts:
        return (-1, 0, 0)
    top = order.get(parts[0], 10**6)
    item = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else -1
    sub = order.get(f"{parts[0]}/{parts[2]}", 0) if len(parts) > 2 else 0
    return (top, item, sub)


def label_for(
    form: FormDefinition, pointer: str, language: str, catalogue: Catalogue | None = None
) -> str:
    """How the field at *pointer* is called on the form ("Afspraak 2: Wat spreken jullie af?")."""
    catalogue = catalogue or DEFAULT_CATALOGUE
    parts = pointer.strip("/").split("/") if pointer else []
    if not parts:
        return catalogue.message("validation.whole_form", language)
    try:
        field = form.field(parts[0])
    except KeyError:
        return parts[-1]
    label = catalogue.localise(field.label, language)
    if field.fields and len(parts) >= 2 and parts[1].isdigit():
        item = catalogue.localise(field.item_label or field.label, language)
        numbered = catalogue.message("form.item", language, label=item, number=int(parts[1]) + 1)
        if len(parts) >= 3:
            try:
                sub: Field = field.subfield(parts[2])
            except KeyError:
                return numbered
            return f"{numbered}: {catalogue.localise(sub.label, language)}"
        return numbered
    return label


@attrs.frozen
class _Fault:
    """One schema error, whichever engine found it: keyword, where, the rule's value, the value."""

    keyword: str
    path: tuple[str | int, ...]
    value: Any
    instance: Any
    names: tuple[str, ...] = ()
    """For required / additionalProperties: the missing or unexpected property names."""


def _from_jsonschema(error: jsonschema.ValidationError) -> _Fault:
    keyword = str(error.validator)
    instance = error.instance
    names: tuple[str, ...] = ()
    if keyword == "required" and isinstance(instance, Mapping):
        names = tuple(n for n in error.validator_value if n not in instance)
    elif keyword in ("additionalProperties", "unevaluatedProperties") and isinstance(
        instance, Mapping
    ):
        known = set(error.schema.get("properties", {}))
        names = tuple(n for n in instance if n not in known)
    return _Fault(keyword, tuple(error.absolute_path), error.validator_value, instance, names)


def _from_rs(error: Any) -> _Fault:
    kind = error.kind
    keyword = str(kind.name)
    details = kind.as_dict()
    names: tuple[str, ...] = ()
    value: Any = details.get("limit", details.get("value"))
    if keyword == "required":
        names = (str(details["property"]),)
    elif keyword in ("additionalProperties", "unevaluatedProperties"):
        names = tuple(str(n) for n in details.get("unexpected", ()))
    elif keyword == "type":
        value = details.get("types", details.get("value"))
    elif keyword == "format":
        value = details.get("format")
    return _Fault(keyword, tuple(error.instance_path), value, error.instance, names)


def _explain(
    form: FormDefinition,
    fault: _Fault,
    language: str,
    catalogue: Catalogue,
) -> list[Problem]:
    keyword = fault.keyword
    pointer = _pointer(fault.path)
    value = fault.value
    instance = fault.instance
    field = _field_at(form, fault.path)
    unit = _unit(field, language, catalogue)

    def problem(key: str, where: str = pointer, **params: Any) -> Problem:
        label = label_for(form, where, language, catalogue)
        return Problem(
            pointer=where,
            message=catalogue.message(key, language, label=label, **params),
            keyword=keyword,
        )

    if keyword == "required":
        return [problem("validation.required", f"{pointer}/{name}") for name in fault.names]
    if keyword in ("additionalProperties", "unevaluatedProperties"):
        return [
            Problem(
                pointer=f"{pointer}/{name}",
                message=catalogue.message("validation.additional", language, name=name),
                keyword=keyword,
            )
            for name in fault.names
        ]
    if keyword == "type":
        wanted = [value] if isinstance(value, str) else [t for t in value if t != "null"]
        if unit is not None and wanted and wanted[0] in ("number", "integer"):
            return [problem(f"validation.type.{wanted[0]}.unit", unit=unit, given=shown(instance))]
        key = f"validation.type.{wanted[0]}" if wanted else "validation.invalid"
        return [problem(key if key in catalogue else "validation.invalid")]
    if keyword in ("enum", "const"):
        if field is not None and field.options:
            choices = _choices(field, language, catalogue)
            return [problem("validation.enum.given", choices=choices, given=shown(instance))]
        return [problem("validation.enum")]
    if keyword == "format":
        key = f"validation.format.{value}"
        return [problem(key if key in catalogue else "validation.format")]
    if keyword == "minLength":
        if instance == "":
            return [problem("validation.min_length.empty")]
        return [problem("validation.min_length", limit=value)]
    if keyword == "maxLength":
        actual = len(instance) if isinstance(instance, str) else 0
        return [problem("validation.max_length", limit=value, actual=actual)]
    simple = {
        "minimum": "validation.minimum",
        "exclusiveMinimum": "validation.minimum",
        "maximum": "validation.maximum",
        "exclusiveMaximum": "validation.maximum",
        "minItems": "validation.min_items",
        "maxItems": "validation.max_items",
        "uniqueItems": "validation.unique_items",
        "pattern": "validation.pattern",
    }
    if keyword in simple:
        key = simple[keyword]
        if unit is not None and key in ("validation.minimum", "validation.maximum"):
            return [problem(f"{key}.unit", limit=value, unit=unit, given=shown(instance))]
        return [problem(key, limit=value)]
    return [problem("validation.invalid")]


#: How many characters of a wrong answer a message quotes, and how many choices it lists.
SHOWN_CHARACTERS = 40
SHOWN_CHOICES = 12


def shown(value: Any, limit: int = SHOWN_CHARACTERS) -> str:
    """*value* as a message quotes it: JSON for what is not a text, on one line, each control,
    bidirectional or surrogate character as its escape (``\\u202e``), at most *limit*
    characters (then ``…``). It never carries markup or a terminal escape into a page or a
    terminal, and never a whole long answer."""
    from ..model._text_characters import FORBIDDEN

    text = value if isinstance(value, str) else _json(value)
    text = FORBIDDEN.sub(lambda found: f"\\u{ord(found.group()):04x}", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json(value: Any) -> str:
    import json

    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, default=str)
    except (TypeError, ValueError):
        return repr(value)


def _field_at(form: FormDefinition, path: Sequence[str | int]) -> Field | None:
    """The field (or a repeating group's sub-field) a schema error's path points at."""
    if not path:
        return None
    try:
        field = form.field(str(path[0]))
        if field.fields and len(path) >= 3:
            return field.subfield(str(path[2]))
    except KeyError:
        return None
    return field


def _unit(field: Field | None, language: str, catalogue: Catalogue) -> str | None:
    """The unit of a number field in words (``uren``), or ``None``."""
    if field is None or not field.unit:
        return None
    key = f"unit.{field.unit}"
    return catalogue.message(key, language) if key in catalogue else field.unit


def _choices(field: Field, language: str, catalogue: Catalogue) -> str:
    """The values a choice field takes, each with its label where that differs (``employee
    (De medewerker)``, a long label cut short), joined with "or" in *language*; the first
    :data:`SHOWN_CHOICES`, then ``…``."""
    from ..i18n import format_list

    named = []
    for option in field.options[:SHOWN_CHOICES]:
        label = catalogue.localise(option.label, language)
        same = label.casefold() == option.value.casefold()
        named.append(option.value if same else f"{option.value} ({shown(label, 30)})")
    if len(field.options) > SHOWN_CHOICES:
        named.append("…")
    return format_list(named, language, style="or")
