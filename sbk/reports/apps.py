from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "sbk.reports"
    label = "reports"
    verbose_name = "统计调度表"

    def ready(self):
        # The kept holder counts are written by the card transitions' hooks, in the same
        # transaction as the change (ADR 0005).
        from sbk.cards import transitions

        from . import counts

        transitions.on_card_change(counts.on_card_change)
        if hasattr(transitions, "on_cards_imported"):
            transitions.on_cards_imported(counts.on_cards_imported)
