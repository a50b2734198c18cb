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

from assistant_declined import (
    embedded,
    index_of,
    judged_rows,
    library_setup,
    print_judged,
    refused_of,
    table,
)
from assistant_report import DECLINED_AT, FRESH, MARGIN_AT
from assistant_taught import taught_pool

from sbk.assistant import retrieval

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
    return judged_rows(
        named, entries, files, settings, tokenize, evaluate, labelled_passage, known,
        (SPENT, JUDGED, ENGINE),
    )  # fmt: skip


def lines(n_docs: int, measured: dict) -> list[str]:
    """The round's paragraph and the rule's table (the choice's grid is in ADR 0006)."""
    floor, margin = DECLINED_AT[ENGINE], MARGIN_AT[ENGINE]
    paragraph = (
        f"Twenty-fourth round (ADR 0006): with the spent sets' {measured['taught']} answerable"
        f" questions taught and {measured['declined']} questions to refuse declined, an answer"
        f" is refused for a declined question whose cosine with the question is at least"
        f" {floor:g}, above its cosine with every taught question, and whose relevance to the"
        f" answer's first passage is at least the question's less {margin:g} (chosen on the"
        " spent sets with and without teaching: `python benchmarks/assistant_declined_passage.py"
        " --choice`). Judged on fresh21 (written for this round) as the twenty-third round"
        f" was on fresh20. Shown, not judged: fresh21's {measured['new']} questions that are no"
        " near copy of a spent one."
    )
    return [paragraph, "", *table(n_docs, measured["rows"], JUDGED, ENGINE), ""]


def main() -> int:
    """This round's part of the benchmark alone (``python
    benchmarks/assistant_declined_passage.py [--choice]``)."""
    import bench_assistant as bench

    named, entries, files, tokenize, library_vectors = library_setup(bench)
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
    return print_judged(bench, (named, entries, files, tokenize, library_vectors), measure, lines)


if __name__ == "__main__":
    sys.exit(main())
