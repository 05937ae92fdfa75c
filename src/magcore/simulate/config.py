"""The one configuration of a simulation run: every parameter, documented, validated, with defaults.

Defaults come from public figures about Dutch municipalities (``/work/shared/domain.md``, the
A&O fonds Personeelsmonitor Gemeenten); the few without a public source are marked *estimate*
in :data:`PARAMETERS`. Load a configuration from JSON or TOML with :func:`load_config` or from a
mapping with :meth:`SimulationConfig.from_mapping`; bad input raises
:class:`~magcore.errors.RecordInvalidError` whose problems name each field (``/inflow_rate``).

The cycle to simulate is ``cycle``: the id of a cycle definition from an installed plugin, the
path of a cycle-definition JSON file, an inline definition (a mapping), or a
:class:`~magcore.model.cycle.CycleDefinition`. :func:`resolve_cycle` turns it into a definition.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import attrs

from ..errors import DefinitionError, Problem, RecordInvalidError
from ..model.cycle import CycleDefinition

__all__ = [
    "DEFAULT_CYCLE",
    "MAX_PEOPLE",
    "PARAMETERS",
    "CycleSpec",
    "SimulationConfig",
    "load_config",
    "resolve_cycle",
]

#: What ``cycle`` may be: an installed cycle's id, a JSON file, an inline definition, a definition.
CycleSpec = str | Path | Mapping[str, Any] | CycleDefinition

#: The cycle simulated when none is named: a generic yearly employee–manager conversation, and
#: peer conversations twice a year in self-steering teams (which have no manager).
DEFAULT_CYCLE: Mapping[str, Any] = {
    "id": "simulate-default",
    "version": 1,
    "name": {"nl": "Jaargesprek en collegagesprekken", "en": "Yearly and peer conversations"},
    "themes": [
        {"id": "work", "title": {"nl": "Werk en resultaten", "en": "Work and results"}},
        {"id": "development", "title": {"nl": "Ontwikkeling", "en": "Development"}},
        {"id": "wellbeing", "title": {"nl": "Welzijn", "en": "Wellbeing"}},
    ],
    "kinds": [
        {
            "id": "yearly",
            "name": {"nl": "Jaargesprek", "en": "Yearly conversation"},
            "pattern": "employee_manager",
            "cadence": {"kind": "per_year", "per_year": 1},
            "initiators": ["employee", "manager"],
            "preparers": ["employee", "manager"],
            "themes": ["work", "development", "wellbeing"],
        },
        {
            "id": "peer",
            "name": {"nl": "Collegagesprek", "en": "Peer conversation"},
            "pattern": "peer",
            "applies_to": "self_steering",
            "cadence": {"kind": "interval", "every_months": 6, "anchor": "01-01"},
            "initiators": ["employee", "peer"],
            "preparers": ["employee", "peer"],
            "themes": ["work", "development"],
        },
    ],
}


def _problem(name: str, message: str) -> RecordInvalidError:
    return RecordInvalidError([Problem(f"/{name}", message)], what="simulation configuration")


def _number(low: float, high: float, *, whole: bool = False) -> Callable[[Any, Any, Any], None]:
    """An attrs validator: a number (whole if *whole*) in ``[low, high]``, naming the field."""

    def check(instance: Any, attribute: Any, value: float) -> None:
        kinds: tuple[type, ...] = (int,) if whole else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds):
            kind = "a whole number" if whole else "a number"
            raise _problem(attribute.name, f"must be {kind}, not {value!r}")
        # compared as it is: a large int made a float rounds up past the bound (2**63 - 512)
        if (isinstance(value, float) and not math.isfinite(value)) or not (low <= value <= high):
            raise _problem(attribute.name, f"must be from {low:g} to {high:g}, not {value!r}")

    return check


def _divides(instance: Any, attribute: Any, value: Any) -> None:
    if isinstance(value, int) and value and 12 % value:
        raise _problem(
            attribute.name, f"must be 1, 2, 3, 4, 6 or 12 (a divisor of 12), not {value}"
        )


def _is_date(instance: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, date):
        raise _problem(attribute.name, f"must be a date (YYYY-MM-DD), not {value!r}")
    if not (date(1970, 1, 1) <= value <= date(2200, 1, 1)):
        raise _problem(attribute.name, "must be between 1970-01-01 and 2200-01-01")


def _is_cycle(instance: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, str | Path | Mapping | CycleDefinition):
        raise _problem(
            attribute.name,
            "must be a cycle id, the path of a cycle-definition JSON file, or an inline "
            f"definition, not {type(value).__name__}",
        )


def _is_name(instance: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", value):
        raise _problem(attribute.name, "must be 1-64 letters, digits, '.', '_' or '-'")


def _to_date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value  # the validator names the field
    return value


def _field(default: Any, validator: Any, doc: str, source: str, **kwargs: Any) -> Any:
    return attrs.field(
        default=default,
        validator=validator,
        metadata={"doc": doc, "source": source},
        **kwargs,
    )


_PM = "A&O fonds Personeelsmonitor Gemeenten"

#: The most people (the starting staff and every hire) a run's history may hold: the
#: organisation's history is in memory in every run (about 400 bytes a person, so about 10 GB
#: here; all Dutch municipal staff over 10 years are 0.7 million).
MAX_PEOPLE = 25_000_000


@attrs.frozen(kw_only=True)
class SimulationConfig:
    """Every parameter of one simulation run. Rates are per year unless the name says otherwise."""

    employees: int = _field(
        18_000,
        _number(1, 10_000_000, whole=True),
        "employees at the start",
        "MAG pages (Amsterdam)",
    )
    span_of_control: float = _field(
        16.0, _number(1, 500), "employees per team (one manager each)", f"{_PM} 2012"
    )
    self_steering_share: float = _field(
        0.05, _number(0, 1), "share of teams that are self-steering (no manager)", "estimate"
    )
    inflow_rate: float = _field(
        0.159,
        _number(0, 1),
        "hires per employee per year (a share of the staff, at most 1)",
        f"{_PM} 2022",
    )
    outflow_rate: float = _field(
        0.083, _number(0, 1), "leavers per employee per year", f"{_PM} 2022"
    )
    internal_move_rate: float = _field(
        0.084, _number(0, 1), "moves to another team per employee per year", f"{_PM} 2022"
    )
    manager_change_rate: float = _field(
        0.22,
        _number(0, 1),
        "share of employees whose manager changes in a year (moves included)",
        "estimate derived from the flows; no measured figure",
    )
    absence_rate: float = _field(
        0.065,
        _number(0, 1),
        "chance the employee is off sick on a scheduled date",
        f"{_PM} 2023 (share of days)",
    )
    conversation_minutes: int = _field(
        40, _number(1, 600, whole=True), "length of a conversation", "Belgian survey"
    )
    manager_preparation_minutes: int = _field(
        20, _number(0, 600, whole=True), "a manager's preparation per conversation", "estimate"
    )
    pilot_fraction: float = _field(
        1.0,
        _number(0, 1),
        "share of teams in the pilot before rollout_date (1 = every team, no pilot; a pilot "
        "needs a rollout_date)",
        "choice (scenario; Amsterdam's MAG pilots: about 0.2)",
    )
    rollout_date: date | None = _field(  # noqa: RUF009 - an attrs field
        None,
        attrs.validators.optional(_is_date),
        "from this date every team takes part (None = no roll-out: every team from the start)",
        "choice (scenario; Amsterdam's MAG: 2023-10-01)",
        converter=_to_date,
    )
    employee_initiated_share: float = _field(
        0.3, _number(0, 1), "share of conversations the employee asks for", "estimate"
    )
    not_held_rate: float = _field(
        0.08,
        _number(0, 1),
        "chance a scheduled conversation does not happen (no time, circumstances)",
        "estimate",
    )
    reschedule_rate: float = _field(
        0.15, _number(0, 1), "chance a scheduled conversation is moved to a later date", "estimate"
    )
    max_reschedules: int = _field(
        2, _number(0, 5, whole=True), "moves after which an absence means not held", "estimate"
    )
    agreements_per_conversation: float = _field(
        2.0, _number(0, 9), "mean number of agreements made (Poisson)", "estimate"
    )
    agreement_done_rate: float = _field(
        0.6, _number(0, 1), "chance an open agreement is done by the next conversation", "estimate"
    )
    agreement_drop_rate: float = _field(
        0.1,
        _number(0, 1),
        "chance an open agreement is dropped at the next conversation",
        "estimate",
    )
    drop_rate_after_manager_change: float = _field(
        0.3,
        _number(0, 1),
        "the drop chance instead, when the manager changed since the agreement was made",
        "estimate",
    )
    paper_share: float = _field(0.1, _number(0, 1), "share of records kept on paper", "estimate")
    free_conversations_per_year: float = _field(
        1.5, _number(0, 52), "conversations a year under a free cadence", "estimate"
    )
    coaches_per_1000: float = _field(
        2.0, _number(0.001, 1000), "coaches per 1,000 employees (three-party kinds)", "estimate"
    )
    start: date = _field(  # noqa: RUF009 - an attrs field, not a call in a default
        date(2022, 1, 1), _is_date, "first day simulated", "choice", converter=_to_date
    )
    years: int = _field(5, _number(1, 50, whole=True), "years simulated", "choice")
    seed: int = _field(0, _number(0, 2**63 - 1, whole=True), "random seed", "choice")
    replications: int = _field(
        1,
        _number(1, 10_000, whole=True),
        "runs of the same configuration; their seeds are spawned from seed (numpy SeedSequence)",
        "choice",
    )
    manager_change_shock_year: int = _field(
        0,
        _number(0, 2200, whole=True),
        "a calendar year in which manager_change_shock_rate holds instead (0 = no shock)",
        "choice (scenario)",
    )
    manager_change_shock_rate: float = _field(
        0.5,
        _number(0, 1),
        "the share of employees whose manager changes in the shock year",
        "choice (scenario)",
    )
    block_person_years: int = _field(
        200_000,
        _number(1, 10**9, whole=True),
        "person-years simulated at once when the log is streamed (bounds memory; another "
        "value gives other, equally likely random draws)",
        "choice (measured: fits the caches of a 2-core machine)",
    )
    min_group_size: int = _field(
        5, _number(1, 1000, whole=True), "smallest group an aggregate may show", "magcore policy"
    )
    measurement_rounds_per_year: int = _field(
        0,
        attrs.validators.and_(_number(0, 12, whole=True), _divides),
        "anonymous team measurement rounds per team a year (0 = none; 1, 2, 3, 4, 6 or 12)",
        "choice",
    )
    measurement_response_rate: float = _field(
        0.6,
        _number(0, 1),
        "chance an eligible team member answers a measurement round",
        "estimate",
    )
    measurement_days: int = _field(
        14, _number(1, 90, whole=True), "days a measurement round stays open", "choice"
    )
    organisation: str = _field(
        "sim",
        _is_name,
        "organisation id (event streams org:<id>)",
        "choice",
    )
    cycle: CycleSpec | None = _field(  # noqa: RUF009 - an attrs field
        None,
        attrs.validators.optional(_is_cycle),
        "cycle id, definition file, inline definition; None = the built-in default",
        "choice",
        eq=False,
    )
    base_dir: Path | None = attrs.field(
        default=None,
        eq=False,
        repr=False,
        metadata={"doc": "folder relative cycle paths start from", "source": "loader"},
    )

    def __attrs_post_init__(self) -> None:
        if self.agreement_done_rate + self.agreement_drop_rate > 1:
            raise _problem(
                "agreement_drop_rate", "agreement_done_rate + agreement_drop_rate must not exceed 1"
            )
        if self.agreement_done_rate + self.drop_rate_after_manager_change > 1:
            raise _problem(
                "drop_rate_after_manager_change",
                "agreement_done_rate + drop_rate_after_manager_change must not exceed 1",
            )
        if self.not_held_rate + self.reschedule_rate > 1:
            raise _problem("reschedule_rate", "not_held_rate + reschedule_rate must not exceed 1")
        if self.pilot_fraction < 1 and self.rollout_date is None:
            raise _problem(
                "pilot_fraction",
                f"a pilot ({self.pilot_fraction!r} of the teams) needs a rollout_date, the day "
                "every team follows; without a roll-out leave pilot_fraction at 1",
            )
        last_day = self.end - timedelta(days=1)
        if self.rollout_date is not None and self.rollout_date > last_day:
            raise _problem(
                "rollout_date",
                f"must be on or before the last day simulated ({last_day.isoformat()}), not "
                f"{self.rollout_date.isoformat()}: after it, the pilot teams alone take part",
            )
        people = self.expected_people
        if people > MAX_PEOPLE:
            grows = self.inflow_rate > self.outflow_rate
            raise _problem(
                "inflow_rate" if grows else "employees",
                f"{self.employees:,} employees over {self.years} years with inflow_rate "
                f"{self.inflow_rate:g} and outflow_rate {self.outflow_rate:g} give about "
                f"{people:,.0f} people to simulate, more than the {MAX_PEOPLE:,} that fit in "
                "memory: lower " + ("inflow_rate, " if grows else "") + "employees or years",
            )
        first, last = self.start.year, last_day.year
        if self.manager_change_shock_year and not first <= self.manager_change_shock_year <= last:
            raise _problem(
                "manager_change_shock_year",
                f"must be 0 (no shock) or a year simulated ({first} to {last}), "
                f"not {self.manager_change_shock_year}",
            )

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], *, base_dir: Path | None = None
    ) -> SimulationConfig:
        """Build a configuration from plain data, reporting every bad field at once."""
        if not isinstance(data, Mapping):
            raise RecordInvalidError(
                [Problem("", "must be an object")], what="simulation configuration"
            )
        fields = {f.name: f for f in attrs.fields(cls) if f.name != "base_dir"}
        problems = [Problem(f"/{k}", "unknown field") for k in data if k not in fields]
        values: dict[str, Any] = {}
        for name, value in data.items():
            field = fields.get(name)
            if field is None:
                continue
            if field.converter is not None:
                value = field.converter(value)
            try:
                if field.validator is not None:
                    field.validator(None, field, value)
            except RecordInvalidError as exc:
                problems.extend(exc.problems)
                continue
            values[name] = value
        if problems:
            raise RecordInvalidError(problems, what="simulation configuration")
        return cls(**values, base_dir=base_dir)

    def to_json(self) -> dict[str, Any]:
        """The configuration as plain JSON data (what :meth:`from_mapping` reads back)."""
        result: dict[str, Any] = {}
        for field in attrs.fields(type(self)):
            if field.name == "base_dir":
                continue
            value = getattr(self, field.name)
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, CycleDefinition):
                value = value.to_json()
            elif isinstance(value, Path):
                value = str(value)
            elif isinstance(value, Mapping):
                value = dict(value)
            result[field.name] = value
        return result

    @property
    def expected_people(self) -> float:
        """The expected number of people in the run's history: the starting staff and every
        hire (each month ``inflow_rate / 12`` of the staff join, ``outflow_rate / 12`` leave)."""
        months = 12 * self.years
        growth = 1 + (self.inflow_rate - self.outflow_rate) / 12
        staff_months = months if growth == 1 else (growth**months - 1) / (growth - 1)
        return self.employees * (1 + self.inflow_rate / 12 * staff_months)

    @property
    def end(self) -> date:
        """The first day after the simulated period."""
        from ..domain.planning import add_months

        return add_months(self.start, 12 * self.years)

    def with_(self, **changes: Any) -> SimulationConfig:
        """A copy with *changes*, validated like :meth:`from_mapping` (used by sweeps)."""
        data = self.to_json()
        data.update(changes)
        if "cycle" not in changes:
            data["cycle"] = self.cycle
        return SimulationConfig.from_mapping(data, base_dir=self.base_dir)


#: Each parameter's meaning, default and source, for documentation and ``--help``.
PARAMETERS: Mapping[str, Mapping[str, Any]] = {
    f.name: {"default": f.default, **f.metadata}
    for f in attrs.fields(SimulationConfig)
    if f.name != "base_dir"
}


def load_config(path: str | Path) -> SimulationConfig:
    """Read a configuration from a ``.json`` or ``.toml`` file (cycle paths relative to it)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RecordInvalidError(
            [Problem("", f"cannot read {path}: {exc.strerror}")], what="simulation configuration"
        ) from exc
    try:
        if path.suffix.lower() == ".toml":
            data: Any = tomllib.loads(raw.decode("utf-8"))
        else:
            data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise RecordInvalidError(
            [Problem("", f"{path} is not valid {path.suffix[1:]}: {exc}")],
            what="simulation configuration",
        ) from exc
    if isinstance(data, Mapping) and isinstance(data.get("simulation"), Mapping):
        data = data["simulation"]  # a TOML file may keep everything under [simulation]
    return SimulationConfig.from_mapping(data, base_dir=path.parent)


def _installed_cycles() -> Mapping[str, CycleDefinition]:
    """The cycle definitions installed plugins offer, by id (through the plugin host)."""
    try:
        from ..plugins import get_plugin_manager
    except ImportError:  # pragma: no cover - the host is part of magcore
        return {}
    return {cycle.id: cycle for cycle in get_plugin_manager().hooks.cycles()}


def resolve_cycle(
    spec: CycleSpec | None,
    *,
    base_dir: Path | None = None,
    installed: Mapping[str, CycleDefinition] | None = None,
) -> CycleDefinition:
    """Turn the configuration's ``cycle`` into a definition.

    A string is an installed cycle's id (from *installed*, else from the plugins) or, when it
    ends in ``.json`` or names an existing file, a path (relative to *base_dir*).
    """
    if spec is None:
        return CycleDefinition.from_json(DEFAULT_CYCLE, source="magcore.simulate.DEFAULT_CYCLE")
    if isinstance(spec, CycleDefinition):
        return spec
    if isinstance(spec, Mapping):
        return CycleDefinition.from_json(spec, source="configuration /cycle")
    path = Path(spec)
    if base_dir is not None and not path.is_absolute():
        path = base_dir / path
    if isinstance(spec, Path) or str(spec).endswith(".json") or path.is_file():
        return CycleDefinition.from_file(path)
    cycles = dict(installed) if installed is not None else dict(_installed_cycles())
    cycles.setdefault("simulate-default", resolve_cycle(None))
    if spec in cycles:
        return cycles[spec]
    known = ", ".join(sorted(cycles)) or "none"
    raise DefinitionError(
        f"no installed plugin offers a cycle {spec!r} (installed: {known})", pointer="/cycle"
    )
