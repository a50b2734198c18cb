"""Password rules beyond Django's: at least three character classes."""

import string

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
