from django.urls import path

from . import views

app_name = "evaluation"

urlpatterns = [
    path("", views.bulletin_page, name="bulletin"),
    path("figures/", views.figures_page, name="figures"),
    path("figures/enter/", views.enter, name="enter"),
]
