from django.contrib.auth import views as auth_views
from django.urls import path

from sbk.portal.forms import LoginForm

from . import views

app_name = "web"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="web/login.html",
            redirect_authenticated_user=True,
            authentication_form=LoginForm,
        ),
        name="login",
    ),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("people/", views.person_list, name="person_list"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:person_id>/", views.person_detail, name="person_detail"),
    path("people/<int:person_id>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:person_id>/reveal/", views.person_reveal, name="person_reveal"),
    path("orgs/", views.org_list, name="org_list"),
    path("orgs/<str:code>/", views.org_detail, name="org_detail"),
]
