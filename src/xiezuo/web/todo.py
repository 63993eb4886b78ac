"""The user's to-do list: what waits for this person now, gathered from each app's selectors —
the home page shows it, the navigation shows its count."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from xiezuo.accounts import policy as access
from xiezuo.cooperation import selectors as cooperation
from xiezuo.cooperation.choices import State
from xiezuo.imports import selectors as imports
from xiezuo.imports.models import ImportBatch
from xiezuo.notifications.selectors import unread_count
from xiezuo.pairing import selectors as pairing
from xiezuo.registry import selectors as registry

SHOWN = 5  # entries listed under each item; the count is the whole number
RECENT_DAYS = 14


@dataclass
class Item:
    key: str
    label: Any
    count: int
    url: str
    entries: list[tuple[str, str, str]] = field(default_factory=list)  # (text, href, note)


def _report_text(report: Any) -> str:
    return gettext("%(year)s report of %(reporter)s (pairing %(pairing)s)") % {
        "year": report.year,
        "reporter": report.reporter_id,
        "pairing": report.pairing_id,
    }


def todo_for(user: Any, *, today: datetime.date | None = None) -> list[Item]:
    if not getattr(user, "is_authenticated", False):
        return []
    today = today or timezone.localdate()
    items: list[Item] = []
    own = cooperation.reports_of_unit(user=user).select_related("pairing__west_region")
    if access.has_any_role(user, access.IMPORT_ROLES):
        returned = own.filter(state=State.RETURNED)
        items.append(
            Item(
                "returned",
                _("Reports returned to you"),
                returned.count(),
                reverse("web:coop_reports"),
                [
                    (_report_text(r), reverse("web:coop_report", args=[r.pk]), r.comment)
                    for r in returned[:SHOWN]
                ],
            )
        )
        drafts = own.filter(state=State.DRAFT)
        items.append(
            Item(
                "drafts",
                _("Reports to finish and submit"),
                drafts.count(),
                reverse("web:coop_reports"),
                [
                    (_report_text(r), reverse("web:coop_report", args=[r.pk]), "")
                    for r in drafts[:SHOWN]
                ],
            )
        )
    if access.has_any_role(user, ("reviewer", "admin")):
        waiting = cooperation.reports_to_review(user=user).select_related("reporter")
        items.append(
            Item(
                "review",
                _("Reports waiting for your review"),
                waiting.count(),
                reverse("web:coop_reports"),
                [
                    (_report_text(r), reverse("web:coop_report", args=[r.pk]), r.reporter.name)
                    for r in waiting[:SHOWN]
                ],
            )
        )
        proposed = pairing.pairings_to_confirm(user=user)
        items.append(
            Item(
                "confirm",
                _("Pairings proposed to you for confirmation"),
                len(proposed),
                reverse("web:pairing_list") + "?status=proposed",
                [
                    (str(p), reverse("web:pairing_detail", args=[p.pk]), "")
                    for p in proposed[:SHOWN]
                ],
            )
        )
        conflicts = registry.conflicts_for(user=user)
        items.append(
            Item(
                "conflicts",
                _("Cross-region conflicts"),
                conflicts.count(),
                reverse("web:registry_conflicts"),
            )
        )
    alerts = pairing.tasks_alerts(user=user, today=today)
    for key, label, tasks in (
        ("overdue", _("Your overdue tasks"), alerts.overdue),
        ("due_soon", _("Your tasks due soon"), alerts.at_risk),
    ):
        items.append(
            Item(
                key,
                label,
                len(tasks),
                reverse("web:home"),
                [
                    (
                        f"{t.due.isoformat()} · {t.shown_title}",
                        reverse("web:pairing_detail", args=[t.target.agreement.pairing_id]),
                        str(t.target.agreement.pairing),
                    )
                    for t in tasks[:SHOWN]
                ],
            )
        )
    since = timezone.now() - datetime.timedelta(days=RECENT_DAYS)
    batches = imports.batch_list(user=user).filter(created_by=user, created_at__gte=since)
    for key, label, state in (
        ("checked", _("Imports checked, waiting for you to commit"), ImportBatch.State.PARSED),
        ("failed", _("Imports that failed"), ImportBatch.State.FAILED),
    ):
        found = batches.filter(state=state).order_by("-created_at")
        items.append(
            Item(
                key,
                label,
                found.count(),
                reverse("web:import_list"),
                [
                    (b.filename, reverse("web:import_detail", args=[b.pk]), b.message)
                    for b in found[:SHOWN]
                ],
            )
        )
    items.append(_assessment_steps(user))
    return [item for item in items if item.count]


# The timetable of the yearly assessment (国开发〔2017〕6号): self-assessment by the end of the
# year, the partner's comments by mid-January, cross-assessment by the end of January, the final
# grade by the end of February.
DEADLINES = {"self": (0, 12, 31), "partner": (1, 1, 15), "cross": (1, 1, 31), "final": (1, 2, 28)}
STEP_LABELS = {
    "self": _("Self-assessment"),
    "partner": _("Partner's comments"),
    "cross": _("Cross-assessment"),
    "final": _("Final grade"),
}


def _assessment_steps(user: Any) -> Item:
    from xiezuo.assessment import selectors as assessment

    waiting = assessment.steps_waiting(user)
    entries = []
    for a, step in waiting[:SHOWN]:
        later, month, day = DEADLINES[step]
        due = datetime.date(a.year + later, month, day)
        entries.append(
            (
                f"{a.year} {a.unit.name}: {STEP_LABELS[step]}",
                reverse("web:assessment_card", args=[a.year, a.side, a.unit_id]),
                f"{_('due')} {due:%Y-%m-%d}",
            )
        )
    return Item(
        "assessment",
        _("Assessment steps waiting for you"),
        len(waiting),
        reverse("web:assessment_index"),
        entries,
    )


COUNT_SECONDS = 60  # how stale the navigation's counts may be


def _kept(request: Any, key: str, total: int) -> None:
    if hasattr(request, "session"):
        request.session[key] = [total, timezone.now().timestamp()]


def _count(request: Any, key: str, compute: Any) -> int:
    """A count the navigation shows on every page, read from the session while it is fresh
    (at most COUNT_SECONDS old), computed and kept there otherwise."""
    kept = request.session.get(key) if hasattr(request, "session") else None
    if kept and timezone.now().timestamp() - kept[1] < COUNT_SECONDS:
        return int(kept[0])
    total = int(compute())
    _kept(request, key, total)
    return total


def todo_of(request: Any) -> list[Item]:
    """The request's user's list, gathered once per request; its count is kept in the session
    for the navigation of the next pages."""
    cached = getattr(request, "_xiezuo_todo", None)
    if cached is None:
        cached = todo_for(request.user)
        request._xiezuo_todo = cached
        _kept(request, "todo_count", sum(item.count for item in cached))
    return cached


def unread_changed(request: Any) -> None:
    """After the user marked notifications read: the bell counts afresh on the next page."""
    _kept(request, "unread_count", unread_count(user=request.user))


def navigation(request: Any) -> dict[str, Any]:
    """Context processor: the counts in the navigation. Gathering the to-do list costs about
    ten queries, the unread notifications one: every page but home reads the counts the
    session kept for up to a minute."""

    def todo() -> int:
        return _count(request, "todo_count", lambda: sum(item.count for item in todo_of(request)))

    def unread() -> int:
        return _count(request, "unread_count", lambda: unread_count(user=request.user))

    return {"todo_count": todo, "unread_count": unread}
