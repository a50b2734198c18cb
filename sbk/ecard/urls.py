from django.urls import path

from . import views

app_name = "ecard"

urlpatterns = [path("verify/", views.verify, name="verify")]
