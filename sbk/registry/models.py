"""The cardholder registry (持卡库).

Sensitive values (document number, phone, address) are stored encrypted; equality lookups
and uniqueness go through blind indexes, lists and partial search through masked forms.
"""

from django.conf import settings
from django.db import models

from sbk.core.fields import EncryptedTextField


class DocType(models.TextChoices):
    RESIDENT18 = "resident18", "居民身份证"
    FOREIGN_PR_2023 = "foreign_pr_2023", "外国人永久居留身份证（2023版）"
    FOREIGN_PR_2017 = "foreign_pr_2017", "外国人永久居留身份证（2017版）"
    HMT_PERMIT = "hmt_permit", "港澳台居民居住证"


class Category(models.TextChoices):
    EMPLOYEE = "employee", "城镇职工"
    RESIDENT = "resident", "城乡居民"
    OTHER = "other", "其他"


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class PersonStatus(models.TextChoices):
    ACTIVE = "active", "正常"
    CANCELLED = "cancelled", "已注销"


class Person(models.Model):
    name = models.CharField("姓名", max_length=60, db_index=True)
    name_printable = models.BooleanField("卡面可打印", default=True)
    doc_type = models.CharField("证件类型", max_length=20, choices=DocType.choices)
    id_number = EncryptedTextField("证件号码")
    id_index = models.CharField(max_length=64, editable=False)
    id_masked = models.CharField("证件号码（脱敏）", max_length=24, db_index=True)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    nationality = models.CharField("国籍", max_length=3, default="CHN")
    phone = EncryptedTextField("联系电话", blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField("联系电话（脱敏）", max_length=20, blank=True)
    address = EncryptedTextField("地址", blank=True)
    residence_division = models.CharField("户籍/居住地区划", max_length=6, blank=True)
    category = models.CharField("人员类别", max_length=10, choices=Category.choices)
    category_note = models.CharField("类别说明", max_length=50, blank=True)
    org = models.ForeignKey(
        "orgs.Organisation",
        on_delete=models.PROTECT,
        related_name="people",
        verbose_name="经办机构",
    )
    status = models.CharField(
        "状态", max_length=10, choices=PersonStatus.choices, default=PersonStatus.ACTIVE
    )
    cancelled_on = models.DateField("注销日期", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "持卡人"
        verbose_name_plural = "持卡人"
        constraints = [
            models.UniqueConstraint(fields=["doc_type", "id_index"], name="person_doc_unique"),
            models.CheckConstraint(
                condition=models.Q(status="active", cancelled_on__isnull=True)
                | models.Q(status="cancelled", cancelled_on__isnull=False),
                name="person_cancelled_has_date",
            ),
        ]
        indexes = [models.Index(fields=["id_index"], name="person_id_index")]

    def __str__(self):
        return f"{self.name}（{self.id_masked}）"


class PersonChange(models.Model):
    """One field of one person changed: who, when, old → new, why.

    For sensitive fields the readable columns hold masked forms and the full values are
    kept encrypted beside them.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    field = models.CharField(max_length=40)
    old_value = models.CharField(max_length=200, blank=True)
    new_value = models.CharField(max_length=200, blank=True)
    old_secret = EncryptedTextField(blank=True)
    new_secret = EncryptedTextField(blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "持卡人信息变更"
        verbose_name_plural = "持卡人信息变更"

    def __str__(self):
        return f"{self.person_id} {self.field} @ {self.at:%Y-%m-%d %H:%M}"
