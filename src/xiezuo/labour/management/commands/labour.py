"""`xiezuo labour match`: the matching engine on CSV files (see xiezuo.labour.files)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xiezuo.core.commands import XiezuoCommand
from xiezuo.core.errors import UserError
from xiezuo.labour import files, matching


class Command(XiezuoCommand):
    help = (
        "Labour cooperation: `xiezuo labour match --workers W.csv --postings P.csv "
        "[--pairs PAIRS.csv] --out MATCHES.csv [--method exact|scalable|auto] [--time-limit S]`"
    )

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        match = sub.add_parser("match", help="match workers to job postings from CSV files")
        match.add_argument("--workers", type=Path, required=True)
        match.add_argument("--postings", type=Path, required=True)
        match.add_argument("--pairs", type=Path)
        match.add_argument("--out", type=Path, required=True)
        match.add_argument("--method", choices=matching.METHODS, default=matching.AUTO)
        match.add_argument("--time-limit", type=float, help="seconds (see matching.solve)")
        match.add_argument("--seed", type=int, default=0, help="draws of the scalable method")
        match.add_argument("--explain", action="store_true", help="print why, per match")
        match.add_argument("--actor", default="")

    def run(self, *args: Any, **options: Any) -> None:
        limit = options.get("time_limit")
        if limit is not None and limit <= 0:
            raise UserError("--time-limit 须大于 0 秒")
        workers = files.read_workers(options["workers"])
        postings = files.read_postings(options["postings"])
        pairs = files.read_pairs(options["pairs"]) if options.get("pairs") else []
        result = matching.solve(
            workers,
            postings,
            pairs,
            method=options["method"],
            time_limit=limit,
            seed=options["seed"],
        )
        files.write_matches(options["out"], result)
        out = self.stdout
        out.write(
            f"工人 {len(workers)} 人，岗位 {len(postings)} 个（名额 {int(postings.slots.sum())}）"
        )
        out.write(f"匹配 {result.matched} 人，总分 {result.total}")
        status = "已证明最优" if result.proof and result.proof.holds else result.status
        out.write(
            f"方法 {result.method}（{status}），图中配对 {result.arcs} 条，"
            f"用时 {result.seconds:.2f} 秒"
        )
        if result.proof is not None:
            out.write(result.proof.describe())
        for note in result.notes:
            out.write(note)
        if options.get("explain"):
            ids_w, ids_p = workers.ids, postings.ids
            for i in range(result.matched):
                w, p = int(result.worker[i]), int(result.posting[i])
                out.write(f"{ids_w[w]} → {ids_p[p]}：{result.explain(i)}")
        out.write(f"已写出 {options['out']}")
