"""Twenty-third round (ADR 0006): declined questions (库外问题) matched by meaning
(``sbk/assistant/by_meaning.py``, ``declined``; ``dense.DECLINED_MATCH``).

A centre declines a question no document covers that the word engine answers from everyday
words; its own words are then refused. Here another wording is refused too: a question whose
cosine with a declined question reaches a floor, and is above its cosine with every taught
question. The spent sets (``SPENT``: held-out, fresh … fresh19) stand in for a centre's own
data: their answerable questions taught their passage, their questions to refuse declined.
The floor is chosen on them alone (``choice``: each set asked of the library with the other
sets taught and declined; ties to the higher floor). Judged on fresh20, written for this
round, against the engine shipped with the same questions taught and declined; the tuning
part is asked both with the spent sets taught and declined and with them declined alone (a
centre that declines before it teaches)."""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
from assistant_report import DECLINED_AT, FRESH, LABELS
from assistant_rounds import pct
from assistant_taught import taught_pool
from assistant_vouch import near_copy, taught_index

from sbk.assistant import dense, retrieval

BASE, ENGINE = "taught_vouch", "declined_match"
SPENT = ("held-out", *FRESH[: FRESH.index("fresh19") + 1])
JUDGED = "fresh20"
# The floors tried; None: a declined question's own words only.
GRID = (None, *(round(0.80 + 0.01 * i, 2) for i in range(18)))


def refused_of(named, sets) -> list[str]:
    """The questions to refuse of ``sets``: what the centre declined."""
    return [q for name in sets for q, file, _h in named[name] if not file]


class Memo:
    """The shared encoder, with the questions already embedded (``known``) answered from
    memory: the choice asks each spent question once per floor, and an embedding is the
    same every time (the figures are decisions, not latency)."""

    def __init__(self, known: dict):
        self.known, self.encoder = known, dense.shared_encoder()

    def question(self, text: str):
        if text not in self.known:
            self.known[text] = self.encoder.question(text)
        return self.known[text]

    def questions(self, texts):
        return np.stack([self.question(t) for t in texts]) if texts else np.zeros((0, dense.DIM))


def index_of(entries, pool, declined, tokenize, vectors, known) -> retrieval.Index:
    """The index of ``entries`` with ``pool`` (question, position) taught and ``declined``
    declined (no note), the questions' embeddings from ``known`` (``Memo``)."""
    refused = [(q, "", known.get(q)) for q in declined]
    return taught_index(
        entries, pool, tokenize, vectors, known, declined=refused, encoder=Memo(known)
    )


def embedded(named, sets) -> dict:
    """Every question of ``sets`` embedded (as a question), by text."""
    texts = list(dict.fromkeys(q for name in sets for q, _f, _h in named[name]))
    return dict(zip(texts, dense.shared_encoder().questions(texts), strict=True))


def choice(named, entries, files, vectors, known, tokenize, evaluate, labelled_passage) -> dict:
    """For each floor of ``GRID``: answers found, right decisions and questions, summed over
    ``SPENT``, each set asked of the library with the other sets taught and declined; and the
    floor chosen (the most found + right, ties to the higher; None lowest)."""
    grid = {floor: [0, 0, 0] for floor in GRID}
    for name in SPENT:
        others = [s for s in SPENT if s != name]
        pool = taught_pool(named, others, entries, files, labelled_passage)
        index = index_of(entries, pool, refused_of(named, others), tokenize, vectors, known)
        for floor in GRID:
            engine = BASE if floor is None else ENGINE
            r = evaluate(index, named[name], files, retrieval.THRESHOLD, engine, declined=floor)
            n = r["answerable"] + r["must_refuse"]
            grid[floor][0] += round(r["recall"] * r["answerable"])
            grid[floor][1] += round(r["refusal"] * n)
            grid[floor][2] += n
    best = max(sum(grid[f][:2]) for f in GRID)
    chosen = [f for f in GRID if sum(grid[f][:2]) == best][-1]
    return {"grid": {f: tuple(v) for f, v in grid.items()}, "chosen": chosen}


def measure(named, entries, files, settings, tokenize, evaluate, labelled_passage) -> dict:
    """The round's figures. ``settings``: (suffix, entries, vectors) for the library alone
    ("") and with the filler ("_big"); the library's passages come first in each."""
    known = embedded(named, (*SPENT, JUDGED, "tuning"))
    picked = choice(
        named, entries, files, settings[0][2], known, tokenize, evaluate, labelled_passage
    )
    judged = judged_rows(
        named, entries, files, settings, tokenize, evaluate, labelled_passage, known,
        (SPENT, JUDGED, ENGINE),
    )  # fmt: skip
    return {**judged, "choice": picked}


def judged_rows(
    named, entries, files, settings, tokenize, evaluate, labelled_passage, known, round_
) -> dict:
    """A declined round's judged figures (``round_``: the spent sets, the set judged, the
    engine): the tuning part, the judged set and its questions that are no near copy of a
    spent one asked with the spent sets taught and declined, and the tuning part with them
    declined alone, by ``BASE`` and the engine, in each setting."""
    spent_sets, judged, engine_of_round = round_
    pool = taught_pool(named, spent_sets, entries, files, labelled_passage)
    declined = refused_of(named, spent_sets)
    spent = [q for name in spent_sets for q, _f, _h in named[name]]
    parts = {
        "tuning": named["tuning"],
        judged: named[judged],
        "new": [q for q in named[judged] if not near_copy(q[0], spent)],
    }
    rows: dict[str, dict] = {p: {} for p in (*parts, "tuning_declined_only")}
    for suffix, setting_entries, setting_vectors in settings:
        both = index_of(setting_entries, pool, declined, tokenize, setting_vectors, known)
        alone = index_of(setting_entries, [], declined, tokenize, setting_vectors, known)
        for engine in (BASE, engine_of_round):
            for part, qs in parts.items():
                rows[part][engine + suffix] = evaluate(both, qs, files, retrieval.THRESHOLD, engine)
            rows["tuning_declined_only"][engine + suffix] = evaluate(
                alone, named["tuning"], files, retrieval.THRESHOLD, engine
            )
    return {
        "rows": rows,
        "taught": len(pool),
        "declined": len(declined),
        "new": len(parts["new"]),
    }


def _counts(r) -> tuple[int, int, int]:
    n = r["answerable"] + r["must_refuse"]
    return round(r["recall"] * r["answerable"]), round(r["refusal"] * n), n


def verdict(rows, judged: str = JUDGED, engine: str = ENGINE) -> bool:
    """The rule (ADR 0006): on ``judged``, found + right higher and found not down by more
    than one question; on the tuning part, both ways, neither figure down by more than one;
    in each setting."""
    ok = True
    for suffix in ("", "_big"):
        f0, r0, _ = _counts(rows[judged][BASE + suffix])
        f1, r1, _ = _counts(rows[judged][engine + suffix])
        ok &= f1 + r1 > f0 + r0 and f1 >= f0 - 1
        for part in ("tuning", "tuning_declined_only"):
            f0, r0, _ = _counts(rows[part][BASE + suffix])
            f1, r1, _ = _counts(rows[part][engine + suffix])
            ok &= f1 >= f0 - 1 and r1 >= r0 - 1
    return ok


def table(n_docs: int, rows, judged: str = JUDGED, engine_of_round: str = ENGINE) -> list[str]:
    """A declined round's table: found / right on ``judged`` and its questions that are no
    near copy, recall / right decisions on the tuning part, by ``BASE`` and the engine."""
    out = [
        f"| engine | {judged}, library: found / right | {judged}, "
        f"{n_docs} documents | tuning, library | tuning, {n_docs} documents | tuning, declined"
        f" only, library | tuning, declined only, {n_docs} documents | no near copy, library |"
        f" no near copy, {n_docs} documents | rule |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    passes = verdict(rows, judged, engine_of_round)
    for engine in (BASE, engine_of_round):
        cells = []
        for part in (judged, "tuning", "tuning_declined_only", "new"):
            for suffix in ("", "_big"):
                r = rows[part][engine + suffix]
                if part in (judged, "new"):
                    found, right, n = _counts(r)
                    cells.append(f"{found} / {right} of {n}")
                else:
                    cells.append(f"{pct(r['recall'])} / {pct(r['refusal'])}")
        rule = "—" if engine == BASE else ("passes" if passes else "fails")
        label = LABELS[engine] if engine != BASE else f"{LABELS[BASE]}, spent sets declined"
        out.append(f"| {label} | " + " | ".join(cells) + f" | {rule} |")
    return out


def lines(n_docs: int, measured: dict) -> list[str]:
    """The round's paragraph, the choice's grid and the rule's table."""
    rows, picked = measured["rows"], measured["choice"]
    floor = DECLINED_AT[ENGINE]

    def shown(f):
        return "none" if f is None else f"{f:.2f}"

    grid = " · ".join(f"{shown(f)}: {a} + {b} of {n}" for f, (a, b, n) in picked["grid"].items())
    same = "" if picked["chosen"] == floor else f" (measured here: {shown(picked['chosen'])})"
    out = [
        f"Twenty-third round (ADR 0006): with the spent sets' {measured['taught']} answerable"
        f" questions taught and {measured['declined']} questions to refuse declined (库外问题),"
        " a question whose cosine with a declined question is at least"
        f" {floor:g}{same}, and above its cosine with every taught question, is refused. The"
        " floor was chosen on the spent sets alone, each asked with the other sets taught and"
        f" declined (found + right of questions, by floor: {grid}). Judged on fresh20 (written"
        " for this round) against the engine shipped with the same questions taught and"
        " declined; the tuning part asked with them taught and declined, and with them declined"
        " alone. Shown, not judged: fresh20's"
        f" {measured['new']} questions that are no near copy of a spent one.",
    ]
    return [*out, "", *table(n_docs, rows), ""]


def settings_of(bench, entries, files, library_vectors) -> list[tuple]:
    """The two settings as the full run builds them: the library alone, and with the filler
    (its segmentation and embeddings from the benchmark's cache)."""
    from assistant_filler import filler_entries, passage_vectors

    seg = retrieval.shared_segmenter()
    stored = [
        dataclasses.replace(e, terms=tuple(retrieval.passage_terms(e.heading, e.text, seg)))
        for e in entries
    ]
    filler, _ = filler_entries(1000 - len(files), first_id=len(files) + 1, seg=seg)
    filler_vectors, _ = passage_vectors(filler, bench.CORES)
    big = np.vstack([library_vectors, filler_vectors])
    return [("", entries, library_vectors), ("_big", stored + filler, big)]


def library_setup(bench) -> tuple:
    """(the question set's parts, the library's entries, its files, the tokenizer, the
    passages' embeddings), as a round's script alone needs them (``bench``: the
    ``bench_assistant`` module, imported by the caller when run)."""
    from sbk.assistant import text

    named = bench.named_parts(bench.read_questions())
    entries, files = bench.library_entries()
    groups = text.parse_synonyms(bench.SYNONYMS.read_text("utf-8"))
    tokenize = retrieval.segmented(groups, retrieval.shared_segmenter())
    library_vectors = dense.Encoder(shipped=None).passages(
        [dense.passage_text(e.title, e.heading, e.text) for e in entries]
    )
    return named, entries, files, tokenize, library_vectors


def print_judged(bench, setup: tuple, measure, lines) -> int:
    """A round's judged figures, measured in both settings and printed as the full run
    writes them (``setup``: what ``library_setup`` gives)."""
    named, entries, files, tokenize, library_vectors = setup
    settings = settings_of(bench, entries, files, library_vectors)
    measured = measure(
        named, entries, files, settings, tokenize, bench.evaluate, bench.labelled_passage
    )
    print("\n".join(lines(1000, measured)))
    return 0


def main() -> int:
    """This round's part of the benchmark alone (``python benchmarks/assistant_declined.py
    [--choice]``): the choice, or the choice and the judged table, printed."""
    import bench_assistant as bench

    named, entries, files, tokenize, library_vectors = library_setup(bench)
    if "--choice" in sys.argv:
        known = embedded(named, SPENT)
        picked = choice(
            named, entries, files, library_vectors, known, tokenize, bench.evaluate,
            bench.labelled_passage,
        )  # fmt: skip
        for f, (found, right, n) in picked["grid"].items():
            print(f"{f}: found {found} right {right} of {n}; sum {found + right}")
        print("chosen", picked["chosen"])
        return 0
    return print_judged(bench, (named, entries, files, tokenize, library_vectors), measure, lines)


if __name__ == "__main__":
    sys.exit(main())
