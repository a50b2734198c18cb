"""Model fields that keep personal data encrypted at rest (SPEC §8).

``EncryptedTextField`` stores ``keyid$base64(nonce|ciphertext|tag)``; the plaintext exists
only in Python. The column's identity (app.model.field) is bound as associated data, so a
value moved to another column or table does not decrypt. Lookups on it are refused: use
the blind index column beside it.
"""

from django.core.exceptions import FieldError
from django.db import models

from . import keys


class EncryptedTextField(models.TextField):
    description = "Text encrypted with SM4-GCM / AES-256-GCM"

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only)
        self.crypto_context = f"{cls._meta.app_label}.{cls._meta.model_name}.{name}"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return keys.ring().decrypt(value, self.crypto_context)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return keys.ring().encrypt(value, self.crypto_context)

    def get_lookup(self, lookup_name):
        if lookup_name not in {"isnull"}:
            raise FieldError(
                f"{self.crypto_context} is encrypted: look it up through its blind index"
            )
        return super().get_lookup(lookup_name)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        return name, "sbk.core.fields.EncryptedTextField", args, kwargs
