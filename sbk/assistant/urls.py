from django.urls import path

from . import views

app_name = "assistant"

urlpatterns = [
    path("", views.home, name="home"),
    path("ask/", views.ask, name="ask"),
    path("enquiry/", views.enquiry, name="enquiry"),
    path("questions/<int:question_id>/wrong/", views.report_wrong, name="report_wrong"),
    path("documents/", views.documents, name="documents"),
    path("documents/upload/", views.upload, name="upload"),
    path("documents/<int:document_id>/", views.document, name="document"),
    path("documents/<int:document_id>/status/", views.document_status, name="document_status"),
    path("synonyms/", views.synonyms, name="synonyms"),
    path("unanswered/", views.unanswered, name="unanswered"),
    path("teach/", views.teach, name="teach"),
    path("taught/", views.taught, name="taught"),
    path("taught/<int:taught_id>/delete/", views.forget, name="forget"),
    path("declined/", views.declined, name="declined"),
    path("declined/add/", views.decline, name="decline"),
    path("declined/<int:declined_id>/delete/", views.undecline, name="undecline"),
]
