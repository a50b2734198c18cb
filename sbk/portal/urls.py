from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.applicant_login, name="login"),
    path("register/", views.register, name="register"),
    path("register/confirm/", views.register_confirm, name="register_confirm"),
    path("apply/", views.apply, name="apply"),
    path("ecard/", views.ecard, name="ecard"),
    path("applications/<int:app_id>/", views.application, name="application"),
    path("cards/<int:card_id>/", views.card, name="card"),
    path("photo-checks/<int:check_id>/preview.png", views.photo_preview, name="photo_preview"),
]
