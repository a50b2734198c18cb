"""Administrative divisions (GB/T 2260), every period: abolished codes stay, with their years."""

from django.db import models


class Division(models.Model):
    LEVELS = [("province", "省级"), ("prefecture", "地级"), ("county", "县级")]

    code = models.CharField(max_length=6, db_index=True)
    name = models.CharField(max_length=64)
    level = models.CharField(max_length=16, choices=LEVELS)
    parent_code = models.CharField(max_length=6, blank=True)
    valid_from = models.PositiveSmallIntegerField(null=True, blank=True)
    valid_to = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["code", "-valid_from"]
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        constraints = [
            models.UniqueConstraint(
                fields=["code", "name", "valid_from"], name="division_code_name_from_unique"
            )
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def validity(self) -> str:
        if self.valid_from is None and self.valid_to is None:
            return "现行"
        start = str(self.valid_from) if self.valid_from else "…"
        end = str(self.valid_to) if self.valid_to else "至今"
        return f"{start}–{end}"

    @property
    def is_current(self) -> bool:
        return self.valid_to is None
