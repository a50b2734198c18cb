from django.urls import path

from . import views

app_name = "holidays"

urlpatterns = [
    path("", views.year, name="year"),
    path("set/", views.set_day, name="set"),
]
