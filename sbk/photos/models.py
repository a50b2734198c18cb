"""Stored photo checks: who checked which photo where, the outcome and why.

The photo itself is personal data: it is kept encrypted on disk (``photo`` is the path
under MEDIA_ROOT of the sealed file), never in the database and never in plain.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .rules import RULE_TITLES


class Channel(models.TextChoices):
    COUNTER = "counter", "柜面"
    ONLINE = "online", "网上申请"
    STUDIO = "studio", "照相馆"
    KIOSK = "kiosk", "自助一体机"
    CLI = "cli", "命令行"


class OverrideReason(models.TextChoices):
    """Why an operator accepted a photo that fails a rule about the person (人工放行原因)."""

    RELIGIOUS = "religious", "宗教信仰头饰"
    MEDICAL = "medical", "医疗原因（头巾、护具、眼疾需戴有色眼镜等）"
    DISABILITY = "disability", "残障或身体原因无法达到要求"
    ELDERLY_CHILD = "elderly_child", "老人、婴幼儿无法配合"
    MISDETECTION = "misdetection", "机检误判（经人工核对照片合格）"
    OTHER = "other", "其他（须说明）"


class PhotoCheck(models.Model):
    at = models.DateTimeField("检测时间", default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="经办人",
    )
    org = models.ForeignKey(
        "orgs.Organisation",
        on_delete=models.PROTECT,
        related_name="photo_checks",
        verbose_name="经办机构",
    )
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    person = models.ForeignKey(
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="photo_checks",
        verbose_name="持卡人",
    )
    ok = models.BooleanField("合格")
    failed_rules = models.JSONField("不合格项", default=list, blank=True)
    measurements = models.JSONField("测量值", default=dict, blank=True)
    # every rule with status / expected / actual / message, and the drawn geometry, so
    # the preview shows the stored verdict even after the thresholds change
    results = models.JSONField(default=list, blank=True)
    geometry = models.JSONField(default=dict, blank=True)
    photo = models.CharField("照片文件（加密）", max_length=200)
    photo_sha256 = models.CharField(max_length=64)
    photo_bytes = models.PositiveIntegerField(default=0)
    recapture = models.BooleanField("重拍", default=False)
    # operator override (人工放行, issue 21): ``ok`` stays the machine's verdict; the pass
    # rate counts overridden checks apart (queries.pass_rate)
    overridden = models.BooleanField("人工放行", default=False)
    override_reason = models.CharField(
        "放行原因", max_length=20, choices=OverrideReason.choices, blank=True
    )
    override_text = models.CharField("放行说明", max_length=200, blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="放行人",
    )
    overridden_at = models.DateTimeField("放行时间", null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "照片检测"
        verbose_name_plural = "照片检测"
        indexes = [
            models.Index(fields=["org", "at"], name="photocheck_org_at"),
            models.Index(fields=["person", "at"], name="photocheck_person_at"),
        ]
        constraints = [
            # an override always names its reason, and only a failed check is overridden
            models.CheckConstraint(
                condition=models.Q(overridden=False)
                | (models.Q(ok=False) & ~models.Q(override_reason="")),
                name="photocheck_override_reason",
            ),
        ]

    def __str__(self):
        state = "合格" if self.ok else ("人工放行" if self.overridden else "不合格")
        return f"照片检测 {self.pk}（{state}）"

    @property
    def failed_titles(self) -> list[str]:
        return [RULE_TITLES.get(code, code) for code in self.failed_rules or []]


class PersonPhoto(models.Model):
    """A person's current photo (现有照片): the checked photo printed on their latest card,
    with its check and the day it became current. "Photo on file" (沿用已有照片) means this
    photo, re-checked under the rules in force when it is reused."""

    person = models.OneToOneField(
        "registry.Person", on_delete=models.PROTECT, related_name="current_photo"
    )
    photo_check = models.ForeignKey(PhotoCheck, on_delete=models.PROTECT, related_name="+")
    since = models.DateField("启用日期")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "持卡人现有照片"
        verbose_name_plural = "持卡人现有照片"

    def __str__(self):
        return f"现有照片（检测记录 #{self.photo_check_id}，{self.since:%Y-%m-%d}）"
