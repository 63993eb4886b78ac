"""The scoring rules' arithmetic, on hand-made measures (no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xiezuo.assessment import defaults, formula, scoring
from xiezuo.assessment.services import validate_system
from xiezuo.core.errors import UserError


def spec(code: str, rule: str, f: str, weight: float = 10, direction: str = "up", **params):
    return scoring.Spec(code, "领域", code, "", direction, f, weight, rule, params)


def system(*specs, deductions=()):
    return scoring.SystemSpec(list(specs), list(deductions), defaults.GRADES)


UNITS = [("west", "A", "甲"), ("west", "B", "乙"), ("west", "C", "丙")]
TOPS = {("west", "A"): [1], ("west", "B"): [2], ("west", "C"): [3]}
TARGETS = {1: {"placements": 100.0}, 2: {"placements": 100.0}, 3: {"placements": 50.0}}


def run(specs, measures, judgements=None, deductions=()):
    return {
        u.unit: u
        for u in scoring.score_all(
            UNITS,
            TOPS,
            TARGETS,
            measures,
            {"west": system(*specs, deductions=deductions)},
            judgements or {},
            year=2020,
        )
    }


def m(a: dict, b: dict | None = None) -> dict:
    return {2020: a, 2019: b or {}}


def test_target_share_is_capped_and_scaled():
    out = run(
        [spec("X", "target_share", "placements", target=["placements"])],
        {
            ("west", "A"): m({"placements": 50}),
            ("west", "B"): m({"placements": 150}),
            ("west", "C"): m({"placements": 25}),
        },
    )
    assert out["A"].cells[0].score == Decimal("5.00")
    assert out["B"].cells[0].score == Decimal("10.00")  # capped at the target
    assert out["C"].cells[0].score == Decimal("5.00")  # 25 of its own target of 50
    assert out["A"].cells[0].target == 100.0


def test_growth_against_last_year_and_none_without_last_year():
    out = run(
        [spec("G", "growth", "income_per_capita", expected=0.1)],
        {
            ("west", "A"): m({"income_per_capita": 105}, {"income_per_capita": 100}),
            ("west", "B"): m({"income_per_capita": 130}, {"income_per_capita": 100}),
            ("west", "C"): m({"income_per_capita": 90}),
        },
    )
    assert out["A"].cells[0].score == Decimal("5.00")  # 5 % of the 10 % that earns all
    assert out["B"].cells[0].score == Decimal("10.00")
    assert out["C"].cells[0].score == Decimal("0")
    assert "上年无数据" in out["C"].cells[0].note


def test_threshold_both_directions_and_a_ratio_formula():
    out = run(
        [
            spec("T", "threshold", "placements_stable / placements", threshold=0.8),
            spec(
                "D",
                "threshold",
                "returned_people / poor_at_start",
                direction="down",
                threshold=0.01,
            ),
        ],
        {
            ("west", "A"): m(
                {
                    "placements_stable": 40,
                    "placements": 100,
                    "returned_people": 1,
                    "poor_at_start": 100,
                }
            ),
            ("west", "B"): m(
                {
                    "placements_stable": 90,
                    "placements": 100,
                    "returned_people": 2,
                    "poor_at_start": 100,
                }
            ),
            ("west", "C"): m({"placements": 0, "returned_people": 0, "poor_at_start": 100}),
        },
    )
    assert out["A"].cells[0].score == Decimal("5.00")  # 0.4 of 0.8
    assert out["B"].cells[0].score == Decimal("10.00")
    assert out["C"].cells[0].value is None and out["C"].cells[0].score == 0  # 0 / 0
    assert out["A"].cells[1].score == Decimal("10.00")  # at the limit
    assert out["B"].cells[1].score == Decimal("0.00")  # twice the limit


def test_rank_among_peers_with_shared_places_for_totals():
    out = run(
        [spec("R", "rank", "exited_people")],
        {
            ("west", "A"): m({"exited_people": 10}),
            ("west", "B"): m({"exited_people": 30}),
            ("west", "C"): m({"exited_people": 20}),
        },
    )
    assert [out[k].cells[0].score for k in "BCA"] == [Decimal("10.00"), Decimal("5.00"), 0]
    assert (out["B"].rank, out["C"].rank, out["A"].rank) == (1, 2, 3)
    assert out["A"].peers == 3


def test_judgement_uses_the_reviewers_score_and_waits_without_one():
    out = run([spec("J", "judgement", "")], {}, judgements={("west", "A"): {"J": 7.5}})
    assert out["A"].cells[0].score == Decimal("7.50")
    assert out["B"].cells[0].score == 0 and out["B"].cells[0].note == "待评审评分"


def test_a_veto_sets_the_lowest_grade_and_points_come_off():
    veto = scoring.DeductionSpec(
        "D1", "规模性返贫", "超过 3%", "returned_people / poor_at_start", ">", 0.03, "veto", 0, 0
    )
    points = scoring.DeductionSpec(
        "D2", "确认有误", "每条 0.5", "confirmed_findings", ">", 0, "points", 0.5, 2
    )
    measures = {
        ("west", "A"): m({"placements": 100, "returned_people": 5, "poor_at_start": 100}),
        ("west", "B"): m({"placements": 100, "confirmed_findings": 10}),
        ("west", "C"): m({"placements": 100}),
    }
    out = run(
        [spec("X", "target_share", "placements", weight=100, target=["placements"])],
        measures,
        deductions=[veto, points],
    )
    assert out["A"].total == Decimal("100.00") and out["A"].grade == "差" and out["A"].veto
    assert out["B"].total == Decimal("98.00")  # 10 × 0.5 capped at 2
    assert out["B"].grade == "好"
    assert out["C"].total == Decimal("100.00") and out["C"].grade == "好"


def test_missing_target_names_the_unit_pairing_and_indicator():
    problems, unassessed = scoring.missing_targets(
        [("west", "A", "甲"), ("west", "Z", "无协议")],
        {("west", "A"): [1], ("west", "Z"): [9]},
        {1: {"fiscal_aid": 1.0}},
        {"west": system(spec("X", "target_share", "placements", target=["placements"]))},
        {1: "苏州市 → 铜仁市"},
    )
    assert unassessed == {("west", "Z")}
    assert len(problems) == 1
    text = str(problems[0])
    assert "甲" in text and "X" in text and "苏州市 → 铜仁市" in text and "placements" in text


def test_shipped_systems_are_valid_and_add_up_to_100():
    for t in defaults.TEMPLATES:
        validate_system(t["indicators"], t["deductions"], defaults.GRADES)
        assert sum(i["weight"] for i in t["indicators"]) == 100


def test_bad_systems_are_refused_naming_the_indicator():
    t = defaults.TEMPLATES[0]
    bad = [dict(i) for i in t["indicators"]]
    bad[1] = {**bad[1], "weight": 50, "formula": "cadres_sent + no_such_field"}
    with pytest.raises(UserError) as exc:
        validate_system(bad, t["deductions"], defaults.GRADES)
    text = str(exc.value)
    assert "no_such_field" in text and "E02" in text
    assert "合计为 145" in text


def test_formula_accepts_arithmetic_only():
    assert formula.evaluate("(a + b) / 2", {"a": 1.0, "b": 3.0}) == 2.0
    assert formula.evaluate("a / b", {"a": 1.0, "b": 0.0}) is None
    for bad in ("__import__('os')", "a.b", "a if b else c", "a ** 2", "[a]"):
        with pytest.raises(UserError):
            formula.parse(bad, where="指标 X")


def test_every_default_indicator_of_people_served_counts_the_verified() -> None:
    """The assessment counts only people verification passed: no default indicator reads the
    reported trainees or people employed themselves (their targets may name them)."""
    from xiezuo.assessment.measures import VERIFIED

    raw = {*VERIFIED, "poor_employed"}
    for t in defaults.TEMPLATES:
        for ind in t["indicators"]:
            names = set(ind["formula"].replace("(", " ").replace(")", " ").split())
            assert not names & raw, (t["first"], ind["code"], ind["formula"])
