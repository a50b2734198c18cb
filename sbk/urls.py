from django.contrib import admin
from django.urls import include, path

from sbk.api import api

admin.site.site_header = "sbk 社会保障卡服务平台 · 后台管理"
admin.site.site_title = "sbk 后台"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("sbk.web.urls")),
]
