from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "sbk.operations"
    label = "operations"
    verbose_name = "运营记录"
