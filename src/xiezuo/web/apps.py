from pathlib import Path

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "xiezuo.web"
    label = "web"

    def ready(self) -> None:
        # The pages' strings written in Chinese keep their English in web/locale/en.
        from xiezuo.core.i18n import compile_app_catalogue

        compile_app_catalogue(Path(__file__).parent)
