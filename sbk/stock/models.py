"""The card-blank stock (卡基台账): serials, balances, the append-only ledger, closes, counts.

Invariants live in the database:
- ``Entry`` (the ledger), the close snapshots, the stocktakes and the discrepancy history
  refuse UPDATE and DELETE (triggers, as the audit log: ``sbk.core.appendonly``); a
  correction is a new entry naming the one it corrects, with a reason (a CHECK says so).
- ``Serial`` has one row per serial (unique): a serial is at one place at a time.
- ``Balance.qty`` can never go negative (a CHECK), and a close snapshot must add up
  (opening + in − out = closing).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from . import rules

ITEM_CHOICES = [(i, rules.ITEM_LABELS[i]) for i in rules.ITEMS]
STATE_CHOICES = list(rules.STATE_LABELS.items())
KIND_CHOICES = list(rules.KIND_LABELS.items())
_org = "orgs.Organisation"


def current_version() -> str:
    """The card version (卡版本) produced now: blanks and rows that name none are of it."""
    return settings.SBK_CARD_VERSION


def _version_field():
    return models.CharField("卡版本", max_length=10, default=current_version)


class Serial(models.Model):
    """Where one serial is now (its latest entry's destination)."""

    serial = models.CharField("序列号", max_length=32, unique=True)
    bank = models.ForeignKey(_org, on_delete=models.PROTECT, related_name="+")
    version = models.CharField("卡版本", max_length=10, blank=True, default=current_version)
    item = models.CharField("物品", max_length=10, choices=ITEM_CHOICES)
    state = models.CharField("位置状态", max_length=8, choices=STATE_CHOICES)
    org = models.ForeignKey(_org, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sender = models.ForeignKey(
        _org, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # in transit: who sent it
    card = models.ForeignKey(
        "cards.Card", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    since = models.DateField("成为废卡/滞发卡日期", null=True, blank=True)

    class Meta:
        verbose_name = "序列号位置"
        verbose_name_plural = "序列号位置"
        constraints = [
            models.CheckConstraint(
                condition=~Q(state__in=[rules.STOCK, rules.TRANSIT]) | Q(org__isnull=False),
                name="stock_serial_held_by_org",
            ),
            models.CheckConstraint(
                condition=Q(item__in=rules.ITEMS), name="stock_serial_item_known"
            ),
        ]
        # Production picks the lowest serial of a version (and bank) at an outlet: one
        # index range.
        indexes = [
            models.Index(
                fields=["org", "state", "item", "version", "bank", "serial"], name="serial_pick"
            )
        ]

    def __str__(self):
        return self.serial


class Balance(models.Model):
    """The current count per (organisation, item, bank, card version): a counter, updated
    with F()."""

    org = models.ForeignKey(_org, on_delete=models.PROTECT, related_name="+")
    item = models.CharField(max_length=10, choices=ITEM_CHOICES)
    bank = models.ForeignKey(_org, on_delete=models.PROTECT, related_name="+")
    version = _version_field()
    qty = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org", "item", "bank", "version"], name="one_balance_row"
            ),
            models.CheckConstraint(condition=Q(qty__gte=0), name="balance_never_negative"),
        ]

    def __str__(self):
        return f"{self.org_id}:{self.item}:{self.bank_id}:{self.version}={self.qty}"


class Book(models.Model):
    """An organisation's books: the last day closed (日清) and the last month closed (月结)."""

    org = models.OneToOneField(_org, on_delete=models.PROTECT, related_name="+")
    closed_through = models.DateField(null=True, blank=True)
    month_closed_through = models.DateField(null=True, blank=True)

    def __str__(self):
        return f"{self.org_id} 日清至 {self.closed_through}"


class Entry(models.Model):
    """One serial moved from one place to the next: a line of the ledger (append-only)."""

    batch = models.UUIDField("批次", db_index=True)  # the serials of one movement
    kind = models.CharField("类型", max_length=10, choices=KIND_CHOICES)
    serial = models.CharField("序列号", max_length=32)
    bank = models.ForeignKey(_org, on_delete=models.PROTECT, related_name="+")
    version = _version_field()
    src_state = models.CharField(max_length=8, choices=STATE_CHOICES, blank=True)
    src_org = models.ForeignKey(
        _org, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    src_item = models.CharField(max_length=10, blank=True)
    dst_state = models.CharField(max_length=8, choices=STATE_CHOICES)
    dst_org = models.ForeignKey(
        _org, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dst_item = models.CharField(max_length=10, blank=True)
    day = models.DateField("记账日期")
    requested_day = models.DateField("业务日期")
    at = models.DateTimeField("录入时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField("备注", max_length=300, blank=True)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    reason = models.CharField("更正原因", max_length=300, blank=True)
    card = models.ForeignKey(
        "cards.Card", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    overdue = models.BooleanField("上缴不及时", default=False)
    irregular = models.BooleanField("上缴不规范", default=False)

    class Meta:
        ordering = ["id"]
        verbose_name = "台账明细"
        verbose_name_plural = "台账明细"
        constraints = [
            models.CheckConstraint(
                condition=Q(corrects__isnull=True) | ~Q(reason=""),
                name="correction_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(day__gte=F("requested_day")), name="entry_never_backdated"
            ),
        ]
        indexes = [
            models.Index(fields=["serial", "id"], name="entry_serial"),
            models.Index(fields=["src_org", "day"], name="entry_src_day"),
            models.Index(fields=["dst_org", "day"], name="entry_dst_day"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.kind} {self.serial}"

    @property
    def src(self) -> rules.Place:
        return rules.Place(self.src_state, self.src_org_id, self.src_item)

    @property
    def dst(self) -> rules.Place:
        return rules.Place(self.dst_state, self.dst_org_id, self.dst_item)


class DayClose(models.Model):
    """日清: an organisation's day, closed and locked (append-only)."""

    org = models.ForeignKey(_org, on_delete=models.PROTECT, related_name="+")
    day = models.DateField("日期")
    closed_at = models.DateTimeField()
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cards_produced = models.PositiveIntegerField("当日制卡", default=0)
    blanks_consumed = models.PositiveIntegerField("当日领用卡基", default=0)
    auto = models.BooleanField("月结时补日清", default=False)

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["org", "day"], name="one_close_a_day")]

    def __str__(self):
        return f"{self.org_id} {self.day}"


class DaySnapshot(models.Model):
    """The day's balance per item, bank and card version at its close (append-only)."""

    org = models.ForeignKey(_org, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    item = models.CharField(max_length=10, choices=ITEM_CHOICES)
    bank = models.ForeignKey(_org, on_delete=models.PROTECT, related_name="+")
    version = _version_field()
    opening = models.IntegerField()
    incoming = models.IntegerField()
    outgoing = models.IntegerField()
    closing = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org", "day", "item", "bank", "version"], name="one_snapshot_row"
            ),
            models.CheckConstraint(
                condition=Q(closing=F("opening") + F("incoming") - F("outgoing"))
                & Q(closing__gte=0),
                name="snapshot_adds_up",
            ),
        ]
        indexes = [models.Index(fields=["org", "day"], name="snapshot_org_day")]

    def __str__(self):
        return f"{self.org_id} {self.day} {self.item}"


class MonthClose(models.Model):
    """月结: the month's days rolled up (append-only)."""

    org = models.ForeignKey(_org, on_delete=models.PROTECT, related_name="+")
    month = models.DateField("月份")  # its first day
    closed_at = models.DateTimeField()
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    days_closed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-month"]
        constraints = [models.UniqueConstraint(fields=["org", "month"], name="one_close_a_month")]

    def __str__(self):
        return f"{self.org_id} {self.month:%Y-%m}"


class MonthSnapshot(models.Model):
    org = models.ForeignKey(_org, on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    item = models.CharField(max_length=10, choices=ITEM_CHOICES)
    bank = models.ForeignKey(_org, on_delete=models.PROTECT, related_name="+")
    version = _version_field()
    opening = models.IntegerField()
    incoming = models.IntegerField()
    outgoing = models.IntegerField()
    closing = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org", "month", "item", "bank", "version"], name="one_month_snapshot_row"
            ),
            models.CheckConstraint(
                condition=Q(closing=F("opening") + F("incoming") - F("outgoing")),
                name="month_snapshot_adds_up",
            ),
        ]

    def __str__(self):
        return f"{self.org_id} {self.month:%Y-%m} {self.item}"


class Stocktake(models.Model):
    """账实相符: a physical count against the books at one frozen moment (append-only)."""

    org = models.ForeignKey(_org, on_delete=models.PROTECT, related_name="+")
    item = models.CharField(max_length=10, choices=ITEM_CHOICES)
    bank = models.ForeignKey(
        _org, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.CharField("卡版本", max_length=10, blank=True)  # empty: every version
    counted = models.IntegerField("实盘数")
    book = models.IntegerField("账面数")
    serials = models.JSONField("实盘序列号", null=True, blank=True)
    missing = models.JSONField("账有实无", default=list, blank=True)
    extra = models.JSONField("实有账无", default=list, blank=True)
    at = models.DateTimeField()
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at"]
        constraints = [
            models.CheckConstraint(condition=Q(counted__gte=0), name="count_not_negative")
        ]

    def __str__(self):
        return f"盘点#{self.pk}"

    @property
    def difference(self) -> int:
        return self.counted - self.book


class DiscrepancyStatus(models.TextChoices):
    OPEN = "open", "待说明"
    EXPLAINED = "explained", "已说明待整改"
    RECTIFIED = "rectified", "已整改"


class Discrepancy(models.Model):
    """账实不符: opened by a stocktake, explained, then rectified (history in events)."""

    stocktake = models.OneToOneField(
        Stocktake, on_delete=models.PROTECT, related_name="discrepancy"
    )
    org = models.ForeignKey(_org, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=10, choices=DiscrepancyStatus.choices, default=DiscrepancyStatus.OPEN
    )
    explanation = models.CharField("原因说明", max_length=500, blank=True)
    opened_at = models.DateTimeField()
    rectified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | ~Q(explanation=""), name="discrepancy_explained"
            ),
            models.CheckConstraint(
                condition=~Q(status="rectified") | Q(rectified_at__isnull=False),
                name="discrepancy_rectified_at",
            ),
        ]

    def __str__(self):
        return f"差异#{self.pk}"


class DiscrepancyEvent(models.Model):
    """One step of a discrepancy's history (append-only)."""

    discrepancy = models.ForeignKey(Discrepancy, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    what = models.CharField(max_length=10, choices=DiscrepancyStatus.choices)
    text = models.CharField(max_length=500, blank=True)
    batch = models.UUIDField(null=True, blank=True)  # the rectification's ledger entries

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.discrepancy_id} {self.what}"


APPEND_ONLY = (
    "stock_entry",
    "stock_dayclose",
    "stock_daysnapshot",
    "stock_monthclose",
    "stock_monthsnapshot",
    "stock_stocktake",
    "stock_discrepancyevent",
)
