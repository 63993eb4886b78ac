"""The pairing optimizer on tiny instances whose optimum is known by enumeration, the 2016
examples of the allowed arcs, and the infeasibility explanations. Real OR-Tools, no database."""

from __future__ import annotations

import csv
import itertools
import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xiezuo.core.errors import UserError
from xiezuo.pairing.optimizer import (
    CP_SAT,
    HIGHS,
    MILP_BETTER,
    MILP_ERROR,
    MILP_LIMIT,
    MILP_NOT_RUN,
    MILP_PROVEN,
    PROOF_TOLERANCE,
    SIMPLE,
    Infeasible,
    Instance,
    Unit,
    aggregate_loads,
    allowed_arcs,
    certify,
    check,
    evaluate,
    solve,
    tightest_max_per_east,
)
from xiezuo.paths import PACKAGE_DIR

PAIRS_CSV = PACKAGE_DIR / "pairing" / "data" / "east_west_pairs_2016.csv"
WUZHONG, GULOU_NJ, DONGGUAN, ZHONGSHAN, HUANGPU_SH = (
    "320506",
    "320106",
    "441900",
    "442000",
    "310101",
)
YANHE, ZHAOYANG, LANTIAN, DATONG_QH, HUZHU, YULONG = (
    "520627",  # 沿河, 铜仁
    "530602",  # 昭阳, 昭通
    "610122",  # 蓝田, 陕西
    "630121",  # 大通, 西宁
    "630223",  # 互助, 海东
    "530721",  # 玉龙, 丽江 (上海→云南)
)


def pairs_2016() -> list[tuple[str, str]]:
    """The published list, as the package ships it."""
    with PAIRS_CSV.open(encoding="utf-8", newline="") as handle:
        return [(row["east_code"], row["west_code"]) for row in csv.DictReader(handle)]


def unit(code: str, value: float) -> Unit:
    return Unit(code, f"单位{code}", value)


def instance(
    east: dict[str, float],
    west: dict[str, float],
    allowed: dict[str, set[str]] | None = None,
    *,
    max_per_east: int = 3,
    locked: set[tuple[str, str]] | None = None,
    forbidden: set[tuple[str, str]] | None = None,
) -> Instance:
    every = frozenset(east)
    return Instance(
        east=tuple(unit(c, v) for c, v in east.items()),
        west=tuple(unit(c, v) for c, v in west.items()),
        allowed={w: frozenset(allowed[w]) if allowed else every for w in west},
        max_per_east=max_per_east,
        locked=frozenset(locked or ()),
        forbidden=frozenset(forbidden or ()),
    )


def brute_force_max_ratio(problem: Instance) -> float | None:
    """The least largest ratio over every assignment respecting the constraints."""
    capacity = {u.code: u.value for u in problem.east}
    locked = {w: e for e, w in problem.locked}
    choices = []
    for u in problem.west:
        if u.code in locked:
            choices.append([locked[u.code]])
        else:
            choices.append(
                [e for e in sorted(problem.allowed[u.code]) if (e, u.code) not in problem.forbidden]
            )
    best: float | None = None
    for combo in itertools.product(*choices):
        counts: dict[str, int] = {}
        need: dict[str, float] = {}
        for u, e in zip(problem.west, combo, strict=True):
            counts[e] = counts.get(e, 0) + 1
            need[e] = need.get(e, 0.0) + u.value
        if max(counts.values()) > problem.max_per_east:
            continue
        worst = max(need[e] / capacity[e] for e in need)
        best = worst if best is None else min(best, worst)
    return best


# --- allowed arcs on the 2016 list ----------------------------------------------------------


def test_a_suzhou_county_may_take_only_tongren_counties() -> None:
    arcs = allowed_arcs([WUZHONG, GULOU_NJ], [YANHE, LANTIAN, DATONG_QH, HUZHU], pairs_2016())
    assert arcs[YANHE] == {WUZHONG}
    for county in (LANTIAN, DATONG_QH, HUZHU):
        assert arcs[county] == {GULOU_NJ}


def test_zhaotong_is_helped_only_by_zhongshan_and_dongguan_not_shanghai() -> None:
    arcs = allowed_arcs([DONGGUAN, ZHONGSHAN, HUANGPU_SH], [ZHAOYANG, YULONG], pairs_2016())
    assert arcs[ZHAOYANG] == {DONGGUAN, ZHONGSHAN}
    assert arcs[YULONG] == {HUANGPU_SH}


def test_a_west_county_outside_every_pair_gets_no_partner() -> None:
    arcs = allowed_arcs([WUZHONG], ["140121"], pairs_2016())  # 山西 is in no 2016 pair
    assert arcs == {"140121": frozenset()}


# --- solving ------------------------------------------------------------------------------


def test_solve_balances_need_against_capacity() -> None:
    # W1 + W2 on E1 (0.9) and W3 on E2 (0.6) beats every other split (each reaches 1.2).
    problem = instance({"E1": 100, "E2": 50}, {"W1": 60, "W2": 30, "W3": 30})
    solution = solve(problem, time_limit=10)
    assert solution.stats.max_ratio == pytest.approx(0.9)
    assert brute_force_max_ratio(problem) == pytest.approx(0.9)
    assert solution.status == "optimal" and solution.gap == 0
    assert solution.loads.by_code()["E2"].west in (("W2",), ("W3",))


def test_tie_break_spreads_need_once_the_largest_ratio_is_fixed() -> None:
    # E1 carries W1 alone (ratio 1.0, the largest whatever else happens). W2 and W3 fit on E2
    # together (0.2) or one each on E2 and E3 (0.1, 0.1): the same largest ratio, but only the
    # second is near the fair share, so the tie-break must choose it.
    problem = instance(
        {"E1": 10, "E2": 100, "E3": 100},
        {"W1": 10, "W2": 10, "W3": 10},
        locked={("E1", "W1")},
        max_per_east=2,
    )
    solution = solve(problem, time_limit=10)
    assert solution.stats.max_ratio == pytest.approx(1.0)
    assert {solution.assignment["W2"], solution.assignment["W3"]} == {"E2", "E3"}
    assert solution.deviation_status == "optimal"


def test_locked_and_forbidden_pairs_are_respected() -> None:
    problem = instance(
        {"E1": 100, "E2": 100},
        {"W1": 50, "W2": 50},
        locked={("E1", "W1")},
        forbidden={("E1", "W2")},
        max_per_east=2,
    )
    solution = solve(problem, time_limit=10)
    assert solution.assignment == {"W1": "E1", "W2": "E2"}


@st.composite
def small_instances(draw: st.DrawFn) -> Instance:
    n_east = draw(st.integers(1, 3))
    n_west = draw(st.integers(1, 5))
    east = {f"E{i}": float(draw(st.integers(1, 200))) for i in range(n_east)}
    west = {f"W{j}": float(draw(st.integers(1, 500))) for j in range(n_west)}
    allowed = {
        w: set(draw(st.lists(st.sampled_from(sorted(east)), min_size=1, unique=True))) for w in west
    }
    limit = draw(st.integers(1, 4))
    lock_candidates = [(e, w) for w, es in allowed.items() for e in es]
    locked = set(draw(st.lists(st.sampled_from(lock_candidates), max_size=1)))
    forbidden = set(draw(st.lists(st.sampled_from(lock_candidates), max_size=2))) - locked
    return instance(east, west, allowed, max_per_east=limit, locked=locked, forbidden=forbidden)


@settings(max_examples=60, deadline=None)
@given(small_instances())
def test_solve_matches_exhaustive_enumeration(problem: Instance) -> None:
    expected = brute_force_max_ratio(problem)
    if expected is None:
        with pytest.raises(Infeasible):
            solve(problem, time_limit=10, workers=1)
        return
    solution = solve(problem, time_limit=10, workers=1)
    assert solution.status == "optimal"
    assert solution.stats.max_ratio == pytest.approx(expected, rel=1e-5)
    assert set(solution.assignment) == {u.code for u in problem.west}
    counts: dict[str, int] = {}
    for w, e in solution.assignment.items():
        assert (e, w) not in problem.forbidden
        assert e in problem.allowed[w] or (e, w) in problem.locked
        counts[e] = counts.get(e, 0) + 1
    assert max(counts.values()) <= problem.max_per_east
    for e, w in problem.locked:
        assert solution.assignment[w] == e


def test_components_are_solved_separately_and_reported() -> None:
    problem = instance(
        {"E1": 10, "E2": 20},
        {"W1": 5, "W2": 5, "W3": 4},
        {"W1": {"E1"}, "W2": {"E2"}, "W3": {"E2"}},
    )
    solution = solve(problem, time_limit=10)
    assert solution.component_count == 2
    assert solution.stats.max_ratio == pytest.approx(0.5)
    assert solution.stats.min_ratio == pytest.approx(0.45)
    assert solution.stats.spread == pytest.approx(0.05)


def test_solution_round_trips_through_json() -> None:
    problem = instance({"E1": 10, "E2": 20}, {"W1": 5, "W2": 5, "W3": 4})
    solution = solve(problem, time_limit=10)
    stored = json.loads(json.dumps(solution.to_json()))
    assert type(solution).from_json(stored) == solution


# --- infeasibility explained ---------------------------------------------------------------


def problems_of(problem: Instance) -> str:
    with pytest.raises(Infeasible) as raised:
        check(problem)
    return "\n".join(p.message for p in raised.value.problems)


def test_a_west_county_with_no_partner_left_is_named() -> None:
    problem = instance(
        {"E1": 10, "E2": 10},
        {"W1": 5, "W2": 5},
        {"W1": {"E1"}, "W2": {"E1", "E2"}},
        forbidden={("E1", "W1")},
    )
    text = problems_of(problem)
    assert "W1 单位W1" in text and "W2" not in text


def test_lock_conflicts_are_named() -> None:
    text = problems_of(
        instance(
            {"E1": 10, "E2": 10},
            {"W1": 5, "W2": 5, "W3": 5},
            locked={("E1", "W1"), ("E2", "W1"), ("E1", "W2"), ("E1", "W3")},
            forbidden={("E1", "W3")},
            max_per_east=2,
        )
    )
    assert "W1 单位W1 被锁定给多个东部单位" in text
    assert "E1 单位E1 → W3 单位W3 既被锁定又被禁止" in text
    assert "东部单位 E1 单位E1 锁定了 3 个西部县" in text


def test_non_positive_values_are_named() -> None:
    text = problems_of(instance({"E1": 0}, {"W1": -2}))
    assert "E1 单位E1 的帮扶能力为 0" in text and "W1 单位W1 的需求为 -2" in text


def test_hall_violator_of_several_units_names_both_sets() -> None:
    # W1..W3 may only go to E1 or E2 (2 units × 1 < 3); W4 has E3 to itself and is fine.
    problem = instance(
        {"E1": 10, "E2": 10, "E3": 10},
        {"W1": 1, "W2": 1, "W3": 1, "W4": 1},
        {"W1": {"E1"}, "W2": {"E1", "E2"}, "W3": {"E2"}, "W4": {"E3", "E2"}},
        max_per_east=1,
    )
    with pytest.raises(Infeasible) as raised:
        check(problem)
    (problem_found,) = raised.value.problems
    text = problem_found.message
    assert "3 个西部县（W1 单位W1、W2 单位W2、W3 单位W3）" in text
    assert "2 个东部单位（E1 单位E1、E2 单位E2）" in text
    assert "E3" not in text and "W4" not in text
    assert tightest_max_per_east(problem) == 2


def test_solve_explains_instead_of_reporting_a_solver_status() -> None:
    with pytest.raises(Infeasible, match="东部单位数量不足"):
        solve(instance({"E1": 10}, {"W1": 1, "W2": 1}, max_per_east=1))


# --- evaluating a current pairing ---------------------------------------------------------


def test_evaluate_splits_a_shared_county_by_capacity() -> None:
    problem = instance({"E1": 30, "E2": 10}, {"W1": 40, "W2": 5})
    loads = evaluate(problem, {"W1": ["E1", "E2"], "W2": ["E2"]})
    by_code = loads.by_code()
    assert by_code["E1"].need == pytest.approx(30)
    assert by_code["E2"].need == pytest.approx(15)
    assert by_code["E1"].ratio == pytest.approx(1.0)
    assert by_code["E2"].ratio == pytest.approx(1.5)
    assert loads.stats.spread == pytest.approx(0.5)
    assert loads.stats.std_dev == pytest.approx(0.25)
    assert loads.unassigned == ()


def test_evaluate_reports_unassigned_and_rejects_unknown_units() -> None:
    problem = instance({"E1": 30}, {"W1": 40, "W2": 5})
    assert evaluate(problem, {"W1": ["E1"]}).unassigned == ("W2",)
    with pytest.raises(UserError, match="不在本次范围内"):
        evaluate(problem, {"W1": ["E9"]})


def test_loads_aggregate_to_the_most_specific_parent() -> None:
    problem = Instance(
        east=(unit(WUZHONG, 10), unit(GULOU_NJ, 30), unit("320205", 20)),
        west=(unit(YANHE, 5), unit(LANTIAN, 6), unit(HUZHU, 9)),
        allowed={},
        max_per_east=3,
    )
    loads = evaluate(problem, {YANHE: [WUZHONG], LANTIAN: [GULOU_NJ], HUZHU: ["320205"]})
    merged = aggregate_loads(loads, {"320000": "江苏省", "320500": "苏州市"}).by_code()
    assert set(merged) == {"320000", "320500"}
    assert merged["320500"].need == 5 and merged["320500"].capacity == 10
    assert merged["320000"].need == 15 and merged["320000"].capacity == 50
    assert merged["320000"].west == (LANTIAN, HUZHU)


def test_overall_gap_is_zero_when_the_component_with_the_largest_ratio_is_proven() -> None:
    problem = instance(
        {"E1": 10, "E2": 20},
        {"W1": 5, "W2": 5, "W3": 4},
        {"W1": {"E1"}, "W2": {"E2"}, "W3": {"E2"}},
    )
    solution = solve(problem, time_limit=10)
    assert solution.overall_gap == 0 and solution.gap == 0


# --- the proof of the largest load ----------------------------------------------------------


def hard_instance() -> Instance:
    """One component where neither solver closes the gap in a blink: 16 eastern units of
    uneven capacity share 50 counties of uneven need, at most 8 each — a balanced partition
    whose simple bound (perfect balance) is not reached. Like the 16 × 50 component of the
    national benchmark, which neither CP-SAT nor HiGHS proves in 10 s."""
    rng = random.Random(2016)
    east = {f"E{i:02}": float(rng.randint(5_000, 40_000)) for i in range(16)}
    west = {f"W{j:02}": float(round(rng.lognormvariate(0, 0.5) * 30_000)) for j in range(50)}
    return instance(east, west, max_per_east=8)


@settings(max_examples=40, deadline=None)
@given(small_instances())
def test_the_milp_certificate_matches_exhaustive_enumeration(problem: Instance) -> None:
    """HiGHS, run even where CP-SAT has proven the pairing, must bound the largest ratio by the
    true optimum: a bound below it leaves the optimum unproven, one above it is a false proof."""
    expected = brute_force_max_ratio(problem)
    if expected is None:
        return
    solution = solve(problem, time_limit=10, workers=1, certify_always=True)
    proof = solution.proof
    assert proof is not None
    assert proof.milp_status == MILP_PROVEN and proof.milp_bound is not None
    # Needs and capacities are rounded to 24 bits for the model: 1e-4 covers a value of 1
    # next to one of 500.
    assert proof.milp_bound == pytest.approx(expected, rel=1e-4)
    assert proof.milp_bound <= expected * (1 + 1e-4)
    assert proof.incumbent == pytest.approx(expected, rel=1e-4)
    assert proof.status == "optimal" and proof.gap <= PROOF_TOLERANCE
    assert proof.cp_sat_bound <= expected * (1 + 1e-4)  # CP-SAT's bound is a valid one too
    deciding = solution.components[proof.component]
    assert deciding.max_ratio == pytest.approx(solution.stats.max_ratio)


def test_cp_sat_proves_the_deciding_component_without_the_milp() -> None:
    problem = instance({"E1": 100, "E2": 50}, {"W1": 60, "W2": 30, "W3": 30})
    proof = solve(problem, time_limit=10).proof
    assert proof is not None
    assert proof.method == CP_SAT and proof.status == "optimal"
    assert proof.milp_status == MILP_NOT_RUN and proof.milp_bound is None
    assert proof.bound <= 0.9 <= proof.bound * (1 + PROOF_TOLERANCE)


def test_the_deciding_component_is_the_one_with_the_largest_ratio() -> None:
    # W1 alone on E1 (0.5) decides; W2 + W3 on E2 (0.45) does not.
    problem = instance(
        {"E1": 10, "E2": 20},
        {"W1": 5, "W2": 5, "W3": 4},
        {"W1": {"E1"}, "W2": {"E2"}, "W3": {"E2"}},
    )
    solution = solve(problem, time_limit=10, certify_always=True)
    assert solution.proof is not None
    decider = solution.components[solution.proof.component]
    assert (decider.east, decider.west) == (1, 1)
    assert solution.proof.incumbent == pytest.approx(0.5)
    assert solution.proof.milp_bound == pytest.approx(0.5)


def test_certify_does_not_prove_a_pairing_that_can_be_improved() -> None:
    # W1 on E2 gives E2 a ratio of 1.2; the optimum is 0.9 (W1 + W2 on E1, W3 on E2).
    problem = instance({"E1": 100, "E2": 50}, {"W1": 60, "W2": 30, "W3": 30})
    proof = certify(problem, {"W1": "E2", "W2": "E1", "W3": "E1"})
    assert proof.status == "feasible" and proof.milp_status == MILP_BETTER
    assert proof.incumbent == pytest.approx(1.2)
    assert proof.bound == pytest.approx(0.9) and proof.method == HIGHS
    assert proof.gap == pytest.approx(0.25)
    proof = certify(problem, {"W1": "E1", "W2": "E1", "W3": "E2"})
    assert proof.status == "optimal" and proof.bound == pytest.approx(0.9)


def test_certify_refuses_a_pairing_that_breaks_the_constraints() -> None:
    problem = instance({"E1": 100, "E2": 50}, {"W1": 60, "W2": 30}, max_per_east=1)
    with pytest.raises(UserError) as raised:
        certify(problem, {"W1": "E1", "W2": "E1"})
    assert "超过上限 1 个" in raised.value.problems[0].message
    with pytest.raises(UserError, match="不满足结对条件"):
        certify(problem, {"W1": "E1"})


def test_too_little_time_for_the_milp_reports_not_proven() -> None:
    problem = hard_instance()
    solution = solve(problem, time_limit=0.2, tie_break_limit=0.1, certify_limit=0.05, workers=1)
    proof = solution.proof
    assert proof is not None
    assert proof.status == "feasible" and not proof.proven
    assert proof.milp_status == MILP_LIMIT
    assert proof.milp_seconds < 2
    assert 0 < proof.bound < proof.incumbent and proof.gap > PROOF_TOLERANCE
    assert proof.gap == pytest.approx(1 - proof.bound / proof.incumbent, rel=1e-6)
    assert solution.overall_gap == pytest.approx(proof.gap, rel=1e-3)
    # The proposal stands: every county paired, the limit kept.
    assert set(solution.assignment) == {u.code for u in problem.west}
    assert max(len(load.west) for load in solution.loads.east) <= 8
    proof = certify(problem, solution.assignment, time_limit=0.05)
    assert proof.status == "feasible" and proof.milp_status == MILP_LIMIT


def test_a_failing_milp_leaves_the_proposal_and_cp_sat_proof(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from xiezuo.pairing import optimizer

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("HiGHS is not available")

    monkeypatch.setattr(optimizer.mathopt, "solve", broken)
    problem = instance({"E1": 100, "E2": 50}, {"W1": 60, "W2": 30, "W3": 30})
    solution = solve(problem, time_limit=10, certify_always=True)
    assert solution.proof is not None
    assert solution.proof.milp_status == MILP_ERROR and solution.proof.milp_bound is None
    assert solution.proof.method == CP_SAT and solution.proof.status == "optimal"
    assert solution.stats.max_ratio == pytest.approx(0.9)
    proof = certify(problem, solution.assignment)
    assert proof.milp_status == MILP_ERROR and proof.method == SIMPLE
    assert proof.status == "feasible" and proof.bound == pytest.approx(0.8)  # 120 / 150


def test_results_stored_before_proofs_still_read() -> None:
    problem = instance({"E1": 10, "E2": 20}, {"W1": 5, "W2": 5, "W3": 4})
    stored = json.loads(json.dumps(solve(problem, time_limit=10).to_json()))
    del stored["proof"]
    assert type(solve(problem, time_limit=10)).from_json(stored).proof is None
