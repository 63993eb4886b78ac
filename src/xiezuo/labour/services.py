"""Changes of state in labour cooperation: one service per change, each audited, each asking
`policy` first. Actor None is the platform itself (jobs, tests, the CLI without --actor)."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from xiezuo.accounts.models import User
from xiezuo.audit.models import AuditEvent
from xiezuo.audit.services import audit_record
from xiezuo.core import creditcode, crypto
from xiezuo.core.errors import NotFound, Problem, UserError
from xiezuo.labour import files, matching, policy, rules
from xiezuo.labour.choices import (
    Employment,
    MatchState,
    Organiser,
    PlacementFlag,
    PostingState,
    Sector,
    Source,
    WorkerFlag,
)
from xiezuo.labour.models import (
    EmploymentStatus,
    Match,
    MatchRun,
    Placement,
    Posting,
    Skill,
    Worker,
)
from xiezuo.labour.skills import SKILLS
from xiezuo.regions import codes
from xiezuo.regions.codes import Level
from xiezuo.regions.models import Region
from xiezuo.registry import idnumbers
from xiezuo.registry.choices import LabourSkill, Sex, Status
from xiezuo.registry.models import Member

WORKING_AGE_MIN = 16
# Statutory retirement: men 60, women 50 (workers; 55 for cadres — the registry does not say
# which, so the later age is used and no woman is dropped early).
RETIREMENT = {Sex.MALE: 60, Sex.FEMALE: 55}
CAPABLE = (LabourSkill.ORDINARY, LabourSkill.SKILLED)


def skills_sync() -> int:
    """The shared skill list in the database (codes stable, names updated)."""
    for skill in SKILLS:
        Skill.objects.update_or_create(
            code=skill.code, defaults={"name": skill.name, "occupation": skill.occupation}
        )
    return len(SKILLS)


def age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _working_age(member_sex: str, birth: datetime.date, day: datetime.date) -> bool:
    age = age_on(birth, day)
    return WORKING_AGE_MIN <= age < RETIREMENT.get(Sex(member_sex), 60)


# --- workers -------------------------------------------------------------------------------


@dataclass
class SyncReport:
    created: int = 0
    flagged: dict[str, int] = field(default_factory=dict)
    restored: int = 0


@transaction.atomic
def workers_sync(
    *, actor: User | None, region_code: str, today: datetime.date | None = None
) -> SyncReport:
    """Profiles for the registered members of working age with labour capacity under a region;
    existing profiles whose member left working age, the registry, or whose household was
    cancelled (or who lost labour capacity) are flagged, never deleted."""
    policy.require_workers(actor, region_code)
    today = today or timezone.localdate()
    members = Member.objects.filter(
        codes.subtree_q("household__village_id", region_code)
    ).select_related("household")
    known = {w.member_id: w for w in Worker.objects.filter(member__in=members)}
    report = SyncReport()
    new: list[Worker] = []
    reason_of: dict[int, str] = {}
    for m in members.only(
        "id", "name", "id_hash", "sex", "birth_date", "labour_skill", "household__status",
        "household__village_id",
    ):  # fmt: skip
        reason = ""
        if m.household.status == Status.CANCELLED:
            reason = WorkerFlag.CANCELLED
        elif m.labour_skill not in CAPABLE:
            reason = WorkerFlag.CAPACITY
        elif not _working_age(m.sex, m.birth_date, today):
            reason = WorkerFlag.AGE
        if m.pk in known:
            reason_of[m.pk] = reason
        elif not reason:
            new.append(
                Worker(
                    member=m, name=m.name, id_hash=m.id_hash, birth_date=m.birth_date, sex=m.sex,
                    county_id=m.household.village_id[:6],
                )
            )  # fmt: skip
    Worker.objects.bulk_create(new, batch_size=2000)
    report.created = len(new)
    now = timezone.now()
    changed: list[Worker] = []
    for member_id, reason in reason_of.items():
        worker = known[member_id]
        if worker.flag != reason:
            if reason:
                report.flagged[reason] = report.flagged.get(reason, 0) + 1
            else:
                report.restored += 1
            worker.flag, worker.flagged_at = reason, (now if reason else None)
            changed.append(worker)
    gone = Worker.objects.filter(
        codes.subtree_q("county_id", region_code), member__isnull=True, flag=""
    )
    n_gone = gone.update(flag=WorkerFlag.GONE, flagged_at=now)
    if n_gone:
        report.flagged[WorkerFlag.GONE] = n_gone
    Worker.objects.bulk_update(changed, ["flag", "flagged_at"], batch_size=2000)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.LOAD,
        object_type="labour.worker",
        object_id=region_code,
        object_repr=f"劳动力同步 {region_code}",
        after={"created": report.created, "flagged": report.flagged, "restored": report.restored},
    )
    return report


@transaction.atomic
def worker_update(
    *,
    actor: User | None,
    worker: Worker,
    min_wage: int | None = None,
    places: Sequence[str] | None = None,
    needs_dorm: bool | None = None,
    skills: Sequence[str] | None = None,
) -> Worker:
    """A worker's wishes and skills."""
    policy.require_workers(actor, worker.county_id)
    problems = []
    if min_wage is not None and min_wage < 0:
        problems.append(Problem("最低期望工资不能为负", "min_wage"))
    for code in places or ():
        try:
            matching.place_prefix(code)
        except ValueError as exc:
            problems.append(Problem(str(exc), "places"))
    unknown = sorted(set(skills or ()) - set(Skill.objects.values_list("code", flat=True)))
    if unknown:
        problems.append(Problem(f"未知的技能代码：{'、'.join(unknown)}", "skills"))
    if problems:
        raise UserError("劳动力信息有误", problems)
    before = {"min_wage": worker.min_wage, "places": worker.places, "needs_dorm": worker.needs_dorm}
    if min_wage is not None:
        worker.min_wage = min_wage
    if places is not None:
        worker.places = list(places)
    if needs_dorm is not None:
        worker.needs_dorm = needs_dorm
    worker.save()
    if skills is not None:
        worker.skills.set(Skill.objects.filter(code__in=skills))
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=worker,
        before=before,
        after={
            "min_wage": worker.min_wage,
            "places": worker.places,
            "needs_dorm": worker.needs_dorm,
        },
    )
    return worker


# --- postings ------------------------------------------------------------------------------


@dataclass
class PostingIn:
    employer: str
    employer_code: str
    place: str  # county code
    sector: str
    wage: int
    slots: int
    start: datetime.date
    east_unit: str
    skills: Sequence[str] = ()
    age_min: int = 16
    age_max: int = 60
    dorm: bool = False
    transport: bool = False
    requirements: str = ""
    sex_reason: str = ""


def _county_level(region: Region) -> bool:
    """A county, or a prefecture-level city without counties (东莞, 中山, 嘉峪关, 儋州)."""
    if region.level == Level.COUNTY:
        return True
    return (
        region.level == Level.PREFECTURE
        and not Region.objects.filter(codes.subtree_q("code", region.code), level=Level.COUNTY)
        .exclude(code=region.code)
        .exists()
    )


def posting_problems(data: PostingIn) -> list[Problem]:
    """Every rule a posting breaks, each naming its field."""
    problems = []
    if not data.employer.strip():
        problems.append(Problem("用工单位不能为空", "employer"))
    if why := creditcode.problem(data.employer_code):
        problems.append(Problem(why, "employer_code"))
    place = Region.objects.filter(code=data.place, is_active=True).first()
    if place is None or not _county_level(place):
        problems.append(Problem(f"“{data.place}”不是现行的县级区划代码", "place"))
    if not Region.objects.filter(code=data.east_unit, is_active=True).exists():
        problems.append(Problem(f"“{data.east_unit}”不是现行的区划代码", "east_unit"))
    if data.sector not in Sector.values:
        problems.append(Problem(f"未知的行业“{data.sector}”", "sector"))
    if data.slots < 1:
        problems.append(Problem("岗位名额须至少为 1", "slots"))
    if why := files.minimum_wage_problem(data.place, data.wage):
        problems.append(Problem(why, "wage"))
    if not files.AGE_MIN <= data.age_min <= data.age_max <= files.AGE_MAX:
        problems.append(
            Problem(
                f"年龄范围 {data.age_min}–{data.age_max} "
                f"须在 {files.AGE_MIN}–{files.AGE_MAX} 周岁内",
                "age_min",
            )
        )
    for why in rules.discrimination_problems(data.requirements, data.sex_reason):
        problems.append(Problem(why, "requirements"))
    unknown = sorted(set(data.skills) - set(Skill.objects.values_list("code", flat=True)))
    if unknown:
        problems.append(Problem(f"未知的技能代码：{'、'.join(unknown)}", "skills"))
    return problems


@transaction.atomic
def posting_create(*, actor: User | None, data: PostingIn) -> Posting:
    policy.require_posting(actor, data.east_unit)
    problems = posting_problems(data)
    if problems:
        raise UserError("岗位未发布：" + problems[0].message, problems)
    # After the field checks, so a mistyped workplace is named as such, not refused.
    policy.require_posting_place(actor, data.place)
    posting = Posting.objects.create(
        employer=data.employer.strip(),
        employer_code=data.employer_code.strip().upper(),
        place_id=data.place,
        sector=data.sector,
        wage=data.wage,
        slots=data.slots,
        start=data.start,
        age_min=data.age_min,
        age_max=data.age_max,
        dorm=data.dorm,
        transport=data.transport,
        requirements=data.requirements,
        sex_reason=data.sex_reason,
        east_unit_id=data.east_unit,
        created_by=actor if isinstance(actor, User) else None,
    )
    posting.skills.set(Skill.objects.filter(code__in=data.skills))
    audit_record(
        actor=actor, action=AuditEvent.Action.CREATE, obj=posting, after={"slots": data.slots}
    )
    return posting


@transaction.atomic
def posting_close(*, actor: User | None, posting: Posting) -> Posting:
    policy.require_change_posting(actor, posting)
    posting.state = PostingState.CLOSED
    posting.save(update_fields=["state"])
    audit_record(
        actor=actor, action=AuditEvent.Action.UPDATE, obj=posting, after={"state": "closed"}
    )
    return posting


# --- matching ------------------------------------------------------------------------------


def _pairs() -> list[tuple[str, str]]:
    from xiezuo.pairing.choices import Status as PairingStatus
    from xiezuo.pairing.models import Pairing

    return [
        (e, w)
        for e, w in Pairing.objects.filter(status=PairingStatus.ACTIVE).values_list(
            "east_region_id", "west_region_id"
        )
        if e and w
    ]


def _offered_q(west_code: str, pairs: Sequence[tuple[str, str]]) -> Q:
    """The postings a run for `west_code` may offer its workers: those brought by, or placed in,
    the region itself or the eastern side of an active pairing above or below it (苏州 → 铜仁
    offers 苏州's jobs to 沿河; 吴中 → 沿河 offers 吴中's to 铜仁's run). A posting of a unit
    not paired with the region is none of its business: its employer must not reach the
    region's matches."""
    areas = [west_code] + [
        east
        for east, west in pairs
        if codes.within(west_code, west) or codes.within(west, west_code)
    ]
    q = Q(pk__in=[])
    # One range per outermost area: a province's run meets many pairs inside the same partners.
    outer: list[str] = []
    for code in sorted(set(areas), key=lambda c: len(codes.subtree_prefix(c))):
        if not any(codes.within(code, o) for o in outer):
            outer.append(code)
    for code in outer:
        q |= codes.subtree_q("east_unit_id", code) | codes.subtree_q("place_id", code)
    return q


@transaction.atomic
def match_run(
    *,
    actor: User | None,
    west_code: str,
    method: str = matching.AUTO,
    today: datetime.date | None = None,
) -> MatchRun:
    """Match the available workers under a western region to the open postings.

    Incremental: accepted matches stay, their workers are taken and their slots consumed
    (a posting's accepted matches for other regions consume its slots too); proposals of
    earlier runs not yet decided are replaced by this run's. Only the postings of the region's
    own units and of its eastern partners are offered (`_offered_q`)."""
    policy.require_match_run(actor, west_code)
    today = today or timezone.localdate()
    accepted = Match.objects.filter(state=MatchState.ACCEPTED)
    busy = set(accepted.values_list("worker_id", flat=True)) | set(
        Placement.objects.filter(
            Q(end__isnull=True) | Q(end__gte=today), worker__isnull=False
        ).values_list("worker_id", flat=True)
    )
    workers = list(
        Worker.objects.filter(codes.subtree_q("county_id", west_code), flag="").prefetch_related(
            "skills"
        )
    )
    own_fixed = list(
        accepted.filter(codes.subtree_q("worker__county_id", west_code)).select_related("worker")
    )
    fixed_workers = {m.worker_id: m.worker for m in own_fixed}
    table_workers = [w for w in workers if w.pk not in busy] + list(fixed_workers.values())
    pairs = _pairs()
    postings = list(
        Posting.objects.filter(
            _offered_q(west_code, pairs), state=PostingState.OPEN
        ).prefetch_related("skills")
    )
    taken_elsewhere = dict(
        accepted.exclude(codes.subtree_q("worker__county_id", west_code))
        .values("posting_id")
        .annotate(n=Count("id"))
        .values_list("posting_id", "n")
    )
    wt = matching.WorkerTable(
        ids=[str(w.pk) for w in table_workers],
        county=np.array([int(w.county_id) for w in table_workers], dtype=np.int64),
        age=np.array([age_on(w.birth_date, today) for w in table_workers], dtype=np.int64),
        min_wage=np.array([w.min_wage for w in table_workers], dtype=np.int64),
        needs_dorm=np.array([w.needs_dorm for w in table_workers], dtype=bool),
        skills=[tuple(s.code for s in w.skills.all()) for w in table_workers],
        places=[tuple(matching.place_prefix(c) for c in w.places) for w in table_workers],
    )
    pt = matching.PostingTable(
        ids=[str(p.pk) for p in postings],
        county=np.array([int(p.place_id) for p in postings], dtype=np.int64),
        wage=np.array([p.wage for p in postings], dtype=np.int64),
        slots=np.array(
            [max(0, p.slots - taken_elsewhere.get(p.pk, 0)) for p in postings], dtype=np.int64
        ),
        age_min=np.array([p.age_min for p in postings], dtype=np.int64),
        age_max=np.array([p.age_max for p in postings], dtype=np.int64),
        dorm=np.array([p.dorm for p in postings], dtype=bool),
        skills=[tuple(s.code for s in p.skills.all()) for p in postings],
    )
    w_row = {w.pk: i for i, w in enumerate(table_workers)}
    p_row = {p.pk: i for i, p in enumerate(postings)}
    fixed = [(w_row[m.worker_id], p_row[m.posting_id]) for m in own_fixed if m.posting_id in p_row]
    result = matching.solve(wt, pt, pairs, method=method, fixed=fixed)
    Match.objects.filter(
        codes.subtree_q("worker__county_id", west_code), state=MatchState.PROPOSED
    ).delete()
    run = MatchRun.objects.create(
        west_region_id=west_code,
        method=result.method,
        status=result.status,
        matched=result.matched,
        total=result.total,
        seconds=result.seconds,
        proof=result.proof.describe() if result.proof else "",
        created_by=actor if isinstance(actor, User) else None,
    )
    new = []
    for i in range(result.matched):
        if result.fixed[i]:
            continue
        parts = result.parts(i)
        new.append(
            Match(
                run=run,
                worker=table_workers[int(result.worker[i])],
                posting=postings[int(result.posting[i])],
                score=int(result.score[i]),
                parts=vars(parts),
                explanation=result.explain(i),
            )
        )
    Match.objects.bulk_create(new, batch_size=2000)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=run,
        after={"proposed": len(new), "kept": int(result.fixed.sum()), "total": result.total},
    )
    return run


@transaction.atomic
def matches_decide(*, actor: User | None, match_ids: Iterable[int], accept: bool) -> int:
    """Accept or reject proposed matches, one or many. Accepting is refused when the posting
    has no slot left for it (slots taken by matches accepted since the run)."""
    ids = list(match_ids)
    matches = list(
        Match.objects.select_for_update()
        .filter(pk__in=ids)
        .select_related("worker", "posting")
        .order_by("-score", "pk")
    )
    if len(matches) != len(set(ids)):
        raise NotFound("有匹配不存在或已被替换，请刷新后重试")
    for m in matches:
        policy.require_decide(actor, m)
        if m.state != MatchState.PROPOSED:
            raise UserError(f"{m.worker.name} 的匹配已{m.get_state_display()}，不能再次确认")
    now = timezone.now()
    for m in matches:
        if accept:
            used = Match.objects.filter(posting=m.posting, state=MatchState.ACCEPTED).count()
            if used >= m.posting.slots:
                raise UserError(
                    f"{m.posting.employer} 的岗位名额已满，{m.worker.name} 的匹配不能接受"
                )
            if Match.objects.filter(worker=m.worker, state=MatchState.ACCEPTED).exists():
                raise UserError(f"{m.worker.name} 已接受另一个岗位")
        m.state = MatchState.ACCEPTED if accept else MatchState.REJECTED
        m.decided_by = actor if isinstance(actor, User) else None
        m.decided_at = now
        m.save(update_fields=["state", "decided_by", "decided_at"])
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=m, after={"state": m.state})
    return len(matches)


# --- placements ----------------------------------------------------------------------------


@dataclass
class PlacementIn:
    person_name: str
    id_number: str
    employer: str
    place: str
    start: datetime.date
    wage: int
    organiser: str
    end: datetime.date | None = None
    employer_code: str = ""
    organiser_region: str = ""
    proofs: Sequence[str] = ()
    source: str = Source.FORM
    match_id: int | None = None


def placement_problems(data: PlacementIn) -> tuple[list[Problem], Any]:
    """Errors that make the record meaningless (refused) and the ID check."""
    problems = []
    check = idnumbers.check_id(data.id_number)
    if not check.ok:
        problems.append(Problem(check.message, "id_number"))
    if not data.person_name.strip():
        problems.append(Problem("姓名不能为空", "person_name"))
    if not data.employer.strip():
        problems.append(Problem("用工单位不能为空", "employer"))
    if data.employer_code and (why := creditcode.problem(data.employer_code)):
        problems.append(Problem(why, "employer_code"))
    if not Region.objects.filter(code=data.place, is_active=True).exists():
        problems.append(Problem(f"“{data.place}”不是现行的区划代码", "place"))
    if data.end is not None and data.end < data.start:
        problems.append(Problem("结束日期早于开始日期", "end"))
    if data.wage < 0:
        problems.append(Problem("月工资不能为负", "wage"))
    if data.organiser not in Organiser.values:
        problems.append(Problem(f"未知的组织方“{data.organiser}”", "organiser"))
    if data.organiser_region and not Region.objects.filter(code=data.organiser_region).exists():
        problems.append(Problem(f"“{data.organiser_region}”不是区划代码", "organiser_region"))
    bad = sorted(set(data.proofs) - {"contract", "wages"})
    if bad:
        problems.append(Problem(f"未知的证明材料：{'、'.join(bad)}", "proofs"))
    return problems, check


def placement_flags(
    *, id_hash: str, birth: datetime.date | None, start: datetime.date,
    end: datetime.date | None, registered: bool, exclude: int | None = None,
) -> list[str]:  # fmt: skip
    flags = []
    if not registered:
        flags.append(PlacementFlag.UNREGISTERED.value)
    if birth is not None and age_on(birth, start) < WORKING_AGE_MIN:
        flags.append(PlacementFlag.UNDER_AGE.value)
    others = Placement.objects.filter(id_hash=id_hash)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    overlapping = others.filter(Q(end__isnull=True) | Q(end__gte=start))
    if end is not None:
        overlapping = overlapping.filter(start__lte=end)
    if overlapping.exists():
        flags.append(PlacementFlag.OVERLAP.value)
    return flags


@transaction.atomic
def placement_create(*, actor: User | None, data: PlacementIn) -> Placement:
    """Record a placement. An overlap with another of the same person, a start before 16 or an
    unregistered person is flagged with its reason, and the record kept."""
    problems, check = placement_problems(data)
    if problems:
        raise UserError("就业记录有误：" + problems[0].message, problems)
    id_hash = crypto.keyed_hash(check.normalised)
    member = Member.objects.filter(id_hash=id_hash).select_related("household").first()
    worker = Worker.objects.filter(id_hash=id_hash).first()
    # The home county: the registry's, else the worker profile's, else the one the ID number
    # was issued in (an unregistered person still belongs to some county's office).
    if member is not None:
        home: str | None = member.household.village_id[:6]
    elif worker is not None:
        home = worker.county_id
    else:
        home = check.region_code or None
    # A code the divisions do not hold (an old or mistyped issuing place) is nobody's county.
    if home and not Region.objects.filter(code=home).exists():
        home = None
    policy.require_placement(actor, home, data.organiser_region or None)
    flags = placement_flags(
        id_hash=id_hash, birth=check.birth_date, start=data.start, end=data.end,
        registered=member is not None,
    )  # fmt: skip
    placement = Placement.objects.create(
        worker=worker,
        person_name=data.person_name.strip(),
        id_hash=id_hash,
        id_masked=idnumbers.mask(check.normalised),
        birth_date=check.birth_date,
        home_county_id=home,
        employer=data.employer.strip(),
        employer_code=data.employer_code.strip().upper(),
        place_id=data.place,
        start=data.start,
        end=data.end,
        wage=data.wage,
        organised=data.organiser != Organiser.SELF,
        organiser=data.organiser,
        organiser_region_id=data.organiser_region or None,
        proofs=list(data.proofs),
        source=data.source,
        match_id=data.match_id,
        flags=flags,
        created_by=actor if isinstance(actor, User) else None,
    )
    audit_record(
        actor=actor, action=AuditEvent.Action.CREATE, obj=placement, after={"flags": flags}
    )
    return placement


@transaction.atomic
def placement_from_match(
    *,
    actor: User | None,
    match: Match,
    start: datetime.date,
    proofs: Sequence[str] = (),
) -> Placement:
    """The placement an accepted match became once the worker started: organised, by the
    eastern unit that brought the posting, at the posting's place and wage."""
    if match.state != MatchState.ACCEPTED:
        raise UserError("只有已接受的匹配可以登记为就业")
    if hasattr(match, "placement"):
        raise UserError("该匹配已登记为就业")
    worker, posting = match.worker, match.posting
    policy.require_placement(actor, worker.county_id, posting.east_unit_id)
    bad = sorted(set(proofs) - {"contract", "wages"})
    if bad:
        raise UserError(f"未知的证明材料：{'、'.join(bad)}", [Problem("证明材料有误", "proofs")])
    member = worker.member
    flags = placement_flags(
        id_hash=worker.id_hash, birth=worker.birth_date, start=start, end=None,
        registered=member is not None,
    )  # fmt: skip
    placement = Placement.objects.create(
        worker=worker,
        person_name=worker.name,
        id_hash=worker.id_hash,
        id_masked=member.id_masked if member else "",
        birth_date=worker.birth_date,
        home_county_id=worker.county_id,
        employer=posting.employer,
        employer_code=posting.employer_code,
        place_id=posting.place_id,
        start=start,
        wage=posting.wage,
        organised=True,
        organiser=Organiser.EAST,
        organiser_region_id=posting.east_unit_id,
        proofs=list(proofs),
        source=Source.MATCH,
        match=match,
        flags=flags,
        created_by=actor if isinstance(actor, User) else None,
    )
    audit_record(
        actor=actor, action=AuditEvent.Action.CREATE, obj=placement, after={"match": match.pk}
    )
    return placement


@transaction.atomic
def placement_end(
    *, actor: User | None, placement: Placement, end: datetime.date | None
) -> Placement:
    """The day a job ended (or None: still on, a wrong end undone). Whoever may record the
    placement may end it; its flags are worked out again, since an end can open or close an
    overlap with the person's other jobs."""
    policy.require_placement(actor, placement.home_county_id, placement.organiser_region_id)
    if end is not None and end < placement.start:
        raise UserError(
            f"结束日期 {end} 早于开始日期 {placement.start}", [Problem("早于开始日期", "end")]
        )
    if end is not None and end > timezone.localdate():
        raise UserError(f"结束日期 {end} 还没有到", [Problem("日期在今天之后", "end")])
    before = {"end": str(placement.end) if placement.end else None, "flags": placement.flags}
    placement.end = end
    placement.save(update_fields=["end"])
    _reflag_overlaps(placement.id_hash)
    placement.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=placement,
        before=before,
        after={"end": str(end) if end else None, "flags": placement.flags},
    )
    return placement


def _reflag_overlaps(id_hash: str) -> None:
    """The overlap flag of each of the person's placements, worked out again from their dates
    (a person has a handful: compared pairwise)."""
    mine = list(Placement.objects.filter(id_hash=id_hash))
    overlap = PlacementFlag.OVERLAP.value
    for p in mine:
        hit = any(
            o.pk != p.pk
            and o.start <= (p.end or datetime.date.max)
            and p.start <= (o.end or datetime.date.max)
            for o in mine
        )
        flags = sorted((set(p.flags or []) - {overlap}) | ({overlap} if hit else set()))
        if flags != sorted(p.flags or []):
            Placement.objects.filter(pk=p.pk).update(flags=flags)


def _quarter(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    if not 2000 <= year <= 2100:
        raise UserError(f"年度 {year} 不对", [Problem(f"年度 {year} 不对", "year")])
    if quarter not in (1, 2, 3, 4):
        raise UserError(f"季度 {quarter} 不对：只能是 1–4", [Problem("季度不对", "quarter")])
    first = datetime.date(year, 3 * quarter - 2, 1)
    last = (
        datetime.date(year, 12, 31)
        if quarter == 4
        else datetime.date(year, 3 * quarter + 1, 1) - datetime.timedelta(days=1)
    )
    if first > timezone.localdate():
        raise UserError(f"{year} 年第 {quarter} 季度还没有开始", [Problem("季度未到", "quarter")])
    return first, last


@transaction.atomic
def employment_set(
    *, actor: User | None, worker: Worker, year: int, quarter: int, status: str
) -> EmploymentStatus:
    """A worker's employment in one quarter, as the county office found it (a 公益性岗位 or a
    business of one's own is not in any placement record)."""
    policy.require_workers(actor, worker.county_id)
    _quarter(year, quarter)
    if status not in Employment.values:
        raise UserError(
            f"就业状态“{status}”不对，可选：{'、'.join(str(label) for label in Employment.labels)}",
            [Problem("就业状态不对", "status")],
        )
    found, _ = EmploymentStatus.objects.update_or_create(
        worker=worker, year=year, quarter=quarter, defaults={"status": status}
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=found,
        after={"worker": worker.pk, "year": year, "quarter": quarter, "status": status},
    )
    return found


@dataclass
class QuarterReport:
    year: int
    quarter: int
    counts: dict[str, int] = field(default_factory=dict)


# What a county office sets by hand and the quarterly check leaves alone: neither shows in a
# placement record.
KEPT_BY_HAND = (Employment.SELF_EMPLOYED.value, Employment.PUBLIC.value)


@transaction.atomic
def quarter_check(
    *, actor: User | None, region_code: str, year: int, quarter: int
) -> QuarterReport:
    """The quarterly check of the registered workers (就业人员 / 未就业人员 信息采集): a worker
    with a placement (any, nationwide, by the keyed ID hash) running on the quarter's last day
    (today, for the quarter under way) is 在岗, one without is 未就业 — unless the office
    recorded a 公益性岗位 or a business of the worker's own for that quarter, which no
    placement shows and is kept."""
    policy.require_quarter_check(actor, region_code)
    # A quarter under way is checked as of today.
    last = min(_quarter(year, quarter)[1], timezone.localdate())
    workers = Worker.objects.filter(codes.subtree_q("county_id", region_code), flag="")
    on = set(
        Placement.objects.filter(id_hash__in=workers.values("id_hash"), start__lte=last)
        .filter(Q(end__isnull=True) | Q(end__gte=last))
        .values_list("id_hash", flat=True)
    )
    kept = dict(
        EmploymentStatus.objects.filter(
            worker__in=workers, year=year, quarter=quarter, status__in=KEPT_BY_HAND
        ).values_list("worker_id", "status")
    )
    rows = []
    for wid, id_hash in workers.values_list("pk", "id_hash"):
        status = (
            Employment.EMPLOYED.value
            if id_hash in on
            else kept.get(wid, Employment.UNEMPLOYED.value)
        )
        rows.append(EmploymentStatus(worker_id=wid, year=year, quarter=quarter, status=status))
    EmploymentStatus.objects.filter(worker__in=workers, year=year, quarter=quarter).delete()
    EmploymentStatus.objects.bulk_create(rows, batch_size=2000)
    report = QuarterReport(year, quarter, dict(Counter(r.status for r in rows)))
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        object_type="labour.employmentstatus",
        object_id=f"{region_code}:{year}Q{quarter}",
        object_repr=f"{region_code} {year} 年第 {quarter} 季度就业核对",
        after=report.counts,
    )
    return report
