"""Where the platform keeps what is not code: the data directory and the repository root.

Every location comes from an environment variable with a default beside the checkout, so a
clone runs as it is and a server points the variables elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# src/xiezuo -> repository root (the project is installed editable; see scripts/setup).
REPO_DIR = PACKAGE_DIR.parent.parent


def data_dir() -> Path:
    """The writable directory for the database, the secret files and fetched reference data."""
    return Path(os.environ.get("XIEZUO_DATA_DIR", REPO_DIR / "var")).resolve()


def shared_data_dir() -> Path:
    """The team's shared reference data (../shared/data beside the checkout)."""
    return Path(os.environ.get("XIEZUO_SHARED_DATA", REPO_DIR.parent / "shared" / "data")).resolve()


def read_or_create_secret(name: str, *, nbytes: int = 48) -> str:
    """Return the secret kept in the data directory under `name`, creating it on first use.

    For a laptop demo only: a server sets the secret in the environment instead. The file is
    created with mode 0600 and never leaves the data directory (which git ignores).
    """
    import secrets

    directory = data_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    value = secrets.token_urlsafe(nbytes)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value)
    return value
