"""The equipment register (网点设备台账): devices, faults and repairs, maintenance modes."""

from django.conf import settings
from django.db import models
from django.db.models import Q

ORG = "orgs.Organisation"


class DeviceKind(models.TextChoices):
    PRINTER = "printer", "制卡机"
    PHOTO = "photo", "照片采集设备"
    TERMINAL = "terminal", "读写终端"


class DeviceStatus(models.TextChoices):
    IN_SERVICE = "in_service", "在用"
    FAULTY = "faulty", "故障"
    RETIRED = "retired", "已报废"


class Device(models.Model):
    org = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+")  # the outlet
    kind = models.CharField("设备类型", max_length=10, choices=DeviceKind.choices)
    model = models.CharField("型号", max_length=100)
    serial_no = models.CharField("设备编号", max_length=60, blank=True)
    purchase_date = models.DateField("购置日期")
    standby = models.BooleanField("备用设备", default=False)
    # 在用/故障/报废 (named "condition": "status" is the cards' state machine's word)
    condition = models.CharField(
        "状态", max_length=12, choices=DeviceStatus.choices, default=DeviceStatus.IN_SERVICE
    )
    retired_on = models.DateField("报废日期", null=True, blank=True)

    class Meta:
        ordering = ["org", "kind", "purchase_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(condition="retired", retired_on__isnull=False)
                | ~Q(condition="retired"),
                name="device_retired_on",
            ),
        ]
        indexes = [models.Index(fields=["kind", "org"], name="device_kind_org")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.model}"


class FaultSource(models.TextChoices):
    SELF = "self", "网点自报"
    CITIZEN = "citizen", "市民反映"
    INSPECTION = "inspection", "现场检查"


class DeviceFault(models.Model):
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="faults")
    org = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+")  # device's outlet
    source = models.CharField("发现途径", max_length=12, choices=FaultSource.choices)
    reported_on = models.DateField("报修日期")
    description = models.TextField("故障情况")
    repaired_on = models.DateField("修复日期", null=True, blank=True)
    repair_note = models.TextField("维修记录", blank=True)
    # The district's or the centre's review: the repair record incomplete or irregular.
    record_complete = models.BooleanField("报修记录完整规范", default=True)
    review_note = models.TextField("核查意见", blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-reported_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(repaired_on__isnull=True) | Q(repaired_on__gte=models.F("reported_on")),
                name="fault_repaired_after",
            )
        ]

    def __str__(self):
        return f"故障 {self.pk}（{self.reported_on}）"


class MaintenanceKind(models.TextChoices):
    FULL = "full", "全区统一运维"
    PARTIAL = "partial", "部分统一运维"
    NONE = "none", "无统一运维"


class MaintenanceMode(models.Model):
    org = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+")  # the district
    effective_from = models.DateField("起始日期")
    mode = models.CharField("运维模式", max_length=10, choices=MaintenanceKind.choices)
    note = models.TextField("说明", blank=True)

    class Meta:
        ordering = ["org", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["org", "effective_from"], name="maintenance_from")
        ]

    def __str__(self):
        return f"{self.get_mode_display()}（{self.effective_from} 起）"
