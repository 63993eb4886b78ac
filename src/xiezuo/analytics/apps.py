from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """Read-only jobs over the data: the Parquet snapshot and verification (数据比对).

    Nothing here writes the other apps' tables; runs and findings are this app's own."""

    name = "xiezuo.analytics"
    label = "analytics"
    verbose_name = _("数据比对")
