"""The applicant's assistant pages, under /portal/ (the only paths an applicant may use)."""

from django.urls import path

from . import portal_views

app_name = "assistant_portal"

urlpatterns = [
    path("", portal_views.ask, name="ask"),
    path("wrong/", portal_views.report_wrong, name="report_wrong"),
    path("documents/<int:document_id>/", portal_views.document, name="document"),
]
