from django.apps import AppConfig


class DivisionsConfig(AppConfig):
    name = "sbk.divisions"
    label = "divisions"
    verbose_name = "行政区划"
