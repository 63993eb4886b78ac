from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LabourConfig(AppConfig):
    name = "xiezuo.labour"
    label = "labour"
    verbose_name = _("Labour cooperation")
