"""Answers to forms for the demo: example answers filled in and varied."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from ..errors import DefinitionError, RecordInvalidError
from ..model.records import Agreement
from .base import (
    _PLACEHOLDER,
    _SENTENCES,
    _VARIED_TRIES,
    DemoError,
    _Run,
)
from .names import demo_name

__all__ = []


def _fill_in(
    run: _Run,
    conv_id: str,
    form_id: str | None,
    day: date,
    command: Callable[[Mapping[str, Any]], Any],
    *,
    agreements: Sequence[Agreement] = (),
) -> None:
    """Execute *command* with answers to *form_id*: varied ones first, then the form's example.

    The service checks the answers against the form and runs every plugin's check hook. When
    varied answers are refused, the form's example answers are used, and then only their
    required fields (a check may depend on what else happened, e.g. a consent given in the
    preparation); when even those are refused, the demo stops with an error naming the form
    and what the checks said.
    """
    from ..forms import example_answers

    if form_id is None:
        run.service.execute(conv_id, command({}))
        return
    form = run.service.form(form_id)
    try:
        example = example_answers(form, day=day)
    except DefinitionError as exc:
        raise DemoError(f"{run.plugin}: {exc}") from exc
    schema = form.json_schema()
    conv = run.service._load(conv_id)
    names = {str(p.role): demo_name(p.person) for p in conv.participants}
    last: RecordInvalidError | None = None
    for _ in range(_VARIED_TRIES):
        answers = _named(_vary(schema, example, run.rng, day, agreements), schema, names, day)
        try:
            run.service.execute(conv_id, command(answers))
        except RecordInvalidError as exc:
            last = exc
            continue
        run.answers_used["varied"] = run.answers_used.get("varied", 0) + 1
        return
    required = set(schema.get("required") or ())
    fallbacks = {
        "example": example,
        "example_required_only": {k: v for k, v in example.items() if k in required},
    }
    for name, answers in fallbacks.items():
        try:
            run.service.execute(conv_id, command(answers))
        except RecordInvalidError as exc:
            last = exc
            continue
        run.answers_used[name] = run.answers_used.get(name, 0) + 1
        return
    raise DemoError(
        f"{run.plugin}: the checks refuse even the example answers of form {form_id} ({last}); "
        "give the form a schema 'examples' entry that its plugin's magcore_check_record accepts"
    )


def _named(
    answers: dict[str, Any], schema: Mapping[str, Any], names: Mapping[str, str], day: date
) -> dict[str, Any]:
    """Fill fields that ask for a participant's name, and the next conversation's date.

    A form field ``<role>_name`` (``employee_name``, ``manager_name``) gets that participant's
    made-up demo name (:func:`~magcore.demo.names.demo_name`); a date field named ``next_…``
    gets a day about a year on. Otherwise a reader of the demo's record sees a sentence where a
    name should be.
    """
    properties = schema.get("properties") or {}
    result = dict(answers)
    for name in answers:
        sub = properties.get(name)
        if not isinstance(sub, Mapping) or sub.get("type") != "string":
            continue
        if name.endswith("_name") and name.removesuffix("_name") in names:
            result[name] = names[name.removesuffix("_name")]
        elif name.startswith("next_") and sub.get("format") == "date":
            result[name] = (day + timedelta(days=364)).isoformat()
    return result


def _vary(
    schema: Mapping[str, Any],
    example: Mapping[str, Any],
    rng: random.Random,
    day: date,
    agreements: Sequence[Agreement],
) -> dict[str, Any]:
    """Answers shaped like *example* (valid for the form), with other words and choices.

    Driven by the schema only: free text becomes a plain sentence (mostly kept when the form's
    author wrote it in a schema ``examples`` entry), a choice another option, a
    list of options another selection, a date the conversation's day; a list of objects that
    hold a ``text`` and an ``owner`` is taken to be the record's agreements and filled with
    *agreements*. Whatever does not fit the form is caught by the service's check.
    """
    properties = schema.get("properties") or {}
    result: dict[str, Any] = {}
    for name, value in example.items():
        sub = properties.get(name)
        result[name] = (
            value if not isinstance(sub, Mapping) else _vary_value(sub, value, rng, day, agreements)
        )
    return result


def _vary_value(
    schema: Mapping[str, Any],
    value: Any,
    rng: random.Random,
    day: date,
    agreements: Sequence[Agreement],
) -> Any:
    if "const" in schema:
        return value
    if isinstance(value, bool):
        return rng.random() < 0.7
    if isinstance(value, str):
        if schema.get("enum"):
            return rng.choice(list(schema["enum"]))
        if schema.get("format") == "date":
            return day.isoformat()
        if schema.get("pattern") or schema.get("format"):
            return value
        if not _PLACEHOLDER.startswith(value.rstrip(".")[:14] or "V") and rng.random() < 0.8:
            return value  # the form author's own example text fits the question best
        text = rng.choice(_SENTENCES)
        limit = schema.get("maxLength")
        if isinstance(limit, int) and len(text) > limit:
            return value
        return text
    if isinstance(value, int) and not isinstance(value, bool):
        low = int(schema.get("minimum", value))
        high = int(schema.get("maximum", low + 40))
        return rng.randint(low, min(high, low + 40))
    if isinstance(value, list):
        items = schema.get("items") or {}
        if isinstance(items, Mapping) and items.get("enum"):
            options = list(items["enum"])
            low = int(schema.get("minItems", 1 if value else 0))
            high = min(int(schema.get("maxItems", len(options))), len(options), 3)
            count = rng.randint(max(low, 1), max(high, low, 1)) if options else 0
            return sorted(rng.sample(options, min(count, len(options))))
        item_props = (items.get("properties") or {}) if isinstance(items, Mapping) else {}
        if value and isinstance(value[0], Mapping):
            if {"text", "owner"} <= set(item_props) and agreements:
                limit = int(schema.get("maxItems", len(agreements)))
                return [_agreement_answer(a, item_props) for a in agreements[:limit]]
            return [_vary(items, value[0], rng, day, agreements) for _ in value]
        return value
    if isinstance(value, Mapping):
        return _vary(schema, value, rng, day, agreements)
    return value


def _agreement_answer(agreement: Agreement, properties: Mapping[str, Any]) -> dict[str, Any]:
    """An agreement as one item of a form's list of agreements (only the fields it has)."""
    fields = {
        "text": agreement.text,
        "owner": agreement.owner.value,
        "due": agreement.due.isoformat() if agreement.due else None,
        "theme": agreement.theme,
    }
    return {k: v for k, v in fields.items() if k in properties and v is not None}
