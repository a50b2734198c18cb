"""The electronic social security card (电子社保卡): one per person, following their card."""

from django.db import models
from django.utils import timezone

from . import rules


class ElectronicCard(models.Model):
    person = models.OneToOneField(
        "registry.Person", on_delete=models.PROTECT, related_name="ecard", verbose_name="持卡人"
    )
    card = models.ForeignKey(
        "cards.Card", on_delete=models.PROTECT, related_name="+", verbose_name="对应实体卡"
    )
    signed_up_on = models.DateField("签发日期")
    card_since = models.DateField("关联当前实体卡日期")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "电子社保卡"
        verbose_name_plural = "电子社保卡"

    def __str__(self):
        return f"电子社保卡 {self.card.card_no}"

    @property
    def status(self) -> str:
        return rules.status_for(self.card.status, self.card.temp_loss_until, timezone.now())

    @property
    def status_label(self) -> str:
        return rules.LABELS[self.status]
