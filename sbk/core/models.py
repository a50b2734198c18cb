"""Platform-wide records: the audit trail, the personal-data access log, idempotency."""

from django.conf import settings
from django.db import models

from .chain import ChainAnchor, ChainedLog, ChainHead  # noqa: F401  (models of this app)


class AuditEntry(ChainedLog):
    """One business action: who, when, what, on which object, before/after, why."""

    CHAIN = "audit"
    actor_id = models.BigIntegerField(null=True, editable=False)
    actor_username = models.CharField(max_length=150, blank=True, editable=False)
    org_code = models.CharField(max_length=32, blank=True, editable=False)
    action = models.CharField(max_length=64, db_index=True, editable=False)
    object_type = models.CharField(max_length=64, editable=False)
    object_id = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    before = models.JSONField(null=True, blank=True, editable=False)
    after = models.JSONField(null=True, blank=True, editable=False)
    reason = models.TextField(blank=True, editable=False)

    class Meta(ChainedLog.Meta):
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def chain_content(self) -> dict:
        return {
            "actor_id": self.actor_id,
            "actor_username": self.actor_username,
            "org_code": self.org_code,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
        }


class AccessLog(ChainedLog):
    """A full view of personal data (SPEC §8): user, time, which record, for what purpose."""

    CHAIN = "access"
    user_id = models.BigIntegerField(null=True, editable=False)
    username = models.CharField(max_length=150, editable=False)
    org_code = models.CharField(max_length=32, blank=True, editable=False)
    object_type = models.CharField(max_length=64, editable=False)
    object_id = models.CharField(max_length=64, db_index=True, editable=False)
    object_label = models.CharField(max_length=64, blank=True, editable=False)
    purpose = models.CharField(max_length=200, editable=False)
    channel = models.CharField(max_length=16, blank=True, editable=False)

    class Meta(ChainedLog.Meta):
        verbose_name = "个人信息查看记录"
        verbose_name_plural = "个人信息查看记录"

    def chain_content(self) -> dict:
        return {
            "user_id": self.user_id,
            "username": self.username,
            "org_code": self.org_code,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_label": self.object_label,
            "purpose": self.purpose,
            "channel": self.channel,
        }


class IdempotencyRecord(models.Model):
    """The stored answer to a mutating API call, replayed when the same key comes again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=128)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_at")]

    def __str__(self):
        return f"{self.user_id}:{self.key}"


class EncryptedFile(models.Model):
    """A file under MEDIA_ROOT stored encrypted (``sbk.core.files``): photos and the like.

    The row lets ``sbk keys reencrypt`` find every file still under an old key.
    """

    path = models.CharField(max_length=255, unique=True)
    context = models.CharField(max_length=200)
    key_id = models.CharField(max_length=32, db_index=True)
    size = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "加密文件"
        verbose_name_plural = "加密文件"

    def __str__(self):
        return self.path
