"""sbk's own holiday table (节假日表): seeded from ``chinese-calendar``, edited by the centre,
loaded yearly from the State Council's schedule (``sbk holidays load FILE``)."""

from django.conf import settings
from django.db import models

from . import workdays


class DayKind(models.TextChoices):
    HOLIDAY = workdays.HOLIDAY, "放假"
    WORKDAY = workdays.WORKDAY, "调休上班"


class Source(models.TextChoices):
    PACKAGE = "package", "chinese-calendar 预置"
    FILE = "file", "国务院放假安排文件"
    MANUAL = "manual", "人工维护"


class HolidayYear(models.Model):
    """A year whose schedule the table knows (deadlines in it are final, not provisional)."""

    year = models.PositiveSmallIntegerField("年度", unique=True)
    source = models.CharField("来源", max_length=10, choices=Source.choices)
    loaded_at = models.DateTimeField("载入时间", auto_now=True)

    class Meta:
        ordering = ["year"]
        verbose_name = verbose_name_plural = "已知年度"

    def __str__(self):
        return str(self.year)


class Holiday(models.Model):
    """One day that differs from the Monday–Friday rule: a holiday, or a worked weekend."""

    day = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=8, choices=DayKind.choices)
    name = models.CharField("节日", max_length=40, blank=True)
    source = models.CharField("来源", max_length=10, choices=Source.choices)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["day"]
        verbose_name = verbose_name_plural = "节假日"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=[workdays.HOLIDAY, workdays.WORKDAY]),
                name="holiday_kind_known",
            )
        ]

    def __str__(self):
        return f"{self.day} {self.get_kind_display()} {self.name}"
