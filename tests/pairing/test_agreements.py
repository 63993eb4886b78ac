"""Yearly agreements, targets with deadlines and owners, tasks scheduled back from the deadline,
progress measured from recorded pairings, and the owners' warning list."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from tests.conftest import SUZHOU, TONGREN
from xiezuo.core.errors import UserError
from xiezuo.pairing import selectors, services
from xiezuo.pairing.choices import Indicator, TaskStatus
from xiezuo.pairing.models import Agreement, Pairing, Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def suzhou_tongren(pairs_2016: None) -> Pairing:
    return Pairing.objects.get(east_region=SUZHOU, west_region=TONGREN)


@pytest.fixture
def agreement(suzhou_tongren: Pairing, suzhou_user: Any) -> Agreement:
    return services.agreement_create(
        actor=suzhou_user, pairing=suzhou_tongren, year=2019, signed_on=datetime.date(2019, 3, 1)
    )


def test_one_agreement_per_pairing_and_year_inside_the_pairing(
    agreement: Agreement, suzhou_user: Any
) -> None:
    with pytest.raises(UserError, match="已有 2019 年度协议"):
        services.agreement_create(actor=suzhou_user, pairing=agreement.pairing, year=2019)
    with pytest.raises(UserError, match="不在结对期间"):
        services.agreement_create(actor=suzhou_user, pairing=agreement.pairing, year=2015)


def test_agreement_needs_a_planner_of_one_side(
    suzhou_tongren: Pairing, other_county_user: Any
) -> None:
    from tests.factories import UserFactory

    hangzhou = UserFactory(side="east", region_id="330100", roles=["reporter"])
    with pytest.raises(UserError, match="不是该结对的任何一方"):
        services.agreement_create(actor=hangzhou, pairing=suzhou_tongren, year=2019)
    with pytest.raises(UserError, match="角色"):
        services.agreement_create(actor=other_county_user, pairing=suzhou_tongren, year=2019)


@pytest.mark.parametrize(
    ("indicator", "value", "deadline", "field", "words"),
    [
        ("fiscal_aid", "-5", datetime.date(2019, 12, 31), "目标值", "大于 0"),
        ("projects", "2.5", datetime.date(2019, 12, 31), "目标值", "整数"),
        ("fiscal_aid", "1e12", datetime.date(2019, 12, 31), "目标值", "超出合理范围"),
        ("fiscal_aid", "abc", datetime.date(2019, 12, 31), "目标值", "不是数字"),
        ("fiscal_aid", "100", datetime.date(2020, 1, 31), "截止日期", "不在协议年度"),
        ("nonsense", "100", datetime.date(2019, 12, 31), "指标", "未知的指标"),
    ],
)
def test_bad_targets_name_the_field(
    agreement: Agreement,
    suzhou_user: Any,
    indicator: str,
    value: str,
    deadline: datetime.date,
    field: str,
    words: str,
) -> None:
    with pytest.raises(UserError) as exc:
        services.target_set(
            actor=suzhou_user,
            agreement=agreement,
            indicator=indicator,
            value=value,
            deadline=deadline,
            responsible_unit="苏州市对口帮扶办",
        )
    assert any(p.where == field and words in p.message for p in exc.value.problems)
    assert not agreement.targets.exists()


def test_target_upserts_by_indicator(agreement: Agreement, suzhou_user: Any) -> None:
    for value in ("5000", "6000"):
        services.target_set(
            actor=suzhou_user,
            agreement=agreement,
            indicator=Indicator.FISCAL_AID,
            value=value,
            deadline=datetime.date(2019, 12, 31),
            responsible_unit="苏州市对口帮扶办",
            responsible_person="张三",
            owner=suzhou_user,
        )
    target = agreement.targets.get()
    assert target.value == Decimal("6000") and target.unit == "万元"


def test_owner_must_belong_to_one_side(agreement: Agreement, suzhou_user: Any) -> None:
    from tests.factories import UserFactory

    stranger = UserFactory(side="east", region_id="330100", roles=["reporter"])
    with pytest.raises(UserError, match="不属于该结对"):
        services.target_set(
            actor=suzhou_user,
            agreement=agreement,
            indicator=Indicator.FISCAL_AID,
            value="1",
            deadline=datetime.date(2019, 12, 31),
            responsible_unit="x",
            owner=stranger,
        )


def test_schedule_counts_back_from_the_deadline(agreement: Agreement, suzhou_user: Any) -> None:
    target = services.target_set(
        actor=suzhou_user,
        agreement=agreement,
        indicator=Indicator.PLACEMENTS,
        value="400",
        deadline=datetime.date(2019, 11, 30),
        responsible_unit="苏州市人社局",
        owner=suzhou_user,
    )
    tasks = services.target_schedule(actor=suzhou_user, target=target)
    assert len(tasks) == 5
    milestones = [t for t in tasks if t.share]
    assert [t.share for t in milestones] == [25, 50, 75, 100]
    assert milestones[-1].due == target.deadline
    assert all(a.due < b.due for a, b in itertools.pairwise(milestones))
    assert milestones[0].due > agreement.signed_on  # type: ignore[operator]
    assert "200 人" in milestones[1].title
    assert all(t.owner == suzhou_user for t in tasks)
    # A done task survives a re-schedule; open ones are replaced.
    services.task_set_status(actor=suzhou_user, task=tasks[0], status=TaskStatus.DONE)
    services.target_schedule(actor=suzhou_user, target=target, shares=(50, 100))
    assert Task.objects.filter(target=target).count() == 1 + 3
    assert Task.objects.get(pk=tasks[0].pk).status == TaskStatus.DONE


def test_the_plan_comes_before_the_milestones_when_time_is_short(
    agreement: Agreement, suzhou_user: Any
) -> None:
    start = agreement.signed_on or datetime.date(agreement.year, 1, 1)
    target = services.target_set(
        actor=suzhou_user,
        agreement=agreement,
        indicator=Indicator.PLACEMENTS,
        value="40",
        deadline=start + datetime.timedelta(days=40),
        responsible_unit="苏州市人社局",
        owner=suzhou_user,
    )
    plan, *milestones = services.target_schedule(actor=suzhou_user, target=target)
    assert plan.share is None and all(plan.due < m.due for m in milestones)
    assert all(a.due < b.due for a, b in itertools.pairwise(milestones))
    assert milestones[-1].due == target.deadline


def test_a_milestone_marked_done_shows_what_the_records_say(
    agreement: Agreement, suzhou_user: Any, wuzhong_yanhe: Pairing
) -> None:
    target = services.target_set(
        actor=suzhou_user,
        agreement=agreement,
        indicator=Indicator.COUNTY_PAIRS,
        value="2",
        deadline=datetime.date(2019, 12, 31),
        responsible_unit="苏州市对口帮扶办",
        owner=suzhou_user,
    )
    tasks = {t.share: t for t in services.target_schedule(actor=suzhou_user, target=target)}
    half, last = tasks[50], tasks[100]
    services.task_set_status(actor=suzhou_user, task=last, status=TaskStatus.DONE)
    today = datetime.date(2019, 12, 5)
    progress = selectors.target_progress(target, today=today)
    assert progress.percent == 50  # 吴中 → 沿河, one of two county pairs
    # The data reaches 50 %: that milestone is done by itself; the 100 % one only marked.
    assert selectors.task_state(half, today=today, progress=progress) == "done"
    assert selectors.task_state(last, today=today, progress=progress) == "marked"
    client = Client()
    client.force_login(suzhou_user)
    page = client.get(f"/pairings/{agreement.pairing_id}/").content.decode()
    assert f'data-testid="marked-{last.pk}"' in page and "50%" in page


def test_owner_sees_overdue_and_at_risk_tasks(agreement: Agreement, suzhou_user: Any) -> None:
    target = services.target_set(
        actor=suzhou_user,
        agreement=agreement,
        indicator=Indicator.PROJECTS,
        value="8",
        deadline=datetime.date(2019, 12, 31),
        responsible_unit="苏州市对口帮扶办",
        owner=suzhou_user,
    )
    services.target_schedule(actor=suzhou_user, target=target)
    today = datetime.date(2019, 7, 1)
    alerts = selectors.tasks_alerts(user=suzhou_user, today=today)
    assert [t.share for t in alerts.overdue] == [None, 25]  # plan and the 25 % milestone
    assert [t.share for t in alerts.at_risk] == []
    alerts = selectors.tasks_alerts(user=suzhou_user, today=datetime.date(2019, 12, 20))
    assert [t.share for t in alerts.at_risk] == [100]
    assert selectors.task_state(alerts.at_risk[0], today=datetime.date(2019, 12, 20)) == "at_risk"


def test_progress_of_county_pairs_is_measured_from_the_pairings(
    agreement: Agreement, suzhou_user: Any, wuzhong_yanhe: Pairing
) -> None:
    target = services.target_set(
        actor=suzhou_user,
        agreement=agreement,
        indicator=Indicator.COUNTY_PAIRS,
        value="2",
        deadline=datetime.date(2019, 12, 31),
        responsible_unit="苏州市对口帮扶办",
    )
    state = selectors.target_progress(target, today=datetime.date(2019, 12, 1))
    assert state.actual == 1 and state.percent == 50 and state.state == "at_risk"
    unmeasured = services.target_set(
        actor=suzhou_user,
        agreement=agreement,
        indicator=Indicator.FISCAL_AID,
        value="100",
        deadline=datetime.date(2019, 12, 31),
        responsible_unit="苏州市对口帮扶办",
    )
    assert selectors.target_progress(unmeasured, today=datetime.date(2019, 6, 1)).state == (
        "unmeasured"
    )


def test_task_status_by_someone_outside_is_refused(agreement: Agreement, suzhou_user: Any) -> None:
    from tests.factories import UserFactory

    target = services.target_set(
        actor=suzhou_user,
        agreement=agreement,
        indicator=Indicator.PROJECTS,
        value="8",
        deadline=datetime.date(2019, 12, 31),
        responsible_unit="x",
    )
    task = services.task_create(
        actor=suzhou_user, target=target, title="选址", due=datetime.date(2019, 5, 1)
    )
    outsider = UserFactory(side="east", region_id="330100", roles=["reporter"])
    with pytest.raises(UserError):
        services.task_set_status(actor=outsider, task=task, status=TaskStatus.DONE)
    with pytest.raises(UserError, match="晚于目标截止日期"):
        services.task_create(
            actor=suzhou_user, target=target, title="x", due=datetime.date(2020, 1, 2)
        )


def test_an_unowned_schedule_renders_and_owners_must_belong_to_the_pairing(
    agreement: Agreement, suzhou_user: Any
) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tests.factories import UserFactory

    for indicator in (Indicator.PROJECTS, Indicator.PLACEMENTS, Indicator.COUNTY_PAIRS):
        target = services.target_set(
            actor=suzhou_user,
            agreement=agreement,
            indicator=indicator,
            value="8",
            deadline=datetime.date(2019, 12, 31),
            responsible_unit="苏州市协作办",
        )
        services.target_schedule(actor=suzhou_user, target=target)  # no owner on any task
    client = Client()
    client.force_login(suzhou_user)
    client.get("/")  # the session keeps the to-do count from here on
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/pairings/{agreement.pairing_id}/")
    assert response.status_code == 200
    # One progress measure per target, not one per task (15 tasks here).
    assert len(queries) <= 15, len(queries)
    stranger = UserFactory(side="west", region_id="520602", roles=["reporter"])
    with pytest.raises(UserError, match="不属于该结对"):
        services.task_create(
            actor=suzhou_user,
            target=target,
            title="x",
            due=datetime.date(2019, 6, 1),
            owner=UserFactory(side="east", region_id="330100", roles=["reporter"]),
        )
    # 碧江 lies inside 铜仁 but does not belong to the prefecture pair: not its owner either.
    with pytest.raises(UserError, match="不属于该结对"):
        services.task_create(
            actor=suzhou_user,
            target=target,
            title="y",
            due=datetime.date(2019, 6, 1),
            owner=stranger,
        )
    tongren = UserFactory(side="west", region_id="520600", roles=["reporter"])
    services.task_create(
        actor=suzhou_user, target=target, title="y", due=datetime.date(2019, 6, 1), owner=tongren
    )


def test_an_agreement_carries_its_signed_text(agreement: Agreement, suzhou_user: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = Client()
    client.force_login(suzhou_user)
    response = client.post(
        f"/pairings/agreements/{agreement.pk}/attachments/",
        {"file": SimpleUploadedFile("协议.pdf", b"%PDF-1.7\n" + b"p" * 50)},
    )
    assert response.status_code == 302
    (attached,) = agreement.attachments.all()  # type: ignore[attr-defined]
    page = client.get(f"/pairings/{agreement.pairing_id}/").content.decode()
    assert f"/cooperation/attachments/{attached.pk}/" in page and "协议.pdf" in page
    assert client.get(f"/cooperation/attachments/{attached.pk}/").status_code == 200
