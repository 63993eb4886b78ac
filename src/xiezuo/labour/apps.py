from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LabourConfig(AppConfig):
    name = "xiezuo.labour"
    label = "labour"
    verbose_name = _("Labour cooperation")

    def ready(self) -> None:
        # Placements come in through the staged import as a kind of their own, and measure
        # the agreement indicator 帮助贫困人口转移就业 (see measures).
        from xiezuo.imports import kinds, tabular
        from xiezuo.labour import importing, measures  # noqa: F401

        kinds.register(
            tabular.import_kind(importing.TABLE, require=importing.require_import, order=70)
        )
