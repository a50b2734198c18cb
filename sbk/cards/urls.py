from django.urls import path

from . import views

app_name = "cards"

urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("overdue/", views.overdue, name="overdue"),
    path("apply/<int:person_id>/", views.apply_start, name="apply_start"),
    path("applications/<int:app_id>/", views.application_detail, name="application"),
    path("applications/<int:app_id>/photo/", views.apply_photo, name="apply_photo"),
    path("applications/<int:app_id>/photo.jpg", views.application_photo_file, name="photo_file"),
    path(
        "applications/<int:app_id>/<str:action>/",
        views.application_action,
        name="application_action",
    ),
    path("cards/<int:card_id>/", views.card_detail, name="card"),
    path("cards/<int:card_id>/<str:action>/", views.card_action, name="card_action"),
    path("people/<int:person_id>/cancel/", views.person_cancel, name="person_cancel"),
]
