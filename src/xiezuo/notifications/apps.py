from pathlib import Path

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """What the platform tells a user: a report returned or approved, a report waiting for
    review, a pairing proposed to it, an import finished or failed — in the app, and by e-mail
    when the server is set up to send it."""

    name = "xiezuo.notifications"
    label = "notifications"
    verbose_name = _("通知")

    def ready(self) -> None:
        from xiezuo.core.i18n import compile_app_catalogue

        compile_app_catalogue(Path(__file__).parent)
