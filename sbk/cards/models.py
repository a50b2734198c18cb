"""Cards, applications and the service-transaction journal.

The database holds the invariants: one held card and one card awaiting collection per
person (partial unique indexes, on SQLite and PostgreSQL alike), one open application
per person, unique card numbers.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from sbk.core.catalogue import Channel, ServiceItem
from sbk.core.fields import EncryptedTextField

from . import rules
from .numbers import CardNoIndexField


class CardStatus(models.TextChoices):
    PRODUCED = rules.PRODUCED, rules.CARD_STATUS_LABELS[rules.PRODUCED]
    UNCLAIMED = rules.UNCLAIMED, rules.CARD_STATUS_LABELS[rules.UNCLAIMED]
    ISSUED = rules.ISSUED, rules.CARD_STATUS_LABELS[rules.ISSUED]
    TEMP_LOST = rules.TEMP_LOST, rules.CARD_STATUS_LABELS[rules.TEMP_LOST]
    LOST = rules.LOST, rules.CARD_STATUS_LABELS[rules.LOST]
    REPLACED = rules.REPLACED, rules.CARD_STATUS_LABELS[rules.REPLACED]
    CANCELLED = rules.CANCELLED, rules.CARD_STATUS_LABELS[rules.CANCELLED]
    RETURNED = rules.RETURNED, rules.CARD_STATUS_LABELS[rules.RETURNED]


class ApplicationKind(models.TextChoices):
    FIRST = "first", "首次申领"
    REPLACEMENT = "replacement", "补换卡"
    RENEWAL = "renewal", "到期换卡"


class ApplicationStatus(models.TextChoices):
    DRAFT = rules.DRAFT, rules.APP_STATUS_LABELS[rules.DRAFT]
    AWAITING_PHOTO = rules.AWAITING_PHOTO, rules.APP_STATUS_LABELS[rules.AWAITING_PHOTO]
    SUBMITTED = rules.SUBMITTED, rules.APP_STATUS_LABELS[rules.SUBMITTED]
    PRODUCED = rules.APP_PRODUCED, rules.APP_STATUS_LABELS[rules.APP_PRODUCED]
    ISSUED = rules.APP_ISSUED, rules.APP_STATUS_LABELS[rules.APP_ISSUED]
    REJECTED = rules.REJECTED, rules.APP_STATUS_LABELS[rules.REJECTED]
    WITHDRAWN = rules.WITHDRAWN, rules.APP_STATUS_LABELS[rules.WITHDRAWN]
    CANCELLED = rules.APP_CANCELLED, rules.APP_STATUS_LABELS[rules.APP_CANCELLED]


class PhotoSource(models.TextChoices):
    ON_FILE = "on_file", "沿用已有照片"
    UPLOAD = "upload", "申请人上传"
    STUDIO = "studio", "银行指定照相馆上传"
    COUNTER = "counter", "窗口采集"
    KIOSK = "kiosk", "自助机现场拍摄"


_held = Q(status__in=rules.HELD)
_pending = Q(status__in=rules.PENDING)
_open = Q(status__in=rules.OPEN_APPLICATION)


class Application(models.Model):
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="card_applications"
    )
    kind = models.CharField("申领类型", max_length=12, choices=ApplicationKind.choices)
    replace_reason = models.CharField("补换原因", max_length=10, blank=True)  # lost / damaged
    replaces = models.ForeignKey(
        "Card", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.PositiveSmallIntegerField("渠道", choices=Channel.choices)
    intake_org = models.ForeignKey(
        "orgs.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="受理网点",
    )
    outlet = models.ForeignKey(
        "orgs.Organisation",
        on_delete=models.PROTECT,
        related_name="card_applications",
        verbose_name="制卡网点",
    )
    status = models.CharField(
        "状态", max_length=20, choices=ApplicationStatus.choices, default=rules.DRAFT
    )
    # What the applicant stated, compared with the registry before production.
    stated_name = models.CharField("申请姓名", max_length=60)
    stated_id_index = models.CharField(max_length=64)
    stated_id_masked = models.CharField("申请证件号（脱敏）", max_length=24)
    stated_gender = models.CharField(max_length=1)
    stated_birth_date = models.DateField()
    stated_category = models.CharField(max_length=10)
    # Photo
    photo = models.FileField("照片", upload_to="photos/applications/%Y/%m/", blank=True)
    photo_source = models.CharField(max_length=10, choices=PhotoSource.choices, blank=True)
    photo_studio = models.ForeignKey(
        "orgs.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    photo_checked = models.BooleanField("照片已机检", default=False)
    photo_ok = models.BooleanField(null=True)
    photo_result = models.JSONField(null=True, blank=True)
    photo_note = models.CharField(max_length=200, blank=True)
    # Proxy (代办)
    proxy = models.BooleanField("代办", default=False)
    agent_name = models.CharField("代办人姓名", max_length=60, blank=True)
    agent_id_number = EncryptedTextField("代办人证件号码", blank=True)
    agent_id_masked = models.CharField(max_length=24, blank=True)
    agent_relation = models.CharField("与申请人关系", max_length=30, blank=True)
    authorisation = models.CharField("授权委托书编号/说明", max_length=200, blank=True)
    # Progress
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateField("办结期限", null=True, blank=True)
    deadline_provisional = models.BooleanField(default=False)
    done_at = models.DateTimeField("办结时间", null=True, blank=True)
    reject_reason = models.CharField("驳回原因", max_length=200, blank=True)
    interception = models.JSONField("卡面拦截结果", null=True, blank=True)
    card = models.OneToOneField(
        "Card", null=True, blank=True, on_delete=models.PROTECT, related_name="application"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = "制卡申请"
        verbose_name_plural = "制卡申请"
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=_open, name="one_open_application"
            ),
            models.CheckConstraint(
                condition=~Q(kind="replacement") | Q(replace_reason__in=["lost", "damaged"]),
                name="replacement_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["status", "outlet"], name="application_queue")]

    def __str__(self):
        return f"申请#{self.pk} {self.stated_name}"

    @property
    def is_open(self) -> bool:
        return self.status in rules.OPEN_APPLICATION


class Card(models.Model):
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="cards")
    card_no = models.CharField("卡号", max_length=20, unique=True)
    # The number's blind index (sbk.cards.numbers): what look-ups by number use.
    card_no_index = CardNoIndexField()
    card_code = models.CharField("卡识别码", max_length=32, blank=True)
    version = models.CharField("卡版本", max_length=10, blank=True)
    division_code = models.CharField("发卡地区划", max_length=6)
    org = models.ForeignKey(
        "orgs.Organisation",
        on_delete=models.PROTECT,
        related_name="cards",
        verbose_name="制卡/发卡机构",
    )
    bank = models.ForeignKey(
        "orgs.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bank_cards",
        verbose_name="合作银行",
    )
    account_no = EncryptedTextField("银行账号", blank=True)
    account_masked = models.CharField("银行账号（脱敏）", max_length=24, blank=True)
    status = models.CharField("状态", max_length=10, choices=CardStatus.choices)
    category = models.CharField("人员类别", max_length=10, blank=True)
    photo = models.CharField("照片", max_length=200, blank=True)
    produced_at = models.DateTimeField("制卡时间", null=True, blank=True)
    issued_on = models.DateField("发卡日期", null=True, blank=True)
    expires_on = models.DateField("有效期至", null=True, blank=True)
    electronic = models.BooleanField("已签发电子社保卡", default=False)
    financial_activated_on = models.DateField("金融功能启用日期", null=True, blank=True)
    lost_at = models.DateTimeField(null=True, blank=True)
    temp_loss_until = models.DateTimeField(null=True, blank=True)
    invalid_on = models.DateField("失效日期", null=True, blank=True)  # replaced or cancelled
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    # The holder's recorded decision that the replacement of this card is made by another
    # partner bank (``change_bank``); without it, only the card's own bank replaces it.
    bank_change_to = models.ForeignKey(
        "orgs.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="补换卡改由银行",
    )
    legacy = models.BooleanField("迁移数据", default=False)
    # The serial of the card blank (卡基) this card was printed on (sbk.stock consumes it
    # at production); empty for cards migrated from a vendor system.
    blank_serial = models.CharField("卡基序列号", max_length=32, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "社保卡"
        verbose_name_plural = "社保卡"
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=_held, name="one_held_card"),
            models.UniqueConstraint(fields=["person"], condition=_pending, name="one_pending_card"),
            models.UniqueConstraint(
                fields=["blank_serial"], condition=~Q(blank_serial=""), name="one_card_per_blank"
            ),
            models.UniqueConstraint(
                fields=["card_no_index"],
                condition=~Q(card_no_index=""),
                name="card_no_index_unique",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[rules.ISSUED, rules.TEMP_LOST, rules.LOST])
                | Q(issued_on__isnull=False),
                name="held_card_has_issue_date",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[rules.REPLACED, rules.CANCELLED])
                | Q(invalid_on__isnull=False),
                name="invalid_card_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["issued_on"], name="card_issued_on"),
            models.Index(fields=["status", "org"], name="card_status_org"),
        ]

    def __str__(self):
        return self.card_no

    @property
    def status_label(self) -> str:
        return rules.CARD_STATUS_LABELS.get(self.status, self.status)


class ServiceTransaction(models.Model):
    """One business transaction (业务办理): the source of the reports and the evaluation."""

    item = models.PositiveSmallIntegerField("业务事项", choices=ServiceItem.choices)
    channel = models.PositiveSmallIntegerField("渠道", choices=Channel.choices)
    action = models.CharField("操作", max_length=40)
    outlet = models.ForeignKey(
        "orgs.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    person = models.ForeignKey(
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_transactions",
    )
    card = models.ForeignKey(
        Card, null=True, blank=True, on_delete=models.PROTECT, related_name="transactions"
    )
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="transactions"
    )
    at = models.DateTimeField("时间", db_index=True)
    outcome = models.CharField("结果", max_length=20, default="success")
    details = models.JSONField("详情", default=dict, blank=True)
    # Migrated from a vendor system (sbk cards import): the reports tell these apart.
    legacy = models.BooleanField("迁移数据", default=False)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "业务办理记录"
        verbose_name_plural = "业务办理记录"
        indexes = [models.Index(fields=["item", "at"], name="txn_item_at")]

    def __str__(self):
        return f"{self.get_item_display()} {self.action} {self.at:%Y-%m-%d}"
