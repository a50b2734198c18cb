"""The logs in the admin: read only. No add, no change, no delete, not even for superusers."""

from django.contrib import admin

from .models import AccessLog, AuditEntry, ChainAnchor, EncryptedFile


class ReadOnlyAdmin(admin.ModelAdmin):
    actions = None

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("seq", "at", "actor_username", "org_code", "action", "object_type", "object_id")
    list_filter = ("action",)
    search_fields = ("actor_username", "object_id", "action")


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ("seq", "at", "username", "org_code", "object_type", "object_label", "purpose")
    search_fields = ("username", "object_id", "object_label")


@admin.register(ChainAnchor)
class ChainAnchorAdmin(ReadOnlyAdmin):
    list_display = ("chain", "seq", "hash", "last_at", "purged_at", "purged_by", "rows")


@admin.register(EncryptedFile)
class EncryptedFileAdmin(ReadOnlyAdmin):
    list_display = ("path", "context", "key_id", "size", "updated_at")
