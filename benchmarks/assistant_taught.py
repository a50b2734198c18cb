"""Twenty-first round (ADR 0006): the questions a centre taught (教小助手) matched by meaning
(``sbk/assistant/by_meaning.py``): a question whose cosine with a taught question is at least
``dense.TAUGHT_MATCH`` is answered with that question's passage first.

A centre that has used the assistant for a while has taught it the questions it met. The
round stands in for one with the answerable questions of the spent sets (``TAUGHT_FROM``:
held-out, fresh … fresh15, each taught its labelled passage), and asks what that gives on
questions it did not teach: the tuning part (what teaching costs) and the three sets apart
no choice has seen (``JUDGED``: fresh16, fresh17 and fresh18, the last written for this
round). The match's cosine is chosen on the spent sets alone, each set's questions matched
against the others' (leave one set out), by fires right minus fires wrong (``choice``).

Engines: the engine shipped on the index with nothing taught (``rows``, as measured for the
other rounds), the engine shipped with the spent sets taught (their words a field of their
passage, as since the sixth round), and the same with the match (``taught_match``).
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
from assistant_report import FRESH, LABELS, TAUGHT_AT
from assistant_rounds import pct, pooled, pooled_cells, tuning_cells

from sbk.assistant import dense, retrieval

TAUGHT_FROM = ("held-out", *FRESH[: FRESH.index("fresh15") + 1])
JUDGED = ("fresh16", "fresh17", "fresh18")
BASE, ENGINE = "agreed_floor", "taught_match"
# The cosines tried for the match (leave one set out over ``TAUGHT_FROM``).
GRID = tuple(round(0.80 + 0.01 * i, 2) for i in range(19))


def taught_pool(named, sets, entries, files, labelled_passage):
    """(question, position of its labelled passage) for every answerable question of
    ``sets``, in order; a label that names no passage is left out."""
    out = []
    for name in sets:
        for question, file, heading in named[name]:
            if file:
                at = labelled_passage(entries, files, file, heading)
                if at is not None:
                    out.append((question, at))
    return out


def spent_vectors(named, entries, files, labelled_passage):
    """The taught pool (``taught_pool`` over ``TAUGHT_FROM``) and every spent question's
    embedding (taught, or asked in the choice), by text."""
    pool = taught_pool(named, TAUGHT_FROM, entries, files, labelled_passage)
    asked = [q for name in TAUGHT_FROM for q, _f, _h in named[name]]
    texts = list(dict.fromkeys([q for q, _ in pool] + asked))
    return pool, dict(zip(texts, dense.shared_encoder().questions(texts), strict=True))


def choice(named, entries, files, vectors, labelled_passage, is_labelled) -> dict:
    """For each cosine of ``GRID``: how many questions of the spent sets the match fires on,
    matched against the other spent sets' taught questions only, and how many of those it
    answers with their labelled passage (right) or not, or is a question to refuse (wrong);
    and the cosine chosen (the most right minus wrong; ties to the higher)."""
    outcomes = []
    for name in TAUGHT_FROM:
        pool = taught_pool(named, [s for s in TAUGHT_FROM if s != name], entries, files,
                           labelled_passage)  # fmt: skip
        table = np.stack([vectors[q] for q, _ in pool])
        at = np.array([a for _, a in pool])
        for question, file, heading in named[name]:
            cosine = table @ vectors[question]
            best = int(np.argmax(cosine))
            right = bool(file) and is_labelled(entries[at[best]], files, file, heading)
            outcomes.append((float(cosine[best]), right))
    grid = {}
    for t in GRID:
        fired = [right for cosine, right in outcomes if cosine >= t - 1e-9]
        grid[t] = (sum(fired), len(fired) - sum(fired))
    chosen = max(GRID, key=lambda t: (grid[t][0] - grid[t][1], t))
    return {"grid": grid, "chosen": chosen, "questions": len(outcomes)}


def measure(named, entries, files, settings, tokenize, evaluate, labelled_passage, is_labelled):
    """The round's figures. ``settings``: (suffix, entries, vectors) for the library alone
    ("") and with the filler ("_big"); the library's passages come first in each."""
    pool, vectors = spent_vectors(named, entries, files, labelled_passage)
    chosen = choice(named, entries, files, vectors, labelled_passage, is_labelled)
    taught: dict[int, list[str]] = {}
    for question, at in pool:
        taught.setdefault(at, []).append(question)
    again = [(q, f, h) for name in TAUGHT_FROM for q, f, h in named[name] if f]
    parts = {"tuning": named["tuning"], **{p: named[p] for p in JUDGED}, "taught": again}
    rows: dict[str, dict] = {p: {} for p in parts}
    for suffix, setting_entries, setting_vectors in settings:
        with_taught = [
            dataclasses.replace(e, taught=tuple(taught[i])) if i in taught else e
            for i, e in enumerate(setting_entries)
        ]
        index = retrieval.Index(
            with_taught, tokenize, characters=False, feedback=False,
            vectors=setting_vectors, taught_vectors=vectors,
        )  # fmt: skip
        for part, qs in parts.items():
            for engine in (BASE, ENGINE):
                rows[part][engine + suffix] = evaluate(
                    index, qs, files, retrieval.THRESHOLD, engine
                )
    return {"rows": rows, "choice": chosen, "taught": len(pool)}


def lines(rows, n_docs: int, measured: dict) -> list[str]:
    """The round's paragraph, the choice's grid and the rule's table."""
    taught_rows, picked, n = measured["rows"], measured["choice"], measured["taught"]
    grid = " · ".join(f"{t:.2f}: {right}/{wrong}" for t, (right, wrong) in picked["grid"].items())
    intro = (
        f"Twenty-first round (ADR 0006): the {n} answerable questions of the spent sets"
        " (held-out, fresh … fresh15) taught their labelled passage, as a centre teaches the"
        " questions it meets, and a question whose cosine with a taught question is at least"
        f" {TAUGHT_AT[ENGINE]:g} answered with that question's passage first. The cosine was"
        f" chosen on the spent sets alone ({picked['questions']} questions, each set matched"
        " against the other sets' taught questions), by the most fires right (the labelled"
        " passage) minus fires wrong (another passage, or a question to refuse); right/wrong"
        f" by cosine: {grid}; chosen {picked['chosen']:.2f}. Judged against the engine shipped"
        " with the same questions taught, pooled over fresh16, fresh17 and fresh18 (none"
        " taught, none seen by the choice; fresh18 written for this round): found plus right"
        " decisions higher in each setting, neither down by more than one question; on the"
        " tuning part (not taught) neither figure down by more than one question."
    )
    out = [
        intro,
        "",
        f"| engine | tuning, library | tuning, {n_docs} documents | fresh16–18, library:"
        f" found / right decisions | fresh16–18, {n_docs} documents | the taught questions"
        " asked again, library | rule |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]

    cells = [f"{pct(r['recall'])} / {pct(r['refusal'])}" for r in
             (rows["tuning"][BASE], rows["tuning"][BASE + "_big"])]  # fmt: skip
    for suffix in ("", "_big"):
        found, right, total = pooled(rows, BASE, suffix, JUDGED)
        cells.append(f"{found} / {right} of {total}")
    out.append(f"| {LABELS[BASE]}, nothing taught | " + " | ".join(cells) + " | — | — |")
    for engine, label in ((BASE, f"{LABELS[BASE]}, {n} taught"), (ENGINE, LABELS[ENGINE])):
        cells, kept = tuning_cells(taught_rows, engine, BASE)
        judged, better = pooled_cells(taught_rows, engine, BASE, JUDGED)
        again = taught_rows["taught"][engine]
        cells += [*judged, f"{pct(again['recall'])} of {again['answerable']}"]
        verdict = "—" if engine == BASE else ("passes" if kept and better else "fails")
        out.append(f"| {label} | " + " | ".join(cells) + f" | {verdict} |")
    return [*out, ""]


def main() -> int:
    """The round's grid and choice (``choice``) alone, printed (``python
    benchmarks/assistant_taught.py --choice``)."""
    import bench_assistant as bench

    named = bench.named_parts(bench.read_questions())
    entries, files = bench.library_entries()
    pool, vectors = spent_vectors(named, entries, files, bench.labelled_passage)
    picked = choice(named, entries, files, vectors, bench.labelled_passage, bench.is_labelled)
    for t, (right, wrong) in picked["grid"].items():
        print(f"{t:.2f} right {right:4d} wrong {wrong:4d} net {right - wrong:4d}")
    print("chosen", picked["chosen"], "of", picked["questions"], "questions; taught", len(pool))
    return 0


if __name__ == "__main__":
    sys.exit(main())
