"""Accounts: staff (a role and an organisation, which together give the scope) and
applicants (their own registry record)."""

import datetime as dt
import hashlib
import secrets

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
        adding = self._state.adding
        if adding and self.password_changed_at is None:
            self.password_changed_at = timezone.now()  # create_user() sets the hash directly
        # A new password (set_password keeps the raw one until the save; a hash upgrade at
        # login clears it first, so it is no change) or a deactivated account ends the
        # user's API tokens, whichever path saved it: the services, `sbk changepassword`,
        # the admin. The services name the revoked tokens in their audit row.
        new_password = self._password is not None
        super().save(*args, **kwargs)
        self.revoked_token_ids = []
        if adding:
            return
        if new_password:
            self.revoked_token_ids = ApiToken.revoke_all(self, ApiToken.Revoked.PASSWORD)
        elif self.is_active is False:
            self.revoked_token_ids = ApiToken.revoke_all(self, ApiToken.Revoked.DEACTIVATED)

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


def token_days() -> int:
    """Days a new token lives unless told otherwise (``SBK_TOKEN_DAYS``, default 90)."""
    return int(getattr(settings, "SBK_TOKEN_DAYS", 90))


def token_max_days() -> int:
    """The longest life a token may be given (``SBK_TOKEN_MAX_DAYS``, default 365)."""
    return int(getattr(settings, "SBK_TOKEN_MAX_DAYS", 365))


def token_max_days_for(user) -> int:
    """The longest life of a token for ``user``: shorter (``SBK_TOKEN_TOTP_MAX_DAYS``,
    default 30) when the user's role requires a second factor the token does without."""
    if user.totp_required:
        return min(token_max_days(), int(getattr(settings, "SBK_TOKEN_TOTP_MAX_DAYS", 30)))
    return token_max_days()


def default_token_expiry() -> dt.datetime:
    return timezone.now() + dt.timedelta(days=token_days())


class ApiToken(models.Model):
    """A bearer token for scripts; only its SHA-256 is stored, the raw token is shown once.

    Every token expires; it is revoked (not deleted: its row says when and why) by its
    owner or an admin, and by the platform when its user's password changes or the account
    is deactivated. ``sbk.core.api_auth`` refuses it then with a stable code.
    """

    PREFIX = "sbk_"

    class Revoked(models.TextChoices):
        OWNER = "owner", "本人吊销"
        ADMIN = "admin", "管理员吊销"
        PASSWORD = "password", "密码已修改"
        DEACTIVATED = "deactivated", "账号已停用"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=64)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Required: the default (SBK_TOKEN_DAYS from now) serves code that creates rows directly.
    expires_at = models.DateTimeField("过期时间", default=default_token_expiry)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    revoked_reason = models.CharField(
        "吊销原因", max_length=16, choices=Revoked.choices, blank=True
    )

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"

    def __str__(self):
        return f"{self.user} · {self.name}"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def new_raw(cls) -> str:
        """A new raw token: 256 random bits, with a prefix that secret scanners can match."""
        return cls.PREFIX + secrets.token_urlsafe(32)

    @classmethod
    def revoke_all(cls, user, reason: str, at: dt.datetime | None = None) -> list[int]:
        """Revoke every live token of ``user``; the ids of those revoked."""
        live = cls.objects.filter(user=user, revoked_at__isnull=True)
        ids = list(live.values_list("pk", flat=True))
        if ids:
            cls.objects.filter(pk__in=ids, revoked_at__isnull=True).update(
                revoked_at=at or timezone.now(), revoked_reason=reason
            )
        return ids

    def refusal(self, now: dt.datetime | None = None) -> tuple[str, str] | None:
        """Why this token may not be used now, as (code, message); None when it may."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            return "token_revoked", f"API 令牌已吊销（{self.get_revoked_reason_display()}）"
        if self.expires_at <= now:
            return "token_expired", "API 令牌已过期，请创建新的令牌"
        if not self.user.is_active:
            return "account_inactive", "该 API 令牌所属账号已停用"
        return None

    @property
    def state(self) -> str:
        """有效 / 已过期 / 已吊销 (for the console)."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"

    @property
    def state_label(self) -> str:
        return {"revoked": "已吊销", "expired": "已过期", "active": "有效"}[self.state]
