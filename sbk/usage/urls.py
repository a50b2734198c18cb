from django.urls import path

from . import views

app_name = "usage"

urlpatterns = [
    path("", views.home, name="home"),
    path("banks/", views.banks, name="banks"),
    path("banks/<int:bank_id>/", views.bank, name="bank"),
    path("imports/", views.imports, name="imports"),
    path("venues/", views.venues, name="venues"),
    path("venues/<int:venue_id>/", views.venue, name="venue"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/<int:campaign_id>/", views.campaign, name="campaign"),
    path("cases/", views.cases, name="cases"),
]
