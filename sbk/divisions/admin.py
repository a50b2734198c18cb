from django.contrib import admin

from .models import Division


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent_code", "valid_from", "valid_to")
    list_filter = ("level",)
    search_fields = ("code", "name")

    def has_change_permission(self, request, obj=None):
        return False  # facts from GB/T 2260: reload with `sbk divisions load`

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
