"""The process's key ring, read from the key file named by settings.SBK_KEYS_FILE."""

from django.conf import settings
from django.core import checks

from .crypto import KeyError_, KeyRing, load_ring_cached


def ring() -> KeyRing:
    return load_ring_cached(settings.SBK_KEYS_FILE)


def check_key_file(app_configs=None, **kwargs):
    """System check: a missing or broken key file stops start-up with a clear message."""
    try:
        ring()
    except KeyError_ as exc:
        return [
            checks.Error(
                f"加密密钥不可用：{exc}",
                hint="生成密钥文件：sbk keys generate PATH，并用 SBK_KEYS_FILE 指向它。",
                id="sbk.E001",
            )
        ]
    return []
