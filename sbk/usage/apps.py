from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "sbk.usage"
    label = "usage"
    verbose_name = "合作银行与用卡"
