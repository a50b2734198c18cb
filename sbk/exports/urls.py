from django.urls import path

from . import views

app_name = "exports"

urlpatterns = [
    path("people/", views.people_export, name="people"),
    path("requests/", views.requests, name="requests"),
    path(
        "requests/<int:request_id>/approve/", views.decide, {"verdict": "approve"}, name="approve"
    ),
    path("requests/<int:request_id>/reject/", views.decide, {"verdict": "reject"}, name="reject"),
    path("requests/<int:request_id>/download/", views.download, name="download"),
]
