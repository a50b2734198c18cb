"""How rare a word is in general Chinese (ADR 0006, seventh round): jieba's shipped idf
table, read lazily, once per process, from the installed package (nothing downloaded).
Pure: no Django import.

The refusal gate's key-term coverage (``retrieval.Index.coverage``) weighs each key term by
its rarity. By the library's own idf, the everyday words of a paraphrase (丢了, 孩子, 磨没了)
that no passage holds weigh as much as the topic word of an off-topic question (公积金,
驾驶证, 借书) that no passage holds either: both are "rare in the library". General-language
rarity tells them apart: 孩子 is common in Chinese (idf about 5), 借书 and 驾驶证 are not
(about 9–11). ``weigh`` turns a key term's library weight into the weight the gate uses
under ``retrieval.KEY_WEIGHT``:

- ``"library"``: the library's idf, as in rounds 1–6 (unchanged);
- ``"general"``: the general-language idf alone;
- ``"mixed"``: the product of the two (rare in the library *and* rare in Chinese weighs
  most; 社保卡 is rare in Chinese but held by every passage, so it stays light).

``keep`` drops from the key terms the everyday words (general idf below
``retrieval.KEY_CUT``), so that their absence costs nothing at all.

A word the table does not hold weighs as the mean of its characters' idf (stop characters
aside), as a word no passage holds weighs by its characters in the library weighting
(丢了 → 丢); a character the table does not hold, or a term with no Chinese character,
weighs as the table's median (jieba's own rule for a word it does not know).
"""

from __future__ import annotations

import statistics
import threading
from pathlib import Path

import jieba

from .text import STOP_CHARS, KeyUnit, is_cjk

WEIGHTINGS = ("library", "general", "mixed")

# The table shipped inside the jieba package (``jieba/analyse/idf.txt``, one "word idf" a
# line). Read directly: importing ``jieba.analyse`` would load it into a TF-IDF extractor
# of its own at import.
PATH = Path(jieba.__file__).resolve().parent / "analyse" / "idf.txt"

_lock = threading.Lock()
_table: dict[str, float] | None = None
_median = 0.0


def table() -> dict[str, float]:
    """word → idf, read on first use (about 270,000 words)."""
    global _table, _median
    if _table is not None:
        return _table
    with _lock:
        if _table is None:
            loaded = read()
            _median = statistics.median(loaded.values()) if loaded else 1.0
            _table = loaded
    return _table


def read(path: Path = PATH) -> dict[str, float]:
    """The table as the file holds it (``table`` keeps one per process)."""
    loaded: dict[str, float] = {}
    with path.open(encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                try:
                    loaded[parts[0]] = float(parts[1])
                except ValueError:
                    continue
    return loaded


def median() -> float:
    table()
    return _median


def idf(text: str) -> float:
    """The general-language idf of a key term's text (see the module's docstring)."""
    words = table()
    found = words.get(text)
    if found is not None:
        return found
    chars = [c for c in text if is_cjk(c) and c not in STOP_CHARS]
    if not chars:
        return _median
    return sum(words.get(c, _median) for c in chars) / len(chars)


def weigh(library_weight: float, text: str, weighting: str) -> float:
    """The weight a key term counts for in the gate's coverage."""
    if weighting == "library":
        return library_weight
    if weighting == "general":
        return idf(text)
    if weighting == "mixed":
        return library_weight * idf(text)
    raise ValueError(f"unknown key-term weighting {weighting!r}")


def keep(units: list[KeyUnit], cut: float | None) -> list[KeyUnit]:
    """The key terms without the everyday words (general idf below ``cut``); all of them
    when none would be left (a question of everyday words only keeps its gate)."""
    if not cut:
        return units
    kept = [u for u in units if idf(u.text) >= cut]
    return kept or units
