"""The stock books in the admin: read only, as the audit log (the ledger is append-only)."""

from django.contrib import admin

from sbk.core.admin import ReadOnlyAdmin

from .models import Balance, DayClose, Discrepancy, Entry, Serial, Stocktake


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "day", "kind", "serial", "src_state", "src_org", "dst_state", "dst_org")
    list_filter = ("kind",)
    search_fields = ("serial", "batch")


@admin.register(Serial)
class SerialAdmin(ReadOnlyAdmin):
    list_display = ("serial", "bank", "item", "state", "org")
    search_fields = ("serial",)


@admin.register(Balance)
class BalanceAdmin(ReadOnlyAdmin):
    list_display = ("org", "item", "bank", "qty")


@admin.register(DayClose)
class DayCloseAdmin(ReadOnlyAdmin):
    list_display = ("org", "day", "closed_at", "cards_produced", "blanks_consumed")


@admin.register(Stocktake)
class StocktakeAdmin(ReadOnlyAdmin):
    list_display = ("org", "item", "book", "counted", "at")


@admin.register(Discrepancy)
class DiscrepancyAdmin(ReadOnlyAdmin):
    list_display = ("org", "status", "opened_at", "rectified_at")
