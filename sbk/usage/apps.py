from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "sbk.usage"
    label = "usage"
    verbose_name = "合作银行与用卡"

    def ready(self):
        # The kept payer counts move with the cards, in the transition's transaction (ADR 0008).
        from sbk.cards import transitions

        from . import kept

        transitions.on_card_change(kept.on_card_change)
        if hasattr(transitions, "on_cards_imported"):
            transitions.on_cards_imported(kept.on_cards_imported)
