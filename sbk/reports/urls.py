from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("table/", views.table, name="table"),
    path("table/download/", views.download, name="download"),
    path("table/generate/", views.generate, name="generate"),
    path("table/enter/", views.enter, name="enter"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/set/", views.catalogue_set, name="catalogue_set"),
    path("rebuild/", views.rebuild, name="rebuild"),
]
