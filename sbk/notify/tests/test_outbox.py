import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from sbk.notify import services
from sbk.notify.gateways import FileGateway, GatewayError, HttpGateway, Message
from sbk.notify.models import Notification, OutboxStatus

pytestmark = pytest.mark.django_db


class Flaky:
    def __init__(self, failures):
        self.failures = failures
        self.sent = []

    def send(self, message):
        if self.failures:
            self.failures -= 1
            raise GatewayError("503")
        self.sent.append(message.dedup_key)
        return "ref-1"


def test_enqueue_is_deduplicated_and_phone_encrypted():
    a = services.enqueue(dedup_key="k1", kind="t", phone="13912345678", text="hi")
    b = services.enqueue(dedup_key="k1", kind="t", phone="13912345678", text="hi")
    assert a.pk == b.pk and a.phone_masked == "139****5678"
    assert services.enqueue(dedup_key="k2", kind="t", text="x").status == OutboxStatus.SKIPPED


def test_retries_with_exponential_backoff_then_sent(settings):
    settings.SBK_SMS_BACKOFF_SECONDS = 10
    row = services.enqueue(dedup_key="k", kind="t", phone="13912345678", text="hi")
    gw = Flaky(2)
    assert services.deliver_due(gw) == {"retry": 1}
    row.refresh_from_db()
    assert row.attempts == 1 and row.status == OutboxStatus.PENDING
    assert row.next_attempt_at > timezone.now() + dt.timedelta(seconds=8)
    assert services.deliver_due(gw) == {}  # not due yet
    Notification.objects.update(next_attempt_at=timezone.now())
    services.deliver_due(gw)
    row.refresh_from_db()
    assert row.attempts == 2 and row.next_attempt_at > timezone.now() + dt.timedelta(seconds=18)
    Notification.objects.update(next_attempt_at=timezone.now())
    assert services.deliver_due(gw) == {"sent": 1}
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT and row.gateway_ref == "ref-1" and gw.sent == ["k"]


def test_gives_up_after_max_attempts(settings):
    settings.SBK_SMS_MAX_ATTEMPTS = 2
    services.enqueue(dedup_key="k", kind="t", phone="13912345678", text="hi")
    gw = Flaky(10)
    services.deliver_due(gw)
    Notification.objects.update(next_attempt_at=timezone.now())
    assert services.deliver_due(gw) == {"failed": 1}


def test_worker_killed_mid_send_loses_nothing_and_gateway_dedups(tmp_path):
    path = tmp_path / "sms.jsonl"
    gw = FileGateway(str(path))
    services.enqueue(dedup_key="k", kind="t", phone="13912345678", text="hi")
    ids = services.claim()  # the worker took the row ...
    gw.send(Message("k", "13912345678", "hi"))  # ... sent it, and died before recording it
    assert services.deliver_due(gw) == {}  # leased: not resent at once
    Notification.objects.filter(pk__in=ids).update(next_attempt_at=timezone.now())
    assert services.deliver_due(gw) == {"sent": 1}
    lines = path.read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["dedup_key"] == "k"


def test_worker_command_once(settings, tmp_path):
    settings.SBK_SMS_GATEWAY = "sbk.notify.gateways.FileGateway"
    settings.SBK_SMS_OPTIONS = {"path": str(tmp_path / "out.jsonl")}
    services.enqueue(dedup_key="k", kind="t", phone="13912345678", text="您好")
    out = io.StringIO()
    call_command("worker", "--once", stdout=out)
    assert "sms_sent 1" in out.getvalue()
    assert Notification.objects.get().status == OutboxStatus.SENT


def test_http_gateway_sends_the_key(monkeypatch):
    seen = {}

    class Resp(io.BytesIO):
        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

    def fake_urlopen(req, timeout):
        seen["headers"] = dict(req.header_items())
        seen["body"] = json.loads(req.data)
        return Resp(b'{"id": "gw-9"}')

    monkeypatch.setattr("urllib.request.urlopen", fake_urlopen)
    ref = HttpGateway("http://sms.invalid/send", token="t").send(Message("k9", "139", "hi"))
    assert ref == "gw-9" and seen["headers"]["Idempotency-key"] == "k9"
    assert seen["body"] == {"phone": "139", "text": "hi", "id": "k9"}
