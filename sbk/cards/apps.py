from django.apps import AppConfig


class CardsConfig(AppConfig):
    name = "sbk.cards"
    label = "cards"
    verbose_name = "社保卡业务"
