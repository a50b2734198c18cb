from django.apps import AppConfig


class StockConfig(AppConfig):
    name = "sbk.stock"
    label = "stock"
    verbose_name = "卡基台账"

    def ready(self):
        # The card's transition writer calls these in the production transaction: a blank
        # consumed before the card's INSERT, unclaimed cards entering and leaving the stock.
        from sbk.cards.transitions import before_card_create, on_card_change

        from .services import production

        before_card_create(production.consume_for_card)
        on_card_change(production.on_card_change)
