"""The snapshot: the registry, regions, pairings, records and people served as Parquet files.

Verification reads only these files, never the live tables, so one job runs the same on DuckDB
on this machine and on Spark next to shared storage, and a run sees one consistent state of the
data however long it takes. The layout is versioned (`SCHEMA_VERSION`, `manifest.json`) and
documented column by column in docs/snapshot.md; a snapshot of another version is refused with
a message rather than read wrongly.

ID numbers never leave the database in clear: people are keyed by the keyed hash the platform
already joins on (`crypto.keyed_hash`) and by a 64-bit integer taken from that hash (`id_key`),
which joins faster than a 32-character string. The issue suggested the first 17 digits as that
integer; they *are* the ID number, so a keyed integer is used instead — it joins as fast and the
files can be copied to a cluster without copying anyone's ID number. What the linkage needs from
a damaged number (its birth date, its county prefix, the keyed hashes of the valid numbers one
typing slip away) is worked out here, where the key is, and written beside it.

Since version 2 it also holds what the yearly assessment measures in SQL: what each record adds
to each agreement indicator (`amounts`, by the tallies agreement progress uses), the agreements'
targets, labour placements, and households' per-capita income by year.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from xiezuo.core import crypto
from xiezuo.core.errors import UserError
from xiezuo.registry import idnumbers

SCHEMA_VERSION = 2
MANIFEST = "manifest.json"
CHUNK = 100_000

Progress = Callable[[str, int], None]

# A record and the yearly report it belongs to: the first columns of records and amounts.
_RECORD_REPORT: list[tuple[str, pa.DataType]] = [
    ("record_kind", pa.string()),
    ("record_id", pa.int64()),
    ("report_id", pa.int64()),
    ("pairing_id", pa.int64()),
    ("reporter_code", pa.string()),
    ("side", pa.string()),
    ("report_state", pa.string()),
    ("year", pa.int16()),
]

# The tables, in the order they are written; docs/snapshot.md describes every column.
SCHEMAS: dict[str, pa.Schema] = {
    "regions": pa.schema(
        [
            ("code", pa.string()),
            ("name", pa.string()),
            ("level", pa.int8()),
            ("parent_code", pa.string()),
            ("prefix", pa.string()),
            ("is_poverty_county", pa.bool_()),
            ("poverty_exit_year", pa.int16()),
            ("is_poor_village", pa.bool_()),
        ]
    ),
    "households": pa.schema(
        [
            ("household_id", pa.int64()),
            ("number", pa.string()),
            ("village_code", pa.string()),
            ("status", pa.string()),
            ("exit_year", pa.int16()),
            ("cancelled_year", pa.int16()),
            ("cancel_reason", pa.string()),
            ("returned_year", pa.int16()),
        ]
    ),
    "members": pa.schema(
        [
            ("member_id", pa.int64()),
            ("household_id", pa.int64()),
            ("id_hash", pa.string()),
            ("id_key", pa.int64()),
            ("name", pa.string()),
            ("sex", pa.string()),
            ("birth_date", pa.date32()),
        ]
    ),
    "pairings": pa.schema(
        [
            ("pairing_id", pa.int64()),
            ("kind", pa.string()),
            ("level", pa.int8()),
            ("east_code", pa.string()),
            ("east_org_id", pa.int64()),
            ("west_code", pa.string()),
            ("parent_id", pa.int64()),
            ("start_year", pa.int16()),
            ("end_year", pa.int16()),
            ("status", pa.string()),
        ]
    ),
    "records": pa.schema(
        [
            *_RECORD_REPORT,
            ("date", pa.date32()),
            ("training_kind", pa.string()),
            ("indicator", pa.string()),
            ("place_code", pa.string()),
        ]
    ),
    "people": pa.schema(
        [
            ("person_id", pa.int64()),
            ("record_kind", pa.string()),
            ("record_id", pa.int64()),
            ("name", pa.string()),
            ("id_hash", pa.string()),
            ("id_key", pa.int64()),
            ("id_valid", pa.bool_()),
            ("id_problem", pa.string()),
            ("id_birth_date", pa.date32()),
            ("id_region", pa.string()),
            ("member_id", pa.int64()),
        ]
    ),
    "id_variants": pa.schema(
        [
            ("person_id", pa.int64()),
            ("variant_kind", pa.string()),
            ("variant_hash", pa.string()),
            ("variant_key", pa.int64()),
        ]
    ),
    "beneficiaries": pa.schema(
        [
            ("beneficiary_id", pa.int64()),
            ("record_id", pa.int64()),
            ("number", pa.string()),
            ("household_id", pa.int64()),
        ]
    ),
    "amounts": pa.schema(
        [
            *_RECORD_REPORT,
            ("indicator", pa.string()),
            ("amount", pa.float64()),
            ("distinct_key", pa.string()),
        ]
    ),
    "targets": pa.schema(
        [
            ("agreement_id", pa.int64()),
            ("pairing_id", pa.int64()),
            ("year", pa.int16()),
            ("indicator", pa.string()),
            ("value", pa.float64()),
        ]
    ),
    "placements": pa.schema(
        [
            ("placement_id", pa.int64()),
            ("id_hash", pa.string()),
            ("id_key", pa.int64()),
            ("home_county", pa.string()),
            ("place_code", pa.string()),
            ("organiser_code", pa.string()),
            ("start", pa.date32()),
            ("end", pa.date32()),
            ("organised", pa.bool_()),
            ("registered", pa.bool_()),
            ("wage", pa.int32()),
        ]
    ),
    "incomes": pa.schema(
        [
            ("household_id", pa.int64()),
            ("year", pa.int16()),
            ("per_capita", pa.float64()),
        ]
    ),
}

# Which indicator of the agreements a person served counts toward (see cooperation.measures):
# a person counted twice for the same indicator in one year is the double count rule's case.
TRAINING_INDICATOR = {
    "cadres": "cadres_trained",
    "grassroots": "cadres_trained",
    "leaders": "professionals_trained",
    "professionals": "professionals_trained",
    "labourers": "labourers_trained",
}
INDUSTRY_INDICATOR = "poor_employed"  # 企业吸纳贫困人口就业
PROJECT_INDICATOR = "beneficiary_households"


def hash_key(id_hash: str) -> int | None:
    """The 64-bit join key of a keyed ID hash: its first 8 bytes as a signed integer."""
    if not id_hash:
        return None
    return int.from_bytes(bytes.fromhex(id_hash[:16]), "big", signed=True)


# ---------------------------------------------------------------- ID numbers of people served


_SCIENTIFIC = re.compile(r"^([0-9])\.?([0-9]*)E\+?([0-9]+)$", re.IGNORECASE)


def known_prefix(raw: str) -> str:
    """The leading digits a damaged number still tells for certain: '4.30101E+17' → '430101'."""
    text = idnumbers.normalise(raw)
    match = _SCIENTIFIC.match(text)
    if match:
        return match.group(1) + match.group(2)
    digits = re.match(r"^[0-9]*", text)
    return digits.group(0) if digits else ""


def variants(raw: str) -> list[tuple[str, str]]:
    """The valid ID numbers one typing slip away from an invalid one, as (kind, number): one digit
    wrong, two neighbours swapped, a wrong check character, or the last three digits zeroed by
    Excel. A valid number has none: GB 11643's check character catches every single-digit
    error and every swap of neighbours, so a valid number's slip would have made it invalid."""
    text = idnumbers.normalise(raw)
    out: dict[str, str] = {}
    if len(text) != 18 or not text[:17].isdigit():
        return []
    first17, check = text[:17], text[17]
    if idnumbers.check_digit(first17) == check:
        return []
    if text.endswith("000"):
        # Excel keeps 15 significant digits: the last two digits and the check are lost.
        for tail in range(100):
            head = first17[:15] + f"{tail:02d}"
            out.setdefault(head + idnumbers.check_digit(head), "excel_zeros")
    out.setdefault(first17 + idnumbers.check_digit(first17), "check")
    for pos in range(17):
        for digit in "0123456789":
            if digit == first17[pos]:
                continue
            head = first17[:pos] + digit + first17[pos + 1 :]
            if idnumbers.check_digit(head) == check:
                out.setdefault(head + check, "digit")
    for pos in range(17):
        swapped = text[:pos] + text[pos + 1] + text[pos] + text[pos + 2 :]
        slip = swapped != text and swapped[:17].isdigit()
        if slip and idnumbers.check_digit(swapped[:17]) == swapped[17]:
            out.setdefault(swapped, "transposition")
    out.pop(text, None)
    valid = {n: k for n, k in out.items() if idnumbers.check_id(n).ok}
    return [(kind, number) for number, kind in sorted(valid.items())]


@dataclass(frozen=True)
class PersonId:
    id_valid: bool
    id_problem: str
    id_birth_date: datetime.date | None
    id_region: str | None


def person_id(raw: str) -> PersonId:
    check = idnumbers.check_id(raw, allow_disability_card=True)
    if check.ok:
        return PersonId(True, "", check.birth_date, check.region_code)
    prefix = known_prefix(raw)
    birth = None
    text = idnumbers.normalise(raw)
    if len(text) >= 14 and text[:14].isdigit():
        # A damaged number's birth date is a hint for the linkage, never a fact.
        try:
            birth = datetime.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
        except ValueError:
            birth = None
    return PersonId(False, check.message, birth, prefix[:6] if len(prefix) >= 6 else None)


# ---------------------------------------------------------------- export


@dataclass(frozen=True)
class Manifest:
    path: Path
    version: int
    created_at: str
    rows: dict[str, int]


def _write(
    path: Path, schema: pa.Schema, rows: Iterable[tuple[Any, ...]], progress: Progress | None
) -> int:
    names = schema.names
    total = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        batch: list[tuple[Any, ...]] = []

        def flush() -> None:
            columns: list[Any] = list(zip(*batch, strict=True)) if batch else [[] for _ in names]
            writer.write_table(
                pa.table(
                    {
                        n: pa.array(c, schema.field(n).type)
                        for n, c in zip(names, columns, strict=True)
                    },
                    schema=schema,
                )
            )

        for row in rows:
            batch.append(row)
            if len(batch) >= CHUNK:
                flush()
                total += len(batch)
                batch = []
                if progress:
                    progress(path.stem, total)
        if batch or total == 0:
            flush()
            total += len(batch)
    if progress:
        progress(path.stem, total)
    return total


def _regions() -> Iterator[tuple[Any, ...]]:
    from xiezuo.regions.codes import PREFIX_LENGTH, Level
    from xiezuo.regions.models import Region

    for code, name, level, parent, county, exit_year, village in (
        Region.objects.order_by("code")
        .values_list(
            "code",
            "name",
            "level",
            "parent_id",
            "is_poverty_county",
            "poverty_exit_year",
            "is_poor_village",
        )
        .iterator(chunk_size=CHUNK)
    ):
        yield (
            code,
            name,
            level,
            parent,
            code[: PREFIX_LENGTH[Level(level)]],
            county,
            exit_year,
            village,
        )


def _households() -> Iterator[tuple[Any, ...]]:
    from xiezuo.registry.choices import Status
    from xiezuo.registry.models import Household, StatusChange

    # Each household's latest change to a status that carries a year here: its cancellation
    # (when, and why: 死亡, 识别不准 ...) and its return to poverty (返贫). Only the change to
    # the status it holds now is written: a household cancelled once and reinstated is not.
    latest: dict[tuple[int, str], tuple[int | None, str]] = {}
    for hid, to, year, reason in (
        StatusChange.objects.filter(to_status__in=[Status.CANCELLED, Status.RETURNED])
        .order_by("household_id", "at", "id")
        .values_list("household_id", "to_status", "year", "reason")
        .iterator(chunk_size=CHUNK)
    ):
        latest[(hid, to)] = (year, reason)
    for hid, number, village, status, exit_year in (
        Household.objects.order_by("pk")
        .values_list("pk", "number", "village_id", "status", "exit_year")
        .iterator(chunk_size=CHUNK)
    ):
        year, reason, returned = None, "", None
        if status == Status.CANCELLED:
            year, reason = latest.get((hid, status), (None, ""))
        elif status == Status.RETURNED:
            returned = latest.get((hid, status), (None, ""))[0]
        yield (hid, number, village, status, exit_year, year, reason, returned)


def _members() -> Iterator[tuple[Any, ...]]:
    from xiezuo.registry.models import Member

    for mid, hid, id_hash, name, sex, birth in (
        Member.objects.order_by("pk")
        .values_list("pk", "household_id", "id_hash", "name", "sex", "birth_date")
        .iterator(chunk_size=CHUNK)
    ):
        yield (mid, hid, id_hash or None, hash_key(id_hash), name, sex, birth)


def _pairings() -> Iterator[tuple[Any, ...]]:
    from xiezuo.pairing.models import Pairing

    for row in (
        Pairing.objects.order_by("pk")
        .values_list(
            "pk",
            "kind",
            "level",
            "east_region_id",
            "east_org__region_id",
            "east_org_id",
            "west_region_id",
            "parent_id",
            "start_year",
            "end_year",
            "status",
        )
        .iterator(chunk_size=CHUNK)
    ):
        pk, kind, level, east, org_seat, org, west, parent, start, end, status = row
        yield (pk, kind, level, east or org_seat, org, west, parent, start, end, status)


_REPORT = (
    "report_id",
    "report__pairing_id",
    "report__reporter_id",
    "report__side",
    "report__state",
    "report__year",
    "date",
)


def _records() -> Iterator[tuple[Any, ...]]:
    from xiezuo.cooperation.models import Industry, Project, Training

    for pk, *report, kind in (
        Training.objects.order_by("pk")
        .values_list("pk", *_REPORT, "training_kind")
        .iterator(chunk_size=CHUNK)
    ):
        yield ("training", pk, *report, kind, TRAINING_INDICATOR.get(kind, kind), None)
    for pk, *report, place in (
        Industry.objects.order_by("pk")
        .values_list("pk", *_REPORT, "place_id")
        .iterator(chunk_size=CHUNK)
    ):
        yield ("industry", pk, *report, None, INDUSTRY_INDICATOR, place)
    for pk, *report, place in (
        Project.objects.order_by("pk")
        .values_list("pk", *_REPORT, "place_id")
        .iterator(chunk_size=CHUNK)
    ):
        yield ("project", pk, *report, None, PROJECT_INDICATOR, place)


def _people(variants_out: list[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    from xiezuo.cooperation.models import Person

    for pk, training, industry, name, id_hash, id_enc, member in (
        Person.objects.order_by("pk")
        .values_list("pk", "training_id", "industry_id", "name", "id_hash", "id_enc", "member_id")
        .iterator(chunk_size=CHUNK)
    ):
        raw = crypto.decrypt(id_enc) if id_enc else ""
        pid = person_id(raw)
        if not pid.id_valid:
            slips = variants(raw)
            hashes = crypto.keyed_hashes([n for _, n in slips])
            variants_out.extend(
                (pk, kind, h, hash_key(h)) for (kind, _), h in zip(slips, hashes, strict=True)
            )
        yield (
            pk,
            "training" if training else "industry",
            training or industry,
            name,
            id_hash or None,
            hash_key(id_hash),
            pid.id_valid,
            pid.id_problem,
            pid.id_birth_date,
            pid.id_region,
            member,
        )


def _beneficiaries() -> Iterator[tuple[Any, ...]]:
    from xiezuo.cooperation.models import Beneficiary

    yield from (
        Beneficiary.objects.order_by("pk")
        .values_list("pk", "project_id", "number", "household_id")
        .iterator(chunk_size=CHUNK)
    )


def _amounts() -> Iterator[tuple[Any, ...]]:
    """What each record adds to each agreement indicator, by the very tallies agreement progress
    uses (cooperation.measures.TALLIES), over every report whatever its state: the assessment
    picks the approved ones, a working view may take them all."""
    from xiezuo.cooperation.measures import TALLIES
    from xiezuo.cooperation.specs import SPECS

    kinds = {spec.model: spec.kind for spec in SPECS.values()}
    for indicator, tally in TALLIES.items():
        # The record and its report (not the record's date), then the fields the tally reads.
        head = ("pk", *_REPORT[:-1])
        extra = [f for f in (tally.total, tally.distinct) if f]
        for row in (
            tally.model._default_manager.filter(tally.where)
            .order_by("pk")
            .values_list(*head, *extra)
            .iterator(chunk_size=CHUNK)
        ):
            got = dict(zip(extra, row[len(head) :], strict=True))
            if tally.total is None:
                amount: float | None = 1.0  # the tally counts records (or distinct keys)
            else:
                total = got[tally.total]
                amount = None if total is None else float(total)
            key = got[tally.distinct] if tally.distinct else None
            yield (kinds[tally.model], *row[: len(head)], str(indicator), amount, key)


def _targets() -> Iterator[tuple[Any, ...]]:
    from xiezuo.pairing.models import Target

    for agreement, pairing, year, indicator, value in (
        Target.objects.order_by("agreement_id", "indicator")
        .values_list(
            "agreement_id", "agreement__pairing_id", "agreement__year", "indicator", "value"
        )
        .iterator(chunk_size=CHUNK)
    ):
        yield (agreement, pairing, year, indicator, float(value))


def _placements() -> Iterator[tuple[Any, ...]]:
    from xiezuo.labour.choices import PlacementFlag
    from xiezuo.labour.models import Placement

    unregistered = PlacementFlag.UNREGISTERED.value
    for pk, id_hash, home, place, organiser, start, end, organised, flags, wage in (
        Placement.objects.order_by("pk")
        .values_list(
            "pk",
            "id_hash",
            "home_county_id",
            "place_id",
            "organiser_region_id",
            "start",
            "end",
            "organised",
            "flags",
            "wage",
        )
        .iterator(chunk_size=CHUNK)
    ):
        registered = unregistered not in (flags or [])
        yield (
            pk,
            id_hash or None,
            hash_key(id_hash),
            home,
            place,
            organiser,
            start,
            end,
            organised,
            registered,
            wage,
        )


def _incomes() -> Iterator[tuple[Any, ...]]:
    from xiezuo.registry.models import HouseholdIncome, net_income, per_capita_net

    for hid, year, wages, business, property_income, transfers, costs, persons in (
        HouseholdIncome.objects.order_by("household_id", "year")
        .values_list(
            "household_id",
            "year",
            "wages",
            "business",
            "property_income",
            "transfers",
            "production_costs",
            "persons",
        )
        .iterator(chunk_size=CHUNK)
    ):
        net = net_income(wages, business, property_income, transfers, costs)
        yield (hid, year, float(per_capita_net(net, persons)))


def export(out: Path, *, progress: Progress | None = None) -> Manifest:
    """Write a complete snapshot into `out` (created if needed). The manifest is written last,
    so a directory without one is an export that did not finish and is never read."""
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).unlink(missing_ok=True)
    slips: list[tuple[Any, ...]] = []
    sources: dict[str, Callable[[], Iterable[tuple[Any, ...]]]] = {
        "regions": _regions,
        "households": _households,
        "members": _members,
        "pairings": _pairings,
        "records": _records,
        "people": lambda: _people(slips),
        "id_variants": lambda: slips,
        "beneficiaries": _beneficiaries,
        "amounts": _amounts,
        "targets": _targets,
        "placements": _placements,
        "incomes": _incomes,
    }
    rows = {
        name: _write(out / f"{name}.parquet", SCHEMAS[name], source(), progress)
        for name, source in sources.items()
    }
    created = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    manifest = {
        "schema": "xiezuo-snapshot",
        "version": SCHEMA_VERSION,
        "created_at": created,
        "tables": rows,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), "utf-8")
    return Manifest(out, SCHEMA_VERSION, created, rows)


def write_tables(out: Path, tables: dict[str, pa.Table]) -> Manifest:
    """A snapshot from tables built elsewhere (generated data for tests and benchmarks), checked
    against the same schemas as an export."""
    out.mkdir(parents=True, exist_ok=True)
    rows = {}
    for name, schema in SCHEMAS.items():
        table = tables[name] if name in tables else schema.empty_table()
        pq.write_table(table.select(schema.names).cast(schema), out / f"{name}.parquet")
        rows[name] = table.num_rows
    created = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    manifest = {
        "schema": "xiezuo-snapshot",
        "version": SCHEMA_VERSION,
        "created_at": created,
        "tables": rows,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2), "utf-8")
    return Manifest(out, SCHEMA_VERSION, created, rows)


def open_snapshot(path: Path) -> Manifest:
    """The manifest of a complete snapshot of this version; a clear refusal otherwise."""
    file = path / MANIFEST
    if not file.is_file():
        raise UserError(
            f"{path} 不是完整的数据快照（缺少 {MANIFEST}，导出可能没有完成），请重新导出"
        )
    try:
        data = json.loads(file.read_text("utf-8"))
    except ValueError as exc:
        raise UserError(f"{file} 无法读取：{exc}") from exc
    version = data.get("version")
    if data.get("schema") != "xiezuo-snapshot" or version != SCHEMA_VERSION:
        raise UserError(
            f"数据快照 {path} 的格式版本为 {version}，本系统只能读取版本 {SCHEMA_VERSION}，"
            "请用 xiezuo snapshot export 重新导出"
        )
    missing = [n for n in SCHEMAS if not (path / f"{n}.parquet").is_file()]
    if missing:
        raise UserError(f"数据快照 {path} 缺少文件：{'、'.join(m + '.parquet' for m in missing)}")
    for name, schema in SCHEMAS.items():
        have = pq.read_schema(path / f"{name}.parquet")
        lacking = [c for c in schema.names if c not in have.names]
        if lacking:
            raise UserError(
                f"{name}.parquet 缺少列 {'、'.join(lacking)}（快照格式不符），请重新导出"
            )
    return Manifest(path, version, str(data.get("created_at", "")), dict(data.get("tables", {})))
