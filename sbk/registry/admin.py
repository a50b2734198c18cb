from django.contrib import admin

from .models import Person, PersonChange


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    """Masked and read-only: full values are shown only through the logged console action."""

    list_display = ("name", "doc_type", "id_masked", "gender", "birth_date", "org", "status")
    list_filter = ("doc_type", "category", "status")
    search_fields = ("name", "id_masked")
    fields = (
        "name",
        "name_printable",
        "doc_type",
        "id_masked",
        "gender",
        "birth_date",
        "nationality",
        "phone_masked",
        "residence_division",
        "category",
        "category_note",
        "org",
        "status",
        "cancelled_on",
        "created_at",
        "updated_at",
        "version",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PersonChange)
class PersonChangeAdmin(admin.ModelAdmin):
    list_display = ("person", "field", "old_value", "new_value", "actor", "at", "reason")
    fields = ("person", "field", "old_value", "new_value", "actor", "at", "reason")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
