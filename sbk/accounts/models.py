"""Accounts: staff (a role and an organisation, which together give the scope) and
applicants (their own registry record)."""

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", "市卡中心管理员"
    DISTRICT_ADMIN = "district_admin", "区管理员"
    OUTLET_OPERATOR = "outlet_operator", "网点操作员"
    BANK_OPERATOR = "bank_operator", "银行网点操作员"
    AUDITOR = "auditor", "审计员"
    APPLICANT = "applicant", "申请人"


# Roles that may only read (SPEC: auditor is read-only, scoped).
READ_ONLY_ROLES = {Role.AUDITOR}


class User(AbstractUser):
    role = models.CharField("角色", max_length=20, choices=Role.choices, blank=True)
    org = models.ForeignKey(
        "orgs.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name="所属机构",
    )
    # An applicant's account is tied to their own registry record (and to no organisation).
    person = models.ForeignKey(
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
        verbose_name="申请人本人",
    )
    full_name = models.CharField("姓名", max_length=50, blank=True)
    password_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "工作人员"
        verbose_name_plural = "工作人员"
        constraints = [
            # Staff hold an organisation (superusers may not); an applicant holds their own
            # person and nothing else: no organisation, no admin flags.
            models.CheckConstraint(
                condition=(
                    ~models.Q(role="applicant")
                    & models.Q(person__isnull=True)
                    & (models.Q(is_superuser=True) | models.Q(org__isnull=False))
                )
                | models.Q(
                    role="applicant",
                    person__isnull=False,
                    org__isnull=True,
                    is_superuser=False,
                    is_staff=False,
                ),
                name="user_scope_holder",
            ),
            models.UniqueConstraint(fields=["person"], name="one_account_per_person"),
        ]

    def __str__(self):
        return self.full_name or self.username

    @property
    def read_only(self) -> bool:
        return self.role in READ_ONLY_ROLES

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def save(self, *args, **kwargs):
        if self._state.adding and self.password_changed_at is None:
            self.password_changed_at = timezone.now()  # create_user() sets the hash directly
        super().save(*args, **kwargs)

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    @property
    def password_expired(self) -> bool:
        """Older than SBK_PASSWORD_MAX_AGE_DAYS (never set counts as expired)."""
        days = settings.SBK_PASSWORD_MAX_AGE_DAYS
        if days <= 0 or not self.password or not self.has_usable_password():
            return False
        if self.password_changed_at is None:
            return True
        return timezone.now() - self.password_changed_at > timezone.timedelta(days=days)

    @property
    def is_applicant(self) -> bool:
        return self.role == Role.APPLICANT

    @property
    def totp_required(self) -> bool:
        if self.is_applicant:  # citizens sign in with their document number and password
            return False
        return self.role in settings.SBK_TOTP_REQUIRED_ROLES


class PasswordHistory(models.Model):
    """The hashes of a user's recent passwords, so that the last N are not used again."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d}"


class ApiToken(models.Model):
    """A bearer token for scripts; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=64)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.user} · {self.name}"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()
