"""Participation statistics: a fixed grid, suppression on the whole table, nothing narrowed.

The property test plays the attacker of issue 13 item 7: it collects every cell any report
published, adds the table's additive structure, and solves for each cell no report showed how
small and how large it can be. The interval must stay at least the protection level.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime

import attrs
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from magcore.access import statistics_report
from magcore.access.statistics import (
    CannotProtectError,
    MinimumGroupError,
    ParticipationFact,
    check_minimum,
    count_table,
    decide_suppression,
)
from magcore.access.statistics_audit import EarlierRounds, intervals, narrow_cells
from magcore.access.statistics_grid import (
    ALL,
    GridError,
    Unit,
    UnitTree,
    grid_periods,
    organisation_tree,
    period_of,
    period_relations,
    periods_of_year,
    snap,
)
from magcore.access.statistics_report import LEVELS, participation_report, stored_decision
from magcore.model.organisation import Organisation, Team
from magcore.storage.memory import MemoryStore

K = 5
YEAR = 2025


def tree_of(parents: dict[str, str | None]) -> UnitTree:
    """A unit tree from {unit: parent}; departments are units with children."""
    has_children = {p for p in parents.values() if p is not None}
    units = {ALL: Unit(id=ALL, name="Gemeente", level="organisation", parent=None)}
    for unit, parent in parents.items():
        level = "department" if unit in has_children else "team"
        units[unit] = Unit(id=unit, name=f"Unit {unit}", level=level, parent=parent or ALL)
    return UnitTree(units=units)


@st.composite
def organisations(draw):
    """A random organisation (0-3 departments, teams under them or directly under the whole)
    and a year of conversations in its teams."""
    departments = [f"d{i}" for i in range(draw(st.integers(0, 3)))]
    parents: dict[str, str | None] = dict.fromkeys(departments)
    teams = []
    for i in range(draw(st.integers(1, 6))):
        team = f"t{i}"
        parents[team] = draw(st.sampled_from([None, *departments]))
        teams.append(team)
    for department in departments:
        if department not in parents.values():
            parents[f"{department}-t"] = department
            teams.append(f"{department}-t")
    seed = draw(st.integers(0, 2**32 - 1))
    rng = random.Random(seed)
    facts = []
    for team in teams:
        size = rng.choice((1, 2, 3, 4, 6, 9, 15))
        for person in range(size):
            for _ in range(rng.choice((0, 1, 1, 2))):
                facts.append(
                    ParticipationFact(
                        conversation=f"c{len(facts)}",
                        people={f"{team}-p{person}"},
                        unit=team,
                        held_on=date(YEAR, rng.randint(1, 12), rng.randint(1, 28)),
                        agreements=rng.randint(0, 3),
                    )
                )
    return tree_of(parents), facts


report_requests = st.lists(
    st.tuples(
        st.sampled_from(["month", "quarter", "year"]),
        st.sampled_from(["team", "department", "organisation"]),
        st.integers(K, K + 4),
    ),
    min_size=1,
    max_size=4,
)


def published_by(table, hidden, grain, level):
    """The cells a report of *grain* over *level* shows: the grid's periods of that grain."""
    periods = {p for p in periods_of_year(YEAR) if len(grid_of(p)) and grid_of(p) == grain}
    return {
        (unit.id, period): table.conversations[(unit.id, period)]
        for unit in table.tree.units.values()
        if unit.level == level
        for period in periods
        if (unit.id, period) not in hidden and (unit.id, period) in table.people
    }


def grid_of(period: str) -> str:
    if len(period) == 4:
        return "year"
    return "quarter" if "Q" in period else "month"


@settings(max_examples=30)
@given(organisations(), report_requests)
def test_no_suppressed_cell_is_narrowed_by_any_sequence_of_reports(org, requests):
    """Every decision builds on the one before and knows what earlier reports showed (as the
    store does); together the reports and the published table never pin a suppressed cell to
    an interval narrower than the regulation allows."""
    tree, facts = org
    table = count_table(facts, tree, YEAR)
    hidden: frozenset = frozenset()
    shown: dict = {}
    for grain, level, k in requests:
        try:
            hidden = decide_suppression(table, k=k, already=hidden, known=set(shown))
        except CannotProtectError as error:
            # The larger k cannot be kept after what was shown: the report shows nothing.
            assert k > K, error
            assert shown, error
            assert error.cells, error
            continue
        shown.update(published_by(table, hidden, grain, level))
        for key in shown:
            assert table.people[key] >= K, key
    # The attacker knows every cell some report showed, and every cell the table publishes.
    unknown = hidden - set(shown)
    for key, (low, high) in intervals(table.conversations, unknown, table.relations).items():
        assert high - low >= K - 1e-6, (key, low, high, table.conversations[key])


def test_a_cell_without_upper_bound_still_gets_its_smallest_value():
    """total = a + b with the total and a suppressed and b = 3 published: a can be anything
    from 0 up, the total anything from 3 up. The exact interval gives those smallest values,
    not the true counts (found by the property below, which compares earlier rounds' ranges
    with it); with a protection level, a cell without upper bound is wide enough as it is."""
    values = {"total": 5, "a": 2, "b": 3}
    relations = [("total", ("a", "b"))]
    assert intervals(values, {"total", "a"}, relations) == {
        "total": (3.0, math.inf),
        "a": (0.0, math.inf),
    }
    protected = intervals(values, {"total", "a"}, relations, protection=K)
    assert all(high == math.inf and high - low >= K for low, high in protected.values())


@settings(max_examples=30)
@given(organisations(), st.lists(st.integers(0, 2**16), min_size=1, max_size=4))
def test_what_earlier_rounds_solved_never_changes_which_cells_are_too_narrow(org, draws):
    """Suppressed cells that only grow, checked with what earlier rounds solved (parts not
    touched since, ranges cells were seen to span), find exactly the narrow cells a check
    from scratch finds; every interval given is within the exact one and wide enough when the
    exact one is."""
    tree, facts = org
    table = count_table(facts, tree, YEAR)
    values = table.conversations
    cells = sorted(values)
    hidden = {key for key, count in table.people.items() if count < K}
    earlier = EarlierRounds()
    for draw in draws:
        hidden |= {cells[(draw * 7919 + i) % len(cells)] for i in range(draw % 5)}
        remembered = narrow_cells(values, hidden, table.relations, K, earlier=earlier)
        fresh = narrow_cells(values, hidden, table.relations, K)
        assert set(remembered) == set(fresh)
        exact = intervals(values, hidden, table.relations)
        given_now = intervals(values, hidden, table.relations, protection=K, earlier=earlier)
        for key, (low, high) in given_now.items():
            assert exact[key][0] - 1e-6 <= low, key
            assert high <= exact[key][1] + 1e-6, key
            if exact[key][1] - exact[key][0] >= K:
                assert high - low >= K - 1e-6, key


@settings(max_examples=30)
@given(organisations())
def test_decisions_only_grow_and_published_numbers_are_true(org):
    """A larger k hides at least what a smaller one hid; a published cell is the true count."""
    tree, facts = org
    table = count_table(facts, tree, YEAR)
    first = decide_suppression(table, k=K)
    second = decide_suppression(table, k=K + 3, already=first)
    assert first <= second
    assert decide_suppression(table, k=K, already=first) == first
    if (ALL, str(YEAR)) not in first:
        assert table.conversations[(ALL, str(YEAR))] == len(facts)


def test_a_department_equal_to_its_shown_teams_does_not_reveal_a_hidden_zero():
    """Issue 13 item 7: a department manager alone in the staff unit with no conversation. The
    department total minus its shown teams would say 0: so the interval check widens it."""
    tree = tree_of({"d": None, "d:staff": "d", "big": "d", "other": None})
    facts = [
        ParticipationFact(
            conversation=f"c{i}",
            people={f"p{i}"},
            unit="big" if i < 12 else "other",
            held_on=date(YEAR, 1 + i % 12, 3),
        )
        for i in range(30)
    ]
    table = count_table(facts, tree, YEAR)
    hidden = decide_suppression(table, k=K)
    assert ("d:staff", str(YEAR)) in hidden
    low, high = intervals(table.conversations, hidden, table.relations)[("d:staff", str(YEAR))]
    assert high - low >= K


def test_many_teams_stay_fast_and_mostly_published():
    """A large organisation: the check ends, and the whole-organisation year is shown."""
    rng = random.Random(7)
    parents: dict[str, str | None] = {f"d{i}": None for i in range(6)}
    parents.update({f"t{i}": f"d{i % 6}" for i in range(36)})
    facts = [
        ParticipationFact(
            conversation=f"c{i}",
            people={f"p{i}"},
            unit=f"t{rng.randrange(36)}",
            held_on=date(YEAR, rng.randint(1, 12), rng.randint(1, 28)),
        )
        for i in range(3000)
    ]
    table = count_table(facts, tree_of(parents), YEAR)
    hidden = decide_suppression(table, k=K)
    assert (ALL, str(YEAR)) not in hidden
    assert len(hidden) < len(table.conversations)


def test_a_zero_table_hides_everything_at_once():
    """Nothing held: every cell is about fewer than k people; the decision ends at once."""
    table = count_table([], tree_of({"t": None}), YEAR)
    assert decide_suppression(table, k=K) == frozenset(table.conversations)


def test_grid_refuses_arbitrary_periods_and_names_the_nearest():
    assert grid_periods(date(2025, 1, 1), date(2026, 1, 1), "quarter") == (
        "2025-Q1",
        "2025-Q2",
        "2025-Q3",
        "2025-Q4",
    )
    assert grid_periods(date(2025, 3, 1), date(2025, 5, 1), "month") == ("2025-03", "2025-04")
    with pytest.raises(GridError, match="2025-01-01 up to 2025-07-01"):
        grid_periods(date(2025, 2, 10), date(2025, 5, 3), "quarter")
    with pytest.raises(GridError, match="first day of a year"):
        grid_periods(date(2025, 1, 1), date(2025, 7, 1), "year")
    assert snap(date(2025, 2, 10), date(2025, 5, 3), "month") == (
        date(2025, 2, 1),
        date(2025, 6, 1),
    )
    assert period_of(date(2025, 11, 30), "quarter") == "2025-Q4"


def test_minimum_group_size_never_below_the_regulation():
    assert check_minimum(None) == K
    assert check_minimum(8) == 8
    with pytest.raises(MinimumGroupError, match="below the 5 the regulation sets"):
        check_minimum(1)


def test_organisation_without_departments_and_names():
    """Teams with no department sit under the whole organisation; units carry names."""
    org = Organisation(
        id="burg",
        name="Gemeente Burg",
        teams={"burg": Team(id="burg", name="Burgerzaken"), "ict": Team(id="ict", name="ICT")},
    )
    tree = organisation_tree(org)
    assert tree.units["burg"].parent == ALL
    assert tree.units["burg"].level == "team"
    assert tree.name("ict") == "ICT"
    assert tree.name(ALL) == "Gemeente Burg"


def test_department_staff_unit_is_named_after_the_department():
    org = Organisation(
        id="o",
        teams={
            "dept": Team(id="dept", name="Afdeling Zorg"),
            "t1": Team(id="t1", name="Team Noord", parent="dept"),
        },
    )
    tree = organisation_tree(org)
    assert tree.units["dept"].level == "department"
    assert tree.name("dept:staff") == "Afdeling Zorg (own staff)"


def test_unit_names_follow_the_language_and_reserved_ids_are_refused():
    org = Organisation(
        id="o",
        teams={
            "dept": Team(id="dept", name="Afdeling Zorg"),
            "t1": Team(id="t1", name="Team Noord", parent="dept"),
        },
    )
    assert organisation_tree(org, language="nl").name("dept:staff") == (
        "Afdeling Zorg (eigen medewerkers)"
    )
    # A language without these words falls back along the chain (fr → nl); a non-tag is refused.
    assert organisation_tree(org, language="fr").name("dept:staff") == (
        "Afdeling Zorg (eigen medewerkers)"
    )
    with pytest.raises(ValueError, match="language tag"):
        organisation_tree(org, language="French")
    clash = Organisation(id="o", teams={"all": Team(id="all", name="Alle")})
    with pytest.raises(ValueError, match="reserved"):
        organisation_tree(clash)


@st.composite
def organisations_with_facts(draw):
    """A random Organisation (teams under departments, under other teams, or under nothing)
    and conversations held in its units in 2025."""
    teams: dict[str, Team] = {}
    labels = [f"Afdeling {i}" for i in range(draw(st.integers(0, 2)))]
    for i in range(draw(st.integers(1, 6))):
        parent = draw(st.sampled_from([None, *sorted(teams)])) if teams else None
        department = None if parent else draw(st.sampled_from([None, *labels]))
        teams[f"t{i}"] = Team(id=f"t{i}", name=f"Team {i}", parent=parent, department=department)
    organisation = Organisation(id="o", name="Gemeente", teams=teams)
    leaves = list(organisation_tree(organisation).leaves())
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    facts = []
    for unit in leaves:
        for person in range(rng.choice((0, 1, 2, 4, 6, 12))):
            for _ in range(rng.choice((1, 1, 2))):
                facts.append(
                    ParticipationFact(
                        conversation=f"c{len(facts)}",
                        people={f"{unit}-{person}"},
                        unit=unit,
                        held_on=date(YEAR, rng.randint(1, 12), rng.randint(1, 28)),
                    )
                )
    return organisation, facts


GRID_REQUESTS = {
    "month": [(date(YEAR, m, 1), date(YEAR, m + 1, 1)) for m in (1, 5, 11)]
    + [(date(YEAR, 2, 1), date(YEAR, 7, 1))],
    "quarter": [(date(YEAR, 1, 1), date(YEAR + 1, 1, 1)), (date(YEAR, 4, 1), date(YEAR, 10, 1))],
    "year": [(date(YEAR, 1, 1), date(YEAR + 1, 1, 1))],
}

store_reports = st.lists(
    st.tuples(
        st.sampled_from(sorted(GRID_REQUESTS)),
        st.integers(0, 3),
        st.sampled_from([("team",), ("department",), ("organisation",), LEVELS]),
        st.integers(K, K + 3),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=25)
@given(organisations_with_facts(), store_reports)
def test_reports_through_the_store_never_narrow_a_suppressed_cell(org_and_facts, requests):
    """The whole path: random reports (grain, period on the grid, units, k) against one store.
    Whatever they published together, every cell the store keeps suppressed stays at least the
    minimum group size wide, and each report hides what the store says."""
    organisation, facts = org_and_facts
    store = MemoryStore()
    shown: dict = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(statistics_report, "facts_from_store", lambda *a, **kw: facts)
        for grain, which, levels, k in requests:
            options = GRID_REQUESTS[grain]
            start, end = options[which % len(options)]
            before = store.read("statistics:2025")
            try:
                report = participation_report(
                    store,
                    organisation,
                    start=start,
                    end=end,
                    grain=grain,
                    levels=levels,
                    k=k,
                    asker="researcher",
                    at=datetime(2026, 2, 1, tzinfo=UTC),
                )
            except CannotProtectError:
                assert store.read("statistics:2025") == before  # nothing stored
                assert list(store.read_audit())[-1]["result"] == "refused"
                continue
            assert {c.level for c in report.cells} <= set(levels)
            shown.update({c.key: c.conversations for c in report.cells if not c.suppressed})
    table = count_table(facts, organisation_tree(organisation), YEAR)
    for key, value in shown.items():
        assert table.conversations[key] == value
        assert table.people[key] >= K
    hidden = stored_decision(store, table).hidden
    unknown = hidden - set(shown)
    for key, (low, high) in intervals(table.conversations, unknown, table.relations).items():
        assert high - low >= K - 1e-6, (key, low, high)
    audit_lines = [e for e in store.read_audit() if e["action"] == "report"]
    assert len(audit_lines) == len(requests)


def _held_through_the_year(*units: tuple[str, int, int]) -> list[ParticipationFact]:
    """``(unit, people, conversations)``: that many conversations in the unit, spread over the
    months, with that many different people."""
    return [
        ParticipationFact(
            conversation=f"c{unit}{i}",
            people={f"{unit}-{i % size}"},
            unit=unit,
            held_on=date(YEAR, 1 + i % 12, 5),
        )
        for unit, size, count in units
        for i in range(count)
    ]


def test_a_larger_minimum_cannot_hide_what_an_earlier_report_gave_away():
    """The counterexample Hypothesis found: a year report per team at k=5 shows the only team
    of a department; a later report at k=7 would hide the department's year (6 people), but
    it equals the team shown before. The later report is refused, audited, and stores nothing;
    at the earlier k the store still answers."""
    organisation = Organisation(
        id="o",
        teams={
            "t": Team(id="t", name="Team T", department="Afdeling A"),
            "big": Team(id="big", name="Team Big"),
        },
    )
    tree = organisation_tree(organisation)
    [department] = [u.id for u in tree.units.values() if u.level == "department"]
    facts = _held_through_the_year(("t", 6, 9), ("big", 20, 40))
    store = MemoryStore()
    year = (date(YEAR, 1, 1), date(YEAR + 1, 1, 1))
    ask = {"asker": "researcher", "at": datetime(2026, 2, 1, tzinfo=UTC)}

    def year_by_team():
        return participation_report(
            store, organisation, start=year[0], end=year[1], grain="year",
            levels=("team",), k=5, **ask,
        )  # fmt: skip

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(statistics_report, "facts_from_store", lambda *a, **kw: facts)
        first = year_by_team()
        assert first.cell("t", str(YEAR)).conversations == 9
        decisions = store.read(f"statistics:{YEAR}")
        with pytest.raises(
            CannotProtectError, match=f"{YEAR}: the minimum group size 7 cannot be kept"
        ) as refused:
            participation_report(
                store, organisation, start=year[0], end=year[1], grain="month", k=7, **ask
            )
        assert (department, str(YEAR)) in refused.value.cells
        assert department not in str(refused.value)  # the message names no cell
        assert store.read(f"statistics:{YEAR}") == decisions
        *_, line = store.read_audit()
        assert (line["action"], line["result"], line["actor"]) == (
            "report",
            "refused",
            "researcher",
        )
        again = year_by_team()
    assert again.k == 5
    assert again.audited
    assert again.cells == first.cells
    table = count_table(facts, tree, YEAR)
    assert stored_decision(store, table).published >= {("t", str(YEAR)), ("big", str(YEAR))}


def test_a_larger_minimum_is_kept_when_nothing_shown_gives_it_away():
    """Only the organisation's year was shown: a later k=7 hides the small department and
    its team, and the interval check keeps them apart from what was shown."""
    tree = tree_of({"d1": None, "t": "d1", "big": None, "other": None})
    facts = _held_through_the_year(("t", 6, 9), ("big", 20, 40), ("other", 15, 30))
    table = count_table(facts, tree, YEAR)
    first = decide_suppression(table, k=K)
    shown = {(ALL, str(YEAR))}
    second = decide_suppression(table, k=7, already=first, known=shown)
    assert {("d1", str(YEAR)), ("t", str(YEAR))} <= second
    unknown = second - shown
    for key, (low, high) in intervals(table.conversations, unknown, table.relations).items():
        assert high - low >= 7 - 1e-6, key


def test_a_report_over_later_data_cannot_be_set_against_an_earlier_one():
    """Found by an attacker: a report in April hid team t2 (3 people) and, next to it, t0; by
    June t0 held two more conversations, the new data got a decision of its own that showed
    t0 and hid t1 instead, and t2 = all(June) - t0(June) - t1(April) came out exactly. What an
    earlier report of the year showed with today's count is known, and its counts of cells
    that grew since are lower bounds: the June report keeps t2 at least K wide for whoever
    kept both."""
    organisation = Organisation(
        id="o", teams={t: Team(id=t, name=f"Team {t}") for t in ("t0", "t1", "t2")}
    )
    april = _held_through_the_year(("t0", 7, 7), ("t1", 7, 7), ("t2", 3, 3))
    june = [
        *april,
        *(
            ParticipationFact(
                conversation=f"later{i}", people={f"t0-{i}"}, unit="t0", held_on=date(YEAR, 6, 1)
            )
            for i in range(2)
        ),
    ]
    store = MemoryStore()
    ask = {"asker": "hr", "at": datetime(2026, 2, 1, tzinfo=UTC), "grain": "year", "k": K}
    year = {"start": date(YEAR, 1, 1), "end": date(YEAR + 1, 1, 1)}
    reports = []
    with pytest.MonkeyPatch.context() as patch:
        for facts in (april, june):
            patch.setattr(statistics_report, "facts_from_store", lambda *a, f=facts, **kw: f)
            reports.append(participation_report(store, organisation, **year, **ask))
    first, second = ({c.key: c.conversations for c in r.cells} for r in reports)
    t2 = ("t2", str(YEAR))
    assert first[t2] is None
    assert second[t2] is None
    # whoever kept both: June's shown counts exactly, April's as they are now or as lower bounds
    table = count_table(june, organisation_tree(organisation), YEAR)
    shown_now = {key for key, value in second.items() if value is not None}
    shown_then = {key: value for key, value in first.items() if value is not None}
    exact = shown_now | {key for key, v in shown_then.items() if table.conversations[key] == v}
    unknown = set(table.conversations) - exact  # months and quarters were not shown either
    floors = {key: shown_then[key] for key in unknown if key in shown_then}
    found = intervals(table.conversations, unknown, table.relations, floors=floors)
    low, high = found[t2]
    assert high - low >= K - 1e-6, (low, high)
    # without the April report (a fresh store), June on its own shows t0 and hides t1: the
    # combination the attacker used is what the carried-over knowledge prevents
    fresh = MemoryStore()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(statistics_report, "facts_from_store", lambda *a, **kw: june)
        alone = participation_report(fresh, organisation, **year, **ask)
    assert alone.cell("t0", str(YEAR)).conversations == 9
    assert second[("t0", str(YEAR))] is None


changes = st.lists(
    st.tuples(st.integers(1, 12), st.sampled_from(["grow", "move", "new team", "erase"])),
    min_size=1,
    max_size=3,
)


def _change(organisation, facts, how, rng):
    """The data after one change: more held (nothing else), some conversations of a unit moved
    to another unit or to a new team (a re-imported organisation), or some erased."""
    if how == "grow" or not facts:
        return organisation, facts
    unit = rng.choice(sorted({f.unit for f in facts}))
    ids = sorted(f.conversation for f in facts if f.unit == unit)
    some = set(rng.sample(ids, min(len(ids), rng.randint(1, 3))))  # a few: fewer than K
    if how == "erase":
        return organisation, [f for f in facts if f.conversation not in some]
    if how == "new team":
        team = f"n{len(organisation.teams)}"
        teams = {**organisation.teams, team: Team(id=team, name=f"Nieuw {team}")}
        organisation = attrs.evolve(organisation, teams=teams)
        to = team
    else:
        to = rng.choice(list(organisation_tree(organisation).leaves()))
    return organisation, [attrs.evolve(f, unit=to) if f.conversation in some else f for f in facts]


def _attacker_narrow(states, table):
    """What whoever kept every report knows, solved: each report's shown counts are equations
    over the groups of conversations that sat in the same leaf in every state (per period),
    and each state's table adds up in its own units. The cells narrower than K."""
    everyone = {c for _, facts, _ in states for c in (f.conversation for f in facts)}
    where = [{f.conversation: f.unit for f in facts} for _, facts, _ in states]
    months = {f.conversation: f.held_on for _, facts, _ in states for f in facts}
    groups: dict = {}
    for c in sorted(everyone):
        groups.setdefault(tuple(w.get(c) for w in where), []).append(c)
    values: dict = {}
    relations: list = list(table.relations)
    pieces: dict = {}
    for n, (signature, members) in enumerate(sorted(groups.items(), key=repr)):
        for period in periods_of_year(YEAR):
            values[(f"g{n}", period)] = sum(
                1
                for c in members
                if period in (period_of(months[c], g) for g in ("year", "quarter", "month"))
            )
        relations += [
            ((f"g{n}", t), tuple((f"g{n}", p) for p in parts))
            for t, parts in period_relations(YEAR)
        ]
        for s, leaf in enumerate(signature):
            if leaf is not None:
                for period in periods_of_year(YEAR):
                    pieces.setdefault((s, leaf, period), []).append((f"g{n}", period))
    known: dict = {}
    last = len(states) - 1
    for s, (organisation, facts, shown) in enumerate(states):
        old = count_table(facts, organisation_tree(organisation), YEAR)
        name = (lambda u: u) if s == last else (lambda u, s=s: f"s{s}:{u}")
        for key, value in old.conversations.items():
            values[(name(key[0]), key[1])] = value
        for key, value in shown.items():
            known[(name(key[0]), key[1])] = value
        if s != last:
            relations += [
                ((name(t[0]), t[1]), tuple((name(u), p) for u, p in parts))
                for t, parts in old.relations
            ]
        relations += [
            ((name(leaf), period), tuple(parts))
            for (state, leaf, period), parts in pieces.items()
            if state == s
        ]
    for key, value in known.items():
        assert values[key] == value, key
    unknown = set(values) - set(known)
    return narrow_cells(values, unknown, relations, K)


def _department_with_two_teams():
    """The shape of the security tester's finding: a department (with its own, empty, staff
    unit) over a team of 12 and a team of 6, everything held in May."""
    teams = {"d": Team(id="d", name="Afdeling D")}
    teams.update({t: Team(id=t, name=f"Team {t}", parent="d") for t in ("t1", "t3")})
    facts = [
        ParticipationFact(
            conversation=f"{unit}-{i}", people={f"{unit}-{i}"}, unit=unit, held_on=date(YEAR, 5, 1)
        )
        for unit, size in (("t1", 12), ("t3", 6))
        for i in range(size)
    ]
    return Organisation(id="o", name="Gemeente", teams=teams), facts


@settings(max_examples=25)
@given(organisations_with_facts(), changes, st.integers(0, 2**32 - 1))
@example(_department_with_two_teams(), [(5, "grow"), (6, "new team")], 4)
def test_reports_over_changing_data_never_narrow_a_suppressed_cell(org_and_facts, steps, seed):
    """Reports of the year made at the end of random months, and between them the data
    changes: more conversations held, some moved to another unit or a new team (HR re-imports
    the organisation), some erased (counts shrink). Whoever kept every report knows each one's
    counts, and which conversations moved or went; every cell the last decision hides stays at
    least the minimum group size wide. (Before counts were tied to what they counted, a shrunk
    count was dropped: T1 before minus T1 after gave a hidden new team exactly.)"""
    organisation, facts = org_and_facts
    rng = random.Random(seed)
    store = MemoryStore()
    year = {"start": date(YEAR, 1, 1), "end": date(YEAR + 1, 1, 1), "grain": "year", "k": K}
    states: list = []
    data = facts
    with pytest.MonkeyPatch.context() as patch:
        for month, how in sorted(steps):
            organisation, data = _change(organisation, data, how, rng)
            held = [f for f in data if f.held_on.month <= month]
            patch.setattr(statistics_report, "facts_from_store", lambda *a, h=held, **kw: h)
            try:
                report = participation_report(
                    store, organisation, **year, asker="hr", at=datetime(2026, 2, 1, tzinfo=UTC)
                )
            except CannotProtectError:
                continue
            shown = {c.key: c.conversations for c in report.cells if not c.suppressed}
            states.append((organisation, held, shown))
    if not states:
        return
    organisation, held, shown = states[-1]
    table = count_table(held, organisation_tree(organisation), YEAR)
    hidden = stored_decision(store, table).hidden
    narrow = _attacker_narrow(states, table)
    for key in hidden - set(shown):
        if key in narrow:  # only a count an earlier report showed as it is now
            previously = [s[key] for _, _, s in states[:-1] if key in s]
            assert previously, (key, narrow[key])
            assert set(previously) == {table.conversations[key]}, (key, narrow[key])


def test_a_count_that_shrank_cannot_be_set_against_the_earlier_one():
    """Found by a security tester: a report showed team t1 with 12 conversations; HR re-imported
    the organisation with two of its people in a new team t2 from the same start, and the next
    report showed t1 = 10 and hid t2 (2 people): 12 - 10 gave t2 exactly. An erased
    conversation shrinks a count the same way. The earlier count is tied to the conversations
    it counted, so the later reports hide t1 too (t2 stays at least K wide)."""
    teams = {"d": Team(id="d", name="Afdeling D")}
    teams.update({t: Team(id=t, name=f"Team {t}", parent="d") for t in ("t1", "t3")})
    before = Organisation(id="o", teams=teams)
    t2 = Team(id="t2", name="Team t2", parent="d")
    after = attrs.evolve(before, teams={**teams, "t2": t2})
    held = [
        ParticipationFact(
            conversation=f"c{i}", people={f"p{i}"}, unit="t1", held_on=date(YEAR, 5, 1)
        )
        for i in range(12)
    ] + [
        ParticipationFact(
            conversation=f"d{i}", people={f"q{i}"}, unit="t3", held_on=date(YEAR, 5, 1)
        )
        for i in range(6)
    ]
    moved = [attrs.evolve(f, unit="t2") if f.conversation in {"c0", "c1"} else f for f in held]
    erased = [f for f in held if f.conversation != "c0"]
    year = {"start": date(YEAR, 1, 1), "end": date(YEAR + 1, 1, 1), "grain": "year", "k": K}
    ask = {"asker": "researcher", "at": datetime(2026, 2, 1, tzinfo=UTC)}
    t1 = ("t1", str(YEAR))
    for organisation, later in ((after, moved), (before, erased)):
        store = MemoryStore()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(statistics_report, "facts_from_store", lambda *a, **kw: held)
            first = participation_report(store, before, **year, **ask)
            patch.setattr(statistics_report, "facts_from_store", lambda *a, f=later, **kw: f)
            second = participation_report(store, organisation, **year, **ask)
        assert first.cell(*t1).conversations == 12
        assert second.cell(*t1).suppressed, second.cell(*t1)
        if organisation is after:
            assert second.cell("t2", str(YEAR)).suppressed
        # a cell both show has the same count: each change here is about 1 or 2 people
        then = {c.key: c.conversations for c in first.cells if not c.suppressed}
        for cell in second.cells:
            if not cell.suppressed and cell.key in then:
                assert cell.conversations == then[cell.key], cell


def test_many_erased_conversations_of_one_person_do_not_show_the_erasure():
    """An erasure took K conversations, all of one person (their whole history in team t1):
    their people are no longer known, so they count as one unknown person, not K. The count
    of t1 before, minus the count now, would give the erasure away: t1 is hidden now."""
    teams = {"d": Team(id="d", name="Afdeling D")}
    teams.update({t: Team(id=t, name=f"Team {t}", parent="d") for t in ("t1", "t3")})
    organisation = Organisation(id="o", teams=teams)
    theirs = [
        ParticipationFact(conversation=f"e{i}", people={"p0"}, unit="t1", held_on=date(YEAR, 5, 1))
        for i in range(K)
    ]
    others = [
        ParticipationFact(
            conversation=f"c{i}", people={f"p{i + 1}"}, unit="t1", held_on=date(YEAR, 5, 1)
        )
        for i in range(12)
    ] + [
        ParticipationFact(
            conversation=f"d{i}", people={f"q{i}"}, unit="t3", held_on=date(YEAR, 5, 1)
        )
        for i in range(6)
    ]
    year = {"start": date(YEAR, 1, 1), "end": date(YEAR + 1, 1, 1), "grain": "year", "k": K}
    ask = {"asker": "researcher", "at": datetime(2026, 2, 1, tzinfo=UTC)}
    store = MemoryStore()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(statistics_report, "facts_from_store", lambda *a, **kw: theirs + others)
        first = participation_report(store, organisation, **year, **ask)
        patch.setattr(statistics_report, "facts_from_store", lambda *a, **kw: others)
        second = participation_report(store, organisation, **year, **ask)
    t1 = ("t1", str(YEAR))
    assert first.cell(*t1).conversations == 12 + K
    assert second.cell(*t1).suppressed, second.cell(*t1)
