"""The world the attack test runs in: two unrelated families of pairings with data of every
kind, and attackers placed around the owners.

Home (the attackers' side): 苏州 → 铜仁 and 吴中 → 沿河, with 60 people of 沿河 registered, a
report of 苏州, and 沿河's workers matched to a posting 苏州 brought, so the attackers' own lists
are not empty.

The victims, in families (each a set of objects with marker strings that must never reach an
attacker the family is foreign to):

- ``county``: 临夏县 (622921) of 临夏州: households and members in a village made for the test,
  the county pair 思明区 → 临夏县 with a report of 思明, an import of a 临夏县 user, that user and
  its API token, a refused login of it (an axes record), a pending pairing 湖里区 → 临夏县; its
  labour: workers synced from its members, a posting 思明 brought (思明攻防劳务公司), a run with
  proposed matches, one accepted and placed.
- ``city``: 厦门 → 临夏州 (2016 list): a submitted report of 厦门, an agreement with a target and a
  task, an optimizer proposal of a 临夏州 user.
- ``other``: 天津 → 甘肃 (2016 list): a report of 天津 — 临夏州's parent's pairing, none of the
  partner 厦门's business.
- ``far``: 福建 → 宁夏 (2016 list): a report of 福建.

The attackers, each with every role (viewer, reporter, reviewer, admin; staff), and the families
foreign to each:

- ``unrelated``: 沿河县 (west, home family) — all four;
- ``unrelated_east``: 苏州市 (east, 铜仁's partner) — all four;
- ``partner``: 厦门市, the owner 临夏州's own partner — ``other`` and ``far``;
- ``child``: 康乐县, a child of the owner 临夏州 other than 临夏县 — all four;
- ``parent``: 甘肃省, the owner's parent — ``far`` (what lies under it is its own).
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.test import Client

from tests.factories import PASSWORD, UserFactory
from xiezuo.accounts import services as accounts
from xiezuo.cooperation import services as cooperation
from xiezuo.cooperation.models import MODELS, Report
from xiezuo.core import crypto
from xiezuo.imports import services as imports
from xiezuo.pairing import optimizing
from xiezuo.pairing import services as pairing
from xiezuo.pairing.models import Pairing
from xiezuo.regions.models import Region
from xiezuo.registry import generator, idnumbers
from xiezuo.registry.vocabulary import TEMPLATE_COLUMNS

YEAR = 2026
ROLES = ["viewer", "reporter", "reviewer", "admin"]
# The test slice has no townships or villages of 甘肃: the owner's are made here.
TOWNSHIP, VILLAGE, OTHER_VILLAGE = "622921100", "622921100201", "622921100202"
TOWNSHIP_NAME, VILLAGE_NAME = "攻防测试镇", "攻防测试村"
FAMILIES = ("county", "city", "other", "far")
LABOUR_DAY = datetime.date(YEAR, 5, 1)
CREDIT_CODE = "91110000100010433L"  # a published code (GB 32100 check characters valid)
SKILL = "K01"  # 焊工
FOREIGN = {
    "unrelated": FAMILIES,
    "unrelated_east": FAMILIES,
    "partner": ("other", "far"),
    "child": FAMILIES,
    "parent": ("far",),
}
ATTACKERS = {
    "unrelated": ("520627", "west"),
    "unrelated_east": ("320500", "east"),
    "partner": ("350200", "east"),
    "child": ("622922", "west"),
    "parent": ("620000", "west"),
}


@dataclass
class Family:
    name: str
    # Ids and codes for the URL and operation templates: {"report": 7, "pairing": 3, …}
    ids: dict[str, Any] = field(default_factory=dict)
    # Strings that only this family's objects hold.
    markers: list[str] = field(default_factory=list)


@dataclass
class World:
    families: dict[str, Family]
    attackers: dict[str, Any]
    home: dict[str, Any]

    def markers(self, attacker: str) -> list[str]:
        return [m for f in FOREIGN[attacker] for m in self.families[f].markers]


def _region(code: str, name: str, level: int, parent: str) -> Region:
    return Region.objects.create(code=code, name=name, level=level, parent_id=parent)


def _csv(tmp: Path, rows: list[dict[str, str]], name: str) -> Path:
    import csv

    path = tmp / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=TEMPLATE_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _register(tmp: Path, county: str, people: int, seed: int, name: str) -> list[dict[str, str]]:
    counties = [Region.objects.get(code=county)]
    rows = list(
        generator.generate_rows(
            people=people, counties=counties, seed=seed, today=datetime.date(2020, 12, 31)
        )
    )
    batch = imports.batch_create(
        kind="registry", filename=name, source=_csv(tmp, rows, name), actor=None
    )
    imports.batch_commit(imports.batch_parse(batch, user=None), actor=None)
    return rows


def _report(pairing_: Pairing, reporter: str, marker: str, *, submit: bool = False) -> Report:
    fund = cooperation.record_create(
        actor=None,
        kind="fund",
        pairing=pairing_,
        reporter=Region.objects.get(code=reporter),
        year=YEAR,
        raw={
            "date": f"{YEAR}-04-01",
            "kind": "财政援助资金",
            "source": marker,
            "recipient": pairing_.west_region_id,
            "amount": "100",
            "purpose": marker + "用途",
        },
    )
    report = fund.report
    if submit:
        report = cooperation.report_submit(actor=None, report=report)
    return report


def _fund(report: Report) -> int:
    return int(MODELS["fund"].objects.get(report=report).pk)


def _labour(
    ids: dict[str, Any],
    rows: list[dict[str, str]],
    county: str,
    east_unit: str,
    employer: str,
    *,
    place: str | None = None,
) -> Any:
    """A county's labour data made as the app makes it: workers synced from the registry, a
    posting of its partner, a run, one match accepted and placed, the others left proposed."""
    from xiezuo.labour import services as labour
    from xiezuo.labour.choices import Sector

    labour.skills_sync()
    labour.workers_sync(actor=None, region_code=county, today=LABOUR_DAY)
    posting = labour.posting_create(
        actor=None,
        data=labour.PostingIn(
            employer=employer,
            employer_code=CREDIT_CODE,
            place=place or east_unit,
            sector=Sector.MANUFACTURING,
            wage=6000,
            slots=3,
            start=LABOUR_DAY,
            east_unit=east_unit,
            dorm=True,
            requirements=employer + "要求",
        ),
    )
    run = labour.match_run(actor=None, west_code=county, today=LABOUR_DAY)
    matches = list(run.matches.select_related("worker").order_by("pk"))
    assert len(matches) >= 2, f"{county}: the run proposed {len(matches)} matches"
    labour.matches_decide(actor=None, match_ids=[matches[0].pk], accept=True)
    accepted = matches[0]
    accepted.refresh_from_db()
    placement = labour.placement_from_match(
        actor=None, match=accepted, start=LABOUR_DAY, proofs=["contract"]
    )
    worker = matches[1].worker
    # The registered member's ID number, from the rows the registry was loaded from.
    number = next(r["证件号码"] for r in rows if crypto.keyed_hash(r["证件号码"]) == worker.id_hash)
    ids.update(
        worker=worker.pk,
        posting=posting.pk,
        matchrun=run.pk,
        match=matches[1].pk,
        placement=placement.pk,
        skill=SKILL,
        person_id=number,
    )
    return posting


def build(tmp: Path) -> World:
    pairing.pairs_2016_load(actor=None)
    pairs = {
        (p.east_region_id, p.west_region_id): p
        for p in Pairing.objects.filter(level__in=[1, 2]).exclude(east_region=None)
    }
    families = {name: Family(name) for name in FAMILIES}

    # Home: the attackers' own data.
    home_rows = _register(tmp, "520627", 60, 7, "yanhe.csv")
    suzhou_tongren = pairs[("320500", "520600")]
    home_report = _report(suzhou_tongren, "320500", "本方资金来源")

    # county: 临夏县.
    county = families["county"]
    _region(TOWNSHIP, TOWNSHIP_NAME, 4, "622921")
    _region(VILLAGE, VILLAGE_NAME, 5, TOWNSHIP)
    _region(OTHER_VILLAGE, "攻防另一村", 5, TOWNSHIP)
    Region.objects.filter(code="622921").update(is_poverty_county=True)
    rows = _register(tmp, "622921", 12, 11, "linxia.csv")
    from xiezuo.registry.models import Household, Member

    households = Household.objects.filter(village__code__startswith="622921").order_by("number")
    for i, member in enumerate(Member.objects.filter(household__in=households).order_by("pk")):
        member.name = f"临夏攻防{i:03d}"
        member.save(update_fields=["name"])
    county.markers += [h.number for h in households] + [
        m.name for m in Member.objects.filter(household__in=households)
    ]
    county.markers += [VILLAGE, TOWNSHIP_NAME, VILLAGE_NAME]
    first = households.first()
    assert first is not None
    county.ids.update(
        household=first.number,
        member=first.members.order_by("pk").first().pk,  # type: ignore[union-attr]
        region=VILLAGE,
        township=TOWNSHIP,
        county="622921",
    )
    linxia_city_pair = pairs[("350200", "622900")]
    county_pair = pairing.pairing_create(
        actor=None,
        east_region=Region.objects.get(code="350203"),
        west=Region.objects.get(code="622921"),
        start_year=2017,
        parent=linxia_city_pair,
    )
    county_report = _report(county_pair, "350203", "思明攻防资金", submit=True)
    county.markers += ["思明攻防资金"]
    county.ids.update(pairing=county_pair.pk, report=county_report.pk)
    county.ids["fund"] = _fund(county_report)
    from xiezuo.cooperation.models import Attachment

    county.ids["attachment"] = Attachment.objects.create(
        report=county_report,
        name="临夏攻防附件.pdf",
        kind="pdf",
        size=8,
        sha256="0" * 64,
        stored="attack-missing.bin",
    ).pk
    county.markers += ["临夏攻防附件"]
    county.ids["record_attachment"] = Attachment.objects.create(
        report=county_report,
        record_kind="fund",
        record_id=county.ids["fund"],
        name="临夏攻防凭证.pdf",
        kind="pdf",
        size=8,
        sha256="0" * 64,
        stored="attack-missing-2.bin",
    ).pk
    county.markers += ["临夏攻防凭证"]
    victim = UserFactory(username="lx-county-victim", side="west", region_id="622921", roles=ROLES)
    county.markers += ["lx-county-victim"]
    token, _key = accounts.api_token_create(user=victim, name="攻防令牌名", actor=None)
    county.ids["user"] = victim.pk
    county.ids["token"] = token.pk
    county.markers += ["攻防令牌名"]
    upload = _csv(tmp, rows[:3], "临夏攻防导入.csv")
    batch = imports.batch_create(
        kind="registry", filename="临夏攻防导入.csv", source=upload, actor=victim
    )
    batch = imports.batch_parse(batch, user=victim)
    county.ids["batch"] = str(batch.pk)
    # Its check told the victim (a notification naming the file).
    from xiezuo.notifications.models import Notification

    county.ids["notification"] = Notification.objects.get(recipient=victim).pk
    county.markers += ["临夏攻防导入"]
    # A refused login of the victim: an axes record about it.
    Client(REMOTE_ADDR="10.9.9.9").post(
        "/login/", {"username": "lx-county-victim", "password": "wrong"}
    )
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.filter(username="lx-county-victim").first()
    county.ids["accessattempt"] = attempt.pk if attempt else 0
    proposed = pairing.pairing_create(
        actor=UserFactory(username="huli-east", side="east", region_id="350206", roles=ROLES),
        east_region=Region.objects.get(code="350206"),
        west=Region.objects.get(code="622921"),
        start_year=2026,
        parent=linxia_city_pair,
    )
    county.ids["proposed"] = proposed.pk
    org = pairing.organisation_get_or_create(
        actor=None,
        name="临夏攻防帮扶企业",
        kind="enterprise",
        region=Region.objects.get(code="350206"),
    )
    # Helping units are a shared directory (any admin may look one up); only their seat's
    # admins may change them, so the organisation is attacked by writes, not by reads.
    county.ids["organisation"] = org.pk
    # A conflict put before the township office: the household claimed for its other village.
    from xiezuo.registry.models import ScopeConflict

    conflict = ScopeConflict.objects.create(
        kind="household",
        household_number=first.number,
        existing=first,
        wanted_village_id=OTHER_VILLAGE,
        office_id=TOWNSHIP,
    )
    county.ids["conflict"] = conflict.pk
    # A verification run of 临夏县 and a finding on its county pair's fund.
    from xiezuo.analytics.models import Finding, Run

    run = Run.objects.create(
        scope="622921", year=YEAR, state="done", progress=100, created_by=victim
    )
    finding = Finding.objects.create(
        run=run,
        key="attack-finding",
        rule="V02",
        severity="error",
        record_kind="fund",
        record_id=county.ids["fund"],
        detail="临夏攻防核查",
        reporter_code="350203",
        pairing_id=county_pair.pk,
        year=YEAR,
        indicator="fund",
    )
    county.ids.update(run=run.pk, finding=finding.pk)
    county.markers += ["临夏攻防核查"]
    # Labour: 临夏县's workers from its registry, a posting its partner 思明 brought, a run with
    # proposed matches, one of them accepted and placed.
    posting = _labour(county.ids, rows, "622921", "350203", "思明攻防劳务公司")
    county.markers += [posting.employer]

    # city: 厦门 → 临夏州.
    city = families["city"]
    city_report = _report(linxia_city_pair, "350200", "厦门攻防资金", submit=True)
    city.markers += ["厦门攻防资金"]
    # Its region key is a county of 临夏州 other than the child's: 临夏州 itself lies on the
    # child's way up, which it may pass through.
    city.ids.update(pairing=linxia_city_pair.pk, report=city_report.pk, county="622901")
    city.ids["fund"] = _fund(city_report)
    agreement = pairing.agreement_create(actor=None, pairing=linxia_city_pair, year=YEAR)
    target = pairing.target_set(
        actor=None,
        agreement=agreement,
        indicator="projects",
        value="7",
        deadline=datetime.date(YEAR, 12, 31),
        responsible_unit="厦门攻防责任单位",
        responsible_person="厦门攻防责任人",
    )
    task = pairing.task_create(
        actor=None, target=target, title="厦门攻防任务", due=datetime.date(YEAR, 6, 30)
    )
    city.ids.update(agreement=agreement.pk, target=target.pk, task=task.pk)
    city.markers += ["厦门攻防责任单位", "厦门攻防责任人", "厦门攻防任务"]
    planner = UserFactory(username="lx-city-victim", side="west", region_id="622900", roles=ROLES)
    proposal = optimizing.proposal_create(
        actor=planner,
        params=optimizing.Params(west_region="622900", needs={"622921": 100.0}),
        title="临夏攻防方案",
    )
    city.ids["proposal"] = proposal.pk
    city.ids["user"] = planner.pk
    city.markers += ["临夏攻防方案", "lx-city-victim"]
    # 临夏州's assessment: a complete run with its scorecard, and its self-assessment filed.
    from django.utils import timezone

    from xiezuo.assessment import models as assessment

    arun = assessment.Run.objects.create(
        year=YEAR, state="done", progress=100, finished_at=timezone.now()
    )
    result = assessment.Result.objects.create(
        run=arun,
        side="west",
        unit_code="622900",
        unit_name="临夏攻防州",
        total=50,
        grade="一般",
        rank=1,
        peers=1,
        pairings=[linxia_city_pair.pk],
    )
    assessment.Score.objects.create(
        result=result,
        code="W01",
        area="组织领导",
        name="临夏攻防指标",
        rule="judgement",
        weight=10,
        score=5,
        note="临夏攻防评语",
    )
    assessment.Assessment.objects.create(
        year=YEAR, side="west", unit_id="622900", step="self", self_text="临夏攻防自评"
    )
    from xiezuo.assessment.services import system_ensure

    city.ids.update(unit="622900", arun=arun.pk, asystem=system_ensure(YEAR, "west").pk)
    city.markers += ["临夏攻防州", "临夏攻防指标", "临夏攻防评语", "临夏攻防自评"]

    # other: 天津 → 甘肃; far: 福建 → 宁夏.
    for name, key, reporter, marker, region in (
        ("other", ("120000", "620000"), "120000", "天津攻防资金", "620100"),
        ("far", ("350000", "640000"), "350000", "福建攻防资金", "640104"),
    ):
        fam = families[name]
        report = _report(pairs[key], reporter, marker, submit=True)
        fam.markers.append(marker)
        fam.ids.update(pairing=pairs[key].pk, report=report.pk, county=region)
        fam.ids["fund"] = _fund(report)
        user = UserFactory(username=f"{name}-victim", side="east", region_id=reporter, roles=ROLES)
        fam.ids["user"] = user.pk
        fam.markers.append(f"{name}-victim")

    # A person of each family's county an attacker may claim to have placed: for 临夏县 a
    # registered member (see _labour), elsewhere an ID number issued there, so only the policy
    # stands between the attacker and the victims' placements.
    for fam in families.values():
        fam.ids.setdefault(
            "person_id",
            idnumbers.make_resident_id(fam.ids["county"], datetime.date(1990, 1, 1), 7, male=True),
        )

    # Home labour, after the victims' posting exists: 沿河's workers, a posting 苏州 brought to
    # 吴中 and a run of 沿河, so the attackers' own labour pages hold matches — and a run that
    # offered 沿河 a posting outside its pairings would show it there.
    home_labour: dict[str, Any] = {}
    _labour(home_labour, home_rows, "520627", "320500", "苏州本方劳务公司", place="320506")

    attackers = {
        name: UserFactory(
            username=f"attacker-{name}", side=side, region_id=code, roles=ROLES, is_staff=True
        )
        for name, (code, side) in ATTACKERS.items()
    }
    home = {
        "rows": home_rows,
        "report": home_report.pk,
        "pairing": suzhou_tongren.pk,
        "password": PASSWORD,
        "labour": home_labour,
    }
    return World(families=families, attackers=attackers, home=home)


def fingerprint(world: World) -> tuple[Any, ...]:
    """The state of everything the victims own (not the audit trail, which records refusals):
    a write that changes any of it is a breach. Rows an attacker creates for itself (its own
    import batch, a pairing it only proposes, the scope conflict its refused import puts before the
    office above both) are not the victims'."""
    from axes.models import AccessAttempt

    from xiezuo.accounts.models import ApiToken, User
    from xiezuo.analytics.models import Finding, Run
    from xiezuo.cooperation.models import Attachment
    from xiezuo.imports.models import ImportBatch
    from xiezuo.labour.models import (
        EmploymentStatus,
        Match,
        MatchRun,
        Placement,
        Posting,
        Skill,
        Worker,
    )
    from xiezuo.notifications.models import Notification
    from xiezuo.pairing.models import Agreement, Organisation, Proposal, Target, Task
    from xiezuo.registry.models import Household, HouseholdIncome, Member, ScopeConflict

    victim_prefixes = ("62", "35", "12", "64")
    region_q = Q()
    for p in victim_prefixes:
        region_q |= Q(code__startswith=p)
    user_q = Q()
    for p in victim_prefixes:
        user_q |= Q(region__code__startswith=p)
    pairings = Pairing.objects.filter(
        Q(west_region__code__startswith="62") | Q(west_region__code__startswith="64")
    )
    reports = Report.objects.filter(pairing__in=pairings)
    households = Household.objects.filter(village__code__startswith="62")
    victims = User.objects.filter(user_q).exclude(username__startswith="attacker-")

    def q(field: str) -> Q:
        out = Q()
        for p in victim_prefixes:
            out |= Q(**{f"{field}__code__startswith": p})
        return out

    def rows(qs: Any) -> list[tuple[Any, ...]]:
        return list(qs.order_by("pk").values_list())

    parts: list[Any] = [
        rows(Region.objects.filter(region_q)),
        rows(households),
        rows(Member.objects.filter(household__in=households)),
        rows(HouseholdIncome.objects.filter(household__in=households)),
        rows(pairings.exclude(status="proposed")),
        # A pending pairing of the victims stays pending and unchanged.
        rows(pairings.filter(pk__in=[world.families["county"].ids["proposed"]])),
        rows(reports),
        rows(Agreement.objects.filter(pairing__in=pairings)),
        rows(Target.objects.filter(agreement__pairing__in=pairings)),
        rows(Task.objects.filter(target__agreement__pairing__in=pairings)),
        rows(Proposal.objects.filter(created_by__in=victims)),
        rows(ImportBatch.objects.filter(created_by__in=victims)),
        rows(victims),
        rows(ApiToken.objects.filter(user__in=victims)),
        rows(AccessAttempt.objects.filter(username__in=victims.values("username"))),
        rows(Organisation.objects.filter(name__contains="攻防")),
        # The conflict the world put before 临夏's township (an attacker's refused import may
        # raise conflicts of its own: those are the attacker's).
        rows(ScopeConflict.objects.filter(pk=world.families["county"].ids["conflict"])),
        rows(Run.objects.filter(created_by__in=victims)),
        rows(Attachment.objects.filter(report__in=reports)),
        # The victims' notifications, unread stay unread (a pairing an attacker proposes to a
        # victim's county does ask that county's offices: that is what a proposal is for).
        rows(Notification.objects.filter(recipient__in=victims).exclude(kind="pairing_proposed")),
        rows(Finding.objects.filter(run__created_by__in=victims)),
    ]
    # Labour: the victims' workers (and their quarters), the postings their units brought or
    # that lie in their regions, the runs and matches of their workers, their placements (by
    # home county, workplace or organiser), and the shared skill list all of them point at.
    workers = Worker.objects.filter(q("county"))
    postings = Posting.objects.filter(q("east_unit") | q("place"))
    parts += [
        rows(workers),
        rows(Worker.skills.through.objects.filter(worker__in=workers)),
        rows(EmploymentStatus.objects.filter(worker__in=workers)),
        rows(postings),
        rows(Posting.skills.through.objects.filter(posting__in=postings)),
        rows(MatchRun.objects.filter(q("west_region"))),
        rows(Match.objects.filter(Q(worker__in=workers) | Q(posting__in=postings))),
        rows(Placement.objects.filter(q("home_county") | q("place") | q("organiser_region"))),
        rows(Skill.objects.all()),
    ]
    # The assessment: every unit's year, and the assessors assigned (a refused step must leave
    # neither an opened year nor an assignment behind).
    from xiezuo.assessment.models import Assessment, Assignment, System
    from xiezuo.assessment.models import Result as AssessmentResult

    parts += [
        rows(System.objects.all()),
        rows(Assessment.objects.all()),
        rows(Assignment.objects.all()),
        rows(AssessmentResult.objects.all()),
    ]
    parts += [rows(model.objects.filter(report__in=reports)) for model in MODELS.values()]
    return tuple(repr(p) for p in parts)


def uploads_dir_ok() -> None:
    Path(settings.XIEZUO_UPLOADS_DIR).mkdir(parents=True, exist_ok=True)


__all__ = ["ATTACKERS", "FAMILIES", "FOREIGN", "YEAR", "World", "build", "fingerprint", "io"]
