"""Bulk validation of MAG agreement records: magcore's path against raw jsonschema-rs.

Generates 100,000 answer documents for the MAG agreement form (seeded, so every run sees the
same documents; 1% carry a deliberate fault), then validates the same list through

* raw ``jsonschema_rs`` (``is_valid`` per document) with the form's schema: the baseline of
  issue 5;
* raw ``jsonschema_rs`` with the same rules magcore applies: the form's schema with the input
  policy of issue 13 folded in (``magcore.forms.policy_schema.folded_schema``: no control or
  bidirectional characters in any text, bounded numbers), which the form's schema alone does
  not check;
* ``FormValidator.validate_many``: magcore's bulk path (one compiled call decides the policy
  and the form; only rejected documents are explained, in Dutch, with their JSON pointers);
* the same path in the fallback without jsonschema-rs (pure ``jsonschema``), on a sample.

Prints records/s for each and the ratios to both baselines. Aim (issue 5): magcore within 2x
of raw. Each raw baseline and the library are timed in turns, ``--repeat`` rounds, fastest
run each.
Run: ``.venv/bin/python bench/validate.py [count]``.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import jsonschema_rs

from magcore.forms import FormDefinition, FormValidator, Widget
from magcore.forms.policy_schema import folded_schema

ROOT = Path(__file__).resolve().parent.parent
FORM = FormDefinition.from_file(
    ROOT / "plugins/magcore-amsterdam/src/magcore_amsterdam/forms/agreement.form.json"
)
WORDS = (
    "we", "praten", "over", "werkdruk", "rooster", "leren", "plannen", "training", "collega",
    "team", "project", "volgende", "stap", "thuiswerken", "energie", "cursus", "overleg", "samen",
    "afspraak", "rust", "begeleiding",
)  # fmt: skip


def _text(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high))).capitalize() + "."


def _date(rng: random.Random) -> str:
    return (date(2024, 1, 1) + timedelta(days=rng.randrange(900))).isoformat()


def _value(rng: random.Random, field) -> object:
    if field.widget is Widget.CHECKBOXES:
        return rng.sample([o.value for o in field.options], rng.randint(0, 3))
    if field.widget in (Widget.CHOICE, Widget.SELECT):
        return rng.choice([o.value for o in field.options])
    if field.widget is Widget.DATE:
        return _date(rng)
    if field.widget is Widget.NUMBER:
        return rng.randint(field.schema.get("minimum", 0), field.schema.get("maximum", 100))
    if field.widget is Widget.TEXTAREA:
        return _text(rng, 5, 60)
    return _text(rng, 1, 3)


def record(rng: random.Random) -> dict[str, object]:
    """One realistic set of answers to the MAG agreement form."""
    answers: dict[str, object] = {}
    for field in FORM.fields:
        if field.widget is Widget.REPEAT:
            answers[field.name] = [
                {
                    sub.name: _value(rng, sub)
                    for sub in field.fields
                    if sub.required or rng.random() < 0.6
                }
                for _ in range(rng.randint(0, 4))
            ]
        elif field.required or rng.random() < 0.5:
            answers[field.name] = _value(rng, field)
    if rng.random() < 0.01:  # a deliberate fault in 1% of the documents
        answers[rng.choice(["held_on", "learning_hours", "unknown"])] = "31-02-2025"
    return answers


def _rate(label: str, count: int, seconds: float, baseline: float | None) -> str:
    rate = count / seconds
    ratio = "1.00x (baseline)" if baseline is None else f"{baseline / rate:.2f}x slower"
    if baseline is not None and rate > baseline:
        ratio = f"{rate / baseline:.2f}x faster"
    return f"{label:<44} {count:>8,} {seconds:>8.3f}s {rate:>12,.0f}/s  {ratio}"


def _timed(run) -> tuple[float, object]:
    """How long *run* took, and what it gave."""
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    rng = random.Random(20251123)
    started = time.perf_counter()
    documents = [record(rng) for _ in range(count)]
    generated = time.perf_counter() - started

    schema = FORM.json_schema()
    raw = jsonschema_rs.validator_for(schema, validate_formats=True, offline=True)
    same_rules = jsonschema_rs.validator_for(
        folded_schema(schema), validate_formats=True, offline=True
    )
    library = FormValidator.build(FORM)
    fallback = FormValidator.build(FORM, use_fast=False)

    # warm up all three, then measure them in turns on the very same list
    raw.is_valid(documents[0])
    same_rules.is_valid(documents[0])
    library.validate_many(documents[:100])
    times: dict[str, float] = {}
    results: dict[str, object] = {}
    for _ in range(repeat):
        for name, run in (
            ("raw", lambda: [raw.is_valid(d) for d in documents]),
            ("same rules", lambda: [same_rules.is_valid(d) for d in documents]),
            ("library", lambda: library.validate_many(documents, language="nl")),
        ):
            seconds, results[name] = _timed(run)
            times[name] = min(times.get(name, float("inf")), seconds)

    sample = documents[: max(count // 50, 100)]
    fallback_seconds, fallback_problems = _timed(
        lambda: fallback.validate_many(sample, language="nl")
    )

    raw_verdicts = results["raw"]
    problems = results["library"]
    assert [not p for p in problems] == raw_verdicts, "the library and raw disagree"
    assert results["same rules"] == raw_verdicts, "the policy refuses a generated record"
    assert fallback_problems == problems[: len(sample)], "the fallback disagrees"
    invalid = raw_verdicts.count(False)
    baseline = count / times["raw"]
    print(f"MAG agreement records: {count:,} generated in {generated:.1f}s, {invalid:,} invalid")
    print(f"{'path':<44} {'records':>8} {'time':>9} {'rate':>14}  ratio to raw")
    print(_rate("raw jsonschema_rs.is_valid (form schema)", count, times["raw"], None))
    same_rules_rate = _rate(
        "raw jsonschema_rs, same rules (form+policy)", count, times["same rules"], baseline
    )
    print(same_rules_rate)
    print(_rate("magcore validate_many (jsonschema-rs)", count, times["library"], baseline))
    print(
        _rate(
            "magcore validate_many (fallback: jsonschema)", len(sample), fallback_seconds, baseline
        )
    )
    ratio = times["library"] / times["raw"]
    same = times["library"] / times["same rules"]
    print(
        f"library / raw (form schema) = {ratio:.2f} (aim of issue 5: within 2x) -> "
        f"{'OK' if ratio <= 2 else 'MISSED'}"
    )
    print(
        f"library / raw with the same rules = {same:.2f} -> {'OK' if same <= 2 else 'MISSED'} "
        "(the input policy's text rule is work the form schema alone does not do)"
    )


if __name__ == "__main__":
    main()
