"""The notification outbox: messages written in the business transaction, sent later.

A row is inserted in the same transaction as the change it announces, so a message
exists exactly when its change was committed. ``sbk worker`` delivers the rows with
retries; the ``dedup_key`` travels to the gateway so a resend after a crash can be
recognised there (at-least-once delivery, exactly-once at a gateway that honours the key).
"""

from django.db import models
from django.utils import timezone

from sbk.core.fields import EncryptedTextField


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"
    SKIPPED = "skipped", "无号码未发送"


class Notification(models.Model):
    dedup_key = models.CharField("去重键", max_length=120, unique=True)
    kind = models.CharField("类型", max_length=40)
    person = models.ForeignKey(
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    phone = EncryptedTextField("手机号码", blank=True)
    phone_masked = models.CharField("手机号码（脱敏）", max_length=20, blank=True)
    text = models.TextField("内容")
    status = models.CharField(
        "状态", max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试", default=timezone.now)
    last_error = models.TextField("最近错误", blank=True)
    gateway_ref = models.CharField("网关回执", max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "短信通知"
        verbose_name_plural = "短信通知"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self):
        return f"{self.kind} → {self.phone_masked} ({self.status})"
