"""The poverty lines come with the schema: without them every imported household of a fresh
database computes as failing 不愁吃穿. Loaded from data/poverty_lines.csv into an empty table
only (an administrator's corrections are kept); `xiezuo registry lines` reloads the file."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import migrations

LINES = Path(__file__).resolve().parent.parent / "data" / "poverty_lines.csv"


def load(apps: Any, schema_editor: Any) -> None:
    line = apps.get_model("registry", "PovertyLine")
    if line.objects.exists():
        return
    with LINES.open(encoding="utf-8-sig", newline="") as handle:
        rows = [
            line(
                year=int(row["year"]),
                amount=Decimal(row["amount"]),
                kind=(row.get("kind") or "poverty_line").strip(),
                source=(row.get("source") or "")[:300],
            )
            for row in csv.DictReader(handle)
        ]
    line.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [("registry", "0010_migrant_statuses")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
