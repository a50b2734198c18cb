"""Business material sampling (业务材料抽查): the applications' document images, the
quarterly draw per district, the inspectors' verdicts and the business errors found."""

from django.conf import settings
from django.db import models
from django.db.models import Q

ORG = "orgs.Organisation"
USER = settings.AUTH_USER_MODEL


class DocumentKind(models.TextChoices):
    ID_DOCUMENT = "id_document", "身份证件"
    AUTHORISATION = "authorisation", "代办授权书"
    OTHER = "other", "其他材料"


class ApplicationDocument(models.Model):
    """One document image of an application (影像材料), sealed on disk like photos."""

    application = models.ForeignKey(
        "cards.Application", on_delete=models.PROTECT, related_name="documents"
    )
    org = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+")  # intake outlet
    kind = models.CharField("材料类型", max_length=14, choices=DocumentKind.choices)
    path = models.CharField("文件（加密）", max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField("上传时间")
    uploaded_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["application", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


class SampleDraw(models.Model):
    org = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+")  # the district
    quarter = models.CharField("季度", max_length=6)  # 2026Q1
    seed = models.CharField("随机种子", max_length=64)
    size = models.PositiveIntegerField("抽取数")
    population = models.PositiveIntegerField("总体数")
    drawn_at = models.DateTimeField("抽取时间")
    drawn_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-quarter", "org"]
        constraints = [models.UniqueConstraint(fields=["org", "quarter"], name="draw_once")]

    def __str__(self):
        return f"抽样 {self.quarter}"


class Verdict(models.TextChoices):
    PENDING = "pending", "待检查"
    PASS = "pass", "合格"
    FAIL = "fail", "不合格"


class MaterialSample(models.Model):
    draw = models.ForeignKey(SampleDraw, on_delete=models.CASCADE, related_name="samples")
    application = models.ForeignKey("cards.Application", on_delete=models.PROTECT, related_name="+")
    org = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+")  # intake outlet
    position = models.PositiveIntegerField("序号")
    verdict = models.CharField(
        "结论", max_length=8, choices=Verdict.choices, default=Verdict.PENDING
    )
    reason = models.TextField("不合格原因", blank=True)
    inspector = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    inspected_on = models.DateField("检查日期", null=True, blank=True)

    class Meta:
        ordering = ["draw", "position"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "application"], name="sample_once"),
            models.CheckConstraint(
                condition=~Q(verdict="fail") | ~Q(reason=""), name="sample_fail_reason"
            ),
        ]

    def __str__(self):
        return f"样本 {self.position}"


class BusinessError(models.Model):
    """A business error (业务差错) an outlet made, with the transaction it concerns."""

    org = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+")  # the outlet
    transaction = models.ForeignKey(
        "cards.ServiceTransaction", on_delete=models.PROTECT, related_name="+"
    )
    found_on = models.DateField("发现日期")
    description = models.TextField("差错情况")
    sample = models.ForeignKey(
        MaterialSample, null=True, blank=True, on_delete=models.PROTECT, related_name="errors"
    )
    recorded_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-found_on", "-id"]

    def __str__(self):
        return f"差错 {self.found_on}"
