"""Can the card printer print this name? (SPEC §1: 生僻字 and mixed scripts are flagged.)

Card printers carry the GB 2312 character set. A name with a character outside it, or one
that mixes Han characters with Latin letters, is flagged before production so the centre
can arrange a manual card face. No Django import.

A name is refused outright when it holds a character that no card prints in a name
(issue 23): control and invisible characters, symbols such as ``= + @ < > "``, letters of
scripts other than Han and Latin, or punctuation out of place. A name is made of Han
characters and Latin letters, separated by the middle dot (``·``) and single spaces; a
foreign (Latin) name may also hold a hyphen, an apostrophe and an abbreviating full stop
(``ANNA-MARIA O'NEIL``, ``JOHN F. KENNEDY``). It begins with a letter, so no name ever
begins like a spreadsheet formula (``=``, ``+``, ``-``, ``@``). Digits are let through
after the first letter: a printer prints them, and generated test and benchmark names
(``测试12号``) hold them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Middle dots used in transliterated minority and foreign names (·, •, ・, ‧ are all seen).
NAME_DOTS = "·•・‧"
_HAN = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
# Letters a name may be written in: Han (basic block, extensions A to I, compatibility
# ideographs, 〇) and Latin (ASCII, Latin-1, Extended-A/B, Extended Additional).
_HAN_LETTER = (
    r"\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f\U00030000-\U000323af"
)
_LATIN_LETTER = r"A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
_LETTER = re.compile(f"[{_HAN_LETTER}{_LATIN_LETTER}]")
_ALLOWED = re.compile(f"[{_HAN_LETTER}{_LATIN_LETTER}0-9 ·\\-'.]")
_FOREIGN_MARKS = "-'."
# Spellings of the hyphen and apostrophe that NFKC keeps apart.
_FOLD = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2019": "'", "\u02bc": "'"})

NAME_RULE = (
    "姓名只能由汉字、拉丁字母组成，可用间隔号“·”或空格分隔；"
    "外文姓名还可含连字符“-”、撇号“'”和缩写点“.”"
)
# Problems that refuse a name; the others flag it for a manual card face.
REFUSING = frozenset({"name_empty", "name_chars"})


@dataclass(frozen=True)
class NameCheck:
    name: str
    printable: bool
    rare_chars: tuple[str, ...]
    mixed_script: bool
    problems: tuple[tuple[str, str], ...]  # (code, Chinese message)

    @property
    def refused(self) -> tuple[tuple[str, str], ...]:
        """The problems that refuse the name (``name_empty``, ``name_chars``)."""
        return tuple(p for p in self.problems if p[0] in REFUSING)


def normalise_name(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw or "").strip()
    text = re.sub(r"\s+", " ", text)
    for dot in NAME_DOTS[1:]:
        text = text.replace(dot, NAME_DOTS[0])
    # "阿依古丽 · 买买提", "ANNA - MARIA": no spaces around a separator.
    return re.sub(r" ?([·-]) ?", r"\1", text.translate(_FOLD))


def _shown(ch: str) -> str:
    """A refused character as a clerk can read it (a control character by its code)."""
    if ch.isprintable() and not ch.isspace():
        return f"“{ch}”"
    return f"U+{ord(ch):04X}"


def _format_problem(name: str) -> str | None:
    """Punctuation out of place, in a name made of allowed characters only."""
    if not _LETTER.match(name[0]):
        return "姓名须以汉字或字母开头"
    if not (_LETTER.match(name[-1]) or name[-1].isdigit() or name[-1] == "."):
        return "姓名须以汉字、字母或缩写点结尾"
    if _HAN.search(name) and any(m in name for m in _FOREIGN_MARKS):
        return "汉字姓名只能用间隔号“·”分隔，不能含连字符、撇号或点"
    for i, ch in enumerate(name[1:-1], start=1):
        if ch in "·-'" and not (_LETTER.match(name[i - 1]) and _LETTER.match(name[i + 1])):
            return f"姓名中的“{ch}”须位于两个字母之间"
        if ch == "." and not _LETTER.match(name[i - 1]):
            return "姓名中的缩写点“.”须紧跟字母"
    return None


def _refusal(name: str) -> str | None:
    bad = []
    for ch in name:
        if not _ALLOWED.match(ch) and ch not in bad:
            bad.append(ch)
    if bad:
        return f"姓名含不能用于姓名的字符：{'、'.join(_shown(c) for c in bad)}。{NAME_RULE}"
    problem = _format_problem(name)
    return f"{problem}。{NAME_RULE}" if problem else None


def check_name(raw: str) -> NameCheck:
    name = normalise_name(raw)
    if not name:
        return NameCheck(name, False, (), False, (("name_empty", "姓名不能为空"),))
    refusal = _refusal(name)
    if refusal:
        return NameCheck(name, False, (), False, (("name_chars", refusal),))
    problems: list[tuple[str, str]] = []
    rare = []
    for ch in name:
        if ch in NAME_DOTS or ch == " ":
            continue
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            rare.append(ch)
    if rare:
        problems.append(
            ("name_rare_chars", f"姓名含卡片打印机无法打印的字符（GB 2312 以外）：{''.join(rare)}")
        )
    mixed = bool(_HAN.search(name) and _LATIN.search(name))
    if mixed:
        problems.append(("name_mixed_script", "姓名混用汉字与拉丁字母，需人工确认卡面"))
    return NameCheck(name, not problems, tuple(rare), mixed, tuple(problems))
