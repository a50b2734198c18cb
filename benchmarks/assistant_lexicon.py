"""Tenth round (ADR 0006): the word engine with the synonym list extended from the documents.

``benchmarks/assistant_synonyms_extended.txt`` holds every group of the shipped list
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

from assistant_report import pct
from assistant_rounds import rule_table

from sbk.assistant import retrieval, text

HERE = Path(__file__).resolve().parent
# name → (file, label): the tenth round's list, and the eleventh's correction of it.
LISTS = {
    "extended": (
        HERE / "assistant_synonyms_extended.txt",
        "sbk words + bigrams + the synonym list extended from the documents",
    ),
    "corrected": (
        HERE / "assistant_synonyms_corrected.txt",
        "the extended list without asking phrases, corrected on the tuning part",
    ),
}
# Every part apart from the tuning one: the lists' writer saw no question at all.
TENTH_APART = ("held-out", "fresh", "fresh2", "fresh3", "fresh4", "fresh5", "fresh6", "fresh7")
ELEVENTH_APART = (*TENTH_APART, "fresh8")
TWELFTH_APART = (*ELEVENTH_APART, "fresh9")
# Twelfth round: the gate chosen again for the corrected list, on the tuning part, over
# relative score × key-term coverage (ADR 0006).
CALIBRATED = "calibrated"
CALIBRATED_LABEL = "the corrected list, its gate chosen on the tuning part"
SCORES = tuple(round(0.30 + 0.05 * i, 2) for i in range(7))  # 0.30 … 0.60
COVERAGES = tuple(round(0.40 + 0.05 * i, 2) for i in range(7))  # 0.40 … 0.70


def calibrate(indexes, tuning, files, evaluate) -> tuple[float, float]:
    """The (relative score, coverage) pair with the most answerable questions found plus
    right decisions on ``tuning``, summed over ``indexes`` (both settings); ties to the pair
    nearest the shipped gate."""

    def gain(score, coverage):
        total = 0
        for index in indexes:
            r = evaluate(index, tuning, files, score, coverage=coverage)
            total += round(r["recall"] * r["answerable"])
            total += round(r["refusal"] * (r["answerable"] + r["must_refuse"]))
        return total

    def distance(pair):
        return abs(pair[0] - retrieval.THRESHOLD) + abs(pair[1] - retrieval.COVERAGE)

    pairs = [(t, c) for t in SCORES for c in COVERAGES]
    return max(pairs, key=lambda pair: (gain(*pair), -distance(pair)))


def measure(rows, parts, entries, files, filler_docs, filler_entries, evaluate) -> dict:
    """Add ``NAME`` / ``NAME_big`` to every part of ``rows`` for each list of ``LISTS``;
    return each list's number of groups. ``filler_docs``: how many filler documents;
    ``filler_entries`` and ``evaluate``: the benchmark's own (passed in, so this module
    does not import the benchmark)."""
    built = {}
    for name, (path, _label) in LISTS.items():
        source = path.read_text("utf-8")
        groups = text.parse_synonyms(source)
        seg = text.Segmenter()
        tokenize = retrieval.segmented(groups, seg)  # adds the list's members to ``seg``
        small = retrieval.Index(entries, tokenize, characters=False, feedback=False)
        stored = [
            dataclasses.replace(e, terms=tuple(retrieval.passage_terms(e.heading, e.text, seg)))
            for e in entries
        ]
        filler, _ = filler_entries(filler_docs, first_id=len(files) + 1, seg=seg, key_extra=source)
        big = retrieval.Index(stored + filler, tokenize, characters=False, feedback=False)
        for part, qs in parts.items():
            rows[part][name] = evaluate(small, qs, files, retrieval.THRESHOLD)
            rows[part][name + "_big"] = evaluate(big, qs, files, retrieval.THRESHOLD)
        built[name] = len(groups)
        if name == "corrected":
            t, c = built[CALIBRATED] = calibrate((small, big), parts["tuning"], files, evaluate)
            for part, qs in parts.items():
                rows[part][CALIBRATED] = evaluate(small, qs, files, t, coverage=c)
                rows[part][CALIBRATED + "_big"] = evaluate(big, qs, files, t, coverage=c)
    return built


def lines(rows, n_docs: int, built: dict, shipped_groups: int) -> list[str]:
    """Both rounds: the rule fixed before each run (ADR 0006), what it decides, and every
    part."""
    tenth = (
        "Tenth round (ADR 0006): the centre's synonym list extended from the documents"
        f" (`benchmarks/assistant_synonyms_extended.txt`, {built['extended']} groups against the"
        f" shipped list's {shipped_groups}; written from the ten documents alone, by a writer who"
        " saw no question set), the word engine unchanged, on indexes built with it (its own"
        " jieba dictionary; the filler re-segmented with it). It was to become the shipped list"
        " only if (1) on fresh7, in both settings, neither recall@3 nor refusals right fell"
        " below the word engine's with the shipped list and recall@3 rose in at least one;"
        " (2) pooled over every part apart (held-out, fresh … fresh7), in both settings, more"
        " answerable questions were found in the first three with no fewer right decisions;"
        " (3) on the tuning part, in either setting, neither figure fell by more than one"
        " question. fresh7 was written apart, by another writer given only the documents, and"
        " measured once before the run (above)."
    )
    eleventh = (
        "Eleventh round (ADR 0006): the tenth round's list corrected"
        f" (`benchmarks/assistant_synonyms_corrected.txt`, {built['corrected']} groups): members"
        " holding an asking phrase (多少钱, 要多久, 在哪办 …) out, and a wrong member the tuning"
        " part showed (总分 in the 满分 group). The same rule, judged on fresh8 (written apart"
        " before the correction, by a writer given only the documents, and measured once"
        " before the run, above) and pooled over every part apart (held-out, fresh … fresh8)."
    )
    score, coverage = built[CALIBRATED]
    twelfth = (
        "Twelfth round (ADR 0006): the corrected list with its refusal gate chosen again on the"
        f" tuning part (relative score {', '.join(map(str, SCORES))} × key-term coverage"
        f" {', '.join(map(str, COVERAGES))}; the most answerable questions found plus right"
        " decisions, both settings summed, ties to the pair nearest the shipped gate):"
        f" relative score {score:g}, coverage {coverage:g} (shipped: {retrieval.THRESHOLD:g},"
        f" {retrieval.COVERAGE:g}). The same rule, judged on fresh9 (written apart before the"
        " gate was chosen, by a writer given only the documents, and measured once before the"
        " run, above) and pooled over every part apart (held-out, fresh … fresh9)."
    )
    return [
        *rule_table(rows, n_docs, tenth, "extended", _label("extended"), "fresh7", TENTH_APART),
        *rule_table(
            rows, n_docs, eleventh, "corrected", _label("corrected"), "fresh8", ELEVENTH_APART
        ),
        *rule_table(rows, n_docs, twelfth, CALIBRATED, _label(CALIBRATED), "fresh9", TWELFTH_APART),
        "Every part, recall@3 / refusals right (unanswerable refused, strict):",
        "",
        "| part | list | library | " + f"{n_docs} documents |",
        "| --- | --- | --- | --- |",
        *(
            f"| {part} | {label} | "
            + " | ".join(
                f"{pct(x['recall'])} / {pct(x['refusal'])} ({pct(x['refused_strict'])})"
                for x in (rows[part][engine], rows[part][engine + "_big"])
            )
            + " |"
            for part in ("tuning", *TWELFTH_APART)
            for engine, label in (
                ("ours", "shipped"),
                ("extended", "extended"),
                ("corrected", "corrected"),
                (CALIBRATED, "corrected, gate chosen again"),
            )
        ),
        "",
    ]


def _label(name: str) -> str:
    return CALIBRATED_LABEL if name == CALIBRATED else LISTS[name][1]
