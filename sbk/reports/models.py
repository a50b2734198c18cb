"""Kept holder counts, hand-entered cells, the application catalogue and stored reports.

``HolderCount`` holds per-day changes (day × division × category × bank × financial
kind): holders at D are the sum up to D. It is written by the card transitions' hook in
the same transaction as the change and can be rebuilt from the card history
(``sbk report rebuild-counts``), which must give the same rows.
"""

from django.conf import settings
from django.db import models


class HolderCount(models.Model):
    day = models.DateField("日期")
    division = models.CharField("卡所属区划", max_length=6)
    category = models.CharField("人员类别", max_length=10)
    bank = models.BigIntegerField("合作银行（机构 id，0 为无）", default=0)
    kind = models.CharField("金融功能加载方式", max_length=5, blank=True)
    holders = models.BigIntegerField("持卡人数变动", default=0)
    activated = models.BigIntegerField("已激活金融功能持卡人数变动", default=0)
    issued = models.BigIntegerField("发卡张数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "持卡人数日变动"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "division", "category", "bank", "kind"], name="holder_count_key"
            )
        ]

    def __str__(self):
        return f"{self.day} {self.division} {self.category} {self.holders:+d}"


class HolderMonth(models.Model):
    """The same changes rolled up per month (``month`` = its first day), kept by database
    triggers on ``HolderCount`` (migration 0003): a month-end figure sums months, not days."""

    month = models.DateField("月份（首日）")
    division = models.CharField("卡所属区划", max_length=6)
    category = models.CharField("人员类别", max_length=10)
    bank = models.BigIntegerField("合作银行（机构 id，0 为无）", default=0)
    kind = models.CharField("金融功能加载方式", max_length=5, blank=True)
    holders = models.BigIntegerField("持卡人数变动", default=0)
    activated = models.BigIntegerField("已激活金融功能持卡人数变动", default=0)
    issued = models.BigIntegerField("发卡张数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "持卡人数月变动"
        constraints = [
            models.UniqueConstraint(
                fields=["month", "division", "category", "bank", "kind"], name="holder_month_key"
            )
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.division} {self.category} {self.holders:+d}"


class HolderTotal(models.Model):
    """The running total per division × category × bank × kind, and the day of the
    division's first issued card, kept by the same triggers: a recent month end is the
    total minus the few changes after it."""

    division = models.CharField("卡所属区划", max_length=6)
    category = models.CharField("人员类别", max_length=10)
    bank = models.BigIntegerField("合作银行（机构 id，0 为无）", default=0)
    kind = models.CharField("金融功能加载方式", max_length=5, blank=True)
    holders = models.BigIntegerField("持卡人数", default=0)
    activated = models.BigIntegerField("已激活金融功能持卡人数", default=0)
    issued = models.BigIntegerField("发卡张数", default=0)
    first_issued = models.DateField("首张卡发卡日期", null=True)

    class Meta:
        verbose_name = verbose_name_plural = "持卡人数合计"
        constraints = [
            models.UniqueConstraint(
                fields=["division", "category", "bank", "kind"], name="holder_total_key"
            )
        ]

    def __str__(self):
        return f"{self.division} {self.category} {self.holders}"


class ServiceOpened(models.Model):
    """A service item or channel opened in a division (季调度表(一) 服务事项/服务渠道): the
    first journal row of that item or channel at an outlet of the division. Kept by a
    trigger on the journal (reports migration 0004), so table (一) reads a few hundred rows
    instead of a DISTINCT over every transaction ever journalled."""

    ITEM, CHANNEL = "item", "channel"

    division = models.CharField("网点所属区划", max_length=6)
    mark = models.CharField(
        "类型", max_length=7, choices=[(ITEM, "服务事项"), (CHANNEL, "服务渠道")]
    )
    number = models.PositiveSmallIntegerField("编号")
    first_at = models.DateTimeField("首次办理时间")

    class Meta:
        verbose_name = verbose_name_plural = "已开通服务事项与渠道"
        constraints = [
            models.UniqueConstraint(
                fields=["division", "mark", "number"], name="service_opened_key"
            )
        ]

    def __str__(self):
        return f"{self.division} {self.mark} {self.number}"


class HolderMove(models.Model):
    """A held or pending card's region or category changed (the history a rebuild needs)."""

    card = models.ForeignKey("cards.Card", on_delete=models.PROTECT, related_name="+")
    day = models.DateField("日期")
    old_division = models.CharField(max_length=6)
    new_division = models.CharField(max_length=6)
    old_category = models.CharField(max_length=10)
    new_category = models.CharField(max_length=10)

    class Meta:
        ordering = ["card", "day", "id"]
        verbose_name = verbose_name_plural = "持卡地区/类别变动"
        indexes = [models.Index(fields=["card", "day"], name="holder_move_card")]

    def __str__(self):
        return f"{self.day} {self.old_division}/{self.old_category} → {self.new_division}/{self.new_category}"


class CatalogueUse(models.TextChoices):
    PAYMENT = "payment", "缴费"
    BENEFIT = "benefit", "待遇领取"
    OTHER = "other", "其他"


class CatalogueItem(models.Model):
    """社保卡应用目录 (人社部发〔2014〕52号): the items the open rate divides by (102)."""

    number = models.PositiveSmallIntegerField("序号", unique=True)
    domain = models.CharField("业务领域", max_length=40, blank=True)
    name = models.CharField("应用项目", max_length=100)
    use = models.CharField("用途", max_length=10, choices=CatalogueUse.choices, default="other")
    active = models.BooleanField("计入目录", default=True)

    class Meta:
        ordering = ["number"]
        verbose_name = verbose_name_plural = "应用目录"

    def __str__(self):
        return f"{self.number}. {self.name}"


class Entry(models.Model):
    """One cell the centre fills in for a period: a figure sbk does not record (terminals,
    coverage, other-way financial holders), a text column, items marked opened, or the
    filler / phone / responsible person (row ``""``)."""

    period = models.CharField("期别", max_length=7)  # 2026-09 or 2026Q3
    table = models.PositiveSmallIntegerField("表")  # 0 monthly, 1–4 quarterly (一)–(四)
    row = models.CharField("行（区划或银行）", max_length=20, blank=True)
    column = models.CharField("栏目", max_length=30)
    value = models.TextField("填报内容", blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "调度表填报项"
        constraints = [
            models.UniqueConstraint(fields=["period", "table", "row", "column"], name="entry_cell")
        ]

    def __str__(self):
        return f"{self.period} 表{self.table} {self.row}:{self.column}"


class Report(models.Model):
    """A generated table as submitted: who, when, the figures; resubmissions keep the old."""

    table = models.PositiveSmallIntegerField("表")
    period = models.CharField("期别", max_length=7)
    province = models.CharField("省级区划", max_length=6)
    version = models.PositiveIntegerField("版本")
    figures = models.JSONField("数据")
    checks = models.JSONField("一致性检查", default=list)
    changes = models.JSONField("与上一版相比", default=list)
    filler = models.CharField("填报人", max_length=40, blank=True)
    phone = models.CharField("联系电话", max_length=40, blank=True)
    responsible = models.CharField("负责人", max_length=40, blank=True)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    generated_at = models.DateTimeField("生成时间", auto_now_add=True)

    class Meta:
        ordering = ["-generated_at", "-id"]
        verbose_name = verbose_name_plural = "调度表存档"
        constraints = [
            models.UniqueConstraint(
                fields=["table", "period", "province", "version"], name="report_version"
            )
        ]

    def __str__(self):
        return f"表{self.table} {self.period} 第{self.version}版"
