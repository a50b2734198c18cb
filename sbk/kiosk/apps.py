from django.apps import AppConfig


class KioskConfig(AppConfig):
    name = "sbk.kiosk"
    verbose_name = "自助一体机屏幕"
