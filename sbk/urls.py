from django.contrib import admin
from django.urls import include, path

from sbk.api import api

admin.site.site_header = "sbk 社会保障卡服务平台 · 后台管理"
admin.site.site_title = "sbk 后台"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("cards/", include("sbk.cards.urls")),
    path("photos/", include("sbk.photos.urls")),
    path("exports/", include("sbk.exports.urls")),
    path("account/", include("sbk.accounts.urls")),
    path("portal/", include("sbk.portal.urls")),
    path("", include("sbk.web.urls")),
]
