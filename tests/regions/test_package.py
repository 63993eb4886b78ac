from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from xiezuo.core.errors import UserError
from xiezuo.regions import package


def _tarball(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def _good_members() -> dict[str, bytes]:
    members = {f"dist/{m}": b"code,name\n" for m in package.MEMBERS}
    members["LICENSE"] = b"WTFPL"
    return members


def test_verified_package_is_unpacked(tmp_path: Path) -> None:
    tgz = _tarball(tmp_path / "p.tgz", _good_members())
    target = package.install(
        dest_root=tmp_path / "out", tarball=tgz, expected_integrity=package.integrity_of(tgz)
    )
    assert sorted(p.name for p in target.iterdir()) == sorted(
        [*package.MEMBERS, "LICENSE", "SOURCE.txt"]
    )


def test_wrong_hash_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    tgz = _tarball(tmp_path / "p.tgz", _good_members())
    out = tmp_path / "out"
    with pytest.raises(UserError, match="数据包校验失败"):
        package.install(dest_root=out, tarball=tgz)  # the pinned hash of the real package
    assert list(out.iterdir()) == []


def test_corrupted_package_is_refused(tmp_path: Path) -> None:
    tgz = _tarball(tmp_path / "p.tgz", _good_members())
    broken = tmp_path / "broken.tgz"
    broken.write_bytes(tgz.read_bytes()[:200])
    out = tmp_path / "out"
    with pytest.raises(UserError, match="数据包已损坏"):
        package.install(
            dest_root=out, tarball=broken, expected_integrity=package.integrity_of(broken)
        )
    assert list(out.iterdir()) == []


def test_package_without_the_division_files_is_refused(tmp_path: Path) -> None:
    tgz = _tarball(tmp_path / "p.tgz", {"LICENSE": b"x"})
    with pytest.raises(UserError, match=r"数据包缺少文件 provinces\.csv"):
        package.install(
            dest_root=tmp_path / "out", tarball=tgz, expected_integrity=package.integrity_of(tgz)
        )


def test_missing_tarball_is_named(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="数据包文件不存在"):
        package.install(dest_root=tmp_path / "out", tarball=tmp_path / "nope.tgz")
