"""Formatting of report figures, pure: 万人 with two decimals (round half up), percentages,
circled numbers. No Django import."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"
CENT = Decimal("0.01")


def wan(people: int) -> str:
    """Holders in 万人, two decimals, round half up: 12345 → "1.23", 12350 → "1.24"."""
    return str((Decimal(people) / Decimal(10000)).quantize(CENT, rounding=ROUND_HALF_UP))


def percent(part, whole) -> str | None:
    if part is None or not whole:
        return None
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP))


def circled(numbers) -> str:
    """[1, 3] → "①，③" (the forms join options with "，")."""
    return "，".join(CIRCLED[n - 1] for n in sorted(set(numbers)) if 1 <= n <= len(CIRCLED))


def numbers(text: str) -> list[int]:
    """ "1,3 ⑤" or "①，③" → [1, 3, 5]: the centre's marks as typed."""
    out = []
    for token in (text or "").replace("，", ",").replace("、", ",").replace(" ", ",").split(","):
        token = token.strip()
        if not token:
            continue
        if token in CIRCLED:
            out.append(CIRCLED.index(token) + 1)
        elif all(c in CIRCLED for c in token):
            out.extend(CIRCLED.index(c) + 1 for c in token)
        elif token.isdigit():
            out.append(int(token))
        else:
            raise ValueError(token)
    return sorted(set(out))
