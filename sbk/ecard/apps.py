from django.apps import AppConfig


class EcardConfig(AppConfig):
    name = "sbk.ecard"
    label = "ecard"
    verbose_name = "电子社保卡"

    def ready(self):
        from sbk.cards.transitions import on_card_change

        from .services import follow_card

        on_card_change(follow_card)
