from django.urls import path

from . import views, views_documents, views_records, views_sampling

app_name = "operations"

urlpatterns = [
    path("", views.index, name="home"),
    path("orders/", views.orders, name="orders"),
    path("orders/view/", views.order, name="order"),
    path("trainings/", views_records.trainings, name="trainings"),
    path("equipment/", views_records.equipment, name="equipment"),
    path("equipment/renewals/", views_records.renewals, name="renewals"),
    path("info/", views_records.info, name="info"),
    path("sampling/", views_sampling.sampling, name="sampling"),
    path(
        "applications/<int:app_id>/documents/",
        views_documents.application_documents,
        name="application_documents",
    ),
    path("documents/<int:doc_id>/view/", views_documents.document_view, name="document_view"),
    path("assessments/", views_sampling.assessments, name="assessments"),
    path("indicators/", views_sampling.indicators, name="indicators"),
]
