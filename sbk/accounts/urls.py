from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("otp/", views.otp_verify, name="otp"),
    path("otp/enrol/", views.otp_enrol, name="otp_enrol"),
    path("password/", views.password_change, name="password"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/revoke/", views.token_revoke, name="token_revoke"),
]
