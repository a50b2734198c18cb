"""Large exports of personal data wait for a second person's approval (SPEC §8)."""

from django.conf import settings
from django.db import models

from sbk.core.fields import EncryptedTextField


class ExportStatus(models.TextChoices):
    REQUESTED = "requested", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已驳回"
    DOWNLOADED = "downloaded", "已下载"


class ExportRequest(models.Model):
    kind = models.CharField("导出内容", max_length=20, default="people")
    fmt = models.CharField("格式", max_length=5)
    # The search as typed may be a document number: kept encrypted, shown masked.
    query = EncryptedTextField("筛选条件", blank=True)
    query_shown = models.CharField("筛选条件（显示）", max_length=200, blank=True)
    full = models.BooleanField("含完整号码", default=False)
    purpose = models.CharField("用途", max_length=200, blank=True)
    row_count = models.PositiveIntegerField("行数")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    org = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.REQUESTED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=200, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "导出申请"
        verbose_name_plural = "导出申请"

    def __str__(self):
        return f"#{self.pk} {self.kind} {self.fmt} {self.row_count} 行"
