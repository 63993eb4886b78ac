"""The labour matching engine at national size and its loss against the exact optimum.

  1. 1,000,000 workers × 100,000 postings (about 1.5 million slots), generated as
     `xiezuo generate labour` does (real poverty counties and 2016 pairs): time and peak memory
     of the match (`auto` picks the scalable method at this size). Targets: < 120 s, < 4 GB.
  2. 20,000 × 2,000: the exact optimum (with its dual certificate) and the scalable total,
     and the gap between them. Target: within 2 %.

Prints figures, never fails on them. Run from the repository root, with the shared data
(XIEZUO_SHARED_DATA, default ../shared/data beside the checkout):

    .venv/bin/python benchmarks/labour_match.py [--workers 1000000] [--postings 100000] [--seed 1]
"""

from __future__ import annotations

import argparse
import time

from _common import peak_rss_mb
from xiezuo.labour import generator, matching


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=1_000_000)
    parser.add_argument("--postings", type=int, default=100_000)
    parser.add_argument("--mid-workers", type=int, default=20_000)
    parser.add_argument("--mid-postings", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    geo = generator.geography()
    started = time.perf_counter()
    workers, postings, pairs = generator.generate(
        args.workers, args.postings, seed=args.seed, geo=geo
    )
    generated = time.perf_counter() - started
    print(
        f"national instance: {len(workers):,} workers, {len(postings):,} postings, "
        f"{int(postings.slots.sum()):,} slots, {len(pairs)} pairs (generated in {generated:.1f} s)",
        flush=True,
    )
    cpu = time.process_time()
    result = matching.solve(workers, postings, pairs, method=matching.AUTO)
    cpu = time.process_time() - cpu
    print(
        f"  match ({result.method}): {result.matched:,} matched, total score {result.total:,}, "
        f"{result.arcs:,} candidate arcs, {result.seconds:.1f} s wall, {cpu:.1f} s CPU",
        flush=True,
    )
    print(f"  peak memory so far (process RSS): {peak_rss_mb():,.0f} MB", flush=True)
    del workers, postings, result

    workers, postings, pairs = generator.generate(
        args.mid_workers, args.mid_postings, seed=args.seed, geo=geo
    )
    print(
        f"mid instance: {len(workers):,} workers, {len(postings):,} postings, "
        f"{int(postings.slots.sum()):,} slots",
        flush=True,
    )
    exact = matching.solve(workers, postings, pairs, method=matching.EXACT)
    print(
        f"  exact: {exact.matched:,} matched, total {exact.total:,}, {exact.arcs:,} eligible "
        f"pairs, {exact.seconds:.1f} s",
        flush=True,
    )
    if exact.proof is not None:
        print(
            f"  proof: dual bound {exact.proof.dual:,} = total {exact.proof.primal:,}: "
            f"{'optimal' if exact.proof.holds else 'NOT proven'} ({exact.proof.seconds:.1f} s)"
        )
    fast = matching.solve(workers, postings, pairs, method=matching.SCALABLE)
    gap = 100 * (exact.total - fast.total) / exact.total
    print(
        f"  scalable: {fast.matched:,} matched, total {fast.total:,}, {fast.seconds:.1f} s; "
        f"{gap:.2f} % below exact"
    )
    print(f"peak memory (process RSS): {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
