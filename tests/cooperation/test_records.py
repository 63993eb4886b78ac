"""Cooperation records through their services: each kind, every bad input named by field,
people linked to the registry, and report → review → lock."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from tests.conftest import SUZHOU, TONGREN, YANHE
from tests.cooperation.conftest import FUND
from tests.factories import UserFactory
from xiezuo.audit.models import AuditEvent
from xiezuo.cooperation import services
from xiezuo.cooperation.choices import State
from xiezuo.cooperation.models import Fund, Industry, Person, Project, Report, Training
from xiezuo.core.errors import Forbidden, NotFound, UserError
from xiezuo.pairing.models import Pairing
from xiezuo.regions.models import Region
from xiezuo.registry.idnumbers import make_resident_id

pytestmark = pytest.mark.django_db


def create(actor: Any, pairing: Pairing, kind: str, raw: dict[str, Any], **kw: Any) -> Any:
    return services.record_create(
        actor=actor,
        kind=kind,
        pairing=pairing,
        reporter=Region.objects.get(code=kw.pop("reporter", SUZHOU)),
        year=kw.pop("year", 2026),
        raw=raw,
        **kw,
    )


def fields_of(exc: pytest.ExceptionInfo[UserError]) -> list[str]:
    return [p.where for p in exc.value.problems]


def test_a_fund_is_saved_in_the_units_draft_report_and_audited(
    suzhou_tongren: Pairing, suzhou_reporter: Any
) -> None:
    fund = create(suzhou_reporter, suzhou_tongren, "fund", FUND)
    assert isinstance(fund, Fund) and str(fund.amount) == "1200.0000"
    report = Report.objects.get()
    assert (report.reporter_id, report.year, report.state) == (SUZHOU, 2026, State.DRAFT)
    assert AuditEvent.objects.filter(object_type="cooperation.fund", action="create").exists()


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"amount": "-5"}, "金额（万元）", "负数"),
        ({"amount": "12000000"}, "金额（万元）", "疑似按元填写"),
        ({"amount": "abc"}, "金额（万元）", "不是数字"),
        ({"date": "2025-12-31"}, "日期", "不在报送年度 2026 年内"),
        ({"date": "2026-13-01"}, "日期", "不是日期"),
        ({"recipient": "330102"}, "拨付至", "不在受帮扶方"),
        ({"kind": "贷款"}, "资金类型", "不是可用的值"),
        ({"amount": "150000"}, "金额（万元）", "超过 10 亿元"),
        ({"disbursed": "2000"}, "已拨付金额", "超过资金总额"),
        ({"source": ""}, "资金来源", "必填"),
    ],
)
def test_bad_fund_fields_are_named_and_nothing_is_written(
    suzhou_tongren: Pairing, suzhou_reporter: Any, change: dict[str, str], field: str, words: str
) -> None:
    with pytest.raises(UserError) as exc:
        create(suzhou_reporter, suzhou_tongren, "fund", {**FUND, **change})
    assert any(p.where == field and words in p.message for p in exc.value.problems), (
        exc.value.problems
    )
    assert not Fund.objects.exists() and not Report.objects.exists()


def test_a_large_county_amount_passes_once_confirmed(
    suzhou_tongren: Pairing, suzhou_reporter: Any
) -> None:
    raw = {
        "date": "2026-05-01",
        "name": "沿河县城供水工程",
        "sector": "基础设施",
        "place": YANHE,
        "budget_east": "90000",
        "budget_local": "20000",
        "status": "在建",
    }
    with pytest.raises(UserError, match="超过 10 亿元"):
        create(suzhou_reporter, suzhou_tongren, "project", raw)
    project = create(suzhou_reporter, suzhou_tongren, "project", {**raw, "confirmed_large": "是"})
    assert isinstance(project, Project) and project.confirmed_large


def test_reporter_must_belong_to_the_pairing_and_to_the_actor(
    suzhou_tongren: Pairing, suzhou_reporter: Any
) -> None:
    with pytest.raises(UserError, match="不属于结对"):
        create(suzhou_reporter, suzhou_tongren, "fund", FUND, reporter="330100")
    tongren_reporter = UserFactory(side="west", region_id=TONGREN, roles=["reporter"])
    with pytest.raises(Forbidden, match="只能填报本地区"):
        create(tongren_reporter, suzhou_tongren, "fund", FUND)  # reporting as 苏州
    viewer = UserFactory(side="east", region_id=SUZHOU, roles=["viewer"])
    with pytest.raises(Forbidden):
        create(viewer, suzhou_tongren, "fund", FUND)
    # The western side reports its own records under the same pairing.
    assert create(tongren_reporter, suzhou_tongren, "fund", FUND, reporter=TONGREN)


def test_industry_checks_the_credit_code(suzhou_tongren: Pairing, suzhou_reporter: Any) -> None:
    raw = {
        "date": "2026-03-01",
        "enterprise": "苏州某食品有限公司",
        "credit_code": "91110000100010433X",
        "investment": "3000",
        "place": YANHE,
        "jobs": "120",
        "poor_employed": "60",
        "workshop": "是",
    }
    with pytest.raises(UserError) as exc:
        create(suzhou_reporter, suzhou_tongren, "industry", raw)
    assert "校验位应为 L" in exc.value.problems[0].message
    made = create(
        suzhou_reporter, suzhou_tongren, "industry", {**raw, "credit_code": "91110000100010433L"}
    )
    assert isinstance(made, Industry) and made.workshop
    with pytest.raises(UserError, match="多于吸纳就业"):
        create(
            suzhou_reporter,
            suzhou_tongren,
            "industry",
            {**raw, "credit_code": "91110000100010433L", "poor_employed": "200"},
        )


def test_trainees_link_to_the_registry_or_are_flagged(
    suzhou_tongren: Pairing,
    suzhou_reporter: Any,
    generated_rows: list[dict[str, str]],
    write_csv: Any,
) -> None:
    from xiezuo.imports import services as imports

    path = write_csv(generated_rows)
    batch = imports.batch_create(kind="registry", filename=path.name, source=path, actor=None)
    imports.batch_commit(imports.batch_parse(batch, user=None), actor=None)
    registered = generated_rows[0]
    stranger = make_resident_id("520627", datetime.date(1990, 1, 1), 7, male=True)
    raw = {"date": "2026-06-10", "training_kind": "贫困劳动力", "title": "家政培训", "days": "7"}
    training = create(
        suzhou_reporter,
        suzhou_tongren,
        "training",
        raw,
        people=[
            services.PersonIn(registered["姓名"], registered["证件号码"]),
            services.PersonIn("王五", stranger),
        ],
    )
    assert isinstance(training, Training) and training.trainees == 2
    people = {p.name: p for p in Person.objects.filter(training=training)}
    assert people[registered["姓名"]].in_registry
    assert not people["王五"].in_registry  # kept and flagged, not dropped
    assert stranger not in people["王五"].id_masked
    with pytest.raises(UserError) as exc:
        create(
            suzhou_reporter,
            suzhou_tongren,
            "training",
            raw,
            people=[services.PersonIn("赵六", "4.30101E+17")],
        )
    assert fields_of(exc) == ["第 1 名人员"]


def test_report_submit_review_lock_and_unlock(
    suzhou_tongren: Pairing, suzhou_reporter: Any, jiangsu_reviewer: Any
) -> None:
    fund = create(suzhou_reporter, suzhou_tongren, "fund", FUND)
    report = fund.report
    suzhou_reviewer = UserFactory(side="east", region_id=SUZHOU, roles=["reviewer"])
    with pytest.raises(UserError, match="待审核"):
        services.report_review(actor=jiangsu_reviewer, report=report, approve=True)
    services.report_submit(actor=suzhou_reporter, report=report)
    # Locked while submitted: no edit, no new record in it, no delete.
    with pytest.raises(UserError, match="待审核"):
        services.record_update(actor=suzhou_reporter, record=fund, raw={**FUND, "amount": "1300"})
    with pytest.raises(UserError, match="报送状态"):
        create(suzhou_reporter, suzhou_tongren, "fund", FUND)
    with pytest.raises(UserError):
        services.record_delete(actor=suzhou_reporter, record=fund)
    # Review is one level up: not by 苏州's own reviewer.
    with pytest.raises(Forbidden, match="上一级"):
        services.report_review(actor=suzhou_reviewer, report=report, approve=True)
    with pytest.raises(UserError, match="说明理由"):
        services.report_review(actor=jiangsu_reviewer, report=report, approve=False)
    services.report_review(actor=jiangsu_reviewer, report=report, approve=False, comment="用途不明")
    assert report.state == State.RETURNED and report.comment == "用途不明"
    services.record_update(actor=suzhou_reporter, record=fund, raw={**FUND, "purpose": "茶产业"})
    services.report_submit(actor=suzhou_reporter, report=report)
    services.report_review(actor=jiangsu_reviewer, report=report, approve=True)
    assert Report.objects.get().state == State.APPROVED
    with pytest.raises(UserError, match="已审核锁定"):
        services.record_update(actor=suzhou_reporter, record=fund, raw=FUND)
    with pytest.raises(UserError, match="理由"):
        services.report_unlock(actor=jiangsu_reviewer, report=report, reason=" ")
    services.report_unlock(actor=jiangsu_reviewer, report=report, reason="审计发现金额有误")
    assert report.state == State.RETURNED
    assert AuditEvent.objects.filter(summary__startswith="unlock: 审计发现").exists()
    # Every step is kept in order, the first return reason included.
    steps = list(report.steps.values_list("action", "comment"))
    assert steps == [
        ("drafted", ""),
        ("submitted", ""),
        ("returned", "用途不明"),
        ("submitted", ""),
        ("approved", ""),
        ("unlocked", "审计发现金额有误"),
    ]


def test_yuan_typed_into_any_amount_column_is_asked_about(
    suzhou_tongren: Pairing, suzhou_reporter: Any
) -> None:
    # 5,000,000 元 of tea typed into the 万元 column reads as 500 亿元.
    raw = {
        "date": "2026-07-01",
        "buyer": "苏州某超市",
        "seller": "沿河县某合作社",
        "product": "沿河白茶",
        "amount": "500000",
    }
    with pytest.raises(UserError) as exc:
        create(suzhou_reporter, suzhou_tongren, "consumption", raw)
    problem = exc.value.problems[0]
    assert problem.where == "金额（万元）" and "应为 50.0000 万元" in problem.message
    made = create(suzhou_reporter, suzhou_tongren, "consumption", raw, confirm_large=True)
    assert str(made.amount) == "500000.0000"


def test_project_beneficiaries_link_to_registered_households_or_are_flagged(
    suzhou_tongren: Pairing,
    suzhou_reporter: Any,
    generated_rows: list[dict[str, str]],
    write_csv: Any,
) -> None:
    from django.test import Client

    from xiezuo.cooperation.models import Beneficiary
    from xiezuo.imports import services as imports
    from xiezuo.registry.models import Household

    path = write_csv(generated_rows)
    batch = imports.batch_create(kind="registry", filename=path.name, source=path, actor=None)
    imports.batch_commit(imports.batch_parse(batch, user=None), actor=None)
    registered = generated_rows[0]["户编号"]
    raw = {
        "date": "2026-05-01",
        "name": "沿河县茶园",
        "sector": "产业",
        "place": YANHE,
        "budget_east": "300",
        "status": "在建",
        "beneficiary_numbers": f"{registered}；520627999999999",
    }
    project = create(suzhou_reporter, suzhou_tongren, "project", raw)
    assert isinstance(project, Project) and project.households == 2
    linked = {b.number: b.in_registry for b in Beneficiary.objects.filter(project=project)}
    assert linked == {registered: True, "520627999999999": False}
    assert project.beneficiary_numbers == f"{registered}；520627999999999"
    # A household registered outside the helped side (杭州) is refused by name.
    Household.objects.create(number="330102000000001", village_id="330102", size=2)
    with pytest.raises(UserError) as exc:
        create(
            suzhou_reporter,
            suzhou_tongren,
            "project",
            {**raw, "name": "别处", "beneficiary_numbers": "330102000000001"},
        )
    assert exc.value.problems[0].where == "受益户编号"
    with pytest.raises(UserError, match="应为 6–30 位数字"):
        create(
            suzhou_reporter,
            suzhou_tongren,
            "project",
            {**raw, "name": "坏号", "beneficiary_numbers": "12a45"},
        )
    client = Client()
    client.force_login(suzhou_reporter)
    page = client.get(f"/cooperation/project/{project.pk}/").content.decode()
    assert 'data-testid="beneficiaries"' in page and "未在建档立卡库中" in page


def test_review_is_one_level_up_and_never_by_the_submitter(
    suzhou_tongren: Pairing, jiangsu_reviewer: Any
) -> None:
    # A 苏州 office with both roles reports for 吴中 (in its region) and submits it …
    both = UserFactory(side="east", region_id=SUZHOU, roles=["reporter", "reviewer"])
    county_pair = suzhou_tongren  # 吴中 lies inside 苏州's side of the pair
    fund = create(both, county_pair, "fund", FUND, reporter="320506")
    services.report_submit(actor=both, report=fund.report)
    # … but cannot approve its own submission, though 苏州 is the level above 吴中.
    with pytest.raises(Forbidden, match="不能审核自己"):
        services.report_review(actor=both, report=fund.report, approve=True)
    # 江苏 is two levels above 吴中: not its reviewer.
    with pytest.raises(Forbidden, match="隔级"):
        services.report_review(actor=jiangsu_reviewer, report=fund.report, approve=True)
    other = UserFactory(side="east", region_id=SUZHOU, roles=["reviewer"])
    services.report_review(actor=other, report=fund.report, approve=True)
    assert fund.report.state == State.APPROVED


def test_a_report_carries_attachments_checked_by_content_and_scoped(
    suzhou_tongren: Pairing, suzhou_reporter: Any, jiangsu_reviewer: Any
) -> None:
    import io

    from django.test import Client

    from xiezuo.cooperation import attachments

    report = create(suzhou_reporter, suzhou_tongren, "fund", FUND).report
    pdf = b"%PDF-1.4\n" + b"x" * 1000
    made = attachments.attachment_add(
        actor=suzhou_reporter, report=report, name="协议.pdf", source=io.BytesIO(pdf)
    )
    assert made.kind == "pdf" and made.size == len(pdf)
    with pytest.raises(UserError, match="不是 PDF"):
        attachments.attachment_add(
            actor=suzhou_reporter, report=report, name="a.pdf", source=io.BytesIO(b"MZ\x90\x00")
        )
    with pytest.raises(UserError, match="内容与扩展名不符"):
        attachments.attachment_add(
            actor=suzhou_reporter, report=report, name="a.png", source=io.BytesIO(pdf)
        )
    with pytest.raises(Forbidden):
        attachments.attachment_add(
            actor=jiangsu_reviewer, report=report, name="b.pdf", source=io.BytesIO(pdf)
        )
    client = Client()
    client.force_login(suzhou_reporter)
    got = client.get(f"/cooperation/attachments/{made.pk}/")
    assert got.status_code == 200 and b"".join(got.streaming_content) == pdf  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(summary__startswith="downloaded attachment").exists()
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = client.post(
        f"/cooperation/reports/{report.pk}/attachments/",
        {"file": SimpleUploadedFile("照片.jpg", b"\xff\xd8\xff\xe0" + b"j" * 100)},
    )
    assert page.status_code == 302 and report.attachments.count() == 2
    shown = client.get(f"/cooperation/reports/{report.pk}/").content.decode()
    assert "照片.jpg" in shown and 'data-testid="attachment-form"' in shown
    stranger = UserFactory(username="hz", side="east", region_id="330100", roles=["viewer"])
    outsider = Client()
    outsider.force_login(stranger)
    assert outsider.get(f"/cooperation/attachments/{made.pk}/").status_code == 404
    services.report_submit(actor=suzhou_reporter, report=report)
    with pytest.raises(UserError, match="不能再添加附件"):
        attachments.attachment_add(
            actor=suzhou_reporter, report=report, name="c.pdf", source=io.BytesIO(pdf)
        )


def test_a_place_typed_by_name_is_found_on_the_helped_side(
    suzhou_tongren: Pairing, suzhou_reporter: Any
) -> None:
    fund = create(
        suzhou_reporter, suzhou_tongren, "fund", {**FUND, "recipient": "沿河土家族自治县"}
    )
    assert fund.recipient_id == YANHE
    town = create(suzhou_reporter, suzhou_tongren, "fund", {**FUND, "recipient": " 官舟镇 "})
    assert town.recipient.name == "官舟镇" and town.recipient_id.startswith(YANHE)
    for name, words in (
        ("官舟", "有 2 处名为“官舟”的地区：官舟镇（520627105）"),
        ("姑苏区", "之内没有名为“姑苏区”"),
    ):
        with pytest.raises(UserError) as exc:
            create(suzhou_reporter, suzhou_tongren, "fund", {**FUND, "recipient": name})
        problems = [p for p in exc.value.problems if p.where == "拨付至"]
        # One message for the field, in the place of "not a code".
        assert len(problems) == 1 and words in problems[0].message, exc.value.problems
    assert Fund.objects.count() == 2


def test_a_county_opens_its_own_report_under_its_prefectures_pairing(
    suzhou_tongren: Pairing, suzhou_reporter: Any, county_user: Any
) -> None:
    from xiezuo.cooperation import selectors

    own = create(
        county_user, suzhou_tongren, "fund", {**FUND, "source": "沿河县财政局"}, reporter=YANHE
    )
    other = create(suzhou_reporter, suzhou_tongren, "fund", FUND)
    assert selectors.report_get(user=county_user, pk=own.report_id).reporter_id == YANHE
    assert [r.pk for r in selectors.report_list(user=county_user)] == [own.report_id]
    listed = selectors.record_list(user=county_user, kind="fund")
    assert [f.pk for f in listed] == [own.pk]
    # The pairing's other reports stay closed to the county.
    with pytest.raises(NotFound):
        selectors.report_get(user=county_user, pk=other.report_id)
