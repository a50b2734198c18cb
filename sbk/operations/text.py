"""Counting the length of an information report (信息稿件字数). Pure: no Django import.

The seed's 800 characters ("一般篇幅不少于 800 字") are counted as Chinese editors count
字数: every character except whitespace, so padding with blank lines cannot reach it.
"""

BRIEFING_MIN_CHARS = 800


def length(text: str) -> int:
    return sum(1 for ch in text or "" if not ch.isspace())
