"""SMS gateways. ``SBK_SMS_GATEWAY`` names the class, ``SBK_SMS_OPTIONS`` its keyword arguments.

Every gateway receives the message's dedup key and must pass it on (HTTP header
``Idempotency-Key``) so a message resent after a crash is not delivered twice by a gateway
that honours the key. ``send`` returns the gateway's reference or raises ``GatewayError``.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string


class GatewayError(Exception):
    """A failed send; ``permanent`` ones are not retried."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


@dataclass
class Message:
    dedup_key: str
    phone: str
    text: str


class Gateway:
    def send(self, message: Message) -> str:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleGateway(Gateway):
    """Development: print the message (phone masked) to standard output."""

    def __init__(self, stream=None):
        self.stream = stream

    def send(self, message: Message) -> str:
        from sbk.idcard import mask_phone

        out = self.stream or sys.stdout
        out.write(f"[SMS {message.dedup_key}] {mask_phone(message.phone)}: {message.text}\n")
        return "console"


class FileGateway(Gateway):
    """Append one JSON line per message to a file; a repeated dedup key is not written twice."""

    def __init__(self, path: str | None = None):
        self.path = Path(path or Path(settings.VAR_DIR) / "sms-outbox.jsonl")

    def _seen(self, key: str) -> bool:
        if not self.path.exists():
            return False
        with self.path.open(encoding="utf-8") as fh:
            return any(json.loads(line).get("dedup_key") == key for line in fh if line.strip())

    def send(self, message: Message) -> str:
        if self._seen(message.dedup_key):
            return "duplicate"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(
                json.dumps(
                    {"dedup_key": message.dedup_key, "phone": message.phone, "text": message.text},
                    ensure_ascii=False,
                )
                + "\n"
            )
        return "file"


class HttpGateway(Gateway):
    """POST JSON ``{"phone", "text", "id"}`` to ``url`` with the dedup key as Idempotency-Key.

    2xx is success (the body's ``id`` or ``message_id`` becomes the reference); 4xx other
    than 408/429 is permanent; anything else (5xx, timeouts, refused connections) is
    retried by the worker.
    """

    def __init__(self, url: str, token: str = "", timeout: float = 10.0, sign_name: str = ""):
        self.url = url
        self.token = token
        self.timeout = timeout
        self.sign_name = sign_name

    def send(self, message: Message) -> str:
        text = f"【{self.sign_name}】{message.text}" if self.sign_name else message.text
        body = json.dumps(
            {"phone": message.phone, "text": text, "id": message.dedup_key}, ensure_ascii=False
        ).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": message.dedup_key}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            permanent = 400 <= exc.code < 500 and exc.code not in (408, 429)
            raise GatewayError(f"HTTP {exc.code}", permanent=permanent) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise GatewayError(f"网关不可达：{exc}") from exc
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            data = {}
        return str(data.get("id") or data.get("message_id") or "ok")[:120]


def get_gateway() -> Gateway:
    cls = import_string(settings.SBK_SMS_GATEWAY)
    return cls(**(settings.SBK_SMS_OPTIONS or {}))
