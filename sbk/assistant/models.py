"""The assistant's library (政策文件库): documents, their passages, synonyms, questions asked.

A document belongs to the organisation whose library holds it (the centre's applies to
everyone below it; a district may keep local rules of its own) and is known by its file
name there: loading a file of the same name again replaces it (``version`` counts). Its
passages are cut along its own structure (``sbk.assistant.splitting``) and each keeps its
heading path. ``LibraryState.stamp`` takes a new random value in the same transaction as
every change to documents or synonyms, so that each process knows when to rebuild its
search index (a random stamp rather than a counter: a rolled-back change must not leave a
later, different library with the number an index was built for).
"""

from django.db import models
from django.db.models import Q


class DocumentStatus(models.TextChoices):
    IN_FORCE = "in_force", "现行有效"
    SUPERSEDED = "superseded", "已废止（被替代）"


class Document(models.Model):
    org = models.ForeignKey(
        "orgs.Organisation", verbose_name="所属机构", on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField("文件名", max_length=200)
    fmt = models.CharField("格式", max_length=10)
    title = models.CharField("标题", max_length=200)
    issuer = models.CharField("发文机关", max_length=100, blank=True)
    number = models.CharField("文号", max_length=60, blank=True)
    issued_on = models.DateField("成文日期", null=True, blank=True)
    status = models.CharField(
        "效力", max_length=12, choices=DocumentStatus.choices, default=DocumentStatus.IN_FORCE
    )
    public = models.BooleanField("向申请人公开", default=True)
    text = models.TextField("全文")
    digest = models.CharField("文件摘要", max_length=64)
    version = models.PositiveIntegerField("版本", default=1)
    loaded_at = models.DateTimeField("加载时间")

    class Meta:
        ordering = ["status", "-issued_on", "title", "pk"]
        verbose_name = "政策文件"
        verbose_name_plural = "政策文件"
        constraints = [
            models.UniqueConstraint(fields=["org", "file_name"], name="assistant_doc_file_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["in_force", "superseded"]), name="assistant_doc_status"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="assistant_doc_version"),
            models.CheckConstraint(condition=~Q(title=""), name="assistant_doc_title"),
        ]

    def __str__(self):
        return self.title

    @property
    def superseded(self) -> bool:
        return self.status == DocumentStatus.SUPERSEDED


class Passage(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="passages")
    seq = models.PositiveIntegerField("序号")
    path = models.JSONField("标题路径", default=list)
    heading = models.CharField("标题", max_length=500, blank=True)
    text = models.TextField("原文")
    # The search terms of heading and text as loaded (``retrieval.passage_terms``), so that
    # rebuilding the index needs no second segmentation; synonyms are added at the build.
    terms = models.TextField("检索词", blank=True)
    # The passage's embedding (``dense``: 384 little-endian float32), made at loading so
    # that building the index embeds nothing; null for a passage loaded before it existed.
    vector = models.BinaryField("语义向量", null=True, editable=False)

    class Meta:
        ordering = ["document", "seq"]
        verbose_name = "段落"
        verbose_name_plural = "段落"
        constraints = [
            models.UniqueConstraint(fields=["document", "seq"], name="assistant_passage_seq"),
            models.CheckConstraint(condition=Q(seq__gte=1), name="assistant_passage_seq_min"),
        ]

    def __str__(self):
        return f"{self.document_id}#{self.seq} {self.heading}"

    @property
    def anchor(self) -> str:
        return f"p{self.seq}"


class SynonymGroup(models.Model):
    """One line of the synonym list: equivalent terms, the first naming the group."""

    position = models.PositiveIntegerField("顺序", unique=True)
    terms = models.JSONField("同义词")

    class Meta:
        ordering = ["position"]
        verbose_name = "同义词组"
        verbose_name_plural = "同义词组"

    def __str__(self):
        return " = ".join(self.terms)


class LibraryState(models.Model):
    """One row: the library's stamp, new at every change (documents, synonyms)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    stamp = models.CharField(max_length=32)
    changed_at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="assistant_state_single")]

    def __str__(self):
        return self.stamp


class QuestionChannel(models.TextChoices):
    CONSOLE = "console", "工作台"
    PORTAL = "portal", "网上服务"
    API = "api", "接口"


class Question(models.Model):
    """A question asked and whether it was answered: the centre fills the gaps from the
    unanswered ones. Who asked is not kept, only where (their organisation)."""

    asked_at = models.DateTimeField("提问时间", db_index=True)
    text = models.CharField("问题", max_length=500)
    channel = models.CharField("渠道", max_length=10, choices=QuestionChannel.choices)
    org = models.ForeignKey(
        "orgs.Organisation",
        verbose_name="提问机构",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    refused = models.BooleanField("未能回答")
    best_score = models.FloatField("最高得分", default=0)
    # The closest passage as text, not a key: documents are replaced under the log.
    best_heading = models.CharField("最接近的段落", max_length=300, blank=True)
    # Answered, but the clerk who read it out, or the applicant it was given to on the
    # portal, reported that the answer does not answer it (答非所问): listed with the
    # unanswered questions (``services.report_wrong_answer``).
    reported_wrong_at = models.DateTimeField("报告答非所问时间", null=True, blank=True)

    class Meta:
        ordering = ["-asked_at", "-pk"]
        verbose_name = "提问记录"
        verbose_name_plural = "提问记录"
        indexes = [
            models.Index(fields=["refused", "asked_at"], name="assistant_q_refused"),
            models.Index(
                fields=["asked_at"],
                name="assistant_q_reported_wrong",
                condition=Q(reported_wrong_at__isnull=False),
            ),
        ]
        constraints = [
            # Only an answer can be wrong: a refusal is on the unanswered list already.
            models.CheckConstraint(
                condition=Q(reported_wrong_at__isnull=True) | Q(refused=False),
                name="assistant_q_reported_answered",
            )
        ]

    def __str__(self):
        return self.text


class TaughtQuestion(models.Model):
    """A question the centre linked to the passage that answers it (教小助手): its wording
    becomes part of that passage's terms when the index is built. Documents are replaced
    and their passages re-created, so the passage is kept as what survives a reload — the
    document's library and file name and the passage's heading path — and found again at
    every build; one whose heading is gone is listed as 失效 (``queries.taught_questions``)."""

    text = models.CharField("问题", max_length=500)
    org = models.ForeignKey(
        "orgs.Organisation", verbose_name="文件所属机构", on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField("文件名", max_length=200)
    heading = models.CharField("段落标题", max_length=500, blank=True)
    taught_by = models.ForeignKey(
        "accounts.User",
        verbose_name="指定人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    taught_at = models.DateTimeField("指定时间")
    # The question's embedding (``dense``, E5's ``query:`` side), made when taught, so that
    # building the index embeds nothing (ADR 0006, twenty-first round).
    vector = models.BinaryField("语义向量", null=True, editable=False)

    class Meta:
        ordering = ["-taught_at", "-pk"]
        verbose_name = "教给小助手的问题"
        verbose_name_plural = "教给小助手的问题"
        constraints = [
            models.UniqueConstraint(
                fields=["text", "org", "file_name", "heading"], name="assistant_taught_unique"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="assistant_taught_text"),
        ]

    def __str__(self):
        return f"{self.text} → {self.file_name} {self.heading}"


class DeclinedQuestion(models.Model):
    """A question the centre marked as outside the library (库外问题): the assistant refuses
    it from then on, whatever passage its words would reach, and says so with the centre's
    note (where to ask instead). For a question on something no document covers that the
    word engine answers from an everyday word (结婚登记, 公积金), which no document,
    synonym or taught passage can fix. Matched by ``key`` (``taught.comparable``: spaces,
    punctuation and width left out), one row per key."""

    text = models.CharField("问题", max_length=500)
    key = models.CharField("比对形式", max_length=500, unique=True)
    note = models.CharField("告知提问人", max_length=200, blank=True)
    declined_by = models.ForeignKey(
        "accounts.User",
        verbose_name="标记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    declined_at = models.DateTimeField("标记时间")
    # The question's embedding (``dense``, E5's ``query:`` side), made when declined, for
    # matching other wordings by meaning (``dense.DECLINED_MATCH``, ADR 0006).
    vector = models.BinaryField("语义向量", null=True, editable=False)

    class Meta:
        ordering = ["-declined_at", "-pk"]
        verbose_name = "库外问题"
        verbose_name_plural = "库外问题"
        constraints = [
            models.CheckConstraint(condition=~Q(key=""), name="assistant_declined_key"),
        ]

    def __str__(self):
        return self.text
