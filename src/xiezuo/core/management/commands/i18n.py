from __future__ import annotations

from typing import Any

import polib
from django.core.management.base import BaseCommand

from xiezuo.paths import PACKAGE_DIR


class Command(BaseCommand):
    help = (
        "Compile the .po translations to .mo with polib, so a machine without GNU gettext "
        "can still set up the project."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for po_path in sorted((PACKAGE_DIR / "locale").glob("*/LC_MESSAGES/*.po")):
            po = polib.pofile(str(po_path))
            po.save_as_mofile(str(po_path.with_suffix(".mo")))
            self.stdout.write(f"{po_path.relative_to(PACKAGE_DIR)}: {po.percent_translated()}%")
