from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "sbk.demo"
    label = "demo"
    verbose_name = "演示数据"
