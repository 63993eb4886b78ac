"""The matching engine: eligibility, the score, exact optimality (against an independent brute
force and by its dual certificate), the scalable method's loss, incremental reruns."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xiezuo.labour import matching
from xiezuo.labour.matching import Weights, posting_table, worker_table


def worker(**over: object) -> dict[str, object]:
    row: dict[str, object] = dict(
        worker_id="w1",
        county="520102",
        age=30,
        min_wage=3000,
        needs_dorm=False,
        skills=(),
        places=(),
    )
    row.update(over)
    return row


def posting(**over: object) -> dict[str, object]:
    row: dict[str, object] = dict(
        posting_id="p1",
        county="440305",
        wage=4500,
        slots=1,
        age_min=16,
        age_max=60,
        dorm=True,
        skills=(),
    )
    row.update(over)
    return row


def one(w: dict[str, object], p: dict[str, object], pairs=()) -> matching.Result:
    return matching.solve(worker_table([w]), posting_table([p]), pairs, method="exact")


@pytest.mark.parametrize(
    ("w", "p"),
    [
        (worker(age=50), posting(age_max=45)),
        (worker(age=17), posting(age_min=18)),
        (worker(min_wage=5000), posting(wage=4999)),
        (worker(places=("33",)), posting(county="440305")),
        (worker(places=("4403",)), posting(county="440105")),
        (worker(needs_dorm=True), posting(dorm=False)),
        (worker(skills=("K01",)), posting(skills=("K01", "K02"))),
    ],
    ids=["too-old", "too-young", "wage", "province", "prefecture", "dorm", "skill"],
)
def test_an_ineligible_pair_is_never_matched(w, p):
    assert one(w, p).matched == 0


@pytest.mark.parametrize(
    ("w", "p"),
    [
        (worker(age=45), posting(age_max=45)),
        (worker(min_wage=4500), posting(wage=4500)),
        (worker(places=("33", "440000")), posting(county="440305")),
        (worker(places=("440305",)), posting(county="440305")),
        (worker(places=()), posting(county="330102")),
        (worker(needs_dorm=False), posting(dorm=False)),
        (worker(skills=("K01", "K02", "K03")), posting(skills=("K01", "K02"))),
    ],
    ids=["age-edge", "wage-edge", "province-code", "county", "anywhere", "no-dorm", "skills"],
)
def test_an_eligible_pair_is_matched(w, p):
    assert one(w, p).matched == 1


def test_score_parts_follow_the_formula():
    # 100 + 40 paired + min(60, ⌊60 × 1500 / 3000⌋ = 30) + 10 × 2 skills = 190
    r = one(
        worker(min_wage=3000, skills=("K01", "K02", "K09")),
        posting(wage=4500, skills=("K01", "K02")),
        pairs=[("440000", "5201")],
    )
    parts = r.parts(0)
    assert (parts.base, parts.paired, parts.wage, parts.skills) == (100, 40, 30, 20)
    assert r.total == 190
    words = r.explain(0)
    assert "结对 +40" in words and "+30" in words and "2 项技能 +20" in words and "190 分" in words


def test_wage_term_floors_and_caps():
    assert one(worker(min_wage=3000), posting(wage=3049)).total == 100 + 0  # ⌊60·49/3000⌋ = 0
    assert one(worker(min_wage=3000), posting(wage=3050)).total == 101
    assert one(worker(min_wage=3000), posting(wage=9000)).total == 160  # capped at 60
    assert one(worker(min_wage=0), posting(wage=2000)).total == 160


def test_pairing_counts_only_from_west_worker_to_east_posting():
    w = worker(county="520102")
    assert one(w, posting(county="440305"), pairs=[("44", "52")]).parts(0).paired == 40
    assert one(w, posting(county="440305"), pairs=[("52", "44")]).parts(0).paired == 0
    assert one(w, posting(county="330102"), pairs=[("44", "52")]).parts(0).paired == 0


def test_weights_are_settable():
    w, p = worker(min_wage=3000, skills=("K01",)), posting(wage=6000, skills=("K01",))
    r = matching.solve(
        worker_table([w]),
        posting_table([p]),
        [("44", "52")],
        method="exact",
        weights=Weights(base=1, paired=2, wage=3, skill=4),
    )
    assert r.total == 1 + 2 + 3 + 4


# --- exact against an independent brute force --------------------------------------------


def _eligible(w, p) -> bool:
    places = w["places"]
    county = str(p["county"])
    return (
        p["age_min"] <= w["age"] <= p["age_max"]
        and p["wage"] >= w["min_wage"]
        and (
            not places
            or any(county.startswith(x.rstrip("0") if len(x) == 6 else x) for x in places)
        )
        and (p["dorm"] or not w["needs_dorm"])
        and set(p["skills"]) <= set(w["skills"])
    )


def _score(w, p, pairs) -> int:
    paired = any(
        str(w["county"]).startswith(west) and str(p["county"]).startswith(east)
        for east, west in pairs
    )
    low = w["min_wage"]
    return 100 + 40 * paired + min(60, 60 * (p["wage"] - low) // low) + 10 * len(p["skills"])


def _brute(ws, ps, pairs) -> int:
    options = [[None] + [j for j, p in enumerate(ps) if _eligible(w, p)] for w in ws]
    best = 0
    for choice in itertools.product(*options):
        used = [c for c in choice if c is not None]
        if any(used.count(j) > ps[j]["slots"] for j in set(used)):
            continue
        best = max(
            best, sum(_score(ws[i], ps[c], pairs) for i, c in enumerate(choice) if c is not None)
        )
    return best


COUNTIES = ("520102", "520201", "530102", "440305", "440106", "330102")
SKILLS = ("K01", "K02", "K03")


@st.composite
def instances(draw):
    n_w, n_p = draw(st.integers(1, 6)), draw(st.integers(1, 3))
    ws = [
        worker(
            worker_id=f"w{i}",
            county=draw(st.sampled_from(COUNTIES[:3])),
            age=draw(st.integers(16, 60)),
            min_wage=draw(st.integers(20, 60)) * 100,
            needs_dorm=draw(st.booleans()),
            skills=tuple(draw(st.sets(st.sampled_from(SKILLS), max_size=2))),
            places=tuple(
                draw(st.sets(st.sampled_from(("44", "4403", "52", "330102")), max_size=2))
            ),
        )
        for i in range(n_w)
    ]
    ps = [
        posting(
            posting_id=f"p{j}",
            county=draw(st.sampled_from(COUNTIES)),
            wage=draw(st.integers(20, 100)) * 100,
            slots=draw(st.integers(1, 3)),
            age_min=draw(st.integers(16, 30)),
            age_max=draw(st.integers(30, 60)),
            dorm=draw(st.booleans()),
            skills=tuple(draw(st.sets(st.sampled_from(SKILLS), max_size=1))),
        )
        for j in range(n_p)
    ]
    pairs = [("44", "52"), ("330102", "5301")][: draw(st.integers(0, 2))]
    return ws, ps, pairs


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_exact_equals_brute_force_and_proves_it(instance):
    ws, ps, pairs = instance
    r = matching.solve(worker_table(ws), posting_table(ps), pairs, method="exact")
    assert r.total == _brute(ws, ps, pairs)
    assert r.proof is not None and r.proof.holds
    # Every match is eligible and no posting is over its slots.
    for i in range(r.matched):
        assert _eligible(ws[int(r.worker[i])], ps[int(r.posting[i])])
    assert all(np.bincount(r.posting, minlength=len(ps)) <= [p["slots"] for p in ps])


def _random(n_w: int, n_p: int, seed: int):
    rnd = random.Random(seed)
    ws = [
        worker(
            worker_id=f"w{i}",
            county=rnd.choice(COUNTIES[:3]),
            age=rnd.randint(16, 60),
            min_wage=rnd.randint(25, 50) * 100,
            needs_dorm=rnd.random() < 0.5,
            skills=tuple(rnd.sample(SKILLS, rnd.randint(0, 2))),
            places=tuple(rnd.sample(("44", "33", "52", "4403"), rnd.randint(0, 2))),
        )
        for i in range(n_w)
    ]
    ps = [
        posting(
            posting_id=f"p{j}",
            county=rnd.choice(COUNTIES),
            wage=rnd.randint(25, 90) * 100,
            slots=rnd.randint(1, 8),
            age_min=rnd.randint(16, 25),
            age_max=rnd.randint(40, 60),
            dorm=rnd.random() < 0.7,
            skills=tuple(rnd.sample(SKILLS, rnd.randint(0, 1))),
        )
        for j in range(n_p)
    ]
    return worker_table(ws), posting_table(ps), [("44", "52"), ("33", "53")]


def test_a_broken_assignment_fails_the_certificate():
    w, p, pairs = _random(300, 40, 3)
    r = matching.solve(w, p, pairs, method="exact")
    assert r.proof is not None and r.proof.holds and r.proof.primal == r.total
    # The certificate is not a restatement of the solver: a worse flow is not proven.
    prep = matching._Prepared(w, p, pairs, Weights(), np.arange(len(w)), p.slots.copy())
    aw, ap, as_ = matching._exact_arcs(prep)
    lw, flows, users, _, _ = matching._solve_arcs(len(w), prep.slots, aw, ap, as_)
    worse = flows.copy()
    worse[np.flatnonzero(worse == 1)[0]] = 0
    proof = matching._certificate(len(users), prep.slots, lw, ap, as_, worse, None)
    assert proof is None or not proof.holds


def test_scalable_stays_close_to_exact_on_a_mid_instance():
    from xiezuo.labour import generator

    w, p, pairs = generator.generate(5000, 500, seed=7)
    exact = matching.solve(w, p, pairs, method="exact", prove=False)
    fast = matching.solve(w, p, pairs, method="scalable")
    assert fast.total <= exact.total
    assert fast.total >= 0.97 * exact.total
    assert fast.status == "heuristic" and exact.status == "optimal"


def test_auto_picks_exact_when_small():
    w, p, pairs = _random(50, 10, 1)
    assert matching.solve(w, p, pairs).method == "exact"


def test_fixed_matches_keep_their_worker_and_slot():
    w = worker_table([worker(worker_id="a"), worker(worker_id="b")])
    p = posting_table(
        [posting(posting_id="good", wage=9000), posting(posting_id="poor", wage=3000)]
    )
    # a holds "poor" (accepted earlier); the one slot of "poor" is used, b takes "good".
    r = matching.solve(w, p, fixed=[(0, 1)], method="exact")
    got = {
        (w.ids[int(i)], p.ids[int(j)], bool(f))
        for i, j, f in zip(r.worker, r.posting, r.fixed, strict=True)
    }
    assert got == {("a", "poor", True), ("b", "good", False)}


def test_fixed_match_consumes_the_last_slot():
    w = worker_table([worker(worker_id="a"), worker(worker_id="b")])
    p = posting_table([posting(posting_id="only", slots=1)])
    r = matching.solve(w, p, fixed=[(1, 0)], method="exact")
    assert r.matched == 1 and bool(r.fixed[0]) and w.ids[int(r.worker[0])] == "b"


def test_a_tight_time_limit_makes_auto_choose_scalable():
    w, p, pairs = _random(400, 40, 5)
    assert matching.solve(w, p, pairs, time_limit=600).method == "exact"
    fast = matching.solve(w, p, pairs, time_limit=0.001)
    assert fast.method == "scalable" and fast.status == "heuristic"
    assert any("时间所限" in note for note in fast.notes)
    # Still a valid assignment: no posting over its slots, each worker once.
    assert (np.bincount(fast.posting, minlength=len(p)) <= p.slots).all()
    assert len(set(fast.worker.tolist())) == fast.matched
