from django.urls import path

from . import views

app_name = "stock"

urlpatterns = [
    path("", views.home, name="home"),
    path("outlet/<str:code>/", views.outlet, name="outlet"),
    path("district/<str:code>/", views.district, name="district"),
    path("centre/", views.centre, name="centre"),
    path("trace/", views.trace, name="trace"),
    path("discrepancies/<int:discrepancy_id>/", views.discrepancy, name="discrepancy"),
]
