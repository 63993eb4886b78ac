"""Snapshot version 2: what the yearly assessment reads — what each record adds to each agreement
indicator (by the tallies agreement progress uses), the targets, labour placements, per-capita
incomes by year, and the year a household returned to poverty."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from tests.analytics.conftest import World, _report, rid
from tests.conftest import SUZHOU, TONGREN, YANHE
from xiezuo.analytics import snapshot
from xiezuo.core import crypto
from xiezuo.registry import idnumbers

D = datetime.date


def _rows(snap: Path, name: str) -> list[dict[str, Any]]:
    return list(pq.read_table(snap / f"{name}.parquet").to_pylist())


def _amounts(snap: Path) -> dict[tuple[str, int, str], dict[str, Any]]:
    return {(r["record_kind"], r["record_id"], r["indicator"]): r for r in _rows(snap, "amounts")}


@pytest.fixture
def assessed(world: World) -> dict[str, Any]:
    """The world's trainings and enterprise, plus one record of every other counted kind, an
    agreement with a target for every tallied indicator, placements, incomes, a return."""
    from xiezuo.cooperation.measures import TALLIES
    from xiezuo.cooperation.models import Consumption, Fund, Industry, Project, Talent
    from xiezuo.labour.models import Placement
    from xiezuo.pairing.models import Agreement, Target
    from xiezuo.registry.models import HouseholdIncome, StatusChange

    east = _report(world.pairing, SUZHOU)
    west = _report(world.pairing, TONGREN, side="west")
    west.state = "approved"
    west.save(update_fields=["state"])
    day = D(2026, 4, 1)
    fund = {"date": day, "source": "苏州市财政局", "recipient_id": TONGREN}
    made: dict[str, Any] = {
        "fiscal": Fund.objects.create(report=east, kind="fiscal", amount=Decimal("1200.5"), **fund),
        # 铜仁's record of receiving the same transfer: a receipt, counted toward nothing.
        "receipt": Fund.objects.create(
            report=west, kind="fiscal", amount=Decimal("1200.5"), **fund
        ),
        "in_kind": Fund.objects.create(report=west, kind="in_kind", amount=Decimal(30), **fund),
        "project": Project.objects.create(
            report=east,
            date=day,
            name="沿河茶园",
            sector="industry",
            place_id=YANHE,
            budget_east=Decimal(300),
            budget_local=Decimal(0),
            budget_social=Decimal(0),
        ),
        "teacher": Talent.objects.create(
            report=east,
            date=day,
            direction="east_west",
            talent_kind="teacher",
            name="钱老师",
            post="沿河中学",
        ),
        # Sent west to east: counted toward neither kind of people sent.
        "visitor": Talent.objects.create(
            report=west,
            date=day,
            direction="west_east",
            talent_kind="cadre",
            name="孙干部",
            post="苏州挂职",
        ),
        "workshop": Industry.objects.create(
            report=west,
            date=day,
            enterprise="沿河扶贫车间",
            credit_code="91520627MA6DXXXX1Q",
            investment=Decimal(250),
            place_id=YANHE,
            jobs=20,
            poor_employed=12,
            workshop=True,
        ),
        "consumption": Consumption.objects.create(
            report=east,
            date=day,
            buyer="苏州某商场",
            seller="沿河合作社",
            product="茶叶",
            amount=Decimal(85),
        ),
    }
    agreement = Agreement.objects.create(pairing=world.pairing, year=2026)
    for indicator in TALLIES:
        Target.objects.create(
            agreement=agreement,
            indicator=indicator,
            value=Decimal("5000") if indicator == "fiscal_aid" else Decimal(1),
            deadline=D(2026, 12, 31),
            responsible_unit="苏州市",
        )
    made["agreement"] = agreement

    worker = world.ids["张三"]
    stranger = rid(YANHE, D(1993, 3, 3), 81)
    common = {"employer": "苏州某厂", "organiser": "east", "source": "form", "wage": 4500}
    made["placed"] = Placement.objects.create(
        person_name="张三",
        id_hash=crypto.keyed_hash(worker),
        id_masked=idnumbers.mask(worker),
        home_county_id=YANHE,
        place_id=SUZHOU,
        start=D(2026, 3, 1),
        organised=True,
        organiser_region_id=SUZHOU,
        **common,
    )
    made["unregistered"] = Placement.objects.create(
        person_name="王五",
        id_hash=crypto.keyed_hash(stranger),
        id_masked=idnumbers.mask(stranger),
        home_county_id=None,
        place_id=SUZHOU,
        start=D(2025, 6, 1),
        end=D(2025, 12, 31),
        organised=False,
        **{**common, "organiser": "self", "wage": 3800},
        flags=["unregistered"],
    )

    zhang = world.members["张三"].household
    made["income"] = HouseholdIncome.objects.create(
        household=zhang,
        year=2025,
        wages=Decimal("12000"),
        business=Decimal("3000"),
        transfers=Decimal("1500.50"),
        production_costs=Decimal("2000"),
        persons=3,
    )
    HouseholdIncome.objects.create(household=zhang, year=2026, wages=Decimal(9000), persons=0)
    # 李四's household fell back into poverty twice; the latest change counts. 吴九's returned
    # once and has exited again since: no return year for a household not returned now.
    li = world.members["李四"].household
    li.status = "returned"
    li.save(update_fields=["status"])
    wu = world.members["吴九"].household
    for household, year in ((li, 2023), (li, 2025), (wu, 2024)):
        StatusChange.objects.create(
            household=household, from_status="exited", to_status="returned", year=year
        )
    return made


def test_amounts_follow_the_tallies_of_agreement_progress(
    world: World, assessed: dict[str, Any], tmp_path: Path
) -> None:
    from xiezuo.cooperation.measures import TALLIES
    from xiezuo.pairing.models import Target

    manifest = snapshot.export(tmp_path / "snap")
    assert manifest.version == 2 == snapshot.open_snapshot(tmp_path / "snap").version
    amounts = _amounts(tmp_path / "snap")
    fiscal = amounts[("fund", assessed["fiscal"].pk, "fiscal_aid")]
    assert fiscal["amount"] == 1200.5 and fiscal["distinct_key"] is None
    assert (fiscal["side"], fiscal["reporter_code"], fiscal["report_state"]) == (
        "east",
        SUZHOU,
        "draft",
    )
    assert (fiscal["pairing_id"], fiscal["year"]) == (world.pairing.pk, 2026)
    assert not any(k[:2] == ("fund", assessed["receipt"].pk) for k in amounts)
    assert not any(k[:2] == ("talent", assessed["visitor"].pk) for k in amounts)
    in_kind = amounts[("fund", assessed["in_kind"].pk, "social_funds")]
    assert (in_kind["amount"], in_kind["report_state"]) == (30.0, "approved")
    assert amounts[("project", assessed["project"].pk, "projects")]["amount"] == 1.0
    assert amounts[("talent", assessed["teacher"].pk, "professionals_sent")]["amount"] == 1.0
    assert amounts[("consumption", assessed["consumption"].pk, "consumption_aid")]["amount"] == 85
    # An enterprise counts by its credit code, its investment by the 万元, a workshop both ways.
    workshop = assessed["workshop"].pk
    assert {
        k[2]: (v["amount"], v["distinct_key"])
        for k, v in amounts.items()
        if k[1] == workshop and k[0] == "industry"
    } == {
        "enterprises": (1.0, "91520627MA6DXXXX1Q"),
        "workshops": (1.0, "91520627MA6DXXXX1Q"),
        "investment": (250.0, None),
    }
    plain = world.records["industry"].pk
    assert {k[2] for k in amounts if k[:2] == ("industry", plain)} == {"enterprises", "investment"}
    assert amounts[("training", world.records["wuzhong_leaders"].pk, "professionals_trained")]
    assert amounts[("training", world.records["stray"].pk, "cadres_trained")]["side"] == "west"

    # Summed as docs/snapshot.md says, the rows give exactly what progress measures: the
    # agreement's pairing and the county pair inside it (吴中 → 沿河, 碧江's stray report too).
    inside = {world.pairing.pk, world.county_pairing.pk}
    for target in Target.objects.filter(agreement=assessed["agreement"]):
        rows = [
            r
            for r in amounts.values()
            if r["indicator"] == target.indicator and r["pairing_id"] in inside
        ]
        keys = {r["distinct_key"] for r in rows if r["distinct_key"] is not None}
        got = len(keys) if keys else sum(r["amount"] for r in rows)
        want = TALLIES[target.indicator].measure(target)
        assert Decimal(str(got)) == want, target.indicator
        locked = sum(r["amount"] for r in rows if r["report_state"] == "approved")
        if not keys:
            assert Decimal(str(locked)) == TALLIES[target.indicator].measure(target, locked=True)


def test_targets_placements_incomes_and_returns(
    world: World, assessed: dict[str, Any], tmp_path: Path
) -> None:
    from xiezuo.cooperation.measures import TALLIES

    snap = tmp_path / "snap"
    snapshot.export(snap)
    targets = {(t["agreement_id"], t["indicator"]): t for t in _rows(snap, "targets")}
    assert len(targets) == len(TALLIES)
    fiscal = targets[(assessed["agreement"].pk, "fiscal_aid")]
    assert (fiscal["pairing_id"], fiscal["year"], fiscal["value"]) == (
        world.pairing.pk,
        2026,
        5000.0,
    )

    placements = {p["placement_id"]: p for p in _rows(snap, "placements")}
    placed = placements[assessed["placed"].pk]
    assert placed["registered"] and placed["organised"]
    assert placed["id_hash"] == crypto.keyed_hash(world.ids["张三"])
    assert placed["id_key"] == snapshot.hash_key(placed["id_hash"])
    assert (placed["home_county"], placed["place_code"], placed["organiser_code"]) == (
        YANHE,
        SUZHOU,
        SUZHOU,
    )
    assert (placed["start"], placed["end"], placed["wage"]) == (D(2026, 3, 1), None, 4500)
    stranger = placements[assessed["unregistered"].pk]
    assert not stranger["registered"] and not stranger["organised"]
    assert (stranger["home_county"], stranger["organiser_code"]) == (None, None)
    assert stranger["end"] == D(2025, 12, 31)
    blob = b"".join(p.read_bytes() for p in snap.glob("*.parquet"))
    assert world.ids["张三"].encode() not in blob

    incomes = {(i["household_id"], i["year"]): i["per_capita"] for i in _rows(snap, "incomes")}
    zhang = world.members["张三"].household_id
    # (12000 + 3000 + 1500.50 - 2000) / 3, to the fen, as the household page shows it.
    assert incomes[(zhang, 2025)] == 4833.50 == float(assessed["income"].per_capita_net)
    assert incomes[(zhang, 2026)] == 9000.0  # no persons recorded: counted as one
    assert len(incomes) == 2

    households = {h["household_id"]: h for h in _rows(snap, "households")}
    li = households[world.members["李四"].household_id]
    assert (li["status"], li["returned_year"]) == ("returned", 2025)
    assert households[world.members["吴九"].household_id]["returned_year"] is None
    sun = households[world.members["孙七"].household_id]
    assert (sun["cancelled_year"], sun["cancel_reason"], sun["returned_year"]) == (
        2024,
        "死亡",
        None,
    )


def test_tables_built_elsewhere_get_the_new_files_empty(tmp_path: Path) -> None:
    manifest = snapshot.write_tables(tmp_path / "t", {})
    assert manifest.version == 2
    for name in ("amounts", "targets", "placements", "incomes"):
        table = pq.read_table(tmp_path / "t" / f"{name}.parquet")
        assert table.num_rows == 0 and table.schema.names == snapshot.SCHEMAS[name].names
    assert snapshot.open_snapshot(tmp_path / "t").rows["amounts"] == 0


def test_generated_nation_has_two_years_to_assess(tmp_path: Path) -> None:
    import json

    import duckdb

    from xiezuo.analytics import generate
    from xiezuo.cooperation.measures import TALLIES

    out = tmp_path / "nation"
    rows = generate.nation(out, members=8_000, people=800)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["version"] == snapshot.SCHEMA_VERSION == 2
    assert snapshot.open_snapshot(out).rows == rows
    for name in ("amounts", "targets", "placements", "incomes"):
        assert rows[name] > 0, name
        assert pq.read_schema(out / f"{name}.parquet").names == snapshot.SCHEMAS[name].names
    db = duckdb.connect()

    def one(sql: str) -> Any:
        for name in snapshot.SCHEMAS:
            sql = sql.replace(f"{{{name}}}", f"'{out / (name + '.parquet')}'")
        return db.execute(sql).fetchall()

    # Every pairing reports toward every tallied indicator in both years, mostly approved.
    cells = one("SELECT pairing_id, year, indicator FROM {amounts} GROUP BY ALL")
    assert len(cells) == 60 * 2 * len(TALLIES)
    assert {c[2] for c in cells} == set(TALLIES)
    ((approved,),) = one(
        "SELECT AVG(CASE WHEN report_state = 'approved' THEN 1 ELSE 0 END) FROM {amounts}"
    )
    assert 0.8 < approved < 1
    # Enterprises are counted by credit code: one is reported twice in a year.
    ((rows_, firms),) = one(
        "SELECT COUNT(*), COUNT(DISTINCT distinct_key) FROM {amounts} "
        "WHERE indicator = 'enterprises' AND year = 2026"
    )
    assert firms < rows_ and all(
        len(k) == 18
        for (k,) in one("SELECT distinct_key FROM {amounts} WHERE distinct_key IS NOT NULL")
    )
    # The industry and project records are the records table's too.
    ((orphans,),) = one(
        "SELECT COUNT(*) FROM {amounts} a LEFT JOIN {records} r USING (record_kind, record_id) "
        "WHERE a.record_kind IN ('training', 'industry', 'project') AND r.record_id IS NULL"
    )
    assert orphans == 0
    wanted = set(TALLIES) | {"placements", "county_pairs", "village_pairs"}
    targets = one("SELECT pairing_id, year, indicator, value FROM {targets}")
    assert len(targets) == 60 * 2 * len(wanted) and {t[2] for t in targets} == wanted
    assert all(t[3] > 0 for t in targets)
    # Placements for about 3 % of members, in the paired eastern prefecture.
    ((placed, registered, organised),) = one(
        "SELECT COUNT(DISTINCT id_hash), AVG(CASE WHEN registered THEN 1 ELSE 0 END), "
        "AVG(CASE WHEN organised THEN 1 ELSE 0 END) FROM {placements}"
    )
    assert 0.015 * 8_000 < placed < 0.05 * 8_000 and 0.9 < registered < 1 and 0.6 < organised < 1
    ((bad,),) = one('SELECT COUNT(*) FROM {placements} p WHERE p."end" < p.start')
    assert bad == 0
    # Every household's income in both years, 2026 higher.
    ((households, lower),) = one(
        "SELECT COUNT(DISTINCT household_id), COUNT(*) FILTER (WHERE b.per_capita <= a.per_capita)"
        " FROM {incomes} a JOIN {incomes} b USING (household_id)"
        " WHERE a.year = 2025 AND b.year = 2026"
    )
    assert households == rows["households"] and lower == 0
    ((returned, with_year, stray),) = one(
        "SELECT COUNT(*) FILTER (WHERE status = 'returned'),"
        " COUNT(returned_year) FILTER (WHERE status = 'returned'),"
        " COUNT(returned_year) FILTER (WHERE status <> 'returned') FROM {households}"
    )
    assert returned == with_year > 0 and stray == 0
    assert one("SELECT code, level FROM {regions} WHERE level = 1 ORDER BY code") == [
        ("320000", 1),
        ("520000", 1),
    ]
