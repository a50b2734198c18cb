"""Complaint and 好差评 work orders (投诉及"好差评"工单) and their event history."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .. import workflow as W

ORG = "orgs.Organisation"


class Source(models.TextChoices):
    BAD_REVIEW = "bad_review", "好差评差评"
    HOTLINE = "hotline", "12345热线"
    COUNTER = "counter", "窗口投诉"
    LETTER = "letter", "来信来访"


class RootCause(models.TextChoices):
    ATTITUDE = "attitude", "服务态度"
    STANDARD = "standard", "操作规范"
    SYSTEM = "system", "系统原因"
    POLICY = "policy", "政策原因"
    OTHER = "other", "其他"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class WorkOrder(models.Model):
    number = models.CharField("工单号", max_length=40, unique=True)
    source = models.CharField("来源", max_length=12, choices=Source.choices)
    # The 好差评 system's own order id: an import is idempotent by it.
    source_id = models.CharField("来源系统单号", max_length=64, blank=True)
    district = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+")
    outlet = models.ForeignKey(
        ORG, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Who holds the order now (the outlet once dispatched, else the district): the scope.
    org = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField("事由", max_length=200)
    description = models.TextField("内容", blank=True)
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    card = models.ForeignKey(
        "cards.Card", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        "状态", max_length=12, choices=list(W.STATE_LABELS.items()), default=W.RECEIVED
    )
    paused = models.BooleanField("暂停计时", default=False)
    root_cause = models.CharField("问题根源", max_length=12, choices=RootCause.choices, blank=True)
    response = models.TextField("响应情况", blank=True)
    rectification = models.TextField("整改措施", blank=True)
    satisfaction = models.CharField(
        "回访满意度", max_length=12, choices=Satisfaction.choices, blank=True
    )
    liable = models.BooleanField("有责", default=False)
    verified = models.BooleanField("属实", default=False)
    received_at = models.DateTimeField("受理时间", db_index=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    # Working seconds used, written at 办结 from the history (and reproducible from it).
    time_used = models.PositiveIntegerField("用时（工作秒）", null=True, blank=True)
    escalated_at = models.DateTimeField("升级时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "工单"
        verbose_name_plural = "工单"
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"], condition=~Q(source_id=""), name="order_source_id"
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(state=W.CLOSED), name="order_closed_state"
            ),
        ]
        indexes = [models.Index(fields=["state", "org"], name="order_queue")]

    def __str__(self):
        return f"工单 {self.number}"


class WorkOrderEvent(models.Model):
    """One step of an order's history (append-only): the clock is replayed from these."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    kind = models.CharField("环节", max_length=12, choices=list(W.STEP_LABELS.items()))
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12, blank=True)
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField("经办人", max_length=60, blank=True)
    note = models.TextField("说明", blank=True)

    class Meta:
        ordering = ["order", "seq"]
        constraints = [models.UniqueConstraint(fields=["order", "seq"], name="order_event_seq")]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.seq}"
