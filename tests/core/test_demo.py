from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from tests.conftest import DIVISIONS
from xiezuo.accounts.models import User


@pytest.mark.django_db
def test_demo_loads_regions_flags_and_four_working_logins(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path  # the demo keeps its logins in the data directory
    out = StringIO()
    call_command("demo", "--from", str(DIVISIONS), stdout=out)
    printed = out.getvalue()
    logins = json.loads((Path(settings.DATA_DIR) / "demo_logins.json").read_text())
    assert set(logins) >= {"national", "jiangsu", "tongren", "yanhe"}
    for username, password in logins.items():
        assert f"{username}" in printed and password in printed
        assert (
            Client().post("/login/", {"username": username, "password": password}).status_code
            == 302
        ), username
    assert User.objects.get(username="tongren").region_id == "520600"
    assert "已标记国家级贫困县 831 个" in printed
    # Pairings: the 2016 list, 铜仁's county pairs by the optimizer, the others generated, and
    # this year's 苏州—铜仁 agreement with its tasks.
    from xiezuo.pairing.models import Agreement, Pairing, Proposal

    assert Pairing.objects.filter(level__lte=2).count() == 32
    tongren_pairs = Pairing.objects.filter(level=3, west_region__code__startswith="5206")
    assert tongren_pairs.count() == 10
    # The test slice has villages (so a registry) only for 沿河 and 碧江: the optimizer says which
    # counties lack data, and the demo falls back to generated pairs. With the full divisions
    # every 铜仁 county has a registry and the proposal is accepted (README, demo walk-through).
    proposal = Proposal.objects.get()
    assert proposal.state == "infeasible"
    assert any("万山区（520603）没有建档立卡数据" in p for p in proposal.result["problems"])
    assert Pairing.objects.filter(level=3).count() > 400
    from django.utils import timezone

    year = timezone.localdate().year
    agreement = Agreement.objects.get(pairing__east_region_id="320500", year=year)
    assert agreement.targets.count() == 7 and agreement.targets.filter(tasks__isnull=False).exists()
    counts = _assert_cooperation_records(agreement)
    _assert_labour_and_assessment(printed, year - 1)
    # Running it again keeps the same logins and skips the division load.
    again = StringIO()
    call_command("demo", "--from", str(DIVISIONS), stdout=again)
    assert "区划已加载" in again.getvalue()
    assert json.loads((Path(settings.DATA_DIR) / "demo_logins.json").read_text()) == logins
    assert "县级结对已存在，跳过生成" in again.getvalue()
    assert Pairing.objects.filter(level__lte=2).count() == 32
    assert "苏州—铜仁帮扶记录已存在，跳过生成" in again.getvalue()
    assert _record_counts() == counts


def _assert_labour_and_assessment(printed: str, year: int) -> None:
    """Labour: 铜仁's workers, 苏州's jobs, accepted matches become placements, some ended.
    Assessment: last year computed for 苏州 and 铜仁 after a national verification, 苏州's
    self-assessment filed, the demo assessor assigned to both."""
    from xiezuo.assessment import selectors
    from xiezuo.assessment.models import Assessment, Assignment
    from xiezuo.labour.models import Placement, Posting, Worker

    assert Worker.objects.exists() and Posting.objects.count() == 5
    placements = Placement.objects.all()
    assert placements.filter(organised=True).exists() and placements.filter(organised=False)
    assert placements.filter(end__isnull=False).exists()
    run = selectors.latest_run(year)
    assert run is not None and run.verify_run_id
    assert set(run.results.values_list("unit_code", flat=True)) == {"320500", "520600"}
    placed = run.results.get(side="west").scores.get(name="脱贫人口转移就业")
    assert placed.value and placed.value > 0
    assert Assessment.objects.get(year=year, unit_id="320500").step == "self"
    assert Assignment.objects.filter(year=year, assessor__username="assessor").count() == 2
    assert f"{year} 年考核计算" in printed


def _record_counts() -> dict[str, int]:
    from xiezuo.cooperation.models import MODELS

    return {kind: model._default_manager.count() for kind, model in MODELS.items()}


def _assert_cooperation_records(agreement: Any) -> dict[str, int]:
    """Two years of 苏州—铜仁 records (with 2017–2020 fiscal aid), reviewed as offices would."""
    from django.db.models import Sum
    from django.utils import timezone

    from xiezuo.cooperation import analysis
    from xiezuo.cooperation.models import Fund, Industry, Person, Report
    from xiezuo.core import creditcode
    from xiezuo.pairing import progress

    year = timezone.localdate().year
    counts = _record_counts()
    assert all(counts.values()) and sum(counts.values()) > 250, counts
    reports = Report.objects.filter(pairing__west_region__code__startswith="5206")
    assert set(reports.filter(year=year - 1).values_list("state", flat=True)) == {"approved"}
    assert set(reports.filter(year=year).values_list("state", flat=True)) == {
        "draft",
        "submitted",
        "returned",
    }
    assert "学员名单" in reports.get(state="returned").comment
    fiscal = dict(
        Fund.objects.filter(kind="fiscal")
        .values_list("report__year")
        .annotate(total=Sum("amount"))
        .values_list("report__year", "total")
    )
    assert fiscal == {2017: 21000, 2018: 25500, 2019: 26300, 2020: 28000, year - 1: 30000,
                      year: 31200}  # fmt: skip
    # Trainees and workers: some registered poor (from the demo registry), some not.
    assert Person.objects.filter(member__isnull=False).exists()
    assert Person.objects.filter(member__isnull=True).exists()
    assert all(
        not creditcode.problem(c) for c in Industry.objects.values_list("credit_code", flat=True)
    )
    # What the records feed: the agreement's progress and the fiscal-promise flags.
    aid = agreement.targets.get(indicator="fiscal_aid")
    assert progress.measure(aid) == 31200 and progress.measure_locked(aid) == 0
    (suzhou,) = [u for u in analysis.fiscal_promise(user=User.objects.get(username="suzhou"))]
    flags = {y.year: y.flags for y in suzhou.years}
    assert flags[2019] == ("slower",) and flags[2018] == () and flags[year] == ("no_revenue",)
    return counts
