"""`xiezuo verify run [--scope CODE] [--year Y] [--engine duckdb|spark]`: 数据比对."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xiezuo.analytics import selectors, services
from xiezuo.core.commands import XiezuoCommand


class Command(XiezuoCommand):
    help = "Verification: check every reported person against the registry."

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="run every rule over a scope")
        run.add_argument("--scope", default="", help="region code, pairing:<id>, or none (nation)")
        run.add_argument("--year", type=int)
        run.add_argument("--engine", default="duckdb", choices=["duckdb", "spark"])
        run.add_argument("--snapshot", type=Path, help="read this snapshot instead of exporting")
        run.add_argument(
            "--background", action="store_true", help="queue for the worker and return"
        )

        gen = sub.add_parser(
            "generate",
            help="write a generated nation with known faults as a snapshot "
            "(the same as `xiezuo generate nation --faults`)",
        )
        gen.add_argument("--members", type=int, default=1_000_000)
        gen.add_argument("--people", type=int, default=100_000)
        gen.add_argument("--seed", type=int, default=1)
        gen.add_argument("--out", type=Path, required=True)

    def run(self, *args: Any, **options: Any) -> None:
        if options["action"] == "generate":
            # The older spelling of `xiezuo generate nation --faults`, kept for scripts.
            from xiezuo.analytics import generate

            out = options["out"]
            rows = generate.nation(
                out, members=options["members"], people=options["people"], seed=options["seed"]
            )
            self.stdout.write(generate.summary(rows, out, faults=True))
            return
        actor = self.actor(options)
        if options["background"]:
            run = services.run_submit(
                actor=actor, scope=options["scope"], year=options["year"], engine=options["engine"]
            )
            self.stdout.write(f"数据比对 #{run.pk} 已排队（{run.get_state_display()}）")
            return
        run = services.run_create(
            actor=actor, scope=options["scope"], year=options["year"], engine=options["engine"]
        )
        try:
            run = services.run_execute(run, snapshot_dir=options.get("snapshot"))
        except Exception as exc:
            services.run_fail(run.pk, str(exc))
            raise
        self.stdout.write(f"数据比对 #{run.pk}（{run.engine}）：{run.findings.count()} 条发现")
        for rule, n in sorted(run.counts.get("rules", {}).items()):
            self.stdout.write(f"  {rule}\t{n}")
        for row in selectors.overview(run):
            why = "，".join(f"{k} {v}" for k, v in row["why"].items()) or "—"
            self.stdout.write(
                f"  {row['name']}：上报 {row['reported']} 人，通过 {row['passed']}，"
                f"剔除 {row['excluded']}（{why}）"
            )
        for code, why in run.counts.get("skipped", {}).items():
            self.stdout.write(f"  未比对 {code}：{why}")
