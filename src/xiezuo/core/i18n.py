"""Apps whose messages are written in Chinese (what a county clerk reads) keep their English in
their own locale/en; `xiezuo i18n` compiles only the package-wide catalogue, so each such app
compiles its own when its .po is newer than its .mo. A read-only install keeps the .mo it has."""

from __future__ import annotations

from pathlib import Path


def compile_app_catalogue(app_dir: Path) -> None:
    import polib

    for po_path in (app_dir / "locale").glob("*/LC_MESSAGES/django.po"):
        mo_path = po_path.with_suffix(".mo")
        try:
            if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
                polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        except OSError:
            pass
