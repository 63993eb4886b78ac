"""A year's assessment end to end on the verification world: locked records and verified people
only, targets from the agreement, the four steps in order by the right users, and scope."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from tests.analytics.conftest import World
from tests.conftest import BIJIANG, SUZHOU, TONGREN, YANHE
from tests.factories import UserFactory
from xiezuo.analytics import services as verify
from xiezuo.assessment import selectors, services
from xiezuo.assessment.choices import RunState, Step
from xiezuo.assessment.models import Result, Run, System
from xiezuo.core.errors import Forbidden, NotFound, UserError

YEAR = 2026
pytestmark = pytest.mark.django_db


def _approve_all() -> None:
    from xiezuo.cooperation.models import Report

    Report.objects.filter(year=YEAR).update(state="approved")


def _fund(world: World, amount: str) -> None:
    from xiezuo.cooperation.models import Fund, Report

    report, _ = Report.objects.get_or_create(
        pairing=world.pairing, reporter_id=SUZHOU, year=YEAR, defaults={"side": "east"}
    )
    Fund.objects.create(
        report=report,
        date=datetime.date(YEAR, 3, 1),
        kind="fiscal",
        source="苏州市财政局",
        recipient_id=TONGREN,
        amount=Decimal(amount),
    )


def _agreement(world: World, *, skip: str = "") -> None:
    from xiezuo.pairing.models import Agreement, Target

    agreement = Agreement.objects.create(pairing=world.pairing, year=YEAR)
    wanted: set[str] = set()
    for side in ("east", "west"):
        for ind in services.system_ensure(YEAR, side).indicators.filter(rule="target_share"):
            wanted.update(ind.params["target"])
    for indicator in sorted(wanted - {skip}):
        Target.objects.create(
            agreement=agreement,
            indicator=indicator,
            value=Decimal(200 if indicator == "fiscal_aid" else 4),
            deadline=datetime.date(YEAR, 12, 31),
            responsible_unit="苏州市",
        )


@pytest.fixture
def scored(world: World, national_user: Any) -> Run:
    from xiezuo.cooperation.models import Training

    # A course reports how many it trained and names some of them; verification takes out the
    # named people it excludes.
    Training.objects.update(trainees=10)
    _fund(world, "150")
    _approve_all()
    _agreement(world)
    verify.run_execute(verify.run_create(actor=None, year=YEAR))
    return services.run_execute(services.run_create(actor=national_user, year=YEAR))


def test_a_year_is_scored_from_locked_records_and_the_agreement(scored: Run) -> None:
    assert scored.state == RunState.DONE
    east = scored.results.get(side="east")
    west = scored.results.get(side="west")
    assert (east.unit_code, west.unit_code) == (SUZHOU, TONGREN)
    fiscal = east.scores.get(name="财政援助资金")
    assert fiscal.value == 150.0 and fiscal.target == 200.0
    assert fiscal.score == Decimal("9.00")  # 150 of 200, weight 12
    # Every figure names the measures behind it, for the drill-down.
    assert fiscal.parts == {"fiscal_aid": 150.0}
    assert east.total == sum(s.score for s in east.scores.all())
    assert east.rank == 1 and east.grade == "差"
    # The labourers trained count only what verification let through (李四 is reported twice
    # and by two units — the double count excludes nobody, the others do).
    from xiezuo.cooperation.models import Training

    trained = west.scores.get(name="培训脱贫劳动力（已核实）")
    reported = sum(t.trainees for t in Training.objects.filter(training_kind="labourers"))
    assert trained.value is not None and 0 < trained.value < reported
    assert selectors.result_of(YEAR, "west", TONGREN) == west


def test_drafts_are_not_counted(world: World) -> None:
    _fund(world, "150")  # the fund's report stays a draft
    from xiezuo.cooperation.models import Report

    Report.objects.filter(year=YEAR).exclude(reporter_id=SUZHOU).update(state="approved")
    _agreement(world)
    verify.run_execute(verify.run_create(actor=None, year=YEAR))
    run = services.run_execute(services.run_create(actor=None, year=YEAR))
    assert run.results.get(side="east").scores.get(name="财政援助资金").value == 0.0


def test_a_missing_target_refuses_the_run_and_the_last_complete_run_stands(
    scored: Run, world: World
) -> None:
    from xiezuo.pairing.models import Target

    Target.objects.filter(indicator="placements").delete()
    run = services.run_create(actor=None, year=YEAR)
    with pytest.raises(UserError) as exc:
        services.run_execute(run)
    text = str(exc.value)
    assert "placements" in text and "苏州" in text and "E02" in text
    services.run_fail(run.pk, text)
    assert selectors.latest_run(YEAR) == scored


def test_no_run_without_a_verification(world: World) -> None:
    _approve_all()
    _agreement(world)
    with pytest.raises(UserError, match="数据比对"):
        services.run_create(actor=None, year=YEAR)


def test_only_the_national_office_computes(scored: Run, county_user: Any) -> None:
    with pytest.raises(Forbidden):
        services.run_create(actor=county_user, year=YEAR)


def test_the_steps_go_in_order_and_each_by_its_own_side(scored: Run, national_user: Any) -> None:
    tongren = UserFactory(username="tr", side="west", region_id=TONGREN, roles=["reporter"])
    suzhou = UserFactory(username="sz", side="east", region_id=SUZHOU, roles=["reporter"])
    yanhe = UserFactory(username="yh", side="west", region_id=YANHE, roles=["reporter", "admin"])
    assessor = UserFactory(username="as", side="national", roles=["assessor"])
    U = {"year": YEAR, "side": "west", "unit_code": TONGREN}
    with pytest.raises(UserError, match="顺序"):
        services.partner_comment(actor=suzhou, **U, text="早了")
    with pytest.raises(Forbidden):
        services.self_submit(actor=yanhe, **U, text="替上级自评")
    with pytest.raises(UserError, match="理由"):
        services.self_submit(actor=tongren, **U, text="自评", judgements={"W01": {"score": 8}})
    with pytest.raises(UserError, match="0 到 10"):
        services.self_submit(
            actor=tongren,
            **U,
            text="自评",
            judgements={"W01": {"score": 11, "reason": "x"}},
        )
    a = services.self_submit(
        actor=tongren, **U, text="自评", judgements={"W01": {"score": 8, "reason": "会议"}}
    )
    assert a.step == Step.SELF and a.self_by == tongren
    # The year's systems are frozen: no revision once the assessment has started.
    system = System.objects.get(year=YEAR, side="west")
    with pytest.raises(UserError, match="冻结"):
        services.system_revise(
            actor=national_user, system=system, changes={"W01": {"weight": 5}}, note="x"
        )
    with pytest.raises(Forbidden):
        services.partner_comment(actor=tongren, **U, text="自己评自己")
    a = services.partner_comment(actor=suzhou, **U, text="同意")
    with pytest.raises(Forbidden):  # not assigned yet
        services.cross_submit(actor=assessor, **U, text="核查")
    services.assign(
        actor=national_user, year=YEAR, assessor=assessor, unit_code=TONGREN, side="west"
    )
    a = services.cross_submit(
        actor=assessor,
        **U,
        text="核查属实",
        judgements={"W01": {"score": 6, "reason": "纪要不全"}},
    )
    assert a.judgements["W01"]["score"] == 6.0
    with pytest.raises(Forbidden):
        services.finalise(actor=assessor, **U, grade="好")
    computed = selectors.result_of(YEAR, "west", TONGREN)
    assert computed is not None
    other = "好" if computed.grade != "好" else "差"
    with pytest.raises(UserError, match="理由"):
        services.finalise(actor=national_user, **U, grade=other)
    with pytest.raises(UserError, match="可选"):
        services.finalise(actor=national_user, **U, grade="优秀")
    a = services.finalise(actor=national_user, **U, grade=computed.grade)
    assert a.step == Step.FINAL
    from xiezuo.audit.models import AuditEvent

    trail = AuditEvent.objects.filter(object_type="assessment.assessment", object_id=str(a.pk))
    assert [e.after["step"] for e in trail.order_by("pk")] == ["self", "partner", "cross", "final"]
    assert trail.order_by("pk").last().actor == national_user
    # The cross-assessor's judgement counts in the next run.
    rerun = services.run_execute(services.run_create(actor=national_user, year=YEAR))
    assert rerun.results.get(side="west").scores.get(code="W01").score == Decimal("6.00")


def test_a_revision_is_a_new_version_and_a_bad_one_names_the_indicator(
    world: World, national_user: Any, county_user: Any
) -> None:
    system = services.system_ensure(2027, "east")
    with pytest.raises(Forbidden):
        services.system_revise(actor=county_user, system=system, changes={}, note="x")
    with pytest.raises(UserError) as exc:
        services.system_revise(
            actor=national_user, system=system, changes={"E02": {"weight": 20}}, note="调权重"
        )
    assert "108" in str(exc.value)
    with pytest.raises(UserError) as exc:
        services.system_revise(
            actor=national_user,
            system=system,
            changes={"E02": {"formula": "placements + wages"}},
            note="公式",
        )
    assert "E02" in str(exc.value) and "wages" in str(exc.value)
    revised = services.system_revise(
        actor=national_user,
        system=system,
        changes={"E02": {"weight": 7}, "E03": {"weight": 13}},
        note="稳定就业更重要",
    )
    assert revised.version == 2 and services.current_system(2027, "east") == revised
    assert system.indicators.get(code="E02").weight == 12  # the old version is kept as it was


def test_a_scorecard_is_shown_to_its_own_partners_and_above_and_to_nobody_else(
    scored: Run, client: Client
) -> None:
    url = f"/assessment/{YEAR}/west/{TONGREN}/"
    cases = [
        (UserFactory(username="v-tr", side="west", region_id=TONGREN), 200),
        (UserFactory(username="v-sz", side="east", region_id=SUZHOU), 200),  # the partner
        (UserFactory(username="v-js", side="east", region_id="320000"), 200),  # above it
        (UserFactory(username="v-gz", side="west", region_id="520000"), 200),  # above 铜仁
        # A county does not read its prefecture's data, nor does anyone unrelated.
        (UserFactory(username="v-yh", side="west", region_id=YANHE), 404),
        (UserFactory(username="v-bj", side="west", region_id=BIJIANG), 404),
        (UserFactory(username="v-far", side="west", region_id="510000"), 404),
    ]
    for user, status in cases:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status, user.username
        if status == 404:
            assert "铜仁" not in response.content.decode()
    client.force_login(cases[-1][0])
    assert client.get("/assessment/").content.decode().count("铜仁市") == 0
    # The Excel export holds what the reader may see, with the drill-down figures.
    # Nothing is left behind by a refused step.
    from xiezuo.assessment.models import Assessment

    client.force_login(cases[1][0])  # 苏州 may read 铜仁's card, not self-assess it
    refused = client.post(url, {"step": "self", "text": "代填"})
    assert refused.status_code == 403
    assert not Assessment.objects.filter(unit_id=TONGREN).exists()
    body = client.get(f"/assessment/{YEAR}/export.xlsx")
    assert body.status_code == 200 and body.content[:2] == b"PK"
    api = client.get(f"/api/assessment/{YEAR}/west/{TONGREN}")
    assert api.status_code == 200 and api.json()["unit"] == TONGREN


def test_with_nothing_computed_the_results_are_empty(world: World) -> None:
    assert selectors.latest_run(YEAR) is None
    with pytest.raises(NotFound):
        services.assessment_open(YEAR, "west", "999999")
    assert Result.objects.count() == 0


def test_an_assigned_assessor_reads_the_units_records_and_changes_nothing(
    scored: Run, national_user: Any, client: Client
) -> None:
    from xiezuo.accounts.scope import scope_for

    assessor = UserFactory(username="as-w", side="west", region_id="510000", roles=["assessor"])
    assert not scope_for(assessor).covers(TONGREN)
    services.assign(
        actor=national_user, year=YEAR, assessor=assessor, unit_code=TONGREN, side="west"
    )
    seen = scope_for(assessor)
    assert seen.covers(YANHE) and seen.covers(SUZHOU)  # the unit and its partner
    assert not seen.covers_own(TONGREN)  # reads, never acts
    client.force_login(assessor)
    assert client.get(f"/assessment/{YEAR}/west/{TONGREN}/").status_code == 200
    assert client.get(f"/assessment/{YEAR}/east/{SUZHOU}/").status_code == 404  # not assigned
    listed = client.get(f"/cooperation/fund/?year={YEAR}").content.decode()
    assert "苏州市财政局" in listed
    with pytest.raises(Forbidden):
        services.self_submit(actor=assessor, year=YEAR, side="west", unit_code=TONGREN, text="x")


def test_the_systems_page_revises_weights_formulas_and_parameters(
    world: World, national_user: Any, client: Client
) -> None:
    system = services.system_ensure(2027, "west")
    client.force_login(national_user)
    url = f"/assessment/systems/{system.pk}/"
    page = client.get(url).content.decode()
    assert "W02" in page and 'name="weight_W02"' in page
    bad = client.post(url, {"weight_W02": "20", "note": "调"}, follow=True).content.decode()
    assert "合计为 108" in bad
    assert System.objects.filter(year=2027, side="west").count() == 1
    bad = client.post(url, {"params_W03": "{oops", "note": "调"}, follow=True).content.decode()
    assert "W03" in bad and "JSON" in bad
    client.post(
        url,
        {
            "weight_W02": "10",
            "weight_W03": "14",
            "params_W03": '{"threshold": 0.002}',
            "note": "返贫更重要",
        },
    )
    revised = services.current_system(2027, "west")
    assert revised is not None and revised.version == 2
    w03 = revised.indicators.get(code="W03")
    assert w03.weight == 14 and w03.params == {"threshold": 0.002}
    # The API reads the same versions and refuses a bad revision naming the indicator.
    api = client.post(
        f"/api/assessment/systems/{revised.pk}/revise",
        {"changes": {"W04": {"formula": "placements / nothing"}}, "note": "试"},
        content_type="application/json",
    )
    assert api.status_code == 400 and "W04" in api.json()["detail"] + str(api.json())
    assert client.get(f"/api/assessment/systems/{revised.pk}").json()["version"] == 2


def test_every_figure_links_to_the_list_behind_it(scored: Run, national_user: Any) -> None:
    from xiezuo.web.assessment_views import _drill

    west = scored.results.get(side="west")
    east = scored.results.get(side="east")
    assert _drill("fiscal_aid", east, YEAR) == (
        f"/cooperation/fund/?year={YEAR}&region={SUZHOU}&state=approved"
    )
    assert _drill("verified_labourers_trained", west, YEAR).startswith("/cooperation/training/")
    assert _drill("exited_people", west, YEAR) == (f"/registry/?region={TONGREN}&exit_year={YEAR}")
    # An eastern unit's results are those of the area it helps.
    assert _drill("returned_people", east, YEAR) == f"/registry/?region={TONGREN}&status=returned"
    assert _drill("poverty_counties", west, YEAR) == f"/regions/{TONGREN}/"
    client = Client()
    client.force_login(national_user)
    for s in west.scores.all():
        for name in s.parts:
            assert client.get(_drill(name, west, YEAR)).status_code == 200, name


def test_people_trained_count_only_those_verification_passed(
    scored: Run, national_user: Any, tmp_path: Any
) -> None:
    from xiezuo.analytics import snapshot
    from xiezuo.analytics.models import Finding
    from xiezuo.assessment import job

    snapshot.export(tmp_path / "snap")

    def figures() -> dict[tuple[str, str], dict[str, float]]:
        verdicts = job.write_verdicts(
            tmp_path / "verdicts.parquet",
            services._verdicts(services.verification_for(YEAR)),
        )
        fig = job.compute(tmp_path / "snap", year=YEAR, verdicts=verdicts)
        return {key: years[YEAR] for key, years in fig.measures.items()}

    # 苏州's pairings trained 10 cadres (碧江's stray course names nobody) and 10 village
    # business leaders (吴中's course) of whom 赵六 lies outside 沿河 (V03): 9 of them count.
    first = figures()
    east, west = first[("east", SUZHOU)], first[("west", TONGREN)]
    assert east["cadres_trained"] == east["verified_cadres_trained"] == 10.0
    assert east["professionals_trained"] == 10.0 and east["verified_professionals_trained"] == 9.0
    # 铜仁's labourers: 20 trained, less 汪芳, 郑十, 王五, 孙七, 周八 (李四's double count
    # leaves him counted once).
    assert west["labourers_trained"] == 20.0 and west["verified_labourers_trained"] == 15.0
    # A dismissed finding leaves the person counted, a confirmed one does not.
    for rule, decision in (("V03", "dismissed"), ("V02", "dismissed"), ("V05", "confirmed")):
        verify.finding_decide(
            actor=national_user,
            finding=Finding.objects.get(run__state="done", rule=rule),
            decision=decision,
            reason="已核实",
        )
    second = figures()
    assert second[("east", SUZHOU)]["verified_professionals_trained"] == 10.0
    assert second[("west", TONGREN)]["verified_labourers_trained"] == 16.0
    # The year's scores follow: the labourers indicator counts 王五 again.
    labourers = scored.results.get(side="west").scores.get(name="培训脱贫劳动力（已核实）")
    again = services.run_execute(services.run_create(actor=national_user, year=YEAR))
    now = again.results.get(side="west").scores.get(name="培训脱贫劳动力（已核实）")
    assert labourers.value == 15.0 and now.value == 16.0
