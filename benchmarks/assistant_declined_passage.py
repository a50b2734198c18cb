"""Twenty-fourth round (ADR 0006): declined questions (库外问题) matched by meaning, and only
where the answer's first passage is as relevant to the declined question as to the question
(``sbk/assistant/by_meaning.py``, ``declined_answer``; ``dense.DECLINED_MATCH`` with
``dense.DECLINED_MARGIN``).

The twenty-third round's match refused three answerable questions in four where nothing was
taught: a question of the card's own business is nearer some declined question than any
taught one when none is taught. Here the match waits for the answer: it fires for a declined
question whose cosine with the question reaches a floor, above the question's cosine with
every taught question, and whose relevance to the answer's first passage (the passage's
embedding · the declined question's) is at least the question's own less a margin. A
declined question was declined because the word engine answered it from a passage that does
not answer it; a question of the card's business is more relevant to its passage than such a
question is.

The spent sets (``SPENT``: held-out, fresh … fresh20) stand in for a centre's own data as in
the twenty-third round. The floor and the margin are chosen on them alone (``choice``: each
set asked of the library with the other sets taught and declined, and with them declined and
nothing taught; the most answers found plus right decisions over both, ties to the higher
floor, then the smaller margin). Judged on fresh21, written for this round, by the
twenty-third round's rule."""

from __future__ import annotations

import sys

from assistant_declined import _counts, embedded, index_of, refused_of, settings_of
from assistant_report import DECLINED_AT, FRESH, LABELS, MARGIN_AT
from assistant_rounds import pct
from assistant_taught import taught_pool
from assistant_vouch import near_copy

from sbk.assistant import dense, retrieval

BASE, ENGINE = "taught_vouch", "declined_passage"
SPENT = ("held-out", *FRESH[: FRESH.index("fresh20") + 1])
JUDGED = "fresh21"
# (floor, margin) tried; (None, None): a declined question's own words only.
FLOORS = tuple(round(0.90 + 0.01 * i, 2) for i in range(8))
MARGINS = tuple(round(0.01 * i, 2) for i in range(6))
GRID = ((None, None), *((f, m) for f in FLOORS for m in MARGINS))
LOOSEST = (FLOORS[0], MARGINS[-1])


def _decided(index, question, file, heading, files, ask, is_labelled, limits) -> tuple[int, int]:
    """(found, right) for one question, as ``bench_assistant.evaluate`` counts them."""
    answer = ask(index, question, retrieval.THRESHOLD, ENGINE, **limits)
    if file:
        found = any(is_labelled(h.entry, files, file, heading) for h in answer.hits)
        return int(found), int(not answer.refused)
    return 0, int(answer.refused or not any(h.entry.document in files for h in answer.hits))


def choice(named, entries, files, vectors, known, tokenize, ask, is_labelled, labelled) -> dict:
    """For each (floor, margin) of ``GRID``: answers found, right decisions and questions,
    summed over ``SPENT`` and over the two settings (the other sets taught and declined; the
    other sets declined, nothing taught); and the pair chosen. The match only turns an
    answer into a refusal, and fires on fewer questions for a higher floor or a smaller
    margin, so a question it does not refuse at ``LOOSEST`` is decided as by the engine
    without it at every pair, and only the others are asked pair by pair."""
    grid = {pair: [0, 0, 0] for pair in GRID}
    for name in SPENT:
        others = [s for s in SPENT if s != name]
        declined = refused_of(named, others)
        pool = taught_pool(named, others, entries, files, labelled)
        for taught in (pool, []):
            index = index_of(entries, taught, declined, tokenize, vectors, known)
            for question, file, heading in named[name]:
                args = (index, question, file, heading, files, ask, is_labelled)
                base = _decided(*args, {"declined": None, "declined_margin": None})
                loose = _decided(*args, {"declined": LOOSEST[0], "declined_margin": LOOSEST[1]})
                for pair in GRID:
                    got = base
                    if pair != (None, None) and loose != base:
                        got = _decided(*args, {"declined": pair[0], "declined_margin": pair[1]})
                    grid[pair][0] += got[0]
                    grid[pair][1] += got[1]
                    grid[pair][2] += 1
    best = max(sum(grid[p][:2]) for p in GRID)
    tied = [p for p in GRID[1:] if sum(grid[p][:2]) == best]
    chosen = max(tied, key=lambda p: (p[0], -p[1])) if tied else (None, None)
    return {"grid": {p: tuple(v) for p, v in grid.items()}, "chosen": chosen}


def measure(named, entries, files, settings, tokenize, evaluate, labelled_passage) -> dict:
    """The round's figures, as ``assistant_declined.measure`` makes the twenty-third's."""
    known = embedded(named, (*SPENT, JUDGED, "tuning"))
    pool = taught_pool(named, SPENT, entries, files, labelled_passage)
    declined = refused_of(named, SPENT)
    spent = [q for name in SPENT for q, _f, _h in named[name]]
    parts = {
        "tuning": named["tuning"],
        JUDGED: named[JUDGED],
        "new": [q for q in named[JUDGED] if not near_copy(q[0], spent)],
    }
    rows: dict[str, dict] = {p: {} for p in (*parts, "tuning_declined_only")}
    for suffix, setting_entries, setting_vectors in settings:
        both = index_of(setting_entries, pool, declined, tokenize, setting_vectors, known)
        alone = index_of(setting_entries, [], declined, tokenize, setting_vectors, known)
        for engine in (BASE, ENGINE):
            for part, qs in parts.items():
                rows[part][engine + suffix] = evaluate(both, qs, files, retrieval.THRESHOLD, engine)
            rows["tuning_declined_only"][engine + suffix] = evaluate(
                alone, named["tuning"], files, retrieval.THRESHOLD, engine
            )
    return {"rows": rows, "taught": len(pool), "declined": len(declined), "new": len(parts["new"])}


def verdict(rows) -> bool:
    """The twenty-third round's rule (ADR 0006), on ``JUDGED``: found + right higher and
    found not down by more than one question; on the tuning part, both ways, neither figure
    down by more than one; in each setting."""
    ok = True
    for suffix in ("", "_big"):
        f0, r0, _ = _counts(rows[JUDGED][BASE + suffix])
        f1, r1, _ = _counts(rows[JUDGED][ENGINE + suffix])
        ok &= f1 + r1 > f0 + r0 and f1 >= f0 - 1
        for part in ("tuning", "tuning_declined_only"):
            f0, r0, _ = _counts(rows[part][BASE + suffix])
            f1, r1, _ = _counts(rows[part][ENGINE + suffix])
            ok &= f1 >= f0 - 1 and r1 >= r0 - 1
    return ok


def lines(n_docs: int, measured: dict) -> list[str]:
    """The round's paragraph and the rule's table (the choice's grid is in ADR 0006)."""
    rows = measured["rows"]
    floor, margin = DECLINED_AT[ENGINE], MARGIN_AT[ENGINE]
    out = [
        f"Twenty-fourth round (ADR 0006): with the spent sets' {measured['taught']} answerable"
        f" questions taught and {measured['declined']} questions to refuse declined, an answer"
        f" is refused for a declined question whose cosine with the question is at least"
        f" {floor:g}, above its cosine with every taught question, and whose relevance to the"
        f" answer's first passage is at least the question's less {margin:g} (chosen on the"
        " spent sets with and without teaching: `python benchmarks/assistant_declined_passage.py"
        " --choice`). Judged on fresh21 (written for this round) as the twenty-third round"
        f" was on fresh20. Shown, not judged: fresh21's {measured['new']} questions that are no"
        " near copy of a spent one.",
        "",
        f"| engine | fresh21, library: found / right | fresh21, {n_docs} documents | tuning,"
        f" library | tuning, {n_docs} documents | tuning, declined only, library | tuning,"
        f" declined only, {n_docs} documents | no near copy, library | no near copy,"
        f" {n_docs} documents | rule |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    passes = verdict(rows)
    for engine in (BASE, ENGINE):
        cells = []
        for part in (JUDGED, "tuning", "tuning_declined_only", "new"):
            for suffix in ("", "_big"):
                r = rows[part][engine + suffix]
                if part in (JUDGED, "new"):
                    found, right, n = _counts(r)
                    cells.append(f"{found} / {right} of {n}")
                else:
                    cells.append(f"{pct(r['recall'])} / {pct(r['refusal'])}")
        rule = "—" if engine == BASE else ("passes" if passes else "fails")
        label = LABELS[engine] if engine == ENGINE else f"{LABELS[BASE]}, spent sets declined"
        out.append(f"| {label} | " + " | ".join(cells) + f" | {rule} |")
    return [*out, ""]


def main() -> int:
    """This round's part of the benchmark alone (``python
    benchmarks/assistant_declined_passage.py [--choice]``)."""
    import bench_assistant as bench

    from sbk.assistant import text

    named = bench.named_parts(bench.read_questions())
    entries, files = bench.library_entries()
    groups = text.parse_synonyms(bench.SYNONYMS.read_text("utf-8"))
    tokenize = retrieval.segmented(groups, retrieval.shared_segmenter())
    library_vectors = dense.Encoder(shipped=None).passages(
        [dense.passage_text(e.title, e.heading, e.text) for e in entries]
    )
    if "--choice" in sys.argv:
        known = embedded(named, SPENT)
        picked = choice(
            named, entries, files, library_vectors, known, tokenize, bench.ask,
            bench.is_labelled, bench.labelled_passage,
        )  # fmt: skip
        for (f, m), (found, right, n) in picked["grid"].items():
            print(f"floor {f} margin {m}: found {found} right {right} of {n}; {found + right}")
        print("chosen", picked["chosen"])
        return 0
    settings = settings_of(bench, entries, files, library_vectors)
    measured = measure(
        named, entries, files, settings, tokenize, bench.evaluate, bench.labelled_passage
    )
    print("\n".join(lines(1000, measured)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
