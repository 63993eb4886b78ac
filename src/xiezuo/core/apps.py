from pathlib import Path

from django.apps import AppConfig, apps


class CoreConfig(AppConfig):
    name = "xiezuo.core"
    label = "core"

    def ready(self) -> None:
        from xiezuo.core.i18n import compile_app_catalogue

        # Each app keeps the English of its Chinese messages in its own locale/en.
        for app in apps.get_app_configs():
            if app.name.startswith("xiezuo."):
                compile_app_catalogue(Path(app.path))
