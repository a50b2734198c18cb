"""Can the card printer print this name? (SPEC §1: 生僻字 and mixed scripts are flagged.)

Card printers carry the GB 2312 character set. A name with a character outside it, or one
that mixes Han characters with Latin letters, is flagged before production so the centre
can arrange a manual card face. No Django import.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Middle dots used in transliterated minority and foreign names (·, •, ・ are all seen).
NAME_DOTS = "·•・"
_HAN = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class NameCheck:
    name: str
    printable: bool
    rare_chars: tuple[str, ...]
    mixed_script: bool
    problems: tuple[tuple[str, str], ...]  # (code, Chinese message)


def normalise_name(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw or "").strip()
    text = re.sub(r"\s+", " ", text)
    for dot in NAME_DOTS[1:]:
        text = text.replace(dot, NAME_DOTS[0])
    return text


def check_name(raw: str) -> NameCheck:
    name = normalise_name(raw)
    problems: list[tuple[str, str]] = []
    rare = []
    for ch in name:
        if ch in NAME_DOTS or ch == " ":
            continue
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            rare.append(ch)
    if not name:
        problems.append(("name_empty", "姓名不能为空"))
    if rare:
        problems.append(
            ("name_rare_chars", f"姓名含卡片打印机无法打印的字符（GB 2312 以外）：{''.join(rare)}")
        )
    mixed = bool(_HAN.search(name) and _LATIN.search(name))
    if mixed:
        problems.append(("name_mixed_script", "姓名混用汉字与拉丁字母，需人工确认卡面"))
    return NameCheck(
        name, not rare and not mixed and bool(name), tuple(rare), mixed, tuple(problems)
    )
