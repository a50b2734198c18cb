"""Encrypted files under MEDIA_ROOT (photos): SM4-GCM / AES-256-GCM like the fields.

``save_encrypted("photos/2026/x.jpg", data, "cards.photo")`` writes the sealed bytes (the
key id in the file header, the context bound as associated data) and records the file in
``EncryptedFile`` so that ``sbk keys reencrypt`` finds it after a key rotation. Without the
key the file on disk is noise; ``read_encrypted`` gives the original bytes back or raises
``DecryptionError``, never garbage.

The file write is not part of the database transaction: a rolled-back transaction can
leave a file without its row, never a row without its file.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import transaction

from . import keys
from .crypto import DecryptionError, KeyRing
from .models import EncryptedFile

__all__ = ["DecryptionError", "delete_encrypted", "read_encrypted", "save_encrypted"]


def _clean(relative_path: str | os.PathLike) -> str:
    rel = PurePosixPath(str(relative_path).replace("\\", "/"))
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise ValueError(f"加密文件路径必须是 MEDIA_ROOT 之下的相对路径：{relative_path}")
    return rel.as_posix()


def absolute(relative_path: str | os.PathLike) -> Path:
    return Path(settings.MEDIA_ROOT) / _clean(relative_path)


def write_atomic(path: Path, blob: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(blob)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


@transaction.atomic
def save_encrypted(relative_path: str | os.PathLike, data: bytes, context: str) -> EncryptedFile:
    """Encrypt ``data`` to MEDIA_ROOT/relative_path (replacing any file there)."""
    rel = _clean(relative_path)
    ring = keys.ring()
    row = EncryptedFile.objects.select_for_update().filter(path=rel).first()
    write_atomic(absolute(rel), ring.encrypt_bytes(data, context))
    if row is None:
        row = EncryptedFile.objects.create(
            path=rel, context=context, key_id=ring.current, size=len(data)
        )
    else:
        row.context, row.key_id, row.size = context, ring.current, len(data)
        row.save(update_fields=["context", "key_id", "size", "updated_at"])
    return row


def read_encrypted(relative_path: str | os.PathLike, context: str | None = None) -> bytes:
    """The plaintext bytes; ``context`` defaults to the one the file was saved with."""
    rel = _clean(relative_path)
    if context is None:
        row = EncryptedFile.objects.filter(path=rel).first()
        if row is None:
            raise FileNotFoundError(f"没有登记的加密文件：{rel}")
        context = row.context
    return keys.ring().decrypt_bytes(absolute(rel).read_bytes(), context)


@transaction.atomic
def delete_encrypted(relative_path: str | os.PathLike) -> None:
    rel = _clean(relative_path)
    EncryptedFile.objects.filter(path=rel).delete()
    absolute(rel).unlink(missing_ok=True)


def reencrypt_file(row: EncryptedFile, ring: KeyRing) -> bool:
    """Rewrite one file under the current key (caller holds the row lock). True if rewritten."""
    path = absolute(row.path)
    blob = path.read_bytes()
    changed = False
    if KeyRing.key_id_of_bytes(blob) != ring.current:
        data = ring.decrypt_bytes(blob, row.context)
        write_atomic(path, ring.encrypt_bytes(data, row.context))
        changed = True
    EncryptedFile.objects.filter(pk=row.pk).update(key_id=ring.current)
    return changed
