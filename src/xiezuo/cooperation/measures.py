"""The agreement indicators that cooperation records measure (see `pairing.progress`).

A target's progress counts the records of the agreement's year in reports of the agreement's
pairing or of a pairing inside it: a county pair (吴中区 → 沿河县) inside 苏州 → 铜仁 counts
toward the prefecture agreement, because the county's aid is part of what the prefecture pair
delivers. Until the pairings report anything for the year, a target is unmeasured (None), not
0. Every report counts, whatever its state — progress toward a target is a working view —
and `progress.measure_locked` gives the part that approved (locked) reports make up, the part
the assessment will count.

How the record kinds map onto the indicators:
- trainings of 党政干部 and 基层干部 count as cadres trained;
- trainings of 致富带头人 count with professionals trained: village business leaders are counted
  as rural practical talent (农村实用人才) in the talent statistics, not as cadres;
- cadres sent are east→west 党政干部; professionals sent are east→west teachers, doctors,
  agronomists and other professionals;
- placements are measured by the labour app (labour.measures).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING

from django.db.models import Count, Q, Sum

from xiezuo.cooperation.choices import Direction, FundKind, Side, State, TalentKind, TrainingKind
from xiezuo.cooperation.models import (
    Consumption,
    Fund,
    Industry,
    Project,
    Record,
    Report,
    Talent,
    Training,
)
from xiezuo.pairing import progress
from xiezuo.pairing.choices import Indicator

if TYPE_CHECKING:
    from xiezuo.pairing.models import Target


@dataclass(frozen=True)
class Tally:
    """One indicator: which records count (`model` narrowed by `where`) and what of them is
    added up (`total`, or the number of records when None)."""

    model: type[Record]
    total: str | None = None
    where: Q = field(default_factory=Q)
    distinct: str | None = None  # count distinct values of this field instead of records

    def measure(self, target: Target, *, locked: bool = False) -> Decimal | None:
        agreement = target.agreement
        qs = self.model._default_manager.filter(
            progress.within_q(agreement.pairing, "report__pairing__"),
            self.where,
            report__year=agreement.year,
        )
        if locked:
            qs = qs.filter(report__state=State.APPROVED)
        counted = Count(self.distinct, distinct=True) if self.distinct else Count("pk")
        total = qs.aggregate(n=Sum(self.total) if self.total else counted)["n"]
        if total:
            return Decimal(total)
        # Zero once the pairings have reported anything for the year; before that, nothing is
        # recorded yet and the target shows as unmeasured rather than as a made-up 0.
        reported = Report.objects.filter(
            progress.within_q(agreement.pairing, "pairing__"), year=agreement.year
        ).exists()
        return Decimal(0) if reported else None


EAST_TO_WEST = Q(direction=Direction.EAST_TO_WEST)

TALLIES: dict[str, Tally] = {
    # The east's fiscal aid as the east reports it; the west's record of receiving it is a receipt.
    Indicator.FISCAL_AID: Tally(Fund, "amount", Q(kind=FundKind.FISCAL, report__side=Side.EAST)),
    Indicator.SOCIAL_FUNDS: Tally(Fund, "amount", Q(kind__in=[FundKind.SOCIAL, FundKind.IN_KIND])),
    Indicator.PROJECTS: Tally(Project),
    Indicator.CADRES_SENT: Tally(Talent, None, EAST_TO_WEST & Q(talent_kind=TalentKind.CADRE)),
    Indicator.PROFESSIONALS_SENT: Tally(
        Talent, None, EAST_TO_WEST & ~Q(talent_kind=TalentKind.CADRE)
    ),
    Indicator.CADRES_TRAINED: Tally(
        Training, "trainees", Q(training_kind__in=[TrainingKind.CADRES, TrainingKind.GRASSROOTS])
    ),
    Indicator.PROFESSIONALS_TRAINED: Tally(
        Training,
        "trainees",
        Q(training_kind__in=[TrainingKind.PROFESSIONALS, TrainingKind.LEADERS]),
    ),
    Indicator.LABOURERS_TRAINED: Tally(
        Training, "trainees", Q(training_kind=TrainingKind.LABOURERS)
    ),
    # One enterprise, reported under the county pair and the prefecture pair alike, counts once.
    Indicator.ENTERPRISES: Tally(Industry, distinct="credit_code"),
    Indicator.INVESTMENT: Tally(Industry, "investment"),
    Indicator.WORKSHOPS: Tally(Industry, None, Q(workshop=True), distinct="credit_code"),
    Indicator.CONSUMPTION_AID: Tally(Consumption, "amount"),
}

for _indicator, _tally in TALLIES.items():
    progress.register(_indicator, locked=partial(_tally.measure, locked=True))(_tally.measure)
