"""Service banks (服务银行, 社银一体化), card usage (用卡记录) and the application scenarios
(应用场景: 社区食堂, "小额高频" 门店; 优惠活动; 宣传案例).

A service bank is the partner-bank ``Organisation`` (kind ``bank``) plus its record here
(OneToOne): lifecycle, card versions, BIN ranges, financial-function medium, cooperating
cities since when. Its outlets stay organisations pointing at it (``Organisation.bank``).

Usage rows hold the card (a foreign key, never the card number), the person and what the
file said. Coverage never scans them: as rows are imported, ``FirstUse`` keeps each
person's first day of paying and of receiving a benefit (what a distinct count needs),
``PayerSpan``/``PayerCount`` the counts coverage sums (``kept``: per day × division × bank ×
kind, moved by the import and the card hook), and ``UsageDay`` the day's uses per card
division × bank × kind × area.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from . import rules


class BankStatus(models.TextChoices):
    NEGOTIATING = "negotiating", "洽谈中"
    PILOTING = "piloting", "试点"
    ISSUING = "issuing", "正式发卡"
    SUSPENDED = "suspended", "暂停"


class Medium(models.TextChoices):
    CHIP = "chip", "芯片加载金融功能"
    HIDDEN_STRIPE = "hidden_stripe", "隐蔽磁条加载金融功能"
    OTHER = "other", "显性磁条等其他方式加载"


class ServiceBank(models.Model):
    org = models.OneToOneField(
        "orgs.Organisation",
        on_delete=models.PROTECT,
        related_name="service_bank",
        limit_choices_to={"kind": "bank"},
        verbose_name="银行机构",
    )
    full_name = models.CharField("银行全称", max_length=100)
    status = models.CharField(
        "状态", max_length=12, choices=BankStatus.choices, default=BankStatus.NEGOTIATING
    )
    medium = models.CharField("金融功能加载方式", max_length=16, choices=Medium.choices)
    card_versions = models.JSONField("发行卡版本", default=list, blank=True)
    onboarded_on = models.DateField("建档日期")
    status_since = models.DateField("当前状态起始日期")
    contact = models.CharField("联系人及电话", max_length=100, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["org__code"]
        verbose_name = "服务银行"
        verbose_name_plural = "服务银行"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=BankStatus.values), name="service_bank_status_known"
            ),
            models.CheckConstraint(
                condition=Q(medium__in=Medium.values), name="service_bank_medium_known"
            ),
        ]

    def __str__(self):
        return self.full_name


class BinRange(models.Model):
    """A range of card numbers' leading digits (BIN) the bank issues, for a card version."""

    bank = models.ForeignKey(ServiceBank, on_delete=models.CASCADE, related_name="bins")
    low = models.CharField("BIN 起", max_length=10)
    high = models.CharField("BIN 止", max_length=10)
    card_version = models.CharField("卡版本", max_length=10, blank=True)

    class Meta:
        ordering = ["low"]
        verbose_name = "BIN 号段"
        verbose_name_plural = "BIN 号段"
        constraints = [
            models.CheckConstraint(condition=Q(low__lte=F("high")), name="bin_range_ordered"),
            models.UniqueConstraint(fields=["low"], name="bin_range_low_unique"),
        ]

    def __str__(self):
        return f"{self.low}–{self.high}"


class BankCity(models.Model):
    """A city (report region; 省本级 is the province's own code) the bank cooperates with."""

    bank = models.ForeignKey(ServiceBank, on_delete=models.CASCADE, related_name="cities")
    region = models.CharField("合作地市区划", max_length=6)
    since = models.DateField("合作起始日期")

    class Meta:
        ordering = ["region"]
        verbose_name = "合作地市"
        verbose_name_plural = "合作地市"
        constraints = [
            models.UniqueConstraint(fields=["bank", "region"], name="bank_city_once"),
        ]

    def __str__(self):
        return f"{self.region}（{self.since:%Y-%m-%d}起）"


# --- card usage ---------------------------------------------------------------------------
class UsageImport(models.Model):
    """One imported usage file: all its rows or none."""

    name = models.CharField("文件名", max_length=200)
    digest = models.CharField("文件摘要", max_length=64)
    rows = models.PositiveIntegerField("行数", default=0)
    new_rows = models.PositiveIntegerField("新增行数", default=0)
    known_rows = models.PositiveIntegerField("已导入过的行数", default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "用卡记录导入"
        verbose_name_plural = "用卡记录导入"

    def __str__(self):
        return f"{self.name}（{self.new_rows}/{self.rows}）"


class UsageRecord(models.Model):
    # Unique by a constraint, not ``unique=True``: on PostgreSQL that would add a second
    # (pattern-ops) index on the column that nothing reads and every imported row writes.
    row_key = models.CharField("行键", max_length=64)
    digest = models.CharField(max_length=16)  # of the row's content: a reused key is a conflict
    # No database constraint or index on the three keys of this fact table (ADR 0008): the
    # import found the card and the person itself, PostgreSQL's deferred checks would cost
    # one trigger per key per row at commit, and nothing reads the rows by these keys (the
    # kept figures do); the ORM still PROTECTs them.
    card = models.ForeignKey(
        "cards.Card",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    bank_id_at_use = models.BigIntegerField("用卡银行", default=0)  # the card's bank (0: none)
    card_division = models.CharField("发卡地区划", max_length=6)
    used_at = models.DateTimeField("用卡时间")
    day = models.DateField("用卡日期")
    kind = models.CharField("用卡类型", max_length=12, choices=list(rules.KIND_LABELS.items()))
    amount = models.DecimalField("金额", max_digits=12, decimal_places=2)
    scenario = models.CharField("商户或场景代码", max_length=32, blank=True)
    division_code = models.CharField("用卡地区划", max_length=6)
    area = models.CharField("用卡地域", max_length=16, choices=list(rules.AREA_LABELS.items()))
    batch = models.ForeignKey(
        UsageImport,
        on_delete=models.PROTECT,
        related_name="records",
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        verbose_name = "用卡记录"
        verbose_name_plural = "用卡记录"
        constraints = [models.UniqueConstraint(fields=["row_key"], name="usage_row_key_once")]
        # Only the campaign figures read rows by scenario, and only merchant payments
        # (``queries._uses``): the index holds those alone, so an import maintains it for
        # about half its rows (issue 19's import rate).
        indexes = [
            models.Index(
                fields=["scenario", "day"],
                name="usage_merchant_scenario_day",
                condition=Q(kind=rules.MERCHANT),
            )
        ]

    def __str__(self):
        return f"{self.row_key} {self.get_kind_display()} {self.day:%Y-%m-%d}"


class FirstUse(models.Model):
    """A person's first day of paying (``pay``) or receiving a benefit (``benefit``) through a
    card of theirs: what the distinct counts of coverage need, kept as rows are imported."""

    # No database key (as the usage rows): the import names people from the cards it has
    # just found, and a deferred check per row at commit costs an import of many first days
    # a trigger each; ``first_use_once`` (person, kind) is the index by person.
    person = models.ForeignKey(
        "registry.Person", on_delete=models.CASCADE, related_name="+",
        db_constraint=False, db_index=False,
    )  # fmt: skip
    kind = models.CharField(max_length=8)
    day = models.DateField()

    class Meta:
        verbose_name = "首次用卡"
        verbose_name_plural = "首次用卡"
        constraints = [
            models.UniqueConstraint(fields=["person", "kind"], name="first_use_once"),
            models.CheckConstraint(
                condition=Q(kind__in=[rules.FIRST_PAY, rules.FIRST_BENEFIT]),
                name="first_use_kind_known",
            ),
        ]
        indexes = [models.Index(fields=["kind", "day"], name="first_use_kind_day")]

    def __str__(self):
        return f"{self.person_id} {self.kind} {self.day:%Y-%m-%d}"


class UsageDay(models.Model):
    """The day's uses per card division × bank × kind × area (added to as rows arrive)."""

    day = models.DateField()
    division = models.CharField(max_length=6)  # the card's issuing division
    bank = models.BigIntegerField(default=0)
    kind = models.CharField(max_length=12)
    area = models.CharField(max_length=16)
    uses = models.BigIntegerField(default=0)
    amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        verbose_name = "用卡日汇总"
        verbose_name_plural = "用卡日汇总"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "division", "bank", "kind", "area"], name="usage_day_key"
            )
        ]

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {self.division} {self.kind} {self.area}: {self.uses}"


# --- application scenarios ------------------------------------------------------------------
class VenueKind(models.TextChoices):
    CANTEEN = "canteen", "社区食堂"
    CONVENIENCE = "convenience", "便利店"
    COFFEE = "coffee", "咖啡店"
    OTHER = "other", "其他小额高频门店"


class VenueStatus(models.TextChoices):
    SURVEYED = "surveyed", "已摸排"
    REPORTED = "reported", "已上报到区"
    ACTIVE = "active", "已开通用卡"
    CLOSED = "closed", "已停止"


class Venue(models.Model):
    """A community canteen or small-amount merchant (场景门店) an outlet surveyed."""

    org = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name="摸排网点"
    )
    kind = models.CharField("类型", max_length=12, choices=VenueKind.choices)
    name = models.CharField("名称", max_length=100)
    merchant_code = models.CharField("商户或场景代码", max_length=32, blank=True)
    address = models.CharField("地址", max_length=200)
    division_code = models.CharField("所在区划", max_length=6)
    operator_name = models.CharField("经营者", max_length=100, blank=True)
    nearest_bank = models.ForeignKey(
        ServiceBank,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="就近服务银行",
    )
    status = models.CharField(
        "状态", max_length=10, choices=VenueStatus.choices, default=VenueStatus.SURVEYED
    )
    note = models.CharField("备注", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    reported_at = models.DateTimeField("上报时间", null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "应用场景门店"
        verbose_name_plural = "应用场景门店"
        constraints = [
            models.UniqueConstraint(
                fields=["merchant_code"], condition=~Q(merchant_code=""), name="venue_code_once"
            ),
        ]

    def __str__(self):
        return self.name


class Campaign(models.Model):
    """A discount campaign (优惠活动) of the centre or a district."""

    org = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name="组织单位"
    )
    name = models.CharField("活动名称", max_length=100)
    scenario = models.CharField("场景类型", max_length=12, choices=VenueKind.choices)
    start = models.DateField("开始日期")
    end = models.DateField("结束日期")
    discount_kind = models.CharField("优惠方式", max_length=8)
    discount_value = models.DecimalField("优惠额度", max_digits=10, decimal_places=2)
    discount_threshold = models.DecimalField("起用金额", max_digits=10, decimal_places=2, default=0)
    discount_cap = models.DecimalField(
        "单笔优惠上限", max_digits=10, decimal_places=2, null=True, blank=True
    )
    budget = models.DecimalField("预算（元）", max_digits=14, decimal_places=2, default=0)
    target_groups = models.JSONField("目标人群", default=list, blank=True)
    funder = models.ForeignKey(
        ServiceBank,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="出资银行",
    )
    funder_other = models.CharField("其他出资单位", max_length=100, blank=True)
    venues = models.ManyToManyField(Venue, blank=True, related_name="campaigns")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start", "-id"]
        verbose_name = "优惠活动"
        verbose_name_plural = "优惠活动"
        constraints = [
            models.CheckConstraint(condition=Q(start__lte=F("end")), name="campaign_dates"),
            models.CheckConstraint(
                condition=Q(discount_kind__in=[rules.PERCENT, rules.FIXED]),
                name="campaign_discount_kind",
            ),
        ]

    def __str__(self):
        return self.name

    def rule(self) -> rules.DiscountRule:
        return rules.DiscountRule(
            self.discount_kind, self.discount_value, self.discount_threshold, self.discount_cap
        )


class CaseChannel(models.TextChoices):
    NEW_MEDIA = "new_media", "新媒体平台"
    COMMUNITY = "community", "社区活动"
    OFFLINE = "offline", "线下体验"
    OTHER = "other", "其他"


class PublicityCase(models.Model):
    """宣传案例: submitted by an outlet (or a district, a bank), selected by the centre."""

    org = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name="提交单位"
    )
    title = models.CharField("标题", max_length=100)
    text = models.TextField("案例内容")
    channel = models.CharField("传播渠道", max_length=12, choices=CaseChannel.choices)
    image = models.FileField("图片", upload_to="usage/cases/%Y/%m/", blank=True)
    partner = models.CharField("合作单位", max_length=100, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    selected = models.BooleanField("已推选", default=False)
    selected_at = models.DateTimeField(null=True, blank=True)
    selection_note = models.CharField("推选意见", max_length=200, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "宣传案例"
        verbose_name_plural = "宣传案例"

    def __str__(self):
        return self.title


class PayerSpan(models.Model):
    """One person's kept contribution to the payer (or beneficiary) counts: from ``start``
    until ``end`` (exclusive; open when null) they count once, in the division and bank of
    the card the holder counting rule picks then (the last issued valid card). Rewritten for
    the person whenever their cards or first-use days change; coverage never reads it."""

    person = models.ForeignKey(
        "registry.Person", on_delete=models.DO_NOTHING, related_name="+",
        db_constraint=False,
    )  # fmt: skip
    kind = models.CharField(max_length=8)
    division = models.CharField(max_length=6)
    bank = models.BigIntegerField(default=0)  # the bank organisation's id; 0: none
    start = models.DateField()
    end = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = "用卡人计数区间"
        verbose_name_plural = "用卡人计数区间"

    def __str__(self):
        return f"{self.person_id} {self.kind} {self.start}–{self.end or ''}"


class PayerCount(models.Model):
    """Per day, division, bank and kind: the change in people counted as payers
    (beneficiaries); a day's figure is the sum up to it (regions × days, never holders)."""

    day = models.DateField()
    division = models.CharField(max_length=6)
    bank = models.BigIntegerField(default=0)
    kind = models.CharField(max_length=8)
    delta = models.IntegerField(default=0)

    class Meta:
        verbose_name = "用卡人数日变动"
        verbose_name_plural = "用卡人数日变动"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "division", "bank", "kind"], name="payer_count_once"
            )
        ]

    def __str__(self):
        return f"{self.day} {self.division} {self.bank} {self.kind} {self.delta:+d}"
