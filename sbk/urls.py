from django.contrib import admin
from django.urls import include, path

from sbk.api import api
from sbk.core import middleware as errors

admin.site.site_header = "sbk 社会保障卡服务平台 · 后台管理"
admin.site.site_title = "sbk 后台"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("cards/", include("sbk.cards.urls")),
    path("photos/", include("sbk.photos.urls")),
    path("exports/", include("sbk.exports.urls")),
    path("stock/", include("sbk.stock.urls")),
    path("operations/", include("sbk.operations.urls")),
    path("usage/", include("sbk.usage.urls")),
    path("reports/", include("sbk.reports.urls")),
    path("evaluation/", include("sbk.evaluation.urls")),
    path("holidays/", include("sbk.holidays.urls")),
    path("account/", include("sbk.accounts.urls")),
    path("assistant/", include("sbk.assistant.urls")),
    path("portal/assistant/", include("sbk.assistant.portal_urls")),
    path("portal/", include("sbk.portal.urls")),
    path("ecard/", include("sbk.ecard.urls")),
    path("kiosk/", include("sbk.kiosk.urls")),
    path("", include("sbk.web.urls")),
]

# With DEBUG off (production, `sbk serve`): pages that name no URL pattern and show no
# traceback, JSON under /api/; the codes are those of sbk.core.errors.
handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.not_found
handler500 = errors.server_error
