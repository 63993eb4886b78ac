from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "xiezuo.api"
    label = "api"
