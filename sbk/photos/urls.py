from django.urls import path

from . import views

app_name = "photos"

urlpatterns = [
    path("check/", views.check_page, name="check"),
    path("checks/<int:check_id>/", views.check_detail, name="detail"),
    path("checks/<int:check_id>/fix/", views.check_fix, name="fix"),
    path("checks/<int:check_id>/override/", views.check_override, name="override"),
]
