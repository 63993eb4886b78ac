from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.analytics.conftest import World
from tests.conftest import SUZHOU, TONGREN
from tests.factories import UserFactory
from xiezuo.analytics import selectors, services
from xiezuo.analytics.models import Finding, Run
from xiezuo.audit.models import AuditEvent
from xiezuo.core.errors import Forbidden, UserError


@pytest.fixture
def tongren_reviewer(world: World) -> Any:
    return UserFactory(username="tr-rev", side="west", region_id=TONGREN, roles=["reviewer"])


def test_background_run_stores_findings_with_progress(world: World, national_user: Any) -> None:
    run = services.run_submit(actor=national_user, year=2026)  # tasks run inline in tests
    assert run.state == Run.State.DONE and run.progress == 100
    assert run.findings.count() == 12
    assert set(run.counts["rules"]) == {
        "V01",
        "V02",
        "V03",
        "V04",
        "V05",
        "V07",
        "V08",
        "V09",
        "V11",
    }
    assert set(run.counts["skipped"]) == {"V06"}  # no record claims "newly lifted out": said
    assert AuditEvent.objects.filter(object_type__icontains="run", object_id=str(run.pk)).exists()


def test_decisions_survive_a_new_run_and_are_audited(
    world: World, national_user: Any, tongren_reviewer: Any
) -> None:
    first = services.run_submit(actor=national_user)
    child = first.findings.get(rule="V08")
    # 苏州's records are not 铜仁's to decide.
    with pytest.raises(Forbidden):
        services.finding_decide(
            actor=tongren_reviewer, finding=child, decision="dismissed", reason="x"
        )
    stray = first.findings.get(rule="V04")  # reported by 碧江, inside 铜仁
    with pytest.raises(UserError, match="须说明理由"):
        services.finding_decide(
            actor=tongren_reviewer, finding=stray, decision="dismissed", reason=" "
        )
    services.finding_decide(
        actor=tongren_reviewer, finding=stray, decision="confirmed", reason="碧江误报，已通知改正"
    )
    assert AuditEvent.objects.filter(object_id=str(stray.pk), action="update").exists()
    second = services.run_submit(actor=national_user)
    again = second.findings.get(rule="V04")
    assert again.pk != stray.pk and again.key == stray.key
    assert again.decision == Finding.Decision.CONFIRMED
    assert again.decision_reason == "碧江误报，已通知改正"
    assert second.counts["carried"] == 1
    # A changed finding is a new one: its decision does not carry over.
    assert second.findings.exclude(rule="V04").filter(decision="open").count() == 11


def test_overview_counts_only_people_who_passed(
    world: World, national_user: Any, tongren_reviewer: Any
) -> None:
    run = services.run_submit(actor=national_user)
    labour = {r["indicator"]: r for r in selectors.overview(run)}["labourers_trained"]
    # 8 people in the two labour trainings (李四 twice, counted once); 汪芳, 郑十 (invalid),
    # 王五 (not registered), 孙七 (cancelled), 周八 (a child) are left out.
    assert labour["reported"] == 7
    assert labour["excluded"] == 5 and labour["passed"] == 2
    assert labour["why"] == {"V01": 2, "V02": 1, "V05": 1, "V08": 1, "V11": 2}
    dismissed = run.findings.get(rule="V02")
    dismissed.reporter_code = TONGREN  # as if 铜仁 had reported him
    dismissed.save()
    services.finding_decide(
        actor=tongren_reviewer, finding=dismissed, decision="dismissed", reason="已补录入名单"
    )
    labour = {r["indicator"]: r for r in selectors.overview(run)}["labourers_trained"]
    assert labour["passed"] == 3


def test_scope_and_concurrency_rules(world: World, national_user: Any) -> None:
    suzhou = UserFactory(username="sz", side="east", region_id=SUZHOU, roles=["reporter"])
    with pytest.raises(Forbidden, match="全国"):
        services.run_create(actor=suzhou, scope="")
    with pytest.raises(Forbidden):
        services.run_create(actor=suzhou, scope=TONGREN)
    run = services.run_create(actor=suzhou, scope=f"pairing:{world.pairing.pk}")
    with pytest.raises(UserError, match="正在进行"):
        services.run_create(actor=suzhou, scope=f"pairing:{world.pairing.pk}")
    # A run whose worker died is taken as interrupted, and a new one may start.
    Run.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(hours=1))
    again = services.run_create(actor=suzhou, scope=f"pairing:{world.pairing.pk}")
    run.refresh_from_db()
    assert run.state == Run.State.FAILED and "中断" in run.message
    assert again.state == Run.State.QUEUED


def test_failed_run_leaves_previous_findings_standing(
    world: World, national_user: Any, tmp_path: Path
) -> None:
    done = services.run_submit(actor=national_user)
    broken = tmp_path / "broken"
    broken.mkdir()
    run = services.run_create(actor=national_user)
    with pytest.raises(UserError, match="不是完整的数据快照"):
        services.run_execute(run, snapshot_dir=broken)
    assert selectors.latest_done("") == done
    assert done.findings.count() == 12


def test_verify_command(world: World, tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("verify", "run", "--scope", TONGREN, stdout=out)
    text = out.getvalue()
    assert "2 条发现" in text and "V09\t1" in text
    assert "未比对 V06" in text and "未比对 V10" not in text


def test_generated_nation_runs_from_the_command_line(db: None, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    out = io.StringIO()
    snap = tmp_path / "nation"
    call_command(
        "generate", "nation", "--people", "4000", "--faults", "--out", str(snap), stdout=out
    )
    assert "4,000 名成员、400 名帮扶对象" in out.getvalue()
    truth = pq.read_table(snap / "truth_placements.parquet").to_pylist()
    assert truth and {t["fault"] for t in truth} == {"overlap"}
    out = io.StringIO()
    call_command("verify", "run", "--snapshot", str(snap), stdout=out)
    assert "条发现" in out.getvalue() and "V01\t" in out.getvalue()
    assert "V10\t" in out.getvalue()
    # Without --faults nothing is injected: no invalid numbers, no overlaps.
    call_command(
        "generate", "nation", "--people", "4000", "--out", str(tmp_path / "clean"), stdout=out
    )
    assert "未注入问题" in out.getvalue()
    assert pq.read_table(tmp_path / "clean" / "truth_placements.parquet").num_rows == 0
    out = io.StringIO()
    call_command("verify", "run", "--snapshot", str(tmp_path / "clean"), stdout=out)
    assert "V01\t" not in out.getvalue() and "V10\t" not in out.getvalue()
    # The older spelling still works.
    out = io.StringIO()
    call_command(
        "verify", "generate", "--members", "4000", "--people", "400", "--out", str(snap), stdout=out
    )
    assert "4,000 名成员" in out.getvalue() and (snap / "truth.parquet").is_file()


def test_the_aid_overview_says_what_the_last_run_excluded(world: World, national_user: Any) -> None:
    from django.test import Client

    run = services.run_submit(actor=national_user, scope=f"pairing:{world.pairing.pk}")
    assert run.state == Run.State.DONE
    client = Client()
    client.force_login(national_user)
    page = client.get(f"/pairings/{world.pairing.pk}/aid/").content.decode()
    assert 'data-testid="aid-verification"' in page and f"/verify/runs/{run.pk}/" in page
    labour = {r["indicator"]: r for r in selectors.overview(run)}["labourers_trained"]
    assert labour["excluded"] > 0 and f">{labour['excluded']}<" in page


def _aid_chart(client: Any, url: str) -> dict[str, Any]:
    import json
    import re

    page = client.get(url).content.decode()
    found = re.search(r'<script id="aid-data" type="application/json">(.*?)</script>', page)
    assert found is not None
    return {"page": page, "chart": json.loads(found.group(1))}


def _labourers(chart: dict[str, Any]) -> list[float]:
    panel = next(p for p in chart["panels"] if p["key"] == "trainees")
    return next(s["data"] for s in panel["series"] if s["name"] == "贫困劳动力")


def test_the_aid_overview_counts_people_who_passed(world: World, national_user: Any) -> None:
    from django.test import Client

    from xiezuo.cooperation.models import Training

    # 苏州's course trained 10 and names 7; 铜仁's trained 10 and names 李四.
    Training.objects.update(trainees=10)
    client = Client()
    client.force_login(national_user)
    url = f"/pairings/{world.pairing.pk}/aid/?state=all"  # the world's reports are drafts
    before = _aid_chart(client, url)
    assert _labourers(before["chart"]) == [20.0]  # no run yet: what was reported
    assert 'data-testid="passed-trainees"' not in before["page"]

    run = services.run_submit(actor=national_user, scope=f"pairing:{world.pairing.pk}")
    after = _aid_chart(client, url)
    # Out: 汪芳 and 郑十 (V01, V11), 王五 (V02), 孙七 (V05), 周八 (V08); 李四's double count
    # (V09) leaves him counted once.
    assert _labourers(after["chart"]) == [15.0]
    assert 'data-testid="passed-trainees"' in after["page"]
    assert 'data-testid="aid-passed-note"' in after["page"]
    assert 'data-reported="贫困劳动力"' in after["page"]  # the reported 20 beside
    # Panels that count no registered people are as reported.
    assert next(p for p in after["chart"]["panels"] if p["key"] == "trainings")
    # A dismissed finding leaves the person counted.
    wang = Finding.objects.get(run=run, rule="V02")
    services.finding_decide(
        actor=national_user, finding=wang, decision="dismissed", reason="户籍已核实"
    )
    assert _labourers(_aid_chart(client, url)["chart"]) == [16.0]
    # A confirmed one does not.
    sun = Finding.objects.get(run=run, rule="V05")
    services.finding_decide(actor=national_user, finding=sun, decision="confirmed", reason="已死亡")
    assert _labourers(_aid_chart(client, url)["chart"]) == [16.0]
