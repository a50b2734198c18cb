"""Normalising and masking identity numbers and phone numbers. Pure, no Django."""

from __future__ import annotations

import re
import unicodedata

# Invisible characters that survive copy-paste from spreadsheets and web pages.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


def normalise(raw: str | None) -> str:
    """Strip all whitespace (incl. U+3000), fold full-width to half-width, upper-case.

    "１１０１０５ １９４９１２３１ ００２ｘ" becomes "11010519491231002X".
    """
    if not raw:
        return ""
    if not raw.isascii():
        raw = unicodedata.normalize("NFKC", raw).translate(_INVISIBLE)
    return "".join(raw.split()).upper()


def _mask(text: str, head: int, tail: int) -> str:
    stars = len(text) - head - tail
    return text[:head] + "*" * stars + (text[-tail:] if tail else "")


def mask_number(number: str | None) -> str:
    """Mask an identity number for display and logs: ``6125011990****123X``.

    18 characters keep the first 10 and the last 4 (birth month and day are hidden);
    15 characters hide the birth month and day the same way; other lengths keep about
    the first half and the last quarter.
    """
    text = normalise(number)
    length = len(text)
    if length == 18:
        return _mask(text, 10, 4)
    if length == 15:
        # 2017 foreign PR: 3 letters + 4-digit location + YYMMDD…; resident15: 6 + YYMMDD…
        return _mask(text, 9, 2) if text[:1].isalpha() else _mask(text, 8, 3)
    if length <= 4:
        return "*" * length
    tail = max(1, length // 4)
    stars = max(1, length // 3)
    return _mask(text, length - stars - tail, tail)


def mask_phone(phone: str | None) -> str:
    """Mask a phone number: ``13812345678`` becomes ``138****5678``."""
    text = normalise(phone)
    length = len(text)
    if length >= 8:
        return _mask(text, 3, 4)
    if length >= 3:
        return _mask(text, 0, 2)
    return "*" * length


_MOBILE = re.compile(r"1[3-9]\d{9}")


def is_mobile(phone: str | None) -> bool:
    """A mainland mobile number (11 digits from 13…–19…), as SMS can reach."""
    return bool(_MOBILE.fullmatch(normalise(phone)))
