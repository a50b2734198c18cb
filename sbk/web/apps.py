from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "sbk.web"
    label = "web"
    verbose_name = "工作台"
