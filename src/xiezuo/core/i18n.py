"""Apps whose messages are written in Chinese (what a county clerk reads) keep their English in
their own locale/en; `xiezuo i18n` compiles only the package-wide catalogue, so each such app
compiles its own when its .po is newer than its .mo (the core app does it for every app at start).
A read-only install keeps the .mo it has.

The cooperation specs' Chinese field labels, notes and examples are data (import columns, the
field names in messages); pages show them through gettext, so they are msgids of cooperation's
catalogue too. Code lists are gettext_lazy msgids; tables that map labels to codes read the
Chinese msgid (`chinese`), never the translation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.models import Choices
from django.utils.functional import Promise


def compile_app_catalogue(app_dir: Path) -> None:
    import polib

    for po_path in (app_dir / "locale").glob("*/LC_MESSAGES/django.po"):
        mo_path = po_path.with_suffix(".mo")
        try:
            if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
                polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        except OSError:
            pass


def chinese(text: object) -> str:
    """The Chinese wording of a label — its msgid — whatever language the request chose.

    Import files, the code lists and the templates users fill in are Chinese, so a table that
    maps labels to codes compares Chinese labels in every language. It reads the lazy string's
    msgid instead of translating, so module-level tables may be built before the apps are ready.
    """
    if isinstance(text, Promise):
        args = getattr(text, "_args", ())
        if args and isinstance(args[0], str):
            return args[0]
    return str(text)


def chinese_labels(choices: type[Choices]) -> dict[str, Any]:
    """Chinese label → code of a code list."""
    return {chinese(label): value for value, label in choices.choices}
