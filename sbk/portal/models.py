"""A registration waiting for its SMS code (手机验证码): nothing else of the portal is stored here.

A visitor's registration is held here, with the code's digest, until the code sent to the
phone is typed back; only then are the account (and, for a person new to the registry, the
registry record) created. The number and phone are encrypted like the registry's, and the
password is kept as Django keeps passwords (a salted hash), never in clear.
"""

from django.db import models

from sbk.core.fields import EncryptedTextField


class PhoneChallenge(models.Model):
    token = models.CharField(max_length=64, unique=True, editable=False)
    id_index = models.CharField(max_length=64, db_index=True, editable=False)
    id_number = EncryptedTextField("证件号码")
    name = models.CharField("姓名", max_length=60)
    phone = EncryptedTextField("手机号码")
    phone_masked = models.CharField("手机号码（脱敏）", max_length=20)
    password_hash = models.CharField(max_length=256)
    outlet_code = models.CharField(max_length=32, blank=True)
    category = models.CharField(max_length=10)
    # False when the details cannot lead to an account (they do not match the registry, the
    # person is cancelled or already has one): no code was sent, and every code is wrong —
    # which the visitor cannot tell from a mistyped one.
    viable = models.BooleanField(default=False)
    code_digest = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "注册验证码"
        verbose_name_plural = "注册验证码"

    def __str__(self):
        return f"注册验证 {self.phone_masked}"
