from django.contrib import admin

from .models import Organisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "division_code", "parent", "bank", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name", "division_code")
    readonly_fields = ("path",)
    raw_id_fields = ("parent", "bank")

    def save_model(self, request, obj, form, change):
        # Keep the materialised path in step with the parent (children follow on next save).
        obj.path = obj.build_path()
        super().save_model(request, obj, form, change)
