from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "xiezuo.core"
    label = "core"
