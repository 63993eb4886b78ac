from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CooperationConfig(AppConfig):
    name = "xiezuo.cooperation"
    label = "cooperation"
    verbose_name = _("Cooperation records")

    def ready(self) -> None:
        # Recorded data measures the agreements' targets (see pairing.progress).
        from xiezuo.cooperation import importing, measures, policy  # noqa: F401
        from xiezuo.imports import kinds, tabular

        for order, table in enumerate(importing.TABLES.values(), start=40):
            kinds.register(tabular.import_kind(table, require=policy.require_import, order=order))
