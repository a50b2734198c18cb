"""The JSON API (OpenAPI at /api/docs). Routers live in each app's api.py.

Every refusal has one body, ``ServiceError.as_dict()``'s (``ErrorOut``: ``code``,
``message``, ``field``, ``errors``), whatever refused it: a service, the request's schema,
authentication, or the request itself (a number past 64 bits, a body too large, a
broken multipart upload). The published schema documents those answers on every
operation (``SbkAPI.get_openapi_schema``), with the codes each status may carry.
"""

from __future__ import annotations

import importlib
import logging
from enum import StrEnum

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.db import DataError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError, ValidationError

from sbk.core.api_auth import StaffSession, TokenAuth
from sbk.core.api_types import ErrorOut, is_out_of_range
from sbk.core.errors import CoreErrorCode as C
from sbk.core.errors import Forbidden, NotFound, RequestTooLarge, ServiceError

log = logging.getLogger("sbk.api")

ERROR_SCHEMA = "ErrorOut"
_ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}
_HTTP_CODES = {
    400: C.BAD_REQUEST,
    401: C.UNAUTHENTICATED,
    403: C.FORBIDDEN,
    404: C.NOT_FOUND,
    413: C.REQUEST_TOO_LARGE,
}


class SbkAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document_errors(schema)
        return schema


api = SbkAPI(
    title="sbk 社会保障卡服务平台 API",
    version="1.0",
    description=(
        "每个拒绝的应答体相同（ErrorOut）：`code` 稳定的机器代码，`message` 中文说明，"
        "`field` 相关字段，`errors` 全部问题。各操作的错误应答列出其状态码与可能的代码。"
    ),
    auth=[TokenAuth(), StaffSession()],
    urls_namespace="api",
)


def _answer(request, error: ServiceError, status: int | None = None):
    return api.create_response(request, error.as_dict(), status=status or error.status)


@api.exception_handler(ServiceError)
def service_error(request, exc: ServiceError):
    return _answer(request, exc)


@api.exception_handler(ValidationError)
def invalid_request(request, exc: ValidationError):
    """The request does not fit the operation's schema: 400, every field listed."""
    problems = []
    out_of_range = False
    for e in exc.errors:
        loc = [str(part) for part in e.get("loc", ())]
        # ("body", "payload", "name") → "name"; ("query", "limit") → "limit"
        field = ".".join(loc[2:] if loc[:1] == ["body"] and len(loc) > 2 else loc[1:]) or None
        code = e.get("type", "invalid")
        if is_out_of_range(e):
            out_of_range, code = True, C.NUMBER_OUT_OF_RANGE
        problems.append({"code": str(code), "field": field, "message": e.get("msg", "")})
    if out_of_range:
        first = next(p for p in problems if p["code"] == C.NUMBER_OUT_OF_RANGE)
        code, message = C.NUMBER_OUT_OF_RANGE, f"{first['field']}：数值超出 64 位整数范围"
    else:
        first = problems[0] if problems else {"field": None, "message": ""}
        code = C.INVALID_REQUEST
        message = f"请求不符合接口定义：{first['field'] or '请求'} {first['message']}".strip()
    body = {"code": code, "message": message, "field": first["field"], "errors": problems}
    return api.create_response(request, body, status=400)


@api.exception_handler(OverflowError)
def number_out_of_range(request, exc: OverflowError):
    """An integer too large for the database (SQLite raises OverflowError past 64 bits)."""
    error = ServiceError(C.NUMBER_OUT_OF_RANGE, "数值超出 64 位整数范围")
    return _answer(request, error)


@api.exception_handler(RequestDataTooBig)
def request_too_large(request, exc: RequestDataTooBig):
    return _answer(request, RequestTooLarge(too_large_message()))


@api.exception_handler(MultiPartParserError)
def bad_multipart(request, exc: MultiPartParserError):
    return _answer(request, ServiceError(C.BAD_MULTIPART, f"无法解析 multipart/form-data：{exc}"))


@api.exception_handler(SuspiciousOperation)
def suspicious(request, exc: SuspiciousOperation):
    # TooManyFieldsSent, TooManyFilesSent, a disallowed host …: the request, not the server
    return _answer(request, ServiceError(C.BAD_REQUEST, f"请求无法处理：{type(exc).__name__}"))


@api.exception_handler(DataError)
def data_error(request, exc: DataError):
    """A value the database refuses to store (PostgreSQL: a NUL character, a text too long
    for its column): the request's fault. Logged, since a schema should have said so."""
    log.warning("database refused a value on %s %s: %s", request.method, request.path, exc)
    error = ServiceError(C.INVALID_REQUEST, "请求中的数据无法保存（含不允许的字符或过长）")
    return _answer(request, error)


@api.exception_handler(Http404)
def not_found(request, exc: Http404):
    return _answer(request, NotFound())


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc: PermissionDenied):
    return _answer(request, Forbidden(str(exc) or "无权执行此操作"))


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    """ninja's own refusals: 401 without credentials, 403 on a failed CSRF check, 400 on a
    body that is not JSON."""
    status = exc.status_code
    code = _HTTP_CODES.get(status, C.BAD_REQUEST if status < 500 else C.SERVER_ERROR)
    message = {401: "需要登录或有效的 API 令牌（Authorization: Bearer …）"}.get(status, str(exc))
    return api.create_response(request, ServiceError(code, message).as_dict(), status=status)


def too_large_message() -> str:
    from django.conf import settings

    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return f"请求内容过大（上限 {limit // 1024} KB，照片请用 multipart 上传）"


class PingOut(Schema):
    ok: bool


@api.get("/ping", auth=None, tags=["health"], response=PingOut)
def ping(request):
    """Liveness: no authentication, no database (the benchmarks' floor)."""
    return {"ok": True}


def _register():
    from sbk.assistant.api import router as assistant_router
    from sbk.assistant.portal_api import router as assistant_portal_router
    from sbk.cards.api import router as cards_router
    from sbk.ecard.api import router as ecard_router
    from sbk.exports.api import router as exports_router
    from sbk.holidays.api import router as holidays_router
    from sbk.operations.api import router as operations_router
    from sbk.orgs.api import router as orgs_router
    from sbk.photos.api import router as photos_router
    from sbk.portal.api import router as portal_router
    from sbk.registry.api import router as registry_router
    from sbk.reports.api import router as reports_router
    from sbk.stock.api import router as stock_router
    from sbk.usage.api import router as usage_router

    api.add_router("/orgs", orgs_router)
    api.add_router("/registry", registry_router)
    api.add_router("/cards", cards_router)
    api.add_router("/photos", photos_router)
    api.add_router("/exports", exports_router)
    api.add_router("/portal", portal_router)
    api.add_router("/ecard", ecard_router)
    api.add_router("/assistant", assistant_router)
    api.add_router("/portal/assistant", assistant_portal_router)
    api.add_router("/reports", reports_router)
    api.add_router("/holidays", holidays_router)
    api.add_router("/stock", stock_router)
    api.add_router("/usage", usage_router)
    api.add_router("/operations", operations_router)


_register()


# ------------------------------------------------------------------ documented refusals
REQUEST_CODES = {
    400: [
        (C.INVALID_REQUEST, "参数或请求体不符合接口定义（`errors` 逐字段列出）"),
        (C.NUMBER_OUT_OF_RANGE, "整数超出 64 位有符号整数范围"),
        (C.BAD_REQUEST, "请求体无法解析（不是 JSON、字段过多）"),
    ],
    401: [(C.UNAUTHENTICATED, "未登录，或 API 令牌无效")],
    403: [
        (C.FORBIDDEN, "角色无权执行此操作（或 CSRF 校验失败）"),
        ("applicant_forbidden", "申请人账户只能使用网上申请服务"),
        ("otp_required", "会话尚未完成动态口令验证"),
        ("password_expired", "密码已过期"),
    ],
    404: [(C.NOT_FOUND, "记录不存在或不在您的管辖范围内")],
    409: [(C.IDEMPOTENCY_MISMATCH, "同一 Idempotency-Key 已用于不同的请求")],
    413: [(C.REQUEST_TOO_LARGE, "请求体超过上限（DATA_UPLOAD_MAX_MEMORY_SIZE）")],
}
TITLES = {
    400: "请求无效，或被业务规则拒绝",
    401: "未认证",
    403: "无权限",
    404: "不存在或不在管辖范围内",
    409: "与当前状态冲突",
    413: "请求过大",
    422: "无法处理",
}
# Every app's business codes (its errors.py), named in the 400 and 409 answers of its
# operations; the cards and portal operations change people through the registry, and
# production consumes a card blank (stock: `no_blank`).
_APP_CODES_ALSO = {"cards": ("registry", "stock"), "portal": ("cards", "registry")}


def _business_codes(app: str) -> list[str]:
    codes: list[str] = []
    for name in (app, *_APP_CODES_ALSO.get(app, ())):
        try:
            module = importlib.import_module(f"sbk.{name}.errors")
        except ImportError:
            continue
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, StrEnum) and value is not StrEnum:
                codes.extend(str(member) for member in value if str(member) not in codes)
    return codes


def _statuses(method: str, op: dict) -> list[int]:
    statuses = [400]
    if op.get("security"):
        statuses += [401, 403]
    has_path_ids = any(p.get("in") == "path" for p in op.get("parameters", []))
    if method != "get" or has_path_ids:
        statuses.append(404)
    if method != "get":
        statuses.append(409)
    if "requestBody" in op:
        statuses.append(413)
    return statuses


def _description(status: int, method: str, op: dict, app: str | None) -> str:
    codes = list(REQUEST_CODES.get(status, []))
    if status == 400:
        if method != "get":
            codes.append((C.IDEMPOTENCY_KEY, "Idempotency-Key 超过 128 个字符"))
        content = op.get("requestBody", {}).get("content", {})
        if "multipart/form-data" in content:
            codes.append((C.BAD_MULTIPART, "multipart/form-data 无法解析（如缺少 boundary）"))
    lines = [f"{TITLES.get(status, '错误')}。`code`："]
    lines += [f"- `{code}`：{text}" for code, text in codes]
    if status in (400, 409) and app and op.get("security"):
        business = _business_codes(app)
        if business:
            lines.append("- 业务规则代码（sbk/" + app + "/errors.py 等）：")
            lines.append("  " + "、".join(f"`{c}`" for c in business))
    return "\n".join(lines)


def document_errors(schema: dict) -> None:
    """Add the error answers every operation can give, in ``ErrorOut``'s shape, to the
    published schema (the ones an operation declares itself are kept)."""
    schema.setdefault("components", {}).setdefault("schemas", {})
    components = schema["components"]["schemas"]
    if ERROR_SCHEMA not in components:
        body = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(body.pop("$defs", {}))
        components[ERROR_SCHEMA] = body
    for methods in schema.get("paths", {}).values():
        for method, op in methods.items():
            op_id = op.get("operationId", "")
            app = op_id.split("_")[1] if op_id.startswith("sbk_") and "_api_" in op_id else None
            responses = op.setdefault("responses", {})
            for status in _statuses(method, op):
                if status in responses or str(status) in responses:
                    continue
                responses[status] = {
                    "description": _description(status, method, op, app),
                    "content": {"application/json": {"schema": _ERROR_REF}},
                }
