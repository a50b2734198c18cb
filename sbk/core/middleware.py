"""Error answers outside the services: every one a page (console) or an ``ErrorOut`` JSON
body (``/api/``) with a stable code, never a traceback.

- ``DecryptionErrorMiddleware``: a value that fails authentication is an error page that
  says so, never garbage.
- ``RequestErrorMiddleware``: a request the server cannot take (an integer past 64 bits,
  a body over the upload limit, a broken multipart upload) is a 400 or 413, not a 500.
- ``bad_request``, ``permission_denied``, ``not_found``, ``server_error``: the URLconf's
  handlers (``sbk.urls``), used when DEBUG is off. They name no URL pattern and show no
  traceback; under ``/api/`` they answer JSON.
"""

import html
import logging
import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError

from .crypto import DecryptionError
from .errors import CoreErrorCode as C

log = logging.getLogger("sbk.crypto")

API_PREFIX = "/api/"


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def error_response(request, status: int, code: str, message: str, title: str = ""):
    """``ErrorOut`` JSON under /api/, else a small self-contained page (no template, no
    database: it must render when they fail)."""
    if _is_api(request):
        body = {
            "code": code,
            "message": message,
            "field": None,
            "errors": [{"code": code, "field": None, "message": message}],
        }
        return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    title = html.escape(title or message)
    page = (
        f'<!doctype html><html lang="zh-hans"><meta charset="utf-8"><title>{title}</title>'
        '<body style="font-family:sans-serif;margin:3em auto;max-width:40em">'
        f"<h1>{title}</h1><p>{html.escape(message)}</p>"
        f"<p><small>错误代码：{html.escape(code)} · HTTP {status}</small></p>"
        '<p><a href="/">返回首页</a></p></body></html>'
    )
    return HttpResponse(page, status=status)


def request_error(request, exc: BaseException):
    """The answer to an exception that is the request's fault, or None."""
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
        return error_response(
            request, 413, C.REQUEST_TOO_LARGE, f"请求内容过大（上限 {limit} KB）", "请求过大"
        )
    if isinstance(exc, MultiPartParserError):
        return error_response(
            request, 400, C.BAD_MULTIPART, "上传的表单无法解析（multipart/form-data）", "请求无效"
        )
    if isinstance(exc, OverflowError):
        return error_response(
            request, 400, C.NUMBER_OUT_OF_RANGE, "数值超出 64 位整数范围", "请求无效"
        )
    if isinstance(exc, SuspiciousOperation):
        return error_response(request, 400, C.BAD_REQUEST, "请求无法处理", "请求无效")
    return None


class DecryptionErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DecryptionError):
            return None
        log.error("decryption failed on %s: %s", request.path, exception)
        message = "加密数据无法解密：密钥不符或数据被篡改。请联系系统管理员核查。"
        return error_response(request, 500, "decrypt_failed", message, "数据错误（decrypt_failed）")


class RequestErrorMiddleware:
    """Exceptions a view raises because of the request itself (the console's forms and
    ids; the API handles its own in ``sbk.api``) become 400/413 with a stable code.
    Raised before the view (the CSRF check reads the body), they reach ``bad_request``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return request_error(request, exception)


# ---------------------------------------------------------- the URLconf's error handlers
def bad_request(request, exception=None):
    return request_error(request, exception) or error_response(
        request, 400, C.BAD_REQUEST, "请求无法处理", "请求无效"
    )


def permission_denied(request, exception=None):
    return error_response(request, 403, C.FORBIDDEN, "无权访问此页面", "无权访问")


def not_found(request, exception=None):
    return error_response(request, 404, C.NOT_FOUND, "页面或记录不存在", "页面不存在")


def server_error(request):
    # an exception of the request's own raised outside a view (a middleware read the body)
    answer = request_error(request, sys.exc_info()[1])
    return answer or error_response(
        request, 500, C.SERVER_ERROR, "服务器内部错误，已记录，请稍后再试或联系管理员", "服务器错误"
    )
