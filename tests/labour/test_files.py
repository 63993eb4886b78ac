"""The file interface: bad files refused naming line and column; the CLI end to end."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from xiezuo.core.errors import UserError
from xiezuo.labour import files

WORKERS = """worker_id,county,age,skills,min_wage,places,needs_dorm
a,520102,30,K01;K02,3000,44;5201,1
b,520201,45,,4000,,0
"""
POSTINGS = """posting_id,county,wage,slots,skills,age_min,age_max,dorm
x,440305,6000,1,K01,18,50,1
y,520102,4000,2,,16,60,0
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_files_are_read(tmp_path):
    w = files.read_workers(write(tmp_path, "w.csv", WORKERS))
    p = files.read_postings(write(tmp_path, "p.csv", POSTINGS))
    assert list(w.ids) == ["a", "b"]
    assert w.skills[0] == ("K01", "K02") and w.places[0] == ("44", "5201") and w.places[1] == ()
    assert bool(w.needs_dorm[0]) and not bool(w.needs_dorm[1])
    assert list(p.slots) == [1, 2] and p.skills[1] == ()


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("c,520102,15,,3000,,0", "w.csv 第 4 行 age 列: 15 岁未满 16 周岁"),
        ("c,520102,61,,3000,,0", "w.csv 第 4 行 age 列: 61 岁已超过退休年龄"),
        ("c,52010,30,,3000,,0", "w.csv 第 4 行 county 列"),
        ("c,520000,30,,3000,,0", "w.csv 第 4 行 county 列"),
        ("c,520102,三十,,3000,,0", "w.csv 第 4 行 age 列: “三十”不是整数"),
        ("c,520102,30,,3000,5,0", "w.csv 第 4 行 places 列"),
        ("c,520102,30,,3000,,2", "w.csv 第 4 行 needs_dorm 列"),
        ("a,520102,30,,3000,,0", "w.csv 第 4 行 worker_id 列: 编号“a”重复"),
    ],
)
def test_a_bad_worker_row_names_line_and_column(tmp_path, line, needle):
    with pytest.raises(UserError) as caught:
        files.read_workers(write(tmp_path, "w.csv", WORKERS + line + "\n"))
    assert needle in str(caught.value)


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("z,440305,6000,0,,18,50,1", "p.csv 第 4 行 slots 列: 岗位名额为 0"),
        (
            "z,440305,2000,3,,18,50,1",
            "p.csv 第 4 行 wage 列: 月工资 2000 元低于当地最低工资标准 2100 元",
        ),
        ("z,440305,6000,3,,50,30,1", "p.csv 第 4 行 age_max 列"),
        ("z,440305,6000,3,,14,30,1", "p.csv 第 4 行 age_min 列"),
    ],
)
def test_a_bad_posting_row_names_line_and_column(tmp_path, line, needle):
    with pytest.raises(UserError) as caught:
        files.read_postings(write(tmp_path, "p.csv", POSTINGS + line + "\n"))
    assert needle in str(caught.value)


def test_a_city_without_counties_is_a_workplace(tmp_path):
    p = files.read_postings(write(tmp_path, "p.csv", POSTINGS + "dg,441900,5000,3,,18,50,1\n"))
    assert int(p.county[-1]) == 441900


def test_a_missing_column_or_encoding_is_refused(tmp_path):
    with pytest.raises(UserError, match="缺少列：min_wage"):
        files.read_workers(write(tmp_path, "w.csv", "worker_id,county,age\na,520102,30\n"))
    path = tmp_path / "gbk.csv"
    path.write_bytes("worker_id,county,age,min_wage\n张,520102,30,3000\n".encode("gbk"))
    with pytest.raises(UserError, match="UTF-8"):
        files.read_workers(path)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_cli_matches_files_end_to_end(tmp_path):
    w = write(tmp_path, "w.csv", WORKERS)
    p = write(tmp_path, "p.csv", POSTINGS)
    pairs = write(tmp_path, "pairs.csv", "east,west\n440000,520100\n")
    out = tmp_path / "m.csv"
    printed = run(
        "labour",
        "match",
        "--workers",
        str(w),
        "--postings",
        str(p),
        "--pairs",
        str(pairs),
        "--out",
        str(out),
        "--method",
        "exact",
        "--explain",
    )
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    # a (Guiyang, paired with Guangdong, K01, needs a dorm) takes x: 100 + 40 + 60 + 10 = 210;
    # b takes y: 100 + ⌊60·0/4000⌋ = 100.
    assert {(r["worker_id"], r["posting_id"], r["score"]) for r in rows} == {
        ("a", "x", "210"),
        ("b", "y", "100"),
    }
    assert "匹配 2 人，总分 310" in printed
    assert "方法 exact（已证明最优）" in printed and "最优性证明" in printed
    assert "a → x：基础分 100；岗位所在地与工人所在县结对 +40" in printed


def test_cli_refuses_a_bad_file(tmp_path):
    w = write(tmp_path, "w.csv", WORKERS + "c,520102,12,,3000,,0\n")
    p = write(tmp_path, "p.csv", POSTINGS)
    with pytest.raises(CommandError, match=r"w\.csv 第 4 行 age 列"):
        run(
            "labour",
            "match",
            "--workers",
            str(w),
            "--postings",
            str(p),
            "--out",
            str(tmp_path / "m.csv"),
        )
    assert not (tmp_path / "m.csv").exists()


def test_generated_files_run_through_the_cli(tmp_path):
    printed = run(
        "generate", "labour", "--workers", "3000", "--postings", "300", "--out", str(tmp_path)
    )
    assert "已生成 3000 名工人、300 个岗位" in printed
    for name in ("workers.csv", "postings.csv", "pairs.csv"):
        assert (tmp_path / name).exists()
    out = tmp_path / "m.csv"
    printed = run(
        "labour",
        "match",
        "--workers",
        str(tmp_path / "workers.csv"),
        "--postings",
        str(tmp_path / "postings.csv"),
        "--pairs",
        str(tmp_path / "pairs.csv"),
        "--out",
        str(out),
        "--method",
        "scalable",
    )
    matches = files.read_matches(out)
    assert len(matches) > 1000
    assert "方法 scalable" in printed
    assert f"匹配 {len(matches)} 人，总分 {sum(s for _, _, s in matches)}" in printed
