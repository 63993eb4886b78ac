from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PairingConfig(AppConfig):
    name = "xiezuo.pairing"
    label = "pairing"
    verbose_name = _("Pairing")

    def ready(self) -> None:
        from xiezuo.imports import kinds, tabular
        from xiezuo.pairing import importing, policy

        kinds.register(
            tabular.import_kind(importing.PAIRINGS_KIND, require=policy.require_import, order=20)
        )
        kinds.register(
            tabular.import_kind(
                importing.AGREEMENTS_KIND, require=policy.require_plan_import, order=30
            )
        )
