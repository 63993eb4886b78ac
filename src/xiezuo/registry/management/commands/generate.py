from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.core.management import call_command

from xiezuo.core.commands import XiezuoCommand
from xiezuo.core.errors import UserError
from xiezuo.registry import generator


class Command(XiezuoCommand):
    help = (
        "Generate realistic registry data: `xiezuo generate registry --people N "
        "[--provinces 52,53] [--seed S] [--out FILE]`. Without --out the rows go through "
        "the staged import into the database. "
        "`xiezuo generate labour --workers N --postings M --out DIR [--seed S]` writes a "
        "matching instance (workers.csv, postings.csv, pairs.csv) for `xiezuo labour match`. "
        "`xiezuo generate nation --people N [--served M] [--faults] --out DIR [--seed S]` "
        "writes a generated nation of N registered people and a year of records naming M "
        "people served (N/10 by default) as a verification snapshot, with --faults the "
        "injected faults and their ground truth (truth*.parquet)."
    )

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument("what", choices=["registry", "labour", "nation"])
        parser.add_argument(
            "--people", type=int, help="registry, nation: registered people to generate"
        )
        parser.add_argument(
            "--served", type=int, help="nation: people the records name (default people/10)"
        )
        parser.add_argument(
            "--faults", action="store_true", help="nation: inject every rule's kind of fault"
        )
        parser.add_argument("--workers", type=int, help="labour: workers")
        parser.add_argument("--postings", type=int, help="labour: job postings")
        parser.add_argument("--provinces", default="", help="province codes, comma-separated")
        parser.add_argument("--counties", default="", help="county codes, comma-separated")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--out",
            type=Path,
            help="registry: a CSV in the import template layout; labour, nation: a directory",
        )

    def run(self, *args: Any, **options: Any) -> None:
        if options["what"] == "labour":
            self._labour(options)
            return
        if options["what"] == "nation":
            from xiezuo.analytics import generate

            people, out = options.get("people"), options.get("out")
            if not people or people < 1 or out is None:
                raise UserError("generate nation 需要 --people N --out 目录（N 为正整数）")
            served = options.get("served") or max(people // 10, 1)
            if served < 1:
                raise UserError("--served 须为正整数")
            faults = bool(options["faults"])
            written = generate.nation(
                out, members=people, people=served, seed=options["seed"], faults=faults
            )
            self.stdout.write(generate.summary(written, out, faults=faults))
            return
        if not options.get("people"):
            raise UserError("generate registry 需要 --people 人数")
        provinces = [p.strip() for p in options["provinces"].split(",") if p.strip()]
        counties = generator.target_counties(provinces or None)
        wanted = {c.strip() for c in options["counties"].split(",") if c.strip()}
        if wanted:
            counties = [c for c in counties if c.code in wanted]
        if not counties:
            raise UserError("没有可生成数据的国家级贫困县：请先加载区划和贫困县名单")
        rows = generator.generate_rows(
            people=options["people"], counties=counties, seed=options["seed"]
        )
        if options.get("out"):
            n = generator.write_csv(options["out"], rows)
            self.stdout.write(f"已生成 {n} 人 → {options['out']}")
            return
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "generated.csv"
            n = generator.write_csv(path, rows)
            self.stdout.write(f"已生成 {n} 人，导入中 …")
            extra = ["--actor", options["actor"]] if options.get("actor") else []
            call_command("import", "registry", str(path), "--commit", *extra, stdout=self.stdout)

    def _labour(self, options: dict[str, Any]) -> None:
        from xiezuo.labour import files, generator

        workers, postings, out = options.get("workers"), options.get("postings"), options.get("out")
        if not workers or not postings or workers < 1 or postings < 1 or out is None:
            raise UserError(
                "generate labour 需要 --workers N --postings M --out 目录（N、M 为正整数）"
            )
        out.mkdir(parents=True, exist_ok=True)
        w, p, pairs = generator.generate(workers, postings, seed=options["seed"])
        files.write_workers(out / "workers.csv", w)
        files.write_postings(out / "postings.csv", p)
        files.write_pairs(out / "pairs.csv", pairs)
        self.stdout.write(
            f"已生成 {len(w)} 名工人、{len(p)} 个岗位（名额 {int(p.slots.sum())}）、"
            f"{len(pairs)} 个结对 → {out}"
        )
