from pathlib import Path

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """Read-only jobs over the data: the Parquet snapshot and verification (数据比对).

    Nothing here writes the other apps' tables; runs and findings are this app's own."""

    name = "xiezuo.analytics"
    label = "analytics"
    verbose_name = _("数据比对")

    def ready(self) -> None:
        compile_catalogue()


def compile_catalogue() -> None:
    """This app's messages are Chinese (what a county clerk reads) with English translations
    in its own locale/en, compiled here when the .po is newer than the .mo: `xiezuo i18n`
    compiles only the package-wide catalogue. A read-only install keeps whatever .mo it has."""
    import polib

    for po_path in (Path(__file__).parent / "locale").glob("*/LC_MESSAGES/django.po"):
        mo_path = po_path.with_suffix(".mo")
        try:
            if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
                polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        except OSError:
            pass
