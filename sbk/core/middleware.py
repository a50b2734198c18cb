"""A value that fails authentication is an error page that says so, never garbage."""

import logging

from django.http import HttpResponse, JsonResponse

from .crypto import DecryptionError

log = logging.getLogger("sbk.crypto")


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
        if request.path.startswith("/api/"):
            return JsonResponse({"code": "decrypt_failed", "message": message}, status=500)
        return HttpResponse(
            f'<!doctype html><meta charset="utf-8"><title>数据错误</title>'
            f"<h1>数据错误（decrypt_failed）</h1><p>{message}</p>",
            status=500,
        )
