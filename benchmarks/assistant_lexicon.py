"""Tenth round (ADR 0006): the word engine with the synonym list extended from the documents.

``sbk/assistant/data/synonyms_extended.txt`` holds every group of the shipped list
(``synonyms.txt``) and the everyday wordings of the documents' formal terms, written from the
documents alone. The word engine, unchanged, is measured on indexes built with it: its own
jieba dictionary (a list's members are added words, so the shared segmenter is left as it
is), the library tokenized by it, and the filler re-segmented by it, as a centre reloads its
documents after a large synonym change. Its rows sit beside the other engines' in ``rows``
(``extended`` and ``extended_big``) so the same pooling and report code read them.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from assistant_report import LABELS, pct, pooled

from sbk.assistant import retrieval, text

ROOT = Path(__file__).resolve().parent.parent
EXTENDED = ROOT / "sbk" / "assistant" / "data" / "synonyms_extended.txt"
NAME = "extended"
LABEL = "sbk words + bigrams + the synonym list extended from the documents"
# Every part apart from the tuning one: the list's writer saw no question at all.
TENTH_APART = ("held-out", "fresh", "fresh2", "fresh3", "fresh4", "fresh5", "fresh6", "fresh7")


def measure(rows, parts, entries, files, filler_docs, filler_entries, evaluate) -> dict:
    """Add ``extended`` / ``extended_big`` to every part of ``rows``; return the build
    figures. ``filler_docs``: how many filler documents; ``filler_entries`` and ``evaluate``:
    the benchmark's own (passed in, so this module does not import the benchmark)."""
    source = EXTENDED.read_text("utf-8")
    groups = text.parse_synonyms(source)
    seg = text.Segmenter()
    tokenize = retrieval.segmented(groups, seg)  # adds the list's members to ``seg``
    small = retrieval.Index(entries, tokenize, characters=False, feedback=False)
    stored = [
        dataclasses.replace(e, terms=tuple(retrieval.passage_terms(e.heading, e.text, seg)))
        for e in entries
    ]
    filler, segment_time = filler_entries(
        filler_docs, first_id=len(files) + 1, seg=seg, key_extra=source
    )
    big = retrieval.Index(stored + filler, tokenize, characters=False, feedback=False)
    for part, qs in parts.items():
        rows[part][NAME] = evaluate(small, qs, files, retrieval.THRESHOLD)
        rows[part][NAME + "_big"] = evaluate(big, qs, files, retrieval.THRESHOLD)
    return {"groups": len(groups), "segment": segment_time}


def lines(rows, n_docs: int, built: dict, shipped_groups: int) -> list[str]:
    """The rule fixed before the run (ADR 0006), what it decides, and every part."""
    out = [
        f"Tenth round (ADR 0006): the centre's synonym list extended from the documents"
        f" (`sbk/assistant/data/synonyms_extended.txt`, {built['groups']} groups against the"
        f" shipped list's {shipped_groups}; written from the ten documents alone, by a writer who"
        " saw no question set), the word engine unchanged, on indexes built with it (its own"
        " jieba dictionary; the filler re-segmented with it). It was to become the shipped list"
        " only if (1) on fresh7, in both settings, neither recall@3 nor refusals right fell"
        " below the word engine's with the shipped list and recall@3 rose in at least one;"
        " (2) pooled over every part apart (held-out, fresh … fresh7), in both settings, more"
        " answerable questions were found in the first three with no fewer right decisions;"
        " (3) on the tuning part, in either setting, neither figure fell by more than one"
        " question. fresh7 was written apart, by another writer given only the documents, and"
        " measured once before the run (above).",
        "",
        f"| engine | tuning, library | tuning, {n_docs} documents | fresh7, library | fresh7,"
        f" {n_docs} documents | apart, library: found / right decisions | apart,"
        f" {n_docs} documents | rule |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    base = {s: pooled(rows, "ours", s, TENTH_APART) for s in ("", "_big")}
    for engine in ("ours", NAME):
        cells, passes, rose = [], engine != "ours", False
        for suffix in ("", "_big"):
            x, o = rows["tuning"][engine + suffix], rows["tuning"]["ours" + suffix]
            n = x["answerable"] + x["must_refuse"]
            cells.append(f"{pct(x['recall'])} / {pct(x['refusal'])}")
            passes &= round((o["recall"] - x["recall"]) * x["answerable"]) <= 1
            passes &= round((o["refusal"] - x["refusal"]) * n) <= 1
        for suffix in ("", "_big"):
            x, o = rows["fresh7"][engine + suffix], rows["fresh7"]["ours" + suffix]
            cells.append(f"{pct(x['recall'])} / {pct(x['refusal'])}")
            passes &= x["recall"] >= o["recall"] and x["refusal"] >= o["refusal"]
            rose |= x["recall"] > o["recall"]
        for suffix in ("", "_big"):
            found, right, total = pooled(rows, engine, suffix, TENTH_APART)
            cells.append(f"{found} / {right} of {total}")
            passes &= found > base[suffix][0] and right >= base[suffix][1]
        passes &= rose
        verdict = "—" if engine == "ours" else ("passes" if passes else "fails")
        label = LABELS[engine] + " (shipped list)" if engine == "ours" else LABEL
        out.append(f"| {label} | " + " | ".join(cells) + f" | {verdict} |")
    out += [
        "",
        "Every part, recall@3 / refusals right (unanswerable refused, strict):",
        "",
        f"| part | shipped list, library | extended list, library | shipped list, {n_docs}"
        f" documents | extended list, {n_docs} documents |",
        "| --- | --- | --- | --- | --- |",
    ]
    for part in ("tuning", *TENTH_APART):
        cells = [
            f"{pct(x['recall'])} / {pct(x['refusal'])} ({pct(x['refused_strict'])})"
            for x in (
                rows[part][engine + suffix] for suffix in ("", "_big") for engine in ("ours", NAME)
            )
        ]
        out.append(f"| {part} | " + " | ".join(cells) + " |")
    return [*out, ""]
