from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sbk.accounts"
    label = "accounts"
    verbose_name = "工作人员与权限"
