"""The simulation configuration: defaults from the domain, loading, and errors that name fields."""

from __future__ import annotations

import json
import math
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magcore.errors import DefinitionError, RecordInvalidError
from magcore.simulate import PARAMETERS, SimulationConfig, load_config, resolve_cycle
from tests.support.tools import require


def test_defaults_come_from_the_domain():
    """The defaults are the public figures for Dutch municipalities."""
    cfg = SimulationConfig()
    assert (cfg.employees, cfg.span_of_control) == (18_000, 16.0)
    assert (cfg.inflow_rate, cfg.outflow_rate, cfg.internal_move_rate) == (0.159, 0.083, 0.084)
    assert cfg.absence_rate == 0.065
    assert (cfg.pilot_fraction, cfg.rollout_date) == (1.0, None)  # no municipality's roll-out
    assert cfg.conversation_minutes == 40
    assert "estimate" in PARAMETERS["manager_change_rate"]["source"]


def test_every_bad_field_is_named():
    """Several bad fields give one error listing each field's JSON pointer."""
    with pytest.raises(RecordInvalidError) as info:
        SimulationConfig.from_mapping(
            {"inflow_rate": -1, "years": 2.5, "start": "not a date", "colour": "blue"}
        )
    pointers = {p.pointer for p in info.value.problems}
    assert pointers == {"/inflow_rate", "/years", "/start", "/colour"}


def test_direct_construction_names_the_field():
    """Building the class directly also names the field."""
    with pytest.raises(RecordInvalidError, match="/pilot_fraction"):
        SimulationConfig(pilot_fraction=1.5)


def test_a_pilot_needs_a_rollout_date():
    """A pilot (pilot_fraction below 1) is only asked for with the date everyone follows."""
    with pytest.raises(RecordInvalidError, match="/pilot_fraction") as info:
        SimulationConfig(pilot_fraction=0.2)
    assert "rollout_date" in str(info.value)
    cfg = SimulationConfig(pilot_fraction=0.2, rollout_date=date(2023, 10, 1))
    assert cfg.with_(rollout_date=None, pilot_fraction=1.0).rollout_date is None


def test_the_amsterdam_example_sets_its_rollout(tmp_path):
    """Amsterdam's pilot and roll-out live in its example configuration, not in the defaults."""
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "docs/examples/simulate/amsterdam.toml"
    cfg = load_config(example)
    assert (cfg.pilot_fraction, cfg.rollout_date) == (0.2, date(2023, 10, 1))


def test_inconsistent_rates_are_refused():
    """Done and dropped chances together cannot exceed one."""
    with pytest.raises(RecordInvalidError, match="/agreement_drop_rate"):
        SimulationConfig(agreement_done_rate=0.8, agreement_drop_rate=0.3)


def test_toml_and_json_load_the_same(tmp_path):
    """A TOML file (with a [simulation] table) and a JSON file give the same configuration."""
    (tmp_path / "a.toml").write_text(
        '[simulation]\nemployees = 500\nstart = "2024-01-01"\nseed = 3\n'
    )
    (tmp_path / "a.json").write_text(
        json.dumps({"employees": 500, "start": "2024-01-01", "seed": 3})
    )
    toml_cfg = load_config(tmp_path / "a.toml")
    assert toml_cfg == load_config(tmp_path / "a.json")
    assert toml_cfg.start == date(2024, 1, 1)


def test_unreadable_file_is_an_error(tmp_path):
    """A config that is not valid TOML is reported, not half-loaded."""
    (tmp_path / "bad.toml").write_text("employees = = 3")
    with pytest.raises(RecordInvalidError, match="not valid toml"):
        load_config(tmp_path / "bad.toml")


def test_cycle_from_file_relative_to_config(tmp_path, example_cycle_path):
    """A cycle path in the config is read relative to the config file."""
    (tmp_path / "cycle.json").write_text((example_cycle_path / "employee-manager.json").read_text())
    (tmp_path / "sim.json").write_text(json.dumps({"cycle": "cycle.json"}))
    cfg = load_config(tmp_path / "sim.json")
    assert resolve_cycle(cfg.cycle, base_dir=cfg.base_dir).id == "example-yearly"


def test_cycle_by_id_and_unknown_id():
    """An id is looked up among installed cycles; an unknown one names /cycle."""
    default = resolve_cycle(None)
    assert resolve_cycle("x", installed={"x": default}) is default
    with pytest.raises(DefinitionError) as info:
        resolve_cycle("no-such-cycle", installed={})
    assert info.value.pointer == "/cycle"


def test_with_validates_changes():
    """Sweeps change parameters through with_, which validates like loading."""
    cfg = SimulationConfig(employees=100)
    assert cfg.with_(years=2).years == 2
    with pytest.raises(RecordInvalidError, match="/years"):
        cfg.with_(years=0)


def test_cycle_from_an_installed_plugin():
    """A cycle id is found among the cycles the installed plugins register."""
    from magcore.simulate.config import _installed_cycles

    installed = _installed_cycles()
    if not installed:
        require("no plugin registers a cycle in this environment (make venv installs them)")
    name = sorted(installed)[0]
    assert resolve_cycle(name).id == name


@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_a_file_nested_thousands_of_levels_deep_is_a_named_error(tmp_path, suffix):
    """A configuration or scenario file nested 5,000 levels deep is refused by name (it ended
    in a RecursionError before)."""
    from magcore.simulate.scenarios import load_scenarios

    path = tmp_path / f"deep{suffix}"
    path.write_text(
        "a = " + "[" * 5000 + "]" * 5000 if suffix == ".toml" else "[" * 5000 + "]" * 5000
    )
    for load in (load_config, load_scenarios):
        with pytest.raises(RecordInvalidError, match="is not valid"):
            load(path)


@pytest.mark.parametrize(
    ("start", "years", "shock"), [("2022-01-01", 2, 2024), ("2022-01-01", 4, 1999)]
)
def test_a_shock_year_outside_the_period_is_named(start, years, shock):
    """A manager-change shock in a year that is not simulated changed nothing, silently (the
    guide's own scenarios, made two years long, ran a 'manager-shock' equal to the baseline)."""
    with pytest.raises(RecordInvalidError, match="/manager_change_shock_year") as info:
        SimulationConfig.from_mapping(
            {"start": start, "years": years, "manager_change_shock_year": shock}
        )
    assert "2022 to" in str(info.value)


def test_a_shock_year_inside_the_period_is_taken():
    """The first and the last simulated year (a period that starts mid-year touches one more)."""
    for year in (2022, 2025):
        SimulationConfig(start=date(2022, 7, 1), years=3, manager_change_shock_year=year)
    assert SimulationConfig(manager_change_shock_year=0).manager_change_shock_year == 0


@given(
    start=st.dates(min_value=date(1970, 1, 1), max_value=date(2140, 12, 31)),
    years=st.integers(1, 50),
    shock=st.integers(0, 2200),
)
def test_a_shock_year_is_taken_exactly_when_it_is_simulated(start, years, shock):
    """Any start, length and shock year: taken iff 0 or a calendar year the period touches."""
    last_day = SimulationConfig(start=start, years=years).end - timedelta(days=1)
    if shock == 0 or start.year <= shock <= last_day.year:
        SimulationConfig(start=start, years=years, manager_change_shock_year=shock)
    else:
        with pytest.raises(RecordInvalidError, match="/manager_change_shock_year"):
            SimulationConfig(start=start, years=years, manager_change_shock_year=shock)


def test_a_rollout_after_the_period_is_named():
    """A roll-out date after the simulated period was taken silently: the pilot teams alone
    took part throughout. It is refused, naming the field and the last day simulated; so is a
    with_ that shortens the period past it."""
    with pytest.raises(RecordInvalidError, match="/rollout_date") as info:
        SimulationConfig.from_mapping(
            {"years": 2, "pilot_fraction": 0.2, "rollout_date": "2024-01-01"}
        )
    assert "2023-12-31" in str(info.value)
    amsterdam = SimulationConfig(years=2, pilot_fraction=0.2, rollout_date=date(2023, 10, 1))
    with pytest.raises(RecordInvalidError, match="/rollout_date"):
        amsterdam.with_(years=1)


@given(
    start=st.dates(min_value=date(1970, 1, 1), max_value=date(2140, 12, 31)),
    years=st.integers(1, 50),
    rollout=st.dates(min_value=date(1970, 1, 1), max_value=date(2200, 1, 1)),
)
def test_a_rollout_is_taken_exactly_when_the_period_reaches_it(start, years, rollout):
    """Any start, length and roll-out date: taken iff on or before the last day simulated."""
    end = SimulationConfig(start=start, years=years).end
    if rollout < end:
        SimulationConfig(start=start, years=years, pilot_fraction=0.5, rollout_date=rollout)
    else:
        with pytest.raises(RecordInvalidError, match="/rollout_date"):
            SimulationConfig(start=start, years=years, pilot_fraction=0.5, rollout_date=rollout)


def test_an_inflow_above_the_whole_staff_is_named():
    """inflow_rate is the yearly hires as a share of the staff; up to 2 was taken, and 1.5 grew
    18,000 employees to 15.5 million in 5 years. Above 1 it is refused, naming the field."""
    with pytest.raises(RecordInvalidError, match="/inflow_rate") as info:
        SimulationConfig(employees=18_000, years=5, inflow_rate=1.5)
    assert "from 0 to 1" in str(info.value)
    assert SimulationConfig(inflow_rate=1.0).inflow_rate == 1.0


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"inflow_rate": 1.0, "years": 50}, "/inflow_rate"),  # grows beyond any memory
        ({"employees": 10_000_000, "years": 50}, "/inflow_rate"),
        ({"employees": 10_000_000, "years": 50, "inflow_rate": 0.083}, "/employees"),
    ],
)
def test_an_organisation_too_large_to_simulate_is_refused_at_once(changes, pointer):
    """A configuration whose history would not fit in memory is refused before anything runs,
    naming the field to lower and how many people it would hold (it ran for minutes)."""
    with pytest.raises(RecordInvalidError, match=pointer) as info:
        SimulationConfig(**changes)
    assert "people" in str(info.value)


@given(
    employees=st.integers(200, 2_000),
    years=st.integers(1, 3),
    inflow=st.floats(0, 1),
    outflow=st.floats(0, 1),
    seed=st.integers(0, 2**32),
)
def test_the_people_estimate_is_what_the_simulation_makes(employees, years, inflow, outflow, seed):
    """The estimate the size guard refuses by (expected_people) is the number of people the
    organisation's history really holds, within its noise."""
    import numpy as np

    from magcore.simulate.org import simulate_org

    cfg = SimulationConfig(
        employees=employees, years=years, inflow_rate=inflow, outflow_rate=outflow, seed=seed
    )
    org = simulate_org(cfg, np.random.Generator(np.random.PCG64(seed)))
    expected = cfg.expected_people
    assert abs(org.n_people - expected) <= 0.1 * expected + 5 * math.sqrt(expected)
