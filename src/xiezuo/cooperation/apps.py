from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CooperationConfig(AppConfig):
    name = "xiezuo.cooperation"
    label = "cooperation"
    verbose_name = _("Cooperation records")

    def ready(self) -> None:
        # Recorded data measures the agreements' targets (see pairing.progress).
        from xiezuo.cooperation import measures  # noqa: F401
