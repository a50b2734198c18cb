"""Organisations in the Django admin: every save goes through the org services, so it is
audited and a moved organisation's subtree gets its new paths; nothing is deleted here."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from sbk.core.errors import ServiceError

from . import services
from .models import Organisation


class OrganisationForm(forms.ModelForm):
    reason = forms.CharField(label="变更原因", required=False, max_length=200)

    class Meta:
        model = Organisation
        fields = (
            "code", "name", "kind", "parent", "bank", "division_code", "address", "active",
            "duty_phone",
        )  # fmt: skip

    def clean(self):
        data = super().clean()
        try:
            services.check_organisation(
                data.get("kind"),
                data.get("parent"),
                data.get("bank"),
                data.get("division_code") or "",
                code=data.get("code") or "",
                instance=self.instance if self.instance.pk else None,
            )
            services.set_duty_phone(Organisation(), data.get("duty_phone") or "")
        except ServiceError as exc:
            raise ValidationError(
                {exc.field: exc.message} if exc.field in self.fields else exc.message
            ) from None
        return data


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    form = OrganisationForm
    list_display = ("code", "name", "kind", "division_code", "parent", "bank", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name", "division_code")
    readonly_fields = ("path",)
    raw_id_fields = ("parent", "bank")

    def has_delete_permission(self, request, obj=None):
        return False  # cards, people and staff point at organisations; deactivate instead

    def save_model(self, request, obj, form, change):
        reason = form.cleaned_data.get("reason") or "Django admin"
        if change:
            changes = {f: form.cleaned_data[f] for f in form.changed_data if f != "reason"}
            saved = services.change_organisation(
                obj.pk, acting_user=request.user, changes=changes, reason=reason
            )
        else:
            saved = services.create_organisation(
                acting_user=request.user,
                code=obj.code,
                name=obj.name,
                kind=obj.kind,
                division_code=obj.division_code,
                parent=obj.parent,
                bank=obj.bank,
                address=obj.address,
                duty_phone=form.cleaned_data.get("duty_phone") or "",
                reason=reason,
            )
        obj.pk, obj.path = saved.pk, saved.path
