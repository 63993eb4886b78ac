from __future__ import annotations

from typing import Any

from django.test import Client

from tests.analytics.conftest import World
from tests.conftest import TONGREN
from tests.factories import UserFactory
from xiezuo.analytics.models import Finding, Run


def test_start_run_follow_progress_and_review(world: World, national_user: Any) -> None:
    nation = Client()
    nation.force_login(national_user)
    assert "数据比对" in nation.get("/verify/").content.decode()
    started = nation.post("/verify/", {"scope": "", "year": "2026", "engine": "duckdb"})
    assert started.status_code == 302
    run = Run.objects.get()
    page = nation.get(started["Location"]).content.decode()
    # Indicators by name, not by code.
    assert 'data-state="done"' in page and "<td>培训贫困劳动力</td>" in page
    assert "labourers_trained" not in page
    # While running, the fragment polls itself; once done it stops.
    Run.objects.filter(pk=run.pk).update(state=Run.State.RUNNING, progress=40)
    fragment = nation.get(f"/verify/runs/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in fragment and 'value="40"' in fragment
    Run.objects.filter(pk=run.pk).update(state=Run.State.DONE, progress=100)

    reviewer = Client()
    reviewer.force_login(
        UserFactory(username="tr", side="west", region_id=TONGREN, roles=["reviewer"])
    )
    queue = reviewer.get(f"/verify/runs/{run.pk}/findings/").content.decode()
    assert queue.count('data-testid="finding"') == 2  # 铜仁's two: V04 (碧江) and V09 (李四)
    stray = Finding.objects.get(rule="V04")
    refused = reviewer.post(f"/verify/findings/{stray.pk}/decide/", {"decision": "dismissed"})
    assert refused.status_code == 302
    stray.refresh_from_db()
    assert stray.decision == "open"  # no reason, no decision
    reviewer.post(
        f"/verify/findings/{stray.pk}/decide/", {"decision": "dismissed", "reason": "已核实属实"}
    )
    stray.refresh_from_db()
    assert stray.decision == "dismissed" and stray.decided_by is not None
    record = reviewer.get(f"/verify/record/training/{stray.record_id}/").content.decode()
    assert "填报单位不属于结对任何一方" in record and "已核实属实" in record
    export = reviewer.get(f"/verify/runs/{run.pk}/findings.xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd")


def test_an_overlap_links_to_the_persons_placements(
    world: World, placed: dict[str, Any], national_user: Any
) -> None:
    from xiezuo.analytics import services

    services.run_execute(services.run_create(actor=national_user))
    first, second = placed["first"].pk, placed["second"].pk
    yanhe = Client()
    yanhe.force_login(
        UserFactory(username="yh", side="west", region_id="520627", roles=["reviewer"])
    )
    queue = yanhe.get(f"/verify/runs/{Run.objects.get().pk}/findings/?rule=V10").content.decode()
    assert queue.count('data-testid="finding"') == 2
    link = f"/labour/?placement={first}#placement-{first}"
    assert link in queue and "同一人就业时间重叠" in queue
    # The link shows the person's placements, both of them, and nobody else's.
    page = yanhe.get(f"/labour/?placement={first}").content.decode()
    assert 'data-testid="placements-of-person"' in page
    assert f'id="placement-{first}"' in page and f'id="placement-{second}"' in page
    assert f'id="placement-{placed["after"].pk}"' not in page
    # Another county sees no finding and no placement of 沿河's person.
    other = Client()
    other.force_login(
        UserFactory(username="bj", side="west", region_id="520602", roles=["reviewer"])
    )
    queue = other.get(f"/verify/runs/{Run.objects.get().pk}/findings/?rule=V10").content.decode()
    assert 'data-testid="finding"' not in queue
    page = other.get(f"/labour/?placement={first}").content.decode()
    assert f'id="placement-{first}"' not in page and f'id="placement-{second}"' not in page
