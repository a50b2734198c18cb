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


def _register():
    from sbk.orgs.api import router as orgs_router
    from sbk.registry.api import router as registry_router

    api.add_router("/orgs", orgs_router)
    api.add_router("/registry", registry_router)


_register()
