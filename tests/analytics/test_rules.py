from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.analytics.conftest import World
from xiezuo.analytics import jobs, rules, snapshot


def _found(result: jobs.JobResult) -> set[tuple[str, str]]:
    """(rule, person name) of every finding; record-level findings name the record."""
    from xiezuo.cooperation.models import Person

    names = dict(Person.objects.values_list("pk", "name"))
    return {(f[0], names.get(f[3], f"{f[1]}:{f[2]}")) for f in result.findings}


@pytest.fixture
def snap(world: World, tmp_path: Path) -> Path:
    snapshot.export(tmp_path / "snap")
    return tmp_path / "snap"


def test_every_rule_finds_its_case_and_nothing_else(
    world: World, placed: dict[str, Any], tmp_path: Path
) -> None:
    snapshot.export(tmp_path / "placed")
    result = jobs.run_job(tmp_path / "placed")
    stray = f"training:{world.records['stray'].pk}"
    first, second = placed["first"].pk, placed["second"].pk
    assert _found(result) == {
        ("V10", f"placement:{first}"),
        ("V10", f"placement:{second}"),
        ("V01", "汪芳"),
        ("V01", "郑十"),
        ("V02", "王五"),
        ("V03", "赵六"),
        ("V04", stray),
        ("V05", "孙七"),
        ("V07", "吴九"),
        ("V08", "周八"),
        ("V09", "李四"),
        ("V11", "汪芳"),
        ("V11", "郑十"),
    }
    # 李四 is found on both reports, 苏州's and 铜仁's.
    assert sum(1 for f in result.findings if f[0] == "V09") == 2
    links = {f[5].split("|")[0] for f in result.findings if f[0] == "V11"}
    assert links == {str(world.members["王芳"].pk), str(world.members["郑十"].pk)}
    # Each placement of the overlapping pair names the other; the person is 张三.
    overlap = {f[2]: f for f in result.findings if f[0] == "V10"}
    assert overlap[first][5] == f"{second}|2026-06-01|2026-09-30"
    assert overlap[second][5] == f"{first}|2026-01-05|"
    assert overlap[first][4] == world.members["张三"].id_hash
    assert (
        rules.BY_CODE["V10"]
        .explain(overlap[second][5])
        .startswith(f"此人同时还有另一段就业（第 {first} 号，2026-01-05 至 今（在岗））")
    )
    # Placements are scoped by the person's home county (沿河 is in 铜仁, 碧江 is not) and by
    # the year they started; a pairing's are its western people placed within its east.
    assert {
        f[0] for f in jobs.run_job(tmp_path / "placed", scope=jobs.parse_scope("520627")).findings
    } == {"V10"}
    assert not [
        f
        for f in jobs.run_job(tmp_path / "placed", scope=jobs.parse_scope("520602")).findings
        if f[0] == "V10"
    ]
    paired = jobs.run_job(
        tmp_path / "placed", scope=jobs.parse_scope(f"pairing:{world.pairing.pk}")
    )
    assert sum(1 for f in paired.findings if f[0] == "V10") == 2
    assert paired.records[("placement", first)]["indicator"] == "placements"
    assert not [f for f in jobs.run_job(tmp_path / "placed", year=2025).findings if f[0] == "V10"]


def test_reasons_are_plain_chinese(world: World, snap: Path) -> None:
    result = jobs.run_job(snap)
    reasons = {f[0]: rules.BY_CODE[f[0]].explain(f[5]) for f in result.findings}
    assert "2024 年注销（死亡）" in reasons["V05"]
    assert "被 2 个填报单位" in reasons["V09"]
    assert reasons["V08"].startswith("此人培训时只有 10 周岁")  # birthday not yet reached


def test_scope_limits_findings_not_what_rules_see(world: World, snap: Path) -> None:
    # Only 铜仁's subtree: its 李四 is still a double count, because 苏州 reported him too;
    # 碧江's stray report is inside 铜仁.
    result = jobs.run_job(snap, scope=jobs.parse_scope("520600"))
    stray = f"training:{world.records['stray'].pk}"
    assert _found(result) == {("V09", "李四"), ("V04", stray)}
    county = jobs.run_job(snap, scope=jobs.parse_scope(f"pairing:{world.county_pairing.pk}"))
    assert {r for r, _ in _found(county)} == {"V03", "V04"}
    assert jobs.run_job(snap, year=2025).findings == []


def test_docs_describe_every_file_and_column() -> None:
    text = (Path(__file__).parents[2] / "docs" / "snapshot.md").read_text("utf-8")
    assert f"schema version {snapshot.SCHEMA_VERSION}" in text
    for name, schema in snapshot.SCHEMAS.items():
        section = text.split(f"## {name}.parquet", 1)[1].split("\n## ", 1)[0]
        for column in schema.names:
            assert f"| {column} |" in section, (name, column)


def test_older_or_broken_snapshot_is_refused(world: World, snap: Path) -> None:
    import json

    from xiezuo.core.errors import UserError

    manifest = json.loads((snap / "manifest.json").read_text())
    (snap / "manifest.json").write_text(json.dumps({**manifest, "version": 0}))
    with pytest.raises(UserError, match="格式版本为 0"):
        jobs.run_job(snap)
    (snap / "manifest.json").unlink()
    with pytest.raises(UserError, match="不是完整的数据快照"):
        jobs.run_job(snap)


def test_registry_without_id_hashes_is_refused(snap: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from xiezuo.core.errors import UserError

    members = pq.read_table(snap / "members.parquet")
    for column in ("id_hash", "id_key"):
        i = members.schema.get_field_index(column)
        members = members.set_column(
            i, column, pa.nulls(members.num_rows, members.schema.field(column).type)
        )
    pq.write_table(members, snap / "members.parquet")
    with pytest.raises(UserError, match="没有证件号码哈希"):
        jobs.run_job(snap)


def test_variants_find_the_typo_and_the_excel_damage() -> None:
    import datetime

    from tests.analytics.conftest import mistype, rid

    good = rid("520627", datetime.date(1988, 7, 3), 12)
    assert good in {n for _, n in snapshot.variants(mistype(good))}
    swapped = good[:8] + good[9] + good[8] + good[10:]
    if swapped != good:
        assert good in {n for _, n in snapshot.variants(swapped)}
    zeroed = good[:15] + "000"
    assert ("excel_zeros", good) in snapshot.variants(zeroed)
    assert snapshot.variants(good) == []
    assert snapshot.known_prefix("4.30101E+17") == "430101"


def test_snapshot_export_command(world: World, tmp_path: Path) -> None:
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command(
        "snapshot", "export", "--out", str(tmp_path / "cli"), stdout=out, stderr=io.StringIO()
    )
    manifest = snapshot.open_snapshot(tmp_path / "cli")
    assert manifest.rows["people"] == 10 and manifest.rows["members"] == 8
    assert "people.parquet\t10 行" in out.getvalue()
    # No ID number in clear anywhere in the files.
    blob = b"".join(p.read_bytes() for p in (tmp_path / "cli").glob("*.parquet"))
    assert not any(number.encode() in blob for number in world.ids.values())


def test_reasons_in_english_too(world: World, snap: Path) -> None:
    from django.utils import translation

    result = jobs.run_job(snap)
    v05 = next(f for f in result.findings if f[0] == "V05")
    with translation.override("en"):
        english = rules.BY_CODE["V05"].explain(v05[5])
        assert english.startswith("The household was cancelled in 2024 (死亡)")
        assert "年" not in english.replace("死亡", "")
        assert "年" not in rules.BY_CODE["V05"].explain("|死亡|2026-05-10")
        assert (
            rules.BY_CODE["V10"]
            .explain("7|2026-01-05|")
            .startswith(
                "This person has another placement at the same time (no. 7, 2026-01-05 to now"
            )
        )
        assert str(rules.BY_CODE["V08"].title) == "A child counted as a labour-skills trainee"
    with translation.override("zh-hans"):
        assert str(rules.BY_CODE["V08"].title) == "未成年人列为劳动力培训学员"
