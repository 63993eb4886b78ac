"""`xiezuo pairing`: load the 2016 list, list pairings, and run the balanced-pairing optimizer."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from xiezuo.core.commands import XiezuoCommand
from xiezuo.core.errors import Problem, UserError
from xiezuo.pairing import services
from xiezuo.pairing.choices import Status
from xiezuo.pairing.models import Pairing


def _pair(text: str) -> tuple[str, str]:
    east, sep, west = text.partition(":")
    if not sep or not east or not west:
        raise CommandError(f"“{text}”应写作 东部代码:西部代码")
    return east.strip(), west.strip()


def _figures(path: Path | None) -> dict[str, float]:
    """A two-column CSV (code, value), header optional, as offices keep such lists."""
    if path is None:
        return {}
    out: dict[str, float] = {}
    problems = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for line, row in enumerate(csv.reader(handle), start=1):
            if len(row) < 2 or not row[0].strip():
                continue
            try:
                out[row[0].strip()] = float(row[1])
            except ValueError:
                if line > 1:
                    problems.append(Problem(f"“{row[1]}”不是数字", f"{path.name} 第 {line} 行"))
    if problems:
        raise UserError(f"{path.name} 有 {len(problems)} 处错误", problems)
    return out


class Command(XiezuoCommand):
    help = "Pairings: load the 2016 list, list, and propose balanced county pairs."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load2016", help="load the 2016 province and prefecture pairs")
        listing = sub.add_parser("list", help="list active pairings")
        listing.add_argument("--level", type=int)
        listing.add_argument("--region", default="")
        opt = sub.add_parser("optimize", help="propose balanced county pairs")
        opt.add_argument("--west-region", default="", help="only counties under this code")
        opt.add_argument("--year", type=int, default=2020, help="fiscal year of capacities")
        opt.add_argument("--max-per-east", type=int, default=3)
        opt.add_argument("--deep-weight", type=float, default=1.5)
        opt.add_argument("--time-limit", type=float, default=60.0)
        opt.add_argument("--needs", type=Path, help="CSV: county code, registered poor people")
        opt.add_argument("--capacities", type=Path, help="CSV: eastern code, capacity 万元")
        opt.add_argument("--lock", action="append", default=[], metavar="EAST:WEST")
        opt.add_argument("--forbid", action="append", default=[], metavar="EAST:WEST")
        opt.add_argument("--accept", action="store_true", help="create the proposed pairings")
        opt.add_argument("--start-year", type=int)
        for p in (load, listing, opt):
            p.add_argument("--actor", default="")

    def run(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        actor = self.actor(options)
        if action == "load2016":
            n = services.pairs_2016_load(actor=actor)
            self.stdout.write(f"已加载 2016 年结对 {n} 个（已存在的保留）")
        elif action == "list":
            self._list(options)
        else:
            self._optimize(actor, options)

    def _list(self, options: dict[str, Any]) -> None:
        qs = Pairing.objects.filter(status=Status.ACTIVE).select_related(
            "east_region", "east_org", "west_region"
        )
        if options.get("level"):
            qs = qs.filter(level=options["level"])
        if options.get("region"):
            from xiezuo.regions import codes

            code = options["region"]
            qs = qs.filter(
                codes.subtree_q("east_region_id", code) | codes.subtree_q("west_region_id", code)
            )
        for p in qs:
            self.stdout.write(
                f"{p.pk:>6}  {p.get_level_display():<12} {p.east_name} → {p.west_region.name}"
                f"  {p.start_year}–{p.end_year or ''}"
            )

    def _optimize(self, actor: Any, options: dict[str, Any]) -> None:
        from xiezuo.pairing import optimizing
        from xiezuo.pairing.models import Proposal

        params = optimizing.Params(
            west_region=options["west_region"],
            year=options["year"],
            max_per_east=options["max_per_east"],
            deep_weight=options["deep_weight"],
            time_limit=options["time_limit"],
            needs=_figures(options.get("needs")),
            capacities=_figures(options.get("capacities")),
            locked=[_pair(t) for t in options["lock"]],
            forbidden=[_pair(t) for t in options["forbid"]],
        )
        proposal = optimizing.proposal_create(actor=actor, params=params)
        self.stdout.write(f"方案 {proposal.pk}：{proposal.title}，求解中 …")
        proposal = optimizing.proposal_solve(proposal)
        if proposal.state == Proposal.State.INFEASIBLE:
            raise UserError(
                proposal.result["summary"], [Problem(p) for p in proposal.result["problems"]]
            )
        self.stdout.write(self.style.SUCCESS(proposal.message))
        self._print_result(proposal.result)
        if options["accept"]:
            made = optimizing.proposal_accept(
                actor=actor, proposal=proposal, start_year=options.get("start_year")
            )
            self.stdout.write(self.style.SUCCESS(f"已采纳：新建县级结对 {made} 个"))
        else:
            self.stdout.write("未写入结对；采纳请在页面上操作，或加 --accept 重新运行")

    def _print_result(self, result: dict[str, Any]) -> None:
        names = result["names"]
        loads = sorted(
            result["solution"]["loads"]["east"], key=lambda e: -e["need"] / e["capacity"]
        )
        self.stdout.write(f"{'东部单位':<16}{'负担比':>10}  西部县")
        for e in loads:
            west = "、".join(names.get(w, w) for w in e["west"]) or "—"
            self.stdout.write(f"{e['name']:<16}{e['need'] / e['capacity']:>10.4f}  {west}")
        comparison = result["comparison"]
        self.stdout.write("\n对比（最大负担比 / 极差 / 标准差）：")
        rows = []
        if "county" in comparison:
            rows.append(("现有县级结对", comparison["county"]["current"]["stats"]))
        rows.append(("方案（按县）", result["solution"]["loads"]["stats"]))
        rows.append(("省市结对现状", comparison["parent"]["current"]["stats"]))
        rows.append(("方案（汇总到省市）", comparison["parent"]["proposed"]["stats"]))
        for label, s in rows:
            self.stdout.write(
                f"  {label:<14} {s['max_ratio']:.4f} / {s['spread']:.4f} / {s['std_dev']:.4f}"
            )
