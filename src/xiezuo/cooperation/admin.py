"""Admin: reports shown read-only within the administrator's pairings. Reports and records
change only through their services (rules, locks, audit)."""

from __future__ import annotations

from django.contrib import admin

from xiezuo.cooperation.models import Report
from xiezuo.pairing.admin import ReadOnlyPairingAdmin


@admin.register(Report)
class ReportAdmin(ReadOnlyPairingAdmin):
    pairing_path = "pairing__"
    list_display = ("id", "pairing", "reporter", "year", "side", "state", "reviewed_by")
    list_filter = ("state", "year", "side")
    list_select_related = (
        "pairing__east_region",
        "pairing__east_org",
        "pairing__west_region",
        "reporter",
        "reviewed_by",
    )
