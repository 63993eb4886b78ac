"""Workers from the registry, postings and their rules, matching runs, decisions, placements
and the placement import."""

from __future__ import annotations

import datetime

import pytest

from tests.conftest import SUZHOU, WUZHONG, YANHE
from tests.labour.conftest import CODE, TODAY, placement_in, posting_in
from xiezuo.core.errors import Forbidden, UserError
from xiezuo.labour import services
from xiezuo.labour.choices import MatchState, PlacementFlag, WorkerFlag
from xiezuo.labour.models import Match, Placement, Worker
from xiezuo.registry import idnumbers
from xiezuo.registry.choices import Status
from xiezuo.registry.models import Household


def test_workers_come_from_working_age_members_with_capacity(members, county_user):
    report = services.workers_sync(actor=county_user, region_code=YANHE, today=TODAY)
    assert report.created == 2
    assert sorted(Worker.objects.values_list("name", flat=True)) == ["人1", "人2"]
    assert {w.county_id for w in Worker.objects.all()} == {YANHE}


def test_members_who_leave_are_flagged_not_deleted(members, county_user):
    services.workers_sync(actor=county_user, region_code=YANHE, today=TODAY)
    first, second = members[0], members[1]
    Household.objects.filter(pk=first.household_id).update(status=Status.CANCELLED)
    second.delete()
    report = services.workers_sync(actor=county_user, region_code=YANHE, today=TODAY)
    assert report.created == 0
    assert Worker.objects.count() == 2
    flags = dict(Worker.objects.values_list("name", "flag"))
    assert flags == {"人1": WorkerFlag.CANCELLED, "人2": WorkerFlag.GONE}
    # Later the first one's ageing out would be a flag of its own, tested by the date:
    Household.objects.filter(pk=first.household_id).update(status=Status.NOT_EXITED)
    services.workers_sync(actor=county_user, region_code=YANHE, today=datetime.date(2051, 1, 1))
    assert Worker.objects.get(name="人1").flag == WorkerFlag.AGE


def test_another_county_may_not_sync(members, other_county_user):
    other_county_user.roles = ["reporter"]
    other_county_user.save()
    with pytest.raises(Forbidden):
        services.workers_sync(actor=other_county_user, region_code=YANHE, today=TODAY)


@pytest.mark.parametrize(
    ("over", "field", "needle"),
    [
        ({"employer_code": CODE[:-1] + "0"}, "employer_code", "校验位"),
        ({"wage": 1500}, "wage", "低于当地最低工资标准 2020 元"),
        ({"slots": 0}, "slots", "至少为 1"),
        ({"requirements": "限汉族"}, "requirements", "民族"),
        ({"requirements": "须本地户口"}, "requirements", "户籍"),
        ({"requirements": "乙肝携带者勿扰"}, "requirements", "传染病"),
        ({"requirements": "限男性"}, "requirements", "法定理由"),
        ({"age_min": 14}, "age_min", "16–60"),
        ({"place": "320500"}, "place", "县级"),
    ],
)
def test_a_bad_posting_is_refused_with_the_reason(suzhou_reporter, over, field, needle):
    with pytest.raises(UserError) as caught:
        services.posting_create(actor=suzhou_reporter, data=posting_in(**over))
    assert any(p.where == field and needle in p.message for p in caught.value.problems)


def test_a_sex_requirement_with_its_legal_reason_is_allowed(suzhou_reporter):
    p = services.posting_create(
        actor=suzhou_reporter, data=posting_in(requirements="限男性", sex_reason="井下作业")
    )
    assert p.pk


def test_an_eastern_unit_posts_only_for_itself(suzhou_reporter):
    with pytest.raises(Forbidden):
        services.posting_create(actor=suzhou_reporter, data=posting_in(east_unit="330100"))


def test_a_run_proposes_explained_matches_and_reruns_keep_accepted_ones(
    members, county_user, suzhou_reporter, pairs
):
    services.workers_sync(actor=county_user, region_code=YANHE, today=TODAY)
    one = services.posting_create(actor=suzhou_reporter, data=posting_in(slots=1, wage=9000))
    services.posting_create(actor=suzhou_reporter, data=posting_in(slots=1, wage=4000))
    run = services.match_run(actor=county_user, west_code=YANHE, today=TODAY)
    assert run.method == "exact" and run.matched == 2 and "最优性证明" in run.proof
    matches = list(Match.objects.filter(run=run))
    assert len(matches) == 2
    # 沿河 (铜仁) is paired with 苏州: +40 on both.
    assert all(m.parts["paired"] == 40 and "结对 +40" in m.explanation for m in matches)
    best = next(m for m in matches if m.posting_id == one.pk)
    assert services.matches_decide(actor=county_user, match_ids=[best.pk], accept=True) == 1
    rerun = services.match_run(actor=county_user, west_code=YANHE, today=TODAY)
    # The accepted match stays; the other worker is proposed again; nothing is doubled.
    assert Match.objects.filter(state=MatchState.ACCEPTED).count() == 1
    proposed = Match.objects.filter(state=MatchState.PROPOSED)
    assert [m.run_id for m in proposed] == [rerun.pk]
    assert proposed.get().worker_id != best.worker_id
    assert proposed.get().posting_id != one.pk


def test_accepting_past_the_slots_or_twice_is_refused(members, county_user, suzhou_reporter, pairs):
    services.workers_sync(actor=county_user, region_code=YANHE, today=TODAY)
    posting = services.posting_create(actor=suzhou_reporter, data=posting_in(slots=1))
    run = services.match_run(actor=county_user, west_code=YANHE, today=TODAY)
    proposed = Match.objects.get(run=run)
    # Meanwhile the only slot went to someone else (another county's accepted match).
    other = Worker.objects.exclude(pk=proposed.worker_id).get()
    Match.objects.create(
        run=run,
        worker=other,
        posting=posting,
        score=100,
        explanation="-",
        state=MatchState.ACCEPTED,
    )
    with pytest.raises(UserError, match="名额已满"):
        services.matches_decide(actor=county_user, match_ids=[proposed.pk], accept=True)
    assert services.matches_decide(actor=county_user, match_ids=[proposed.pk], accept=False) == 1
    with pytest.raises(UserError, match="已拒绝"):
        services.matches_decide(actor=county_user, match_ids=[proposed.pk], accept=True)


def test_placements_are_flagged_not_dropped(members, county_user):
    services.workers_sync(actor=county_user, region_code=YANHE, today=TODAY)
    number = idnumbers.make_resident_id(YANHE, datetime.date(1990, 1, 1), 1, male=True)
    first = services.placement_create(actor=county_user, data=placement_in(number))
    assert first.flags == [] and first.worker is not None and first.organised
    overlap = services.placement_create(
        actor=county_user, data=placement_in(number, start=datetime.date(2020, 5, 1))
    )
    assert overlap.flags == [PlacementFlag.OVERLAP]
    stranger = idnumbers.make_resident_id(YANHE, datetime.date(2006, 1, 1), 9, male=True)
    young = services.placement_create(actor=county_user, data=placement_in(stranger))
    assert set(young.flags) == {PlacementFlag.UNREGISTERED, PlacementFlag.UNDER_AGE}
    assert Placement.objects.count() == 3


def test_placement_import_kind_is_registered_and_checks_rows(members, county_user):
    from xiezuo.imports import kinds
    from xiezuo.imports.tabular import Context, RowError
    from xiezuo.labour import importing

    assert "labour_placements" in {k.kind for k in kinds.all_kinds()}
    number = idnumbers.make_resident_id(YANHE, datetime.date(1990, 1, 1), 1, male=True)
    row = {
        "person_name": "人1",
        "id_number": number,
        "employer": "某厂",
        "place": WUZHONG,
        "start": "2020-03-01",
        "wage": "4500",
        "organiser": "东部单位",
        "organiser_region": SUZHOU,
        "proofs": "劳动合同;工资流水",
    }
    data = importing.check_row(row, Context(user=county_user), 2)
    assert data.proofs == ["contract", "wages"]
    with pytest.raises(RowError) as caught:
        importing.check_row({**row, "end": "2020-01-01"}, Context(user=county_user), 3)
    assert caught.value.column == "end"
    counts = importing.write([data], county_user)
    assert counts == {"就业记录": 1, "其中有标记": 0}


def test_an_accepted_match_becomes_an_organised_placement(
    members, county_user, suzhou_reporter, pairs
):
    services.workers_sync(actor=county_user, region_code=YANHE, today=TODAY)
    posting = services.posting_create(actor=suzhou_reporter, data=posting_in(slots=1))
    services.match_run(actor=county_user, west_code=YANHE, today=TODAY)
    match = Match.objects.get()
    with pytest.raises(UserError, match="已接受"):
        services.placement_from_match(actor=county_user, match=match, start=TODAY)
    services.matches_decide(actor=county_user, match_ids=[match.pk], accept=True)
    match.refresh_from_db()
    placement = services.placement_from_match(
        actor=county_user, match=match, start=datetime.date(2020, 7, 1), proofs=["contract"]
    )
    assert placement.organised and placement.organiser_region_id == SUZHOU
    assert placement.place_id == posting.place_id and placement.wage == posting.wage
    assert placement.flags == [] and placement.source == "match"
    with pytest.raises(UserError, match="已登记"):
        services.placement_from_match(actor=county_user, match=match, start=TODAY)


# --- region reach: what the attack test (tests/security) found -----------------------------

LINXIA = "622921"  # 临夏县: none of 苏州's or 沿河's pairings


def test_a_posting_lies_at_home_or_in_a_paired_region(suzhou_reporter, pairs):
    # 沿河 lies in 铜仁, 苏州's partner: a job placed there is offered to its workers.
    assert services.posting_create(actor=suzhou_reporter, data=posting_in(place=YANHE)).pk
    with pytest.raises(Forbidden, match="结对地区"):
        services.posting_create(actor=suzhou_reporter, data=posting_in(place=LINXIA))


def test_a_run_offers_no_posting_of_an_unpaired_unit(members, county_user, suzhou_reporter, pairs):
    services.workers_sync(actor=county_user, region_code=YANHE, today=TODAY)
    paired = services.posting_create(actor=suzhou_reporter, data=posting_in(slots=1))
    # 思明区 (厦门) is paired with 临夏, not with 沿河: its job, which the second worker would
    # take, is not 沿河's to see.
    services.posting_create(
        actor=None, data=posting_in(slots=5, east_unit="350203", place="350203")
    )
    run = services.match_run(actor=county_user, west_code=YANHE, today=TODAY)
    assert run.matched == 1
    assert set(Match.objects.filter(run=run).values_list("posting_id", flat=True)) == {paired.pk}


def test_an_organiser_records_placements_only_of_people_of_paired_regions(suzhou_reporter, pairs):
    yanhe = idnumbers.make_resident_id(YANHE, datetime.date(1990, 1, 1), 1, male=True)
    assert services.placement_create(actor=suzhou_reporter, data=placement_in(yanhe)).pk
    linxia = idnumbers.make_resident_id(LINXIA, datetime.date(1990, 1, 1), 1, male=True)
    with pytest.raises(Forbidden, match="结对地区"):
        services.placement_create(actor=suzhou_reporter, data=placement_in(linxia))
    assert not Placement.objects.filter(home_county_id=LINXIA).exists()


def test_ending_a_job_checks_its_dates_and_reworks_the_overlap_flags(
    members, county_user, other_county_user, client
):
    number = idnumbers.make_resident_id(YANHE, datetime.date(1990, 1, 1), 1, male=True)
    first = services.placement_create(actor=county_user, data=placement_in(number))
    second = services.placement_create(
        actor=county_user, data=placement_in(number, start=datetime.date(2020, 9, 1))
    )
    assert second.flags == [PlacementFlag.OVERLAP]
    with pytest.raises(UserError, match="早于开始日期"):
        services.placement_end(actor=county_user, placement=first, end=datetime.date(2020, 1, 1))
    with pytest.raises(UserError, match="还没有到"):
        services.placement_end(actor=county_user, placement=first, end=datetime.date(2999, 1, 1))
    with pytest.raises(Forbidden):
        services.placement_end(
            actor=other_county_user, placement=first, end=datetime.date(2020, 8, 1)
        )
    # The first job ended before the second began: neither overlaps any more.
    services.placement_end(actor=county_user, placement=first, end=datetime.date(2020, 8, 31))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.end == datetime.date(2020, 8, 31) and first.flags == [] and second.flags == []
    # Undone through the page: the overlap is back on both.
    client.force_login(county_user)
    client.post(f"/labour/placements/{first.pk}/end/", {"end": ""})
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.end is None and PlacementFlag.OVERLAP in first.flags and second.flags
    bad = client.post(f"/labour/placements/{first.pk}/end/", {"end": "2020-13-01"}, follow=True)
    assert "不是日期" in bad.content.decode()
    # The API ends it too; another county is told the record does not exist.
    api = client.post(
        f"/api/labour/placements/{first.pk}/end",
        {"end": "2020-08-31"},
        content_type="application/json",
    )
    assert api.status_code == 200 and api.json()["end"] == "2020-08-31"
    client.force_login(other_county_user)
    assert client.post(f"/labour/placements/{first.pk}/end/", {"end": ""}).status_code == 404


def test_the_quarterly_check_sets_each_workers_employment_from_the_placements(
    members, county_user, other_county_user, client
):
    from xiezuo.labour.models import EmploymentStatus

    services.workers_sync(actor=county_user, region_code=YANHE, today=TODAY)
    number = idnumbers.make_resident_id(YANHE, datetime.date(1990, 1, 1), 1, male=True)
    placed = services.placement_create(
        actor=county_user, data=placement_in(number, start=datetime.date(2024, 2, 1))
    )
    working = placed.worker
    other = Worker.objects.exclude(pk=working.pk).order_by("pk").first()
    with pytest.raises(UserError, match="季度"):
        services.quarter_check(actor=county_user, region_code=YANHE, year=2024, quarter=5)
    with pytest.raises(UserError, match="还没有开始"):
        services.quarter_check(actor=county_user, region_code=YANHE, year=2099, quarter=1)
    with pytest.raises(Forbidden):
        services.quarter_check(actor=other_county_user, region_code=YANHE, year=2024, quarter=2)
    # The county's own office checks its workers; the prefecture above does not overwrite it.
    from tests.factories import UserFactory

    prefecture = UserFactory(username="tr-q", side="west", region_id="520600", roles=["reporter"])
    with pytest.raises(Forbidden, match="县级"):
        services.quarter_check(actor=prefecture, region_code="520600", year=2024, quarter=2)

    def status() -> dict[int, str]:
        rows = EmploymentStatus.objects.filter(year=2024, quarter=2)
        return dict(rows.values_list("worker_id", "status"))

    report = services.quarter_check(actor=county_user, region_code=YANHE, year=2024, quarter=2)
    assert status() == {working.pk: "employed", other.pk: "unemployed"}
    assert report.counts == {"employed": 1, "unemployed": 1}
    # A public-welfare job shows in no placement: set by hand, it survives the next check.
    services.employment_set(actor=county_user, worker=other, year=2024, quarter=2, status="public")
    services.quarter_check(actor=county_user, region_code=YANHE, year=2024, quarter=2)
    assert status() == {working.pk: "employed", other.pk: "public"}
    with pytest.raises(UserError, match="就业状态"):
        services.employment_set(
            actor=county_user, worker=other, year=2024, quarter=2, status="retired"
        )
    # The page shows the counts; the API sets one worker's quarter.
    client.force_login(county_user)
    page = client.get("/labour/").content.decode()
    assert "2024 年第 2 季度" in page and "在岗 1 人" in page and "公益性岗位 1 人" in page
    api = client.post(
        f"/api/labour/workers/{other.pk}/quarters",
        {"year": 2024, "quarter": 2, "status": "self"},
        content_type="application/json",
    )
    assert api.status_code == 200 and api.json()["status"] == "self"
    done = client.post("/labour/quarters/", {"year": "2024", "quarter": "3"}, follow=True)
    assert "2024 年第 3 季度就业核对完成" in done.content.decode()
