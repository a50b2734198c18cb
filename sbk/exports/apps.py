from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "sbk.exports"
    label = "exports"
    verbose_name = "个人信息导出"
