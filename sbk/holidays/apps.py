from django.apps import AppConfig


class HolidaysConfig(AppConfig):
    name = "sbk.holidays"
    label = "holidays"
    verbose_name = "节假日"
