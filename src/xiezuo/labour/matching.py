"""The labour matching engine (劳务对接): which worker takes which job posting.

Pure data in, pure data out: no Django, no database. The services and the file interface turn
rows into a `WorkerTable` and a `PostingTable` (columns as NumPy arrays, so a national instance
of a million workers fits in memory) and a `Result` back into proposals or a CSV.

Eligible pair (worker w, posting p), every condition needed:
  - p.age_min ≤ w.age ≤ p.age_max;
  - p.wage ≥ w.min_wage;
  - p's county lies under one of w's wished places (2/4/6-digit prefixes; none = anywhere);
  - p offers a dormitory when w needs one;
  - w holds every skill p requires.

Default score (an integer; the weights are settable through `Weights`):
  base 100
  + 40 × [p's county lies under the east side of a pair whose west side holds w's county]
  + min(60, ⌊60 × (wage − min_wage) / min_wage⌋)
  + 10 × (skills w holds that p asks for).
Since an eligible worker holds every required skill, the last term is 10 × (skills p requires);
a worker with no lowest wage (0) gets the full wage term.

Assignment: each worker at most one posting, each posting at most its slots, the total score
maximal (a maximum-weight b-matching; leaving a worker unmatched is allowed and scores 0, so it
is not a maximum flow). As a min-cost flow: worker → posting arcs (capacity 1, cost −score),
posting → sink (capacity = open slots), and worker → sink (capacity 1, cost 0), the "unmatched"
path. Every worker supplies one unit.

  - `exact`: every eligible pair is an arc; OR-Tools' min-cost flow solves it optimally and an
    LP dual certificate is built and checked independently (`Proof`).
  - `scalable`: for each worker, candidates are drawn in buckets where the dormitory, the
    required skills and the lowest wage already hold (half the draws among the paired places,
    half among postings paying twice the lowest wage), weighted by open slots; the best k/2
    eligible and k/2 others at random are kept. The pruned graph is solved by an auction
    (Bertsekas; vectorised rounds, then one bidder at a time for the long tail), within ε per
    matched worker of the pruned graph's optimum (ε = 4 by default: on 300,000 workers ε = 2
    gained 0.04 % for about 30 % more time); one more draw for the workers left unmatched and
    the auction goes on (warm, prices kept) over the union. A global min-cost flow on the
    pruned graph gives the same totals but took 33 s for 200,000 workers (cost scaling grows
    faster than the graph),
    the auction is linear per round. Its loss against `exact` is measured by the tests and
    `benchmarks/labour_match.py`, not assumed.
  - `auto`: exact when the pairs to evaluate stay under `EXACT_PAIR_LIMIT`, else scalable.

Reruns are incremental: `fixed` (accepted or confirmed) matches keep their workers and consume
their postings' slots before anything else is matched.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.graph.python import min_cost_flow

from xiezuo.core.errors import Problem, UserError

EXACT = "exact"
SCALABLE = "scalable"
AUTO = "auto"
METHODS = (EXACT, SCALABLE, AUTO)

# Exact enumerates every (worker, posting) pair under the wished places. Beyond this many pairs
# the arrays and the flow grow past what a 2-core, few-GB machine solves in minutes.
EXACT_PAIR_LIMIT = 60_000_000
# Elements of one evaluation block (workers × candidates): bounds the temporaries to ~100 MB.
_BLOCK = 2_000_000
# The scalable method's draws per worker: among postings that ask for no skill (half of them
# among the paired places), and per skill the worker holds (up to SKILL_DRAWS skills) among
# postings that ask for it.
DRAWS_ANY, DRAWS_PAIRED, DRAWS_SKILL, SKILL_DRAWS = 24, 16, 8, 3
_INT = np.int64


@dataclass(frozen=True)
class Weights:
    base: int = 100
    paired: int = 40
    wage: int = 60  # both the cap and the factor of the wage term
    skill: int = 10


def place_prefix(code: str) -> str:
    """'520000' → '52', '520100' → '5201', '520102' → '520102'; 2- and 4-digit prefixes as
    given. A code of another shape is refused (ValueError with a Chinese message)."""
    code = code.strip()
    if not code.isdigit() or len(code) not in (2, 4, 6):
        raise ValueError(f"“{code}”不是 2、4 或 6 位的行政区划代码或前缀")
    if len(code) == 6:
        if code[2:] == "0000":
            return code[:2]
        if code[4:] == "00":
            return code[:4]
    return code


def _code_range(prefix: str) -> tuple[int, int]:
    """The 6-digit county codes under a prefix, as a half-open integer range."""
    scale = 10 ** (6 - len(prefix))
    return int(prefix) * scale, (int(prefix) + 1) * scale


@dataclass
class WorkerTable:
    """Workers as columns. `skills` and `places` are tuples per worker (repeated tuples should
    be the same object: the engine groups by them)."""

    ids: Sequence[str]
    county: np.ndarray  # int64, 6-digit code
    age: np.ndarray  # int64
    min_wage: np.ndarray  # int64, yuan per month
    needs_dorm: np.ndarray  # bool
    skills: Sequence[tuple[str, ...]]
    places: Sequence[tuple[str, ...]]  # prefixes (place_prefix applied); () = anywhere

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class PostingTable:
    ids: Sequence[str]
    county: np.ndarray  # int64, 6-digit code of the workplace
    wage: np.ndarray  # int64
    slots: np.ndarray  # int64
    age_min: np.ndarray  # int64
    age_max: np.ndarray  # int64
    dorm: np.ndarray  # bool
    skills: Sequence[tuple[str, ...]]

    def __len__(self) -> int:
        return len(self.ids)


def _codes(value: object) -> tuple[str, ...]:
    if not value:
        return ()
    assert isinstance(value, (list, tuple)), value
    return tuple(str(v) for v in value)


def worker_table(rows: Sequence[dict[str, object]]) -> WorkerTable:
    """From dicts with the file's column names (skills and places as sequences of codes)."""
    return WorkerTable(
        ids=[str(r["worker_id"]) for r in rows],
        county=np.array([int(str(r["county"])) for r in rows], dtype=_INT),
        age=np.array([int(str(r["age"])) for r in rows], dtype=_INT),
        min_wage=np.array([int(str(r["min_wage"])) for r in rows], dtype=_INT),
        needs_dorm=np.array([bool(r.get("needs_dorm")) for r in rows], dtype=bool),
        skills=[_codes(r.get("skills")) for r in rows],
        places=[
            tuple(place_prefix(c) for c in (r.get("places") or ()))  # type: ignore[attr-defined]
            for r in rows
        ],
    )


def posting_table(rows: Sequence[dict[str, object]]) -> PostingTable:
    return PostingTable(
        ids=[str(r["posting_id"]) for r in rows],
        county=np.array([int(str(r["county"])) for r in rows], dtype=_INT),
        wage=np.array([int(str(r["wage"])) for r in rows], dtype=_INT),
        slots=np.array([int(str(r["slots"])) for r in rows], dtype=_INT),
        age_min=np.array([int(str(r.get("age_min", 16))) for r in rows], dtype=_INT),
        age_max=np.array([int(str(r.get("age_max", 60))) for r in rows], dtype=_INT),
        dorm=np.array([bool(r.get("dorm")) for r in rows], dtype=bool),
        skills=[_codes(r.get("skills")) for r in rows],
    )


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proof:
    """An LP dual certificate of optimality for the open part of the instance.

    v_p ≥ 0 per posting, u_w = max(0, max over w's eligible pairs of score − v_p) per worker, so
    u_w + v_p ≥ score holds for every eligible pair by construction; weak duality then bounds
    every assignment's total by Σu + Σ slots·v. When that bound equals the total found, the
    assignment is optimal (the b-matching LP on a bipartite graph has integral optima)."""

    primal: int
    dual: int
    pairs_checked: int
    seconds: float

    @property
    def holds(self) -> bool:
        return self.primal == self.dual

    def describe(self) -> str:
        if not self.holds:
            return f"未能证明最优：对偶界 {self.dual} ≠ 总分 {self.primal}"
        return (
            f"最优性证明：对偶解满足 u(工人) + v(岗位) ≥ 分值，对全部 {self.pairs_checked} 个"
            f"可行配对逐一核对成立；Σu + Σ名额×v = {self.dual} = 总分 {self.primal}，"
            "由弱对偶定理，任何分配的总分都不超过该值，故本分配最优"
        )


@dataclass(frozen=True)
class ScoreParts:
    base: int
    paired: int
    wage: int
    skills: int

    @property
    def total(self) -> int:
        return self.base + self.paired + self.wage + self.skills


@dataclass
class Result:
    """Matches as parallel arrays of row indices into the tables given to `solve`."""

    workers: WorkerTable
    postings: PostingTable
    worker: np.ndarray  # row index per match
    posting: np.ndarray
    score: np.ndarray
    fixed: np.ndarray  # bool: kept from `fixed`, not chosen by this run
    method: str
    status: str  # "optimal" (exact, proven) or "heuristic"
    seconds: float
    arcs: int  # (worker, posting) arcs given to the flow
    weights: Weights
    pairs: tuple[tuple[str, str], ...] = ()
    proof: Proof | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def matched(self) -> int:
        return len(self.worker)

    @property
    def total(self) -> int:
        return int(self.score.sum())

    def parts(self, i: int) -> ScoreParts:
        return _parts(
            self.workers, self.postings, int(self.worker[i]), int(self.posting[i]), self.weights,
            _partner_ranges(self.pairs),
        )  # fmt: skip

    def explain(self, i: int) -> str:
        """Why this job for this worker, in words: the score's parts."""
        w, p = int(self.worker[i]), int(self.posting[i])
        parts = self.parts(i)
        wage, low = int(self.postings.wage[p]), int(self.workers.min_wage[w])
        words = [f"基础分 {parts.base}"]
        if parts.paired:
            words.append(f"岗位所在地与工人所在县结对 +{parts.paired}")
        if low > 0:
            words.append(
                f"月工资 {wage} 元，高出最低期望 {low} 元 "
                f"{100 * (wage - low) // low}% +{parts.wage}"
            )
        else:
            words.append(f"月工资 {wage} 元，工人未设最低期望 +{parts.wage}")
        needed = len(set(self.postings.skills[p]))
        if needed:
            words.append(f"具备岗位要求的 {needed} 项技能 +{parts.skills}")
        return "；".join(words) + f"；合计 {parts.total} 分"

    def rows(self) -> Iterator[tuple[str, str, int]]:
        wid, pid = self.workers.ids, self.postings.ids
        for w, p, s in zip(
            self.worker.tolist(), self.posting.tolist(), self.score.tolist(), strict=True
        ):
            yield wid[w], pid[p], s


# --- scoring -------------------------------------------------------------------------------


def _partner_ranges(
    pairs: Sequence[tuple[str, str]],
) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(west range, east range) per pair, in 6-digit code integers."""
    out = []
    for east, west in pairs:
        out.append((_code_range(place_prefix(west)), _code_range(place_prefix(east))))
    return out


def _is_paired(worker_county: int, posting_county: int, ranges: Sequence[Any]) -> bool:
    return any(
        wlo <= worker_county < whi and elo <= posting_county < ehi
        for (wlo, whi), (elo, ehi) in ranges
    )


def eligible(workers: WorkerTable, postings: PostingTable, w: int, p: int) -> bool:
    """The eligibility rules, one pair at a time (the engine applies the same vectorised)."""
    places = workers.places[w]
    county = int(postings.county[p])
    in_place = not places or any(lo <= county < hi for lo, hi in map(_code_range, places))
    return bool(
        postings.age_min[p] <= workers.age[w] <= postings.age_max[p]
        and postings.wage[p] >= workers.min_wage[w]
        and in_place
        and (postings.dorm[p] or not workers.needs_dorm[w])
        and set(postings.skills[p]) <= set(workers.skills[w])
    )


def _parts(
    workers: WorkerTable,
    postings: PostingTable,
    w: int,
    p: int,
    weights: Weights,
    ranges: Sequence[Any],
) -> ScoreParts:
    low, wage = int(workers.min_wage[w]), int(postings.wage[p])
    wage_part = weights.wage if low <= 0 else min(weights.wage, weights.wage * (wage - low) // low)
    held = set(postings.skills[p]) & set(workers.skills[w])
    paired = _is_paired(int(workers.county[w]), int(postings.county[p]), ranges)
    return ScoreParts(
        base=weights.base,
        paired=weights.paired if paired else 0,
        wage=max(0, wage_part),
        skills=weights.skill * len(held),
    )


def score(
    workers: WorkerTable,
    postings: PostingTable,
    w: int,
    p: int,
    pairs: Sequence[tuple[str, str]] = (),
    weights: Weights = Weights(),
) -> int:
    return _parts(workers, postings, w, p, weights, _partner_ranges(pairs)).total


# --- the prepared instance -----------------------------------------------------------------


@dataclass
class _Group:
    """Workers sharing wished places and partner places: they see the same postings."""

    workers: np.ndarray  # row indices
    candidates: np.ndarray  # posting positions (in county order) under the wished places
    paired: np.ndarray  # bool per candidate


class _Prepared:
    def __init__(
        self,
        workers: WorkerTable,
        postings: PostingTable,
        pairs: Sequence[tuple[str, str]],
        weights: Weights,
        open_workers: np.ndarray,
        open_slots: np.ndarray,
    ) -> None:
        self.weights = weights
        order = np.argsort(postings.county, kind="stable")
        self.order = order  # position -> posting row
        self.pc = postings.county[order]
        self.wage = postings.wage[order]
        self.age_min = postings.age_min[order]
        self.age_max = postings.age_max[order]
        self.dorm = postings.dorm[order]
        self.slots = open_slots[order]
        vocab: dict[str, int] = {}
        for skills in postings.skills:
            for s in skills:
                vocab.setdefault(s, len(vocab))
        self.words = max(1, (len(vocab) + 63) // 64)
        req = np.zeros((len(postings), self.words), dtype=np.uint64)
        nreq = np.zeros(len(postings), dtype=_INT)
        for i, skills in enumerate(postings.skills):
            for s in set(skills):
                b = vocab[s]
                req[i, b // 64] |= np.uint64(1) << np.uint64(b % 64)
            nreq[i] = len(set(skills))
        self.req = req[order]
        self.nreq = nreq[order]
        self.held = self._held(workers.skills, vocab)
        self.held_bits = self._held_bits(workers.skills, vocab)
        self.vocab_size = len(vocab)
        self.w_age = workers.age
        self.w_min = workers.min_wage
        self.w_dorm = workers.needs_dorm
        self.groups = self._groups(workers, pairs, open_workers)

    def _held(self, skills: Sequence[tuple[str, ...]], vocab: dict[str, int]) -> np.ndarray:
        held = np.zeros((len(skills), self.words), dtype=np.uint64)
        cache: dict[tuple[str, ...], np.ndarray] = {}
        for i, own in enumerate(skills):
            if not own:
                continue
            mask = cache.get(own)
            if mask is None:
                mask = np.zeros(self.words, dtype=np.uint64)
                for s in own:
                    b = vocab.get(s)
                    if b is not None:  # a skill no posting asks for changes nothing
                        mask[b // 64] |= np.uint64(1) << np.uint64(b % 64)
                cache[own] = mask
            held[i] = mask
        return held

    def _held_bits(self, skills: Sequence[tuple[str, ...]], vocab: dict[str, int]) -> np.ndarray:
        """Up to SKILL_DRAWS of each worker's skills that some posting asks for (−1: none)."""
        bits = np.full((len(skills), SKILL_DRAWS), -1, dtype=_INT)
        cache: dict[tuple[str, ...], list[int]] = {}
        for i, own in enumerate(skills):
            if not own:
                continue
            known = cache.get(own)
            if known is None:
                known = cache[own] = sorted({vocab[s] for s in own if s in vocab})[:SKILL_DRAWS]
            bits[i, : len(known)] = known
        return bits

    def requires(self, pos: np.ndarray, bit: int) -> np.ndarray:
        out: np.ndarray = (self.req[pos, bit // 64] >> np.uint64(bit % 64)) & np.uint64(1) == 1
        return out

    def _positions(self, ranges: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
        spans = sorted(
            (int(np.searchsorted(self.pc, lo)), int(np.searchsorted(self.pc, hi)))
            for lo, hi in ranges
        )
        merged: list[tuple[int, int]] = []
        for lo, hi in spans:
            if hi <= lo:
                continue
            if merged and lo <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
            else:
                merged.append((lo, hi))
        return merged

    def _groups(
        self, workers: WorkerTable, pairs: Sequence[tuple[str, str]], open_workers: np.ndarray
    ) -> list[_Group]:
        ranges = _partner_ranges(pairs)
        partners_of: dict[int, tuple[tuple[int, int], ...]] = {}
        keys: dict[tuple[int, tuple[tuple[int, int], ...]], int] = {}
        members: list[list[int]] = []
        place_ids: dict[tuple[str, ...], int] = {}
        for w in open_workers.tolist():
            county = int(workers.county[w])
            partners = partners_of.get(county)
            if partners is None:
                partners = tuple(sorted({e for (wr, e) in ranges if wr[0] <= county < wr[1]}))
                partners_of[county] = partners
            places = workers.places[w]
            pid = place_ids.setdefault(places, len(place_ids))
            key = (pid, partners)
            g = keys.get(key)
            if g is None:
                g = keys[key] = len(members)
                members.append([])
            members[g].append(w)
        places_by_id = {v: k for k, v in place_ids.items()}
        groups = []
        n = len(self.pc)
        for (pid, partners), g in keys.items():
            places = places_by_id[pid]
            spans = [(0, n)] if not places else self._positions([_code_range(p) for p in places])
            if not spans:
                continue
            cand = np.concatenate([np.arange(lo, hi) for lo, hi in spans])
            paired = np.zeros(len(cand), dtype=bool)
            for lo, hi in self._positions(list(partners)):
                paired[np.searchsorted(cand, lo) : np.searchsorted(cand, hi)] = True
            groups.append(
                _Group(np.array(members[g], dtype=_INT), cand.astype(_INT), paired)
            )  # fmt: skip
        return groups

    def pair_count(self) -> int:
        return sum(len(g.workers) * len(g.candidates) for g in self.groups)

    def evaluate(
        self, w: np.ndarray, pos: np.ndarray, paired: np.ndarray, slots: np.ndarray | None = None
    ) -> np.ndarray:
        """Scores of (w[:, None], pos) — pos shaped (len(w), c) or (c,) — with −1 where the
        pair is not eligible."""
        wt = self.weights
        if pos.ndim == 1:
            pos = pos[None, :]
            paired = paired[None, :]
        age = self.w_age[w][:, None]
        low = self.w_min[w][:, None]
        wage = self.wage[pos]
        ok = (self.age_min[pos] <= age) & (age <= self.age_max[pos]) & (wage >= low)
        ok &= self.dorm[pos] | ~self.w_dorm[w][:, None]
        ok &= (self.slots if slots is None else slots)[pos] > 0
        for j in range(self.words):
            missing = self.req[pos, j] & ~self.held[w, j][:, None]
            ok &= missing == 0
        safe = np.maximum(low, 1)
        wage_part = np.where(
            low > 0, np.minimum(wt.wage, (wt.wage * (wage - low)) // safe), wt.wage
        )
        s = wt.base + wt.paired * paired + np.maximum(wage_part, 0) + wt.skill * self.nreq[pos]
        return np.where(ok, s, -1)


# --- flow ----------------------------------------------------------------------------------


def _flow(
    n_workers: int, slots: np.ndarray, arc_w: np.ndarray, arc_p: np.ndarray, arc_s: np.ndarray
) -> tuple[np.ndarray, min_cost_flow.SimpleMinCostFlow]:
    """Max-weight b-matching on the given arcs (local worker and posting indices). Returns the
    flow per arc (0/1) and the solver."""
    n_post = len(slots)
    sink = n_workers + n_post
    mcf = min_cost_flow.SimpleMinCostFlow()
    if len(arc_w):
        mcf.add_arcs_with_capacity_and_unit_cost(
            arc_w.astype(np.int32),
            (arc_p + n_workers).astype(np.int32),
            np.ones(len(arc_w), dtype=_INT),
            -arc_s.astype(_INT),
        )
    mcf.add_arcs_with_capacity_and_unit_cost(
        np.arange(n_workers, sink, dtype=np.int32),
        np.full(n_post, sink, dtype=np.int32),
        slots.astype(_INT),
        np.zeros(n_post, dtype=_INT),
    )
    mcf.add_arcs_with_capacity_and_unit_cost(  # the unmatched path
        np.arange(n_workers, dtype=np.int32),
        np.full(n_workers, sink, dtype=np.int32),
        np.ones(n_workers, dtype=_INT),
        np.zeros(n_workers, dtype=_INT),
    )
    supplies = np.zeros(sink + 1, dtype=_INT)
    supplies[:n_workers] = 1
    supplies[sink] = -n_workers
    mcf.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)
    status = mcf.solve()
    if status != mcf.OPTIMAL:
        raise UserError(f"匹配求解失败（{status}）")
    flows = mcf.flows(np.arange(len(arc_w), dtype=np.int32)) if len(arc_w) else np.zeros(0, _INT)
    return flows, mcf


def _certificate(
    n_workers: int, slots: np.ndarray, arc_w: np.ndarray, arc_p: np.ndarray, arc_s: np.ndarray,
    flows: np.ndarray, time_limit: float | None,
) -> Proof | None:  # fmt: skip
    """Posting prices from shortest paths in the residual graph (Bellman–Ford, vectorised),
    then the dual check of `Proof`, done in integers on every eligible pair."""
    started = time.perf_counter()
    n_post = len(slots)
    sink = n_workers + n_post
    load = np.bincount(arc_p[flows == 1], minlength=n_post)
    matched_w = np.zeros(n_workers, dtype=bool)
    matched_w[arc_w[flows == 1]] = True
    on = flows == 1
    src = [np.where(on, arc_p + n_workers, arc_w)]
    dst = [np.where(on, arc_w, arc_p + n_workers)]
    cost = [np.where(on, arc_s, -arc_s)]
    p_nodes = np.arange(n_post) + n_workers
    free = load < slots
    used = load > 0
    src += [p_nodes[free], np.full(int(used.sum()), sink)]
    dst += [np.full(int(free.sum()), sink), p_nodes[used]]
    cost += [np.zeros(int(free.sum()), _INT), np.zeros(int(used.sum()), _INT)]
    w_nodes = np.arange(n_workers)
    # A matched worker's unmatched arc is empty (forward w → sink); an unmatched worker's is
    # full (backward sink → w).
    src += [w_nodes[matched_w], np.full(int((~matched_w).sum()), sink)]
    dst += [np.full(int(matched_w.sum()), sink), w_nodes[~matched_w]]
    cost += [np.zeros(int(matched_w.sum()), _INT), np.zeros(int((~matched_w).sum()), _INT)]
    s_all = np.concatenate(src).astype(_INT)
    d_all = np.concatenate(dst).astype(_INT)
    c_all = np.concatenate(cost).astype(_INT)
    by_dst = np.argsort(d_all, kind="stable")
    s_all, d_all, c_all = s_all[by_dst], d_all[by_dst], c_all[by_dst]
    heads, starts = np.unique(d_all, return_index=True)
    dist = np.zeros(sink + 1, dtype=_INT)
    for _ in range(sink + 2):
        best = np.minimum.reduceat(dist[s_all] + c_all, starts) if len(starts) else heads
        new = dist.copy()
        new[heads] = np.minimum(dist[heads], best)
        if np.array_equal(new, dist):
            break
        dist = new
        if time_limit is not None and time.perf_counter() - started > time_limit:
            return None
    else:
        return None  # a negative cycle: not optimal (never for a solver's optimal flow)
    v = np.maximum(dist[sink] - dist[n_workers:sink], 0)
    gain = arc_s - v[arc_p]
    u = np.zeros(n_workers, dtype=_INT)
    np.maximum.at(u, arc_w, gain)
    dual = int(u.sum() + (slots * v).sum())
    primal = int(arc_s[flows == 1].sum())
    return Proof(primal, dual, len(arc_w), time.perf_counter() - started)


# --- the engine ----------------------------------------------------------------------------


def _exact_arcs(prep: _Prepared) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ws, ps, ss = [], [], []
    for g in prep.groups:
        step = max(1, _BLOCK // max(1, len(g.candidates)))
        for start in range(0, len(g.workers), step):
            w = g.workers[start : start + step]
            s = prep.evaluate(w, g.candidates, g.paired)
            rows, cols = np.nonzero(s >= 0)
            ws.append(w[rows])
            ps.append(g.candidates[cols])
            ss.append(s[rows, cols])
    if not ws:
        return np.empty(0, _INT), np.empty(0, _INT), np.empty(0, _INT)
    return np.concatenate(ws), np.concatenate(ps), np.concatenate(ss).astype(_INT)


class _Bucket:
    """Candidate postings sorted by wage, with cumulative open slots: a worker draws among
    those paying at least his or her lowest wage, with probability ∝ open slots."""

    def __init__(self, pos: np.ndarray, wage: np.ndarray, slots: np.ndarray) -> None:
        order = np.argsort(wage[pos], kind="stable")
        self.pos = pos[order]
        self.wage = wage[self.pos]
        self.cum = np.concatenate([[0], np.cumsum(slots[self.pos])])

    def draw(self, rng: np.random.Generator, low: np.ndarray, n: int) -> np.ndarray:
        """(len(low), n) posting positions; −1 where nothing pays enough."""
        if not len(self.pos):
            return np.full((len(low), n), -1, dtype=_INT)
        first = np.searchsorted(self.wage, low, side="left")
        lo = self.cum[first].astype(np.float64)
        span = float(self.cum[-1]) - lo
        u = lo[:, None] + rng.random((len(low), n)) * span[:, None]
        idx = np.searchsorted(self.cum, u, side="right") - 1
        idx = idx.clip(0, len(self.pos) - 1)
        out = self.pos[idx]
        out[span <= 0] = -1
        return out

    def draw_high(self, rng: np.random.Generator, low: np.ndarray, n: int) -> np.ndarray:
        """Half the draws among postings paying twice the lowest wage or more, where the wage
        term is full; the other half (and any the high end cannot fill) from the lowest up."""
        half = n // 2
        out = self.draw(rng, low, n)
        high = self.draw(rng, 2 * low, half)
        out[:, :half] = np.where(high >= 0, high, out[:, :half])
        return out


def _top_k(
    w: np.ndarray, pos: np.ndarray, s: np.ndarray, k: int, rng: np.random.Generator
) -> tuple[np.ndarray, ...]:
    """Per row, the k//2 best distinct eligible candidates by score and k − k//2 others at
    random among the eligible rest. The random half matters: workers with similar wishes rank
    the same postings first, and a graph of only first choices leaves the flow too few ways
    around a full posting (on the 20,000 × 2,000 benchmark instance, the 8 best lose 7.5 % against
    exact, 4 best + 4 random 4 %, 8 best + 8 random 1.4 %)."""
    order = np.argsort(pos, axis=1, kind="stable")
    pos = np.take_along_axis(pos, order, axis=1)
    s = np.take_along_axis(s, order, axis=1)
    s[:, 1:][pos[:, 1:] == pos[:, :-1]] = -1  # a posting drawn twice counts once
    if s.shape[1] > k:
        best_n = k // 2
        best = np.argpartition(-s, best_n - 1, axis=1)[:, :best_n] if best_n else None
        key = np.where(s >= 0, rng.random(s.shape), -1.0)
        if best is not None:
            np.put_along_axis(key, best, 2.0, axis=1)  # the best stay chosen
        keep = np.argpartition(-key, k - 1, axis=1)[:, :k]
        pos = np.take_along_axis(pos, keep, axis=1)
        s = np.take_along_axis(s, keep, axis=1)
    rows, cols = np.nonzero(s >= 0)
    return w[rows], pos[rows, cols], s[rows, cols]


def _scalable_arcs(
    prep: _Prepared, groups: Sequence[_Group], k: int, rng: np.random.Generator,
    slots: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Per group of workers and dormitory need, draws in buckets where the dormitory, the
    required skills and the lowest wage already hold (only age is checked after drawing), then
    the k best distinct eligible candidates per worker."""
    ws, ps, ss = [], [], []
    width = DRAWS_ANY + DRAWS_PAIRED + SKILL_DRAWS * DRAWS_SKILL
    for g in groups:
        live = slots[g.candidates] > 0
        cand, paired = g.candidates[live], g.paired[live]
        if not len(cand):
            continue
        no_skill = prep.nreq[cand] == 0
        in_pair = np.zeros(prep.pc.shape, dtype=bool)
        in_pair[cand[paired]] = True
        for needs in (False, True):
            members = g.workers[prep.w_dorm[g.workers] == needs]
            if not len(members):
                continue
            room = prep.dorm[cand] if needs else np.ones(len(cand), dtype=bool)
            plain = _Bucket(cand[room & no_skill], prep.wage, slots)
            near = _Bucket(cand[room & no_skill & paired], prep.wage, slots)
            by_skill: dict[int, _Bucket] = {}
            step = max(1, _BLOCK // width)
            for start in range(0, len(members), step):
                w = members[start : start + step]
                low = prep.w_min[w]
                pos = np.full((len(w), width), -1, dtype=_INT)
                pos[:, :DRAWS_ANY] = plain.draw_high(rng, low, DRAWS_ANY)
                pos[:, DRAWS_ANY : DRAWS_ANY + DRAWS_PAIRED] = near.draw_high(
                    rng, low, DRAWS_PAIRED
                )
                bits = prep.held_bits[w]
                for j in range(SKILL_DRAWS):
                    col = DRAWS_ANY + DRAWS_PAIRED + j * DRAWS_SKILL
                    for bit in np.unique(bits[:, j]).tolist():
                        if bit < 0:
                            continue
                        bucket = by_skill.get(bit)
                        if bucket is None:
                            asks = room & prep.requires(cand, bit)
                            bucket = by_skill[bit] = _Bucket(cand[asks], prep.wage, slots)
                        rows = np.flatnonzero(bits[:, j] == bit)
                        pos[rows, col : col + DRAWS_SKILL] = bucket.draw_high(
                            rng, low[rows], DRAWS_SKILL
                        )
                valid = pos >= 0
                safe = np.where(valid, pos, 0)
                s = prep.evaluate(w, safe, in_pair[safe], slots)
                s[~valid] = -1
                a, b, c = _top_k(w, safe, s, k, rng)
                ws.append(a)
                ps.append(b)
                ss.append(c)
    if not ws:
        return np.empty(0, _INT), np.empty(0, _INT), np.empty(0, _INT)
    return np.concatenate(ws), np.concatenate(ps), np.concatenate(ss).astype(_INT)


def _auction(
    n_rows: int,
    slots: np.ndarray,
    aw: np.ndarray,
    ap: np.ndarray,
    as_: np.ndarray,
    epsilon: int,
    deadline: float | None,
    warm: _AuctionState | None = None,
) -> tuple[np.ndarray, _AuctionState]:
    """Max-weight b-matching on the given arcs by a Jacobi auction (Bertsekas), vectorised.

    Each posting's slots are alike, so a posting has one price for a newcomer: 0 while it has
    a free slot, else the lowest bid it holds. In a round every unassigned worker bids for the
    posting of best value (score − price) its best value minus its second best (0 = staying
    unmatched) plus ε; each posting keeps its highest bids up to its slots and lets the rest
    go. A worker whose best value is no longer positive stays unmatched. Prices only rise, so
    it ends; the result is within ε per matched worker of the optimum on these arcs (ε-
    complementary slackness). Linear work per round, unlike a global flow. Returns 0/1 per arc
    and the state, from which `warm` goes on: arcs added since (after the old ones, for
    workers without a slot only) leave every slot holder ε-happy, so only the others bid.
    """
    order = np.argsort(aw, kind="stable")  # arcs worker by worker (CSR), read contiguously
    users, first = np.unique(aw[order], return_index=True)
    indptr = np.append(first, len(order)).astype(_INT)
    ap, as_ = ap[order], as_[order]
    n_users = len(users)
    n_post = len(slots)
    # The slots as one flat table, posting by posting: who holds each and for what bid.
    slot_start = np.concatenate([[0], np.cumsum(slots)]).astype(_INT)
    slot_user = np.full(int(slot_start[-1]), -1, dtype=_INT)
    slot_bid = np.full(int(slot_start[-1]), -1, dtype=_INT)  # −1: a free slot (sorts last)
    slot_arc = np.full(int(slot_start[-1]), -1, dtype=_INT)
    # Sorted over the whole table: posting first, then bid descending (free slots last).
    key_base = int(as_.max(initial=0)) + epsilon + 2
    slot_post = np.repeat(np.arange(n_post, dtype=_INT), slots)
    slot_key = slot_post * key_base - slot_bid
    price = np.zeros(n_post, dtype=_INT)
    big = np.iinfo(_INT).max // 4
    bidders = np.arange(n_users, dtype=_INT)
    if warm is not None:
        held = warm.user >= 0
        position = np.empty(len(order), dtype=_INT)
        position[order] = np.arange(len(order))
        slot_user[held] = np.searchsorted(users, warm.user[held])
        slot_arc[held] = position[warm.arc[held]]
        slot_bid[:] = warm.bid
        slot_key = slot_post * key_base - slot_bid
        price = warm.price.copy()
        holding = np.zeros(n_users, dtype=bool)
        holding[slot_user[held]] = True
        bidders = np.flatnonzero(~holding).astype(_INT)
    while len(bidders):
        if deadline is not None and time.perf_counter() > deadline:
            break
        if len(bidders) <= _TAIL:
            # The end of an auction is long chains of one eviction after another: one by
            # one (Gauss–Seidel) they cost microseconds each instead of a vectorised round.
            _auction_tail(
                bidders.tolist(), indptr, ap, as_, slots, slot_start, slot_user,
                slot_bid, slot_arc, price, epsilon, deadline, slot_key, key_base,
            )  # fmt: skip
            break
        starts = indptr[bidders]
        lens = indptr[bidders + 1] - starts
        offsets = np.concatenate([[0], np.cumsum(lens)[:-1]])
        idx = np.repeat(starts - offsets, lens) + np.arange(int(lens.sum()))
        val = as_[idx] - price[ap[idx]]
        best = np.maximum.reduceat(val, offsets)
        at = np.where(val == np.repeat(best, lens), np.arange(len(val)), big)
        pick = np.minimum.reduceat(at, offsets)
        val[pick] = -big
        second = np.maximum(np.maximum.reduceat(val, offsets), 0)
        bids_on = best > 0  # the others are better off unmatched: they stop bidding
        bidders, pick, second = bidders[bids_on], pick[bids_on], second[bids_on]
        if not len(bidders):
            break
        arc = idx[pick]
        bp = ap[arc]
        bids = as_[arc] - second + epsilon
        # Each posting's slots are sorted by bid, highest first (free slots last, bid −1), so
        # one sorted key runs through the whole table: only the part of a posting's slots at
        # or below its highest new bid can change. That part, not the whole posting, competes
        # with the new bids (a bid is near the price, so it is usually a few slots).
        posts, inv = np.unique(bp, return_inverse=True)
        at = np.searchsorted(slot_key, bp * key_base - bids, side="right")
        lo = np.full(len(posts), big, dtype=_INT)
        np.minimum.at(lo, inv, at)
        end = slot_start[posts] + slots[posts]
        length = end - lo
        s_idx = np.repeat(lo - np.concatenate([[0], np.cumsum(length)[:-1]]), length)
        s_idx = s_idx + np.arange(int(length.sum()))
        cu = np.concatenate([slot_user[s_idx], bidders])
        cp = np.concatenate([np.repeat(posts, length), bp])
        cb = np.concatenate([slot_bid[s_idx], bids])
        ca = np.concatenate([slot_arc[s_idx], arc])
        srt = np.lexsort((-cb, cp))  # stable: a holder keeps its slot against an equal bid
        cu, cp, cb, ca = cu[srt], cp[srt], cb[srt], ca[srt]
        _, gstart, counts = np.unique(cp, return_index=True, return_counts=True)
        rank = np.arange(len(cp)) - np.repeat(gstart, counts)
        won = rank < np.repeat(length, counts)
        target = np.repeat(lo, counts)[won] + rank[won]
        slot_user[target] = cu[won]
        slot_bid[target] = cb[won]
        slot_arc[target] = ca[won]
        slot_key[target] = cp[won] * key_base - cb[won]
        lowest = slot_start[posts] + slots[posts] - 1
        price[posts] = np.where(slot_user[lowest] >= 0, slot_bid[lowest], 0)
        lost = cu[~won]
        bidders = lost[lost >= 0]
    flows = np.zeros(len(aw), dtype=_INT)
    held = slot_user >= 0
    flows[order[slot_arc[held]]] = 1  # slot_arc counts in CSR order
    rows = np.full(len(slot_user), -1, dtype=_INT)
    rows[held] = users[slot_user[held]]
    arcs = np.full(len(slot_user), -1, dtype=_INT)
    arcs[held] = order[slot_arc[held]]
    return flows, _AuctionState(user=rows, arc=arcs, bid=slot_bid, price=price)


@dataclass
class _AuctionState:
    user: np.ndarray  # worker row per slot, −1 free
    arc: np.ndarray  # arc index per slot
    bid: np.ndarray
    price: np.ndarray


_TAIL = 256


def _auction_tail(
    queue: list[int], indptr: np.ndarray, ap: np.ndarray, as_: np.ndarray,
    slots: np.ndarray, slot_start: np.ndarray, slot_user: np.ndarray, slot_bid: np.ndarray,
    slot_arc: np.ndarray, price: np.ndarray, epsilon: int, deadline: float | None,
    slot_key: np.ndarray, key_base: int,
) -> None:  # fmt: skip
    """The same auction, one bidder at a time; each posting's slots stay sorted by bid."""
    steps = 0
    while queue:
        steps += 1
        if deadline is not None and steps % 1024 == 0 and time.perf_counter() > deadline:
            return
        u = queue.pop()
        lo_a, hi_a = int(indptr[u]), int(indptr[u + 1])
        val = as_[lo_a:hi_a] - price[ap[lo_a:hi_a]]
        j = int(np.argmax(val))
        best = int(val[j])
        if best <= 0:
            continue
        val[j] = -(1 << 40)
        second = max(0, int(val.max())) if len(val) > 1 else 0
        arc = lo_a + j
        q = int(ap[arc])
        bid = int(as_[arc]) - second + epsilon
        lo, n = int(slot_start[q]), int(slots[q])
        hi = lo + n
        pos = lo + int(np.searchsorted(-slot_bid[lo:hi], -bid, side="right"))
        evicted = int(slot_user[hi - 1])
        slot_user[pos + 1 : hi] = slot_user[pos : hi - 1].copy()
        slot_bid[pos + 1 : hi] = slot_bid[pos : hi - 1].copy()
        slot_arc[pos + 1 : hi] = slot_arc[pos : hi - 1].copy()
        slot_user[pos], slot_bid[pos], slot_arc[pos] = u, bid, arc
        slot_key[pos:hi] = q * key_base - slot_bid[pos:hi]
        price[q] = slot_bid[hi - 1] if slot_user[hi - 1] >= 0 else 0
        if evicted >= 0:
            queue.append(evicted)


def _merge(
    aw: np.ndarray, ap: np.ndarray, as_: np.ndarray, flows: np.ndarray,
    bw: np.ndarray, bp: np.ndarray, bs: np.ndarray, n_post: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """The new arcs after the old ones (which keep their indices), repeats of old arcs left out."""
    _, first = np.unique(bw * n_post + bp, return_index=True)
    bw, bp, bs = bw[first], bp[first], bs[first]
    new = ~np.isin(bw * n_post + bp, aw * n_post + ap)
    f = np.concatenate([flows, np.zeros(int(new.sum()), dtype=_INT)])
    return (
        np.concatenate([aw, bw[new]]), np.concatenate([ap, bp[new]]),
        np.concatenate([as_, bs[new]]), f,
    )  # fmt: skip


def _solve_arcs(
    n_rows: int, slots: np.ndarray, arc_w: np.ndarray, arc_p: np.ndarray, arc_s: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, min_cost_flow.SimpleMinCostFlow]:
    """Flow over the workers that have arcs (renumbered); returns the chosen arcs and the
    flows and local numbering used (for the certificate)."""
    local_of = np.full(n_rows, -1, dtype=_INT)
    users = np.unique(arc_w)
    local_of[users] = np.arange(len(users))
    lw = local_of[arc_w]
    flows, mcf = _flow(len(users), slots, lw, arc_p, arc_s)
    return lw, flows, users, local_of, mcf


def solve(
    workers: WorkerTable,
    postings: PostingTable,
    pairs: Sequence[tuple[str, str]] = (),
    *,
    method: str = AUTO,
    weights: Weights = Weights(),
    fixed: Sequence[tuple[int, int]] = (),
    time_limit: float | None = None,
    k: int = 16,
    rounds: int = 1,
    epsilon: int = 4,
    seed: int = 0,
    prove: bool = True,
) -> Result:
    """Match open workers to open slots. `fixed` are (worker row, posting row) pairs kept as
    they are (accepted or confirmed): their workers are taken and their slots consumed first.

    `time_limit` bounds what can be bounded: under `auto` it rules out exact when the pairs to
    evaluate would not fit, it stops the scalable method's augment rounds and skips the proof
    when it would run past. The flow itself is not interruptible (it is never the slow part).
    """
    if method not in METHODS:
        raise UserError(f"未知的匹配方法“{method}”，可选 exact、scalable、auto")
    started = time.perf_counter()
    problems = _input_problems(workers, postings)
    if problems:
        raise UserError(f"匹配输入有 {len(problems)} 处问题", problems)
    open_slots = postings.slots.astype(_INT).copy()
    taken = np.zeros(len(workers), dtype=bool)
    fw = np.array([w for w, _ in fixed], dtype=_INT)
    fp = np.array([p for _, p in fixed], dtype=_INT)
    if len(fw):
        if len(np.unique(fw)) != len(fw):
            raise UserError("已确认的匹配中有同一工人出现两次")
        taken[fw] = True
        np.subtract.at(open_slots, fp, 1)
        np.maximum(open_slots, 0, out=open_slots)
    prep = _Prepared(workers, postings, pairs, weights, np.flatnonzero(~taken), open_slots)
    chosen = method
    if method == AUTO:
        budget_ok = time_limit is None or prep.pair_count() / 3_000_000 < time_limit
        chosen = EXACT if prep.pair_count() <= EXACT_PAIR_LIMIT and budget_ok else SCALABLE
    notes: list[str] = []
    proof = None
    if chosen == EXACT:
        aw, ap, as_ = _exact_arcs(prep)
        lw, flows, users, _, _ = _solve_arcs(len(workers), prep.slots, aw, ap, as_)
        if prove:
            left = None if time_limit is None else time_limit - (time.perf_counter() - started)
            proof = _certificate(len(users), prep.slots, lw, ap, as_, flows, left)
            if proof is None:
                notes.append("时间不足，未完成最优性证明")
        arcs = len(aw)
        sel = flows == 1
        mw, mp, ms = aw[sel], ap[sel], as_[sel]
        status = "optimal"
    else:
        rng = np.random.default_rng(seed)
        aw, ap, as_ = _scalable_arcs(prep, prep.groups, k, rng, prep.slots)
        arcs = len(aw)
        deadline = None if time_limit is None else started + 0.9 * time_limit
        flows, state = _auction(len(workers), prep.slots, aw, ap, as_, epsilon, deadline)
        # Rounds: the workers still unmatched draw again among every open posting and the
        # auction goes on over the union of arcs (a full posting is not out of reach: its
        # price says what it takes).
        for _round in range(rounds):
            if time_limit is not None and time.perf_counter() - started > 0.6 * time_limit:
                notes.append("时间所限，提前结束补充抽样")
                break
            done = np.zeros(len(workers), dtype=bool)
            done[aw[flows == 1]] = True
            rest = [
                _Group(g.workers[~done[g.workers]], g.candidates, g.paired) for g in prep.groups
            ]
            rest = [g for g in rest if len(g.workers)]
            if not rest:
                break
            bw, bp, bs = _scalable_arcs(prep, rest, k, rng, prep.slots)
            if not len(bw):
                break
            arcs += len(bw)
            aw, ap, as_, flows = _merge(aw, ap, as_, flows, bw, bp, bs, len(prep.slots))
            flows, state = _auction(
                len(workers), prep.slots, aw, ap, as_, epsilon, deadline, warm=state
            )
        if deadline is not None and time.perf_counter() > deadline:
            notes.append("时间所限，拍卖在收敛前停止：部分工人可能未匹配")
        sel = flows == 1
        mw, mp, ms = aw[sel], ap[sel], as_[sel]
        status = "heuristic"
    # Back to posting rows; fixed matches first, scored as they stand today.
    mp_rows = prep.order[mp]
    ranges = _partner_ranges(pairs)
    fs = np.array(
        [_parts(workers, postings, int(w), int(p), weights, ranges).total for w, p in fixed],
        dtype=_INT,
    )
    order = np.argsort(np.concatenate([fw, mw]), kind="stable")
    return Result(
        workers=workers,
        postings=postings,
        worker=np.concatenate([fw, mw])[order],
        posting=np.concatenate([fp, mp_rows])[order],
        score=np.concatenate([fs, ms])[order],
        fixed=np.concatenate([np.ones(len(fw), bool), np.zeros(len(mw), bool)])[order],
        method=chosen,
        status=status,
        seconds=time.perf_counter() - started,
        arcs=int(arcs),
        weights=weights,
        pairs=tuple(pairs),
        proof=proof,
        notes=notes,
    )


def _input_problems(workers: WorkerTable, postings: PostingTable) -> list[Problem]:
    """What would make the model meaningless; the file reader names lines, this names ids."""
    problems: list[Problem] = []

    def first(mask: np.ndarray, ids: Sequence[str], message: str, where: str) -> None:
        bad = np.flatnonzero(mask)
        if len(bad):
            shown = "、".join(ids[i] for i in bad[:10])
            more = f" 等 {len(bad)} 个" if len(bad) > 10 else ""
            problems.append(Problem(f"{message}：{shown}{more}", where))

    first(postings.slots < 0, postings.ids, "岗位名额不能为负", "postings.slots")
    first(postings.age_min > postings.age_max, postings.ids, "年龄下限大于上限", "postings.age")
    first(workers.min_wage < 0, workers.ids, "最低期望工资不能为负", "workers.min_wage")
    for label, ids in (("工人", workers.ids), ("岗位", postings.ids)):
        if len(set(ids)) != len(ids):
            problems.append(Problem(f"{label}编号有重复", label))
    return problems
