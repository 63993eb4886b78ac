"""Cooperation pages as users use them: lists per kind scoped and filtered, the Excel export in
the import's layout, entry forms built from the specs with each problem on its field, locked
reports, the review queue, and the aid overviews of a pairing and a region."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum
from django.test import Client
from openpyxl import load_workbook

from tests.conftest import SUZHOU, TONGREN, YANHE
from tests.cooperation.conftest import FUND
from tests.factories import UserFactory
from xiezuo.audit.models import AuditEvent
from xiezuo.cooperation import services, specs
from xiezuo.cooperation.choices import State
from xiezuo.cooperation.models import Fund, Project, Report, Training
from xiezuo.pairing.models import Pairing
from xiezuo.regions.models import Region
from xiezuo.registry.idnumbers import make_resident_id

pytestmark = pytest.mark.django_db

HANGZHOU, QIANDONGNAN, KAILI = "330100", "522600", "522601"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


PROJECT = {
    "date": "2026-03-01",
    "name": "茶叶加工厂",
    "sector": "产业",
    "place": YANHE,
    "budget_east": "800",
    "budget_local": "200",
    "status": "在建",
}


def create(pairing: Pairing, kind: str, raw: dict[str, Any], **kw: Any) -> Any:
    """A record through the service (as the setup of a page test), by no particular actor."""
    return services.record_create(
        actor=None,
        kind=kind,
        pairing=pairing,
        reporter=Region.objects.get(code=kw.pop("reporter", SUZHOU)),
        year=kw.pop("year", 2026),
        raw=raw,
        **kw,
    )


@pytest.fixture
def hangzhou_fund(suzhou_tongren: Pairing) -> Fund:
    """A fund of another pairing (杭州 → 黔东南), none of 苏州's business."""
    pairing = Pairing.objects.get(east_region=HANGZHOU, west_region=QIANDONGNAN)
    return create(  # type: ignore[no-any-return]
        pairing,
        "fund",
        {**FUND, "source": "杭州市财政局", "recipient": KAILI, "amount": "700"},
        reporter=HANGZHOU,
    )


@pytest.fixture
def viewer(regions: None) -> Any:
    return UserFactory(username="sz-view", side="east", region_id=SUZHOU, roles=["viewer"])


def form_post(pairing: Pairing, **change: str) -> dict[str, str]:
    return {"pairing": str(pairing.pk), "reporter": SUZHOU, "year": "2026", **FUND, **change}


def test_pages_need_login(suzhou_tongren: Pairing) -> None:
    urls = [
        "/cooperation/",
        "/cooperation/fund/",
        "/cooperation/fund/export.xlsx",
        "/cooperation/fund/new/",
        "/cooperation/fund/1/",
        "/cooperation/reports/",
        "/cooperation/reports/1/",
        f"/cooperation/regions/{YANHE}/",
        f"/pairings/{suzhou_tongren.pk}/aid/",
    ]
    for url in urls:
        response = Client().get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_lists_are_scoped_and_show_labels(
    suzhou_tongren: Pairing,
    hangzhou_fund: Fund,
    suzhou_reporter: Any,
    national_user: Any,
    django_assert_max_num_queries: Any,
) -> None:
    for i in range(3):
        create(suzhou_tongren, "fund", {**FUND, "amount": str(100 + i)})
    client = client_for(suzhou_reporter)
    client.get("/")  # the session keeps the to-do count from here on
    with django_assert_max_num_queries(13):
        page = client.get("/cooperation/fund/").content.decode()
    assert "苏州市财政局" in page and "财政援助资金" in page  # the choice's label
    assert "沿河土家族自治县" in page  # the region's name (its code on the record's page)
    assert "杭州市财政局" not in page
    assert "共 3 条记录" in page or "3 条" in page
    # The amounts first, and their sum over everything the filters select.
    assert 'data-testid="records-total"' in page and "303" in page
    everyone = client_for(national_user).get("/cooperation/fund/").content.decode()
    assert "杭州市财政局" in everyone and "苏州市财政局" in everyone
    index = client.get("/cooperation/").content.decode()
    assert "帮扶资金" in index and 'href="/cooperation/fund/new/"' in index
    # Someone else's record is 404, as if it did not exist.
    assert client.get(f"/cooperation/fund/{hangzhou_fund.pk}/").status_code == 404
    assert client.get("/cooperation/loans/").status_code == 404


def test_filters(suzhou_tongren: Pairing, hangzhou_fund: Fund, national_user: Any) -> None:
    create(
        suzhou_tongren,
        "fund",
        {**FUND, "source": "二〇二五年资金", "date": "2025-03-01"},
        year=2025,
    )
    create(suzhou_tongren, "fund", FUND)
    client = client_for(national_user)

    def sources(query: str) -> set[str]:
        page = client.get(f"/cooperation/fund/?{query}")
        return {r["record"].source for r in page.context["rows"]}

    assert sources("year=2025") == {"二〇二五年资金"}
    assert sources(f"region={TONGREN}") == {"二〇二五年资金", "苏州市财政局"}
    assert sources(f"region={HANGZHOU}") == {"杭州市财政局"}
    assert sources(f"pairing={hangzhou_fund.report.pairing_id}") == {"杭州市财政局"}
    Report.objects.filter(year=2025).update(state=State.APPROVED)
    assert sources("state=approved") == {"二〇二五年资金"}
    assert sources("state=draft") == {"苏州市财政局", "杭州市财政局"}


def test_export_is_in_the_import_layout_and_reads_back(
    suzhou_tongren: Pairing, hangzhou_fund: Fund, suzhou_reporter: Any
) -> None:
    fund = create(
        suzhou_tongren, "fund", {**FUND, "disbursed": "800", "disbursed_on": "2026-05-02"}
    )
    response = client_for(suzhou_reporter).get("/cooperation/fund/export.xlsx?year=2026")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    spec = specs.spec("fund")
    keys = ["记录编号", "结对编号", "帮扶方代码", "受帮扶方代码", "填报单位代码", "年度"]
    assert list(rows[0]) == [*keys, *(f.label for f in spec.fields), "确认大额"]
    assert len(rows) == 2  # 杭州's fund is not 苏州's to export
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (
        row["记录编号"],
        row["结对编号"],
        row["帮扶方代码"],
        row["受帮扶方代码"],
        row["填报单位代码"],
    ) == (
        fund.pk,
        suzhou_tongren.pk,
        SUZHOU,
        TONGREN,
        SUZHOU,
    )
    assert row["年度"] == 2026 and row["资金类型"] == "财政援助资金" and row["拨付至"] == YANHE
    # Read back through the spec, the cells give the same record.
    values, problems = specs.parse(spec, {f.name: row[f.label] for f in spec.fields})
    assert problems == []
    for f in spec.fields:
        saved = getattr(fund, f.name)
        assert values[f.name] == (saved if saved != "" else ""), f.name
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.EXPORT, object_type="cooperation.fund"
    ).exists()


def test_export_lists_people_masked(suzhou_tongren: Pairing, suzhou_reporter: Any) -> None:
    number = make_resident_id(YANHE, datetime.date(1990, 1, 1), 7, male=True)
    create(
        suzhou_tongren,
        "training",
        {"date": "2026-06-10", "training_kind": "贫困劳动力", "title": "家政培训", "days": "7"},
        people=[services.PersonIn("王五", number)],
    )
    response = client_for(suzhou_reporter).get("/cooperation/training/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    header, row = list(sheet.iter_rows(values_only=True))
    assert header[-1] == "人员名单"
    listed = str(row[-1])
    assert listed.startswith("王五 ") and number not in listed and "*" in listed


def test_create_edit_delete_through_the_form(suzhou_tongren: Pairing, suzhou_reporter: Any) -> None:
    client = client_for(suzhou_reporter)
    page = client.get("/cooperation/fund/new/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'type="date"' in html and "<select" in html and "财政援助资金" in html
    assert page.context["form"]["reporter"].value() == SUZHOU

    response = client.post("/cooperation/fund/new/", form_post(suzhou_tongren))
    fund = Fund.objects.get()
    assert response.status_code == 302 and response["Location"] == (
        f"/cooperation/reports/{fund.report_id}/"
    )
    assert fund.amount == Decimal("1200") and fund.recipient_id == YANHE

    url = f"/cooperation/fund/{fund.pk}/"
    assert client.get(url).context["form"]["amount"].value() == "1200"
    response = client.post(url, {**FUND, "amount": "1500"})
    assert response.status_code == 302
    fund.refresh_from_db()
    assert fund.amount == Decimal("1500")

    response = client.post(f"/cooperation/fund/{fund.pk}/delete/")
    assert response.status_code == 302 and not Fund.objects.exists()
    assert AuditEvent.objects.filter(object_type="cooperation.fund", action="delete").exists()


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"amount": "-5"}, "amount", "负数"),
        ({"amount": "12000000"}, "amount", "疑似按元填写"),
        ({"date": "2025-12-31"}, "date", "不在报送年度"),
        ({"recipient": "330102"}, "recipient", "不在受帮扶方"),
        ({"source": ""}, "source", "必填"),
        ({"disbursed": "2000"}, "disbursed", "超过资金总额"),
        ({"year": "2010"}, "year", "不在结对期间"),
        ({"reporter": "330100"}, "reporter", "不属于该结对"),
    ],
)
def test_problems_show_on_their_fields_and_nothing_is_written(
    suzhou_tongren: Pairing, suzhou_reporter: Any, change: dict[str, str], field: str, words: str
) -> None:
    response = client_for(suzhou_reporter).post(
        "/cooperation/fund/new/", form_post(suzhou_tongren, **change)
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(words in e for e in errors.get(field, [])), errors
    assert f'data-testid="error-{field}"' in response.content.decode()
    assert not Fund.objects.exists() and not Report.objects.exists()


def test_a_large_county_fund_asks_for_confirmation(
    suzhou_tongren: Pairing, suzhou_reporter: Any
) -> None:
    client = client_for(suzhou_reporter)
    data = form_post(suzhou_tongren, amount="150000")
    first = client.get("/cooperation/fund/new/").content.decode()
    assert 'name="confirm_large"' not in first  # asked only when it matters
    response = client.post("/cooperation/fund/new/", data)
    assert "超过 10 亿元" in response.context["form"].errors["amount"][0]
    assert 'name="confirm_large"' in response.content.decode()
    assert not Fund.objects.exists()
    response = client.post("/cooperation/fund/new/", {**data, "confirm_large": "on"})
    assert response.status_code == 302 and Fund.objects.get().amount == Decimal("150000")


def test_people_are_entered_as_lines(suzhou_tongren: Pairing, suzhou_reporter: Any) -> None:
    good = make_resident_id(YANHE, datetime.date(1990, 1, 1), 7, male=True)
    data = {
        "pairing": str(suzhou_tongren.pk),
        "reporter": SUZHOU,
        "year": "2026",
        "date": "2026-06-10",
        "training_kind": "labourers",
        "title": "家政培训",
        "days": "7",
        "people": f"王五 {good}\n赵六 123",
    }
    client = client_for(suzhou_reporter)
    response = client.post("/cooperation/training/new/", data)
    errors = response.context["form"].errors["people"]
    assert any("第 2 名人员" in e and "赵六" in e for e in errors), errors
    response = client.post("/cooperation/training/new/", {**data, "people": f"王五，{good}\n"})
    training = Training.objects.get()
    assert response.status_code == 302 and training.trainees == 1
    page = client.get(f"/cooperation/training/{training.pk}/").content.decode()
    assert "王五" in page and good not in page and "未在建档立卡库" in page


def test_only_reporters_enter_records(
    suzhou_tongren: Pairing, suzhou_reporter: Any, viewer: Any
) -> None:
    fund = create(suzhou_tongren, "fund", FUND)
    client = client_for(viewer)
    listing = client.get("/cooperation/fund/").content.decode()
    assert "苏州市财政局" in listing and "/cooperation/fund/new/" not in listing
    assert client.get("/cooperation/fund/new/").status_code == 403
    assert client.post("/cooperation/fund/new/", form_post(suzhou_tongren)).status_code == 403
    page = client.get(f"/cooperation/fund/{fund.pk}/")
    assert page.status_code == 200 and 'data-testid="record-form"' not in page.content.decode()
    assert client.post(f"/cooperation/fund/{fund.pk}/", {**FUND, "amount": "1"}).status_code == 403
    assert client.post(f"/cooperation/fund/{fund.pk}/delete/").status_code == 403
    assert Fund.objects.get().amount == Decimal("1200")


def test_a_read_view_names_the_large_sum_confirmation_only_where_given(
    suzhou_tongren: Pairing, suzhou_reporter: Any, viewer: Any
) -> None:
    project = dict(PROJECT)
    plain = create(suzhou_tongren, "project", project)
    page = client_for(viewer).get(f"/cooperation/project/{plain.pk}/").content.decode()
    facts = page.split('data-testid="record-values"')[1].split("</dl>")[0]
    assert "茶叶加工厂" in facts and "确认大额" not in facts
    confirmed = create(suzhou_tongren, "project", {**project, "confirmed_large": "是"})
    page = client_for(viewer).get(f"/cooperation/project/{confirmed.pk}/").content.decode()
    assert "确认大额" in page.split('data-testid="record-values"')[1].split("</dl>")[0]


def test_a_locked_report_refuses_edits(
    suzhou_tongren: Pairing, suzhou_reporter: Any, jiangsu_reviewer: Any
) -> None:
    fund = create(suzhou_tongren, "fund", FUND)
    services.report_submit(actor=suzhou_reporter, report=fund.report)
    services.report_review(actor=jiangsu_reviewer, report=fund.report, approve=True)
    client = client_for(suzhou_reporter)
    url = f"/cooperation/fund/{fund.pk}/"
    page = client.get(url).content.decode()
    assert 'data-testid="locked"' in page and 'data-testid="record-form"' not in page
    assert 'data-testid="record-delete"' not in page
    response = client.post(url, {**FUND, "amount": "1"})
    assert "已审核锁定" in " ".join(response.context["form"].non_field_errors())
    response = client.post(f"{url}delete/", follow=True)
    assert "不能删除" in response.content.decode()
    report = client.get(f"/cooperation/reports/{fund.report_id}/").content.decode()
    assert "已审核锁定" in report and 'data-testid="submit-' not in report
    assert Fund.objects.get().amount == Decimal("1200")


def test_submit_review_return_and_unlock(
    suzhou_tongren: Pairing, suzhou_reporter: Any, jiangsu_reviewer: Any
) -> None:
    fund = create(suzhou_tongren, "fund", FUND)
    report = fund.report
    reporter = client_for(suzhou_reporter)
    mine = reporter.get("/cooperation/reports/")
    assert [(r.pk, c["fund"]) for r, c in mine.context["mine"]] == [(report.pk, 1)]
    reporter.post(f"/cooperation/reports/{report.pk}/", {"action": "submit"})
    report.refresh_from_db()
    assert report.state == State.SUBMITTED

    reviewer = client_for(jiangsu_reviewer)
    queue = reviewer.get("/cooperation/reports/")
    assert [r.pk for r, _ in queue.context["to_review"]] == [report.pk]
    assert reporter.get("/cooperation/reports/").context["to_review"] == []  # not a reviewer
    # Returning needs a comment; the refusal is shown and nothing changes.
    response = reviewer.post(
        f"/cooperation/reports/{report.pk}/", {"action": "return", "back": "reports"}, follow=True
    )
    assert "退回须说明理由" in response.content.decode()
    report.refresh_from_db()
    assert report.state == State.SUBMITTED
    response = reviewer.post(
        f"/cooperation/reports/{report.pk}/",
        {"action": "return", "comment": "拨付日期缺失", "back": "reports"},
    )
    assert response["Location"] == "/cooperation/reports/"
    report.refresh_from_db()
    assert (report.state, report.comment) == (State.RETURNED, "拨付日期缺失")

    reporter.post(f"/cooperation/reports/{report.pk}/", {"action": "submit"})
    reviewer.post(f"/cooperation/reports/{report.pk}/", {"action": "approve"})
    report.refresh_from_db()
    assert report.state == State.APPROVED
    assert [r.pk for r, _ in reviewer.get("/cooperation/reports/").context["approved"]] == [
        report.pk
    ]
    # The reporter cannot unlock; the reviewer can, with a reason.
    reporter.post(f"/cooperation/reports/{report.pk}/", {"action": "unlock", "comment": "x"})
    report.refresh_from_db()
    assert report.state == State.APPROVED
    reviewer.post(f"/cooperation/reports/{report.pk}/", {"action": "unlock", "comment": ""})
    report.refresh_from_db()
    assert report.state == State.APPROVED
    reviewer.post(f"/cooperation/reports/{report.pk}/", {"action": "unlock", "comment": "金额有误"})
    report.refresh_from_db()
    assert (report.state, report.comment) == (State.RETURNED, "解锁：金额有误")


def test_report_detail_lists_records_by_kind(
    suzhou_tongren: Pairing, suzhou_reporter: Any, django_assert_max_num_queries: Any
) -> None:
    fund = create(suzhou_tongren, "fund", FUND)
    create(
        suzhou_tongren,
        "consumption",
        {
            "date": "2026-07-01",
            "buyer": "苏州某超市",
            "seller": "沿河合作社",
            "product": "白茶",
            "amount": "85",
        },
    )
    client = client_for(suzhou_reporter)
    client.get("/")  # the session keeps the to-do count from here on
    # One scoped read per kind (scope + records), not one per record.
    with django_assert_max_num_queries(22):
        response = client.get(f"/cooperation/reports/{fund.report_id}/")
    kinds = [spec.kind for spec, _ in response.context["sections"]]
    assert kinds == ["fund", "consumption"]
    assert "白茶" in response.content.decode()


def _aid_records(pairing: Pairing) -> None:
    create(pairing, "fund", FUND)
    create(pairing, "fund", {**FUND, "kind": "社会捐赠资金", "amount": "300.5"})
    create(pairing, "fund", {**FUND, "date": "2025-05-01", "amount": "900"}, year=2025)
    project = dict(PROJECT)
    create(pairing, "project", project)
    create(
        pairing, "project", {**project, "name": "道路", "sector": "基础设施", "budget_east": "50"}
    )
    for kind, trainees in (("贫困劳动力", "45"), ("贫困劳动力", "30"), ("致富带头人", "12")):
        create(
            pairing,
            "training",
            {
                "date": "2026-06-10",
                "training_kind": kind,
                "title": "培训",
                "days": "3",
                "trainees": trainees,
            },
        )


def _series(overview: Any, key: str) -> dict[str, list[Any]]:
    panel = next(p for p in overview.panels if p.key == key)
    return {s.name: s.values for s in panel.series}


def test_pairing_overview_equals_the_records_sums(
    suzhou_tongren: Pairing, hangzhou_fund: Fund, suzhou_reporter: Any
) -> None:
    _aid_records(suzhou_tongren)
    # Drafts are left out unless asked for: these records are all in draft reports.
    reported = client_for(suzhou_reporter).get(f"/pairings/{suzhou_tongren.pk}/aid/")
    assert reported.context["overview"].empty and "不含填报中的草稿" in reported.content.decode()
    response = client_for(suzhou_reporter).get(f"/pairings/{suzhou_tongren.pk}/aid/?state=all")
    overview = response.context["overview"]
    assert overview.years == [2025, 2026]
    funds = _series(overview, "funds")
    for label, kind in (("财政援助资金", "fiscal"), ("社会捐赠资金", "social")):
        for i, year in enumerate(overview.years):
            total = Fund.objects.filter(
                kind=kind, report__year=year, report__pairing=suzhou_tongren
            ).aggregate(s=Sum("amount"))
            assert funds[label][i] == (total["s"] or 0), (label, year)
    budgets = _series(overview, "budgets")
    assert budgets["东部财政资金"][1] == Project.objects.aggregate(s=Sum("budget_east"))["s"]
    assert budgets["地方配套资金"][1] == Decimal("400")
    assert _series(overview, "projects") == {"产业": [0, 1], "基础设施": [0, 1]}
    assert _series(overview, "trainees") == {"致富带头人": [0, 12], "贫困劳动力": [0, 75]}
    assert _series(overview, "trainings") == {"致富带头人": [0, 1], "贫困劳动力": [0, 2]}
    html = response.content.decode()
    assert 'id="aid-data"' in html and "xiezuo/cooperation.js" in html and "<script>" not in html
    assert response.context["chart"]["panels"][0]["series"][0]["data"] == [900.0, 1200.0]
    # Only approved reports, when asked.
    Report.objects.filter(year=2025).update(state=State.APPROVED)
    approved = client_for(suzhou_reporter).get(f"/pairings/{suzhou_tongren.pk}/aid/?state=approved")
    assert approved.context["overview"].years == [2025]
    detail = client_for(suzhou_reporter).get(f"/pairings/{suzhou_tongren.pk}/").content.decode()
    assert f'href="/pairings/{suzhou_tongren.pk}/aid/"' in detail


def test_region_overview_is_scoped(
    suzhou_tongren: Pairing, hangzhou_fund: Fund, suzhou_reporter: Any, national_user: Any
) -> None:
    _aid_records(suzhou_tongren)
    client = client_for(suzhou_reporter)
    for code in (TONGREN, SUZHOU):
        response = client.get(f"/cooperation/regions/{code}/?state=all")
        assert response.status_code == 200, code
        funds = _series(response.context["overview"], "funds")
        assert funds["财政援助资金"] == [Decimal("900"), Decimal("1200")], code
    # 沿河 is neither the helped side of 苏州 → 铜仁 nor its reporter, but the money and the
    # projects of that pair landed there; 碧江 got none of it.
    yanhe = client.get(f"/cooperation/regions/{YANHE}/?state=all").context["overview"]
    assert _series(yanhe, "funds")["财政援助资金"] == [Decimal("900"), Decimal("1200")]
    assert client.get("/cooperation/regions/520602/?state=all").context["overview"].empty
    assert client.get(f"/cooperation/regions/{QIANDONGNAN}/").status_code == 404
    national = client_for(national_user).get(f"/cooperation/regions/{QIANDONGNAN}/?state=all")
    assert _series(national.context["overview"], "funds") == {"财政援助资金": [Decimal("700")]}
    region_page = client.get(f"/regions/{YANHE}/").content.decode()
    assert f'href="/cooperation/regions/{YANHE}/"' in region_page


def test_a_resubmitted_report_shows_its_history_not_the_old_review(
    suzhou_tongren: Pairing, suzhou_reporter: Any, jiangsu_reviewer: Any
) -> None:
    report = create(suzhou_tongren, "fund", FUND).report
    services.report_submit(actor=suzhou_reporter, report=report)
    services.report_review(actor=jiangsu_reviewer, report=report, approve=False, comment="用途不明")
    services.report_submit(actor=suzhou_reporter, report=report)
    page = client_for(suzhou_reporter).get(f"/cooperation/reports/{report.pk}/").content.decode()
    assert 'data-testid="report-comment"' not in page  # the old reason is not the present state
    timeline = page[page.index('data-testid="report-timeline"') :]
    assert timeline.index("step-returned") < timeline.index("用途不明")
    assert timeline.count('data-testid="step-submitted"') == 2


def test_the_new_record_form_says_first_which_reports_are_closed(
    suzhou_tongren: Pairing, suzhou_reporter: Any
) -> None:
    from django.utils import timezone

    report = create(suzhou_tongren, "fund", FUND, year=timezone.localdate().year).report
    client = client_for(suzhou_reporter)
    assert (
        'data-testid="closed-reports"' not in client.get("/cooperation/fund/new/").content.decode()
    )
    services.report_submit(actor=suzhou_reporter, report=report)
    page = client.get("/cooperation/fund/new/").content.decode()
    assert 'data-testid="closed-reports"' in page and f"/cooperation/reports/{report.pk}/" in page


def test_the_place_picker_offers_only_the_helped_side_of_the_record_pairing(
    suzhou_tongren: Pairing, suzhou_reporter: Any
) -> None:
    client = client_for(suzhou_reporter)

    def offered(**extra: Any) -> list[str]:
        page = client.get(
            "/regions/search/",
            {"format": "options", "field": "recipient", "recipient": "区", **extra},
            HTTP_HX_REQUEST="true",
        ).content.decode()
        return re.findall(r'<option value="(\d+)"', page)

    everywhere = offered()
    assert any(not c.startswith("5206") for c in everywhere)  # 苏州's own districts
    helped = offered(pairing=suzhou_tongren.pk)
    assert helped and all(c.startswith("5206") for c in helped)
    # A pairing the user may not see narrows nothing, so it reveals nothing.
    assert offered(pairing=999999) == everywhere
    # The forms send the pairing along: the new-record form the chosen one, an edit form its own.
    form = client.get("/cooperation/fund/new/").content.decode()
    assert 'hx-include="[name=pairing]"' in form
    assert '<select name="reporter"' in form and "苏州市（320500）" in form
    fund = create(suzhou_tongren, "fund", FUND)
    edit = client.get(f"/cooperation/fund/{fund.pk}/").content.decode()
    assert f"&quot;pairing&quot;: {suzhou_tongren.pk}" in edit
