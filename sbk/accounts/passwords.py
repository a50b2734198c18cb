"""Password rules beyond Django's: three character classes, the last N not used again."""

import string

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError


class CharacterClassValidator:
    CLASSES = (
        ("小写字母", string.ascii_lowercase),
        ("大写字母", string.ascii_uppercase),
        ("数字", string.digits),
        ("符号", string.punctuation),
    )

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        used = sum(1 for _, chars in self.CLASSES if any(c in chars for c in password))
        if used < self.min_classes:
            raise ValidationError(
                f"密码须包含大写字母、小写字母、数字、符号中至少 {self.min_classes} 类",
                code="password_classes",
            )

    def get_help_text(self):
        return f"密码须包含大写字母、小写字母、数字、符号中至少 {self.min_classes} 类。"


class PasswordHistoryValidator:
    """Refuse the current password and the last ``SBK_PASSWORD_HISTORY`` ones.

    Django calls ``password_changed`` after a new password is saved; that is where the
    hash is added to the history (and older ones beyond N are dropped).
    """

    def __init__(self, count: int | None = None):
        self._count = count

    @property
    def count(self) -> int:
        return settings.SBK_PASSWORD_HISTORY if self._count is None else self._count

    def _recent(self, user) -> list[str]:
        from .models import PasswordHistory

        hashes = list(
            PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[
                : self.count
            ]
        )
        if user.password and user.password not in hashes:
            hashes.insert(0, user.password)
        return hashes[: max(self.count, 1)]

    def validate(self, password, user=None):
        if user is None or user.pk is None or self.count <= 0:
            return
        for encoded in self._recent(user):
            if encoded and check_password(password, encoded):
                raise ValidationError(
                    f"不能使用最近 {self.count} 次用过的密码", code="password_reused"
                )

    def password_changed(self, password, user=None):
        from .models import PasswordHistory

        if user is None or user.pk is None or self.count <= 0:
            return
        PasswordHistory.objects.create(user=user, password=user.password)
        keep = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[: self.count]
        PasswordHistory.objects.filter(user=user).exclude(pk__in=list(keep)).delete()

    def get_help_text(self):
        return f"不能使用最近 {self.count} 次用过的密码。"
