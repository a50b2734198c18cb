from django.urls import path

from . import views

app_name = "kiosk"

urlpatterns = [
    path("", views.start, name="start"),
    path("photo/", views.photo, name="photo"),
    path("photo/preview.png", views.preview, name="preview"),
    path("issue/", views.issue, name="issue"),
    path("done/", views.done, name="done"),
    path("reset/", views.reset, name="reset"),
]
