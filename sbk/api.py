"""The JSON API (OpenAPI at /api/docs). Routers live in each app's api.py."""

from ninja import NinjaAPI

from sbk.core.api_auth import StaffSession, TokenAuth
from sbk.core.errors import ServiceError

api = NinjaAPI(
    title="sbk 社会保障卡服务平台 API",
    version="1.0",
    auth=[TokenAuth(), StaffSession()],
    urls_namespace="api",
)


@api.exception_handler(ServiceError)
def service_error(request, exc: ServiceError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.get("/ping", auth=None, tags=["health"])
def ping(request):
    """Liveness: no authentication, no database (the benchmarks' floor)."""
    return {"ok": True}


def _register():
    from sbk.cards.api import router as cards_router
    from sbk.exports.api import router as exports_router
    from sbk.orgs.api import router as orgs_router
    from sbk.photos.api import router as photos_router
    from sbk.portal.api import router as portal_router
    from sbk.registry.api import router as registry_router

    api.add_router("/orgs", orgs_router)
    api.add_router("/registry", registry_router)
    api.add_router("/cards", cards_router)
    api.add_router("/photos", photos_router)
    api.add_router("/exports", exports_router)
    api.add_router("/portal", portal_router)


_register()
