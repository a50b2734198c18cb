"""Organisations: the centre, districts, outlets, partner banks and their outlets.

A city centre's tree is centre → districts → outlets; a province's has the prefecture
cities between (centre → cities → districts → outlets). The tree is kept as a materialised ``path`` ("/CENTRE/D310112/O0001/") so that "this
organisation and everything below it" is one indexed prefix query on both SQLite and
PostgreSQL. A bank outlet sits in the tree under the district where it stands and also
points at its bank, so a district sees the bank outlets on its ground and a bank sees its
outlets in every district.
"""

from django.db import models

from sbk.core.fields import EncryptedTextField


class OrgKind(models.TextChoices):
    CENTRE = "centre", "省（市）卡中心"
    CITY = "city", "地市卡中心"
    DISTRICT = "district", "区（县）"
    COMMUNITY_OUTLET = "community_outlet", "社区受理网点"
    BANK_OUTLET = "bank_outlet", "银行网点"
    KIOSK = "kiosk", "自助一体机"
    SERVICE_CENTRE = "service_centre", "社保卡服务中心"
    BANK = "bank", "合作银行"


OUTLET_KINDS = {
    OrgKind.COMMUNITY_OUTLET,
    OrgKind.BANK_OUTLET,
    OrgKind.KIOSK,
    OrgKind.SERVICE_CENTRE,
}


class Organisation(models.Model):
    code = models.CharField("机构代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=OrgKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    bank = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bank_outlets",
        limit_choices_to={"kind": OrgKind.BANK},
        verbose_name="所属银行",
    )
    division_code = models.CharField("行政区划代码", max_length=6)
    path = models.CharField(max_length=400, unique=True, editable=False)
    address = models.CharField("地址", max_length=200, blank=True)
    active = models.BooleanField("在用", default=True)
    # The duty mobile (值班手机) that hears of the organisation's escalated work orders by
    # SMS; often a person's own number, so kept encrypted and shown masked.
    duty_phone = EncryptedTextField("值班手机", blank=True)
    duty_phone_masked = models.CharField("值班手机（脱敏）", max_length=20, blank=True)

    class Meta:
        ordering = ["path"]
        verbose_name = "机构"
        verbose_name_plural = "机构"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="bank_outlet") | models.Q(bank__isnull=False),
                name="bank_outlet_has_bank",
            ),
            models.CheckConstraint(
                condition=models.Q(parent__isnull=False) | models.Q(kind="centre"),
                name="only_centre_is_root",
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    @property
    def is_outlet(self) -> bool:
        return self.kind in OUTLET_KINDS

    def district(self):
        """The district this organisation belongs to (itself when it is one)."""
        node = self
        while node is not None and node.kind != OrgKind.DISTRICT:
            node = node.parent
        return node

    def build_path(self) -> str:
        prefix = self.parent.path if self.parent_id else "/"
        return f"{prefix}{self.code}/"
