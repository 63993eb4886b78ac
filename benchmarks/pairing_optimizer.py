"""The pairing optimizer on the national instance: the western poverty counties inside the 2016
East–West pairs, the eastern county-level units under the pairs' east sides.

Capacities come from xiezuo.pairing.fiscal (real prefecture revenue where the unit is itself in
the panel, an even split of its prefecture's revenue otherwise). Needs are generated from a seed:
registered poor people per county, log-normal around 30,000, ×1.5 in the deep-poverty areas
(三区三州). Prints figures, never fails on them: per run the components proven, and the proof of
the largest load (the deciding component's: CP-SAT's bound, else HiGHS's); after the first run,
HiGHS alone on that run's pairing (`certify`), to time the MILP certifier on it.

    .venv/bin/python benchmarks/pairing_optimizer.py [--data ../shared/data] [--seed 2016]
"""

from __future__ import annotations

import argparse
import csv
import random
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from xiezuo.pairing import fiscal
from xiezuo.pairing.optimizer import (
    Instance,
    LoadStats,
    Proof,
    Solution,
    Unit,
    _options,
    allowed_arcs,
    certify,
    evaluate,
    solve,
    tightest_max_per_east,
)

REPO_DIR = Path(__file__).resolve().parent.parent
DEEP_POVERTY_PREFIXES = (
    "54",  # 西藏
    "6532", "6531", "6529", "6530",  # 南疆: 和田 喀什 阿克苏 克孜勒苏
    "5134", "5333", "6229", "5133", "5132", "6230", "5334",  # 凉山 怒江 临夏 甘孜 阿坝 甘南 迪庆
    "6322", "6323", "6325", "6326", "6327", "6328",  # 青海藏区
)  # fmt: skip


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def build(data: Path, seed: int, max_per_east: int, year: int) -> tuple[Instance, list[str]]:
    pairs = [
        (row["east_code"], row["west_code"])
        for row in read_csv(data / "pairings" / "east_west_pairs_2016.csv")
    ]
    areas = read_csv(data / "divisions" / "areas.csv")
    name_of = {row["code"]: row["name"] for row in areas}

    def prefix(code: str) -> str:
        return code[:2] if code[2:] == "0000" else code[:4] if code[4:] == "00" else code

    east_codes = sorted(
        row["code"] for row in areas if any(row["code"].startswith(prefix(e)) for e, _ in pairs)
    )
    west_rows = {
        row["county_code"]: row["county_name_2023"]
        for row in read_csv(data / "poverty" / "poverty_counties_832.csv")
        if any(row["county_code"].startswith(prefix(w)) for _, w in pairs)
    }
    table = fiscal.capacities(
        east_codes, fiscal.county_units_by_panel_unit(name_of), year
    )  # every county-level unit counts in a prefecture's split, not only those in the instance
    rng = random.Random(seed)
    west = []
    for code in sorted(west_rows):
        people = rng.lognormvariate(0, 0.5) * 30_000
        weight = 1.5 if code.startswith(DEEP_POVERTY_PREFIXES) else 1.0
        west.append(Unit(code, west_rows[code], round(people) * weight))
    east = [
        Unit(code, name_of[code], table.by_code[code].value)
        for code in east_codes
        if code in table.by_code
    ]
    missing = [f"{code} {name_of[code]}: {why}" for code, why in table.missing.items()]
    allowed = allowed_arcs([u.code for u in east], [u.code for u in west], pairs)
    instance = Instance(tuple(east), tuple(west), allowed, max_per_east)
    return instance, missing


def round_robin(instance: Instance) -> dict[str, list[str]]:
    """The naive baseline: inside each group of counties with the same allowed partners, deal
    the counties out in turn, skipping full partners; capacity and need are ignored."""
    options = _options(instance)
    turn: dict[tuple[str, ...], int] = {}
    taken: dict[str, int] = {}
    assignment: dict[str, list[str]] = {}
    for unit in instance.west:
        partners = tuple(options[unit.code])
        start = turn.get(partners, 0)
        for step in range(len(partners)):
            e = partners[(start + step) % len(partners)]
            if taken.get(e, 0) < instance.max_per_east:
                assignment[unit.code] = [e]
                taken[e] = taken.get(e, 0) + 1
                turn[partners] = start + step + 1
                break
    return assignment


def show(label: str, stats: LoadStats) -> None:
    print(
        f"  {label:<22} max ratio {stats.max_ratio:.4f}  min {stats.min_ratio:.4f}  "
        f"spread {stats.spread:.4f}  std {stats.std_dev:.4f}  deviation {stats.deviation:,.0f}  "
        f"east used {stats.east_used}"
    )


def report(title: str, instance: Instance, solution: Solution, seconds: float) -> None:
    arcs = sum(len(es) for es in _options(instance).values())
    hardest = max(solution.components, key=lambda c: c.seconds)
    print(f"\n{title}")
    print(
        f"  east {len(instance.east)}, west {len(instance.west)}, arcs {arcs}, "
        f"components {solution.component_count}, max_per_east {instance.max_per_east}"
    )
    print(
        f"  solve {seconds:.2f} s; overall largest ratio gap {solution.overall_gap:.3%}; "
        f"per component: status {solution.status}, gap {solution.gap:.3%}; "
        f"deviation tie-break: {solution.deviation_status}, gap {solution.deviation_gap:.1%}"
    )
    unproven = [c for c in solution.components if c.status != "optimal"]
    print(
        f"  components proven: {solution.component_count - len(unproven)}/"
        f"{solution.component_count}; slowest {hardest.east}×{hardest.west} "
        f"{hardest.seconds:.2f} s"
    )
    for c in unproven:
        print(
            f"    not proven: {c.east} east × {c.west} west, ratio {c.max_ratio:.5f} "
            f"≥ bound {c.ratio_bound:.5f} (gap {c.gap:.3%})"
        )
    if solution.proof is not None:
        c = solution.components[solution.proof.component]
        show_proof(f"proof, deciding {c.east}×{c.west}", solution.proof)
    show("optimizer", solution.stats)
    show("round-robin baseline", evaluate(instance, round_robin(instance)).stats)


def show_proof(label: str, proof: Proof) -> None:
    milp = (
        f"MILP {proof.milp_status}"
        + (f", bound {proof.milp_bound:.6f}" if proof.milp_bound is not None else "")
        + f", {proof.milp_seconds:.2f} s"
    )
    print(
        f"  {label}: {proof.status} by {proof.method}, ratio {proof.incumbent:.6f} ≥ bound "
        f"{proof.bound:.6f}, gap {proof.gap:.4%}, {proof.seconds:.2f} s "
        f"(CP-SAT bound {proof.cp_sat_bound:.6f}; {milp})"
    )


def run(
    instance: Instance,
    time_limit: float,
    workers: int | None,
    gap_limit: float = 0.0,
    certify_limit: float = 10.0,
) -> tuple[Solution, float]:
    started = time.perf_counter()
    solution = solve(
        instance,
        time_limit=time_limit,
        workers=workers,
        gap_limit=gap_limit,
        certify_limit=certify_limit,
    )
    return solution, time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=REPO_DIR.parent / "shared" / "data")
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument("--year", type=int, default=2016)
    parser.add_argument("--max-per-east", type=int, default=8)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--certify-limit", type=float, default=10.0)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    instance, missing = build(args.data, args.seed, args.max_per_east, args.year)
    built = time.perf_counter() - started
    estimated = sum(1 for u in instance.east if u.code not in _real_codes(instance, args.year))
    print(f"built the national instance in {built:.2f} s")
    print(
        f"  capacities: {len(instance.east) - estimated} real, {estimated} estimated (估算), "
        f"{len(missing)} without a figure (left out)"
    )
    for line in missing:
        print(f"    {line}")

    solution, seconds = run(instance, args.time_limit, args.workers, 0.0, args.certify_limit)
    report(f"max_per_east = {args.max_per_east}, proving", instance, solution, seconds)
    # HiGHS alone on the same pairing, whether or not CP-SAT has proven it: the certifier's
    # own time and gap on the deciding component.
    proof = certify(instance, solution.assignment, time_limit=args.certify_limit)
    show_proof("HiGHS certificate of that pairing", proof)
    solution, seconds = run(instance, args.time_limit, args.workers, 0.01, args.certify_limit)
    report(f"max_per_east = {args.max_per_east}, gap_limit 1 %", instance, solution, seconds)

    tightest = tightest_max_per_east(instance)
    tight = Instance(instance.east, instance.west, instance.allowed, tightest)
    solution, seconds = run(tight, args.time_limit, args.workers, 0.0, args.certify_limit)
    report(f"tightest feasible max_per_east = {tightest}", tight, solution, seconds)


def _real_codes(instance: Instance, year: int) -> Mapping[str, float]:
    return {u.code: u.value for u in instance.east if fiscal.revenue(u.code, year) is not None}


if __name__ == "__main__":
    main()
