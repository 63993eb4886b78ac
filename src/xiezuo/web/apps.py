from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "xiezuo.web"
    label = "web"
