"""Trainings, tutors, questionnaires, online exams (业务培训考核), information reports
(工作信息) and the centre's assessments (重点工作、特色工作评估)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

ORG = "orgs.Organisation"
USER = settings.AUTH_USER_MODEL


class TrainingKind(models.TextChoices):
    TRAINING = "training", "业务交流培训"
    CROSS_BANK = "cross_bank", "与服务银行交叉培训"


class Training(models.Model):
    org = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+")  # who held it
    kind = models.CharField("类型", max_length=12, choices=TrainingKind.choices)
    held_on = models.DateField("培训日期", db_index=True)
    topic = models.CharField("主题", max_length=200)
    bank = models.ForeignKey(ORG, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    outlets = models.ManyToManyField(ORG, related_name="+", blank=True, verbose_name="覆盖网点")
    reported_on = models.DateField("上报日期")
    materials = models.TextField("培训资料", blank=True)
    recorded_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reported_on__gte=models.F("held_on")), name="training_reported_after"
            ),
            models.CheckConstraint(
                condition=~Q(kind="cross_bank") | Q(bank__isnull=False), name="cross_has_bank"
            ),
        ]

    def __str__(self):
        return f"{self.held_on} {self.topic}"


class Tutor(models.Model):
    """A tutor (小教员) of a district for one year: retention compares years by name."""

    org = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+")  # the district
    year = models.PositiveSmallIntegerField("年度")
    name = models.CharField("姓名", max_length=50)
    outlet = models.ForeignKey(
        ORG, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-year", "name"]
        constraints = [models.UniqueConstraint(fields=["org", "year", "name"], name="tutor_year")]

    def __str__(self):
        return f"{self.year} {self.name}"


class Questionnaire(models.Model):
    """An on-site questionnaire (现场业务问卷) answered by one outlet's staff member."""

    org = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+")  # the outlet
    held_on = models.DateField("检查日期")
    respondent = models.CharField("作答人", max_length=50)
    score = models.DecimalField("得分", max_digits=5, decimal_places=1)

    class Meta:
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=100), name="questionnaire_score"
            )
        ]

    def __str__(self):
        return f"问卷 {self.respondent} {self.score}"


class Exam(models.Model):
    """An online exam (线上考核) the centre holds for all operators."""

    code = models.CharField("考试编号", max_length=40, unique=True)
    title = models.CharField("名称", max_length=200)
    held_on = models.DateField("考试日期")
    org = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+")  # the organiser

    class Meta:
        ordering = ["-held_on"]

    def __str__(self):
        return f"{self.code} {self.title}"


class ExamResult(models.Model):
    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="results")
    org = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+")  # the outlet
    account = models.CharField("考生账号", max_length=60)
    name = models.CharField("姓名", max_length=50)
    score = models.DecimalField("成绩", max_digits=5, decimal_places=1)

    class Meta:
        ordering = ["exam", "account"]
        constraints = [
            models.UniqueConstraint(fields=["exam", "account"], name="exam_result_account"),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=100), name="exam_score"
            ),
        ]

    def __str__(self):
        return f"{self.account} {self.score}"


class InfoKind(models.TextChoices):
    BRIEFING = "briefing", "专题简报"
    FLASH = "flash", "工作快讯"


class InfoReport(models.Model):
    org = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类型", max_length=10, choices=InfoKind.choices)
    title = models.CharField("标题", max_length=200)
    text = models.TextField("正文")
    length = models.PositiveIntegerField("字数（服务器计）")
    submitted_on = models.DateField("上报日期", db_index=True)
    adopted_on = models.DateField("采用日期", null=True, blank=True)
    submitted_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-submitted_on", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.title}"


class AssessmentKind(models.TextChoices):
    PROMOTION = "promotion", "宣传作品征集"
    CANTEEN = "canteen", "社区食堂优惠活动"
    APPLICATION = "application", "应用推广活动"
    FEATURED = "featured", "特色工作"


class CentreAssessment(models.Model):
    """The centre's assessment of a district's special or featured work for a period; a
    featured case carries the district's written declaration (书面申报)."""

    org = models.ForeignKey(ORG, on_delete=models.PROTECT, related_name="+")  # the district
    kind = models.CharField("项目", max_length=12, choices=AssessmentKind.choices)
    start = models.DateField("期间起")
    end = models.DateField("期间止")
    sub_items = models.JSONField("分项得分", default=dict, blank=True)
    score = models.DecimalField("得分", max_digits=5, decimal_places=2)
    declaration = models.TextField("书面申报", blank=True)
    assessed_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-end", "kind"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="assess_period"),
            models.CheckConstraint(condition=Q(score__gte=0), name="assess_score"),
            models.UniqueConstraint(
                fields=["org", "kind", "start", "end"],
                condition=~Q(kind="featured"),
                name="assess_once",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.start}–{self.end}"
