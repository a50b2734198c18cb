"""Evaluation data (评估): the rules versions used, the scorecards, hand-entered figures.

A scorecard is never changed: a new run stores new ones and marks them current, the old
ones stay (with their rules version and indicators) so that any past score can be
reproduced (``services.reproduce``).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .engine.contract import ENTERABLE


class RulesVersion(models.Model):
    """A rules file as it was used, kept once by its SHA-256."""

    sha256 = models.CharField(max_length=64, unique=True)
    source = models.CharField("来源", max_length=300)  # builtin:2026-district or a path
    version = models.CharField("版本", max_length=100)
    text = models.TextField("规则文件")
    first_used = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "评估规则版本"
        verbose_name_plural = "评估规则版本"

    def __str__(self):
        return f"{self.version}（{self.sha256[:8]}）"


class Scorecard(models.Model):
    """One organisation's points for one period under one table (district method/outlet)."""

    org = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name="机构"
    )
    period = models.CharField("评估期", max_length=6)  # 2026 or 2026Q3
    table = models.CharField("评估表", max_length=20)  # district (办法) | outlet (附件2)
    rules = models.ForeignKey(RulesVersion, on_delete=models.PROTECT, related_name="scorecards")
    indicators = models.JSONField("指标")
    sources = models.JSONField("指标来源", default=dict)  # key -> records:… | hand | missing
    details = models.JSONField("记录明细", default=dict)  # what each count is made of
    result = models.JSONField("得分与依据")  # engine.score(): items, parts, inputs, rules
    total = models.DecimalField("总分", max_digits=7, decimal_places=2)
    current = models.BooleanField("现行", default=True)
    computed_at = models.DateTimeField(default=timezone.now)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "评估得分"
        verbose_name_plural = "评估得分"
        ordering = ["period", "-total", "org__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "period", "table"],
                condition=models.Q(current=True),
                name="evaluation_one_current_scorecard",
            ),
            models.CheckConstraint(condition=models.Q(total__gte=0), name="evaluation_total_gte_0"),
        ]
        indexes = [models.Index(fields=["period", "table", "current"])]

    def __str__(self):
        return f"{self.org_id} {self.period} {self.total}"


class HandFigure(models.Model):
    """A figure the centre entered for a district, bank or outlet and period (人工录入)."""

    org = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name="机构"
    )
    period = models.CharField("评估期", max_length=6)
    key = models.CharField("指标", max_length=40, choices=[(k, k) for k in ENTERABLE])
    value = models.JSONField("数值")
    note = models.CharField("依据说明", max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "人工录入指标"
        verbose_name_plural = "人工录入指标"
        ordering = ["period", "org__code", "key"]
        constraints = [
            models.UniqueConstraint(fields=["org", "period", "key"], name="evaluation_one_figure")
        ]

    def __str__(self):
        return f"{self.org_id} {self.period} {self.key}={self.value}"
