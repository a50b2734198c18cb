"""Twenty-second round (ADR 0006): taught words vouch only for a question close to a taught one
(``sbk/assistant/by_meaning.py``, ``vouched``; ``dense.TAUGHT_VOUCH``).

The twenty-first round showed that the words a taught question brings to its passage draw in
questions to refuse (护照加急要几天 through 护照 of a question taught to 外籍人员). Here a
passage the rule gate passes only through its taught words (its own words would not pass
the question) answers only when the question's cosine with one of the passage's taught
questions reaches a floor.

As in the twenty-first round, the spent sets' answerable questions (``TAUGHT_FROM``) stand in
for what a centre has taught. The floor is chosen on the spent sets alone (``choice``): each
set asked of the library with the other sets taught (leave one set out), the engine shipped
with taught words vouching at each floor of ``GRID`` or always (None); chosen, the floor with
the most answers found plus right decisions, ties to the lower. Judged on the sets apart that
no choice has seen (``JUDGED``: fresh16 … fresh19, fresh19 written for this round), none of
their questions taught, against the engine shipped with the same questions taught; and on
those of their questions that are not near copies of a taught one (``NEAR``), so that what
the round gives new wordings is not hidden by what repetition gives.
"""

from __future__ import annotations

import dataclasses
import difflib

from assistant_report import LABELS, VOUCH_AT
from assistant_rounds import pct, pooled, tuning_cells
from assistant_taught import BASE, TAUGHT_FROM, spent_vectors, taught_pool

from sbk.assistant import dense, retrieval

ENGINE = "taught_vouch"
JUDGED = ("fresh16", "fresh17", "fresh18", "fresh19")
# The floors tried (leave one set out over ``TAUGHT_FROM``); None: taught words always vouch.
GRID = (None, *(round(0.88 + 0.01 * i, 2) for i in range(9)))
# The recall@3: the answers found may fall, not below this share (ADR 0006).
RECALL = 0.9
# A question is a near copy of a taught one at this difflib ratio or above.
NEAR = 0.8


def taught_index(entries, pool, tokenize, vectors, taught_vectors, **options) -> retrieval.Index:
    """The index of ``entries`` with ``pool``'s questions (question, position) taught;
    ``options``: more of ``retrieval.Index``'s (the twenty-third round's declined)."""
    taught: dict[int, list[str]] = {}
    for question, at in pool:
        taught.setdefault(at, []).append(question)
    with_taught = [
        dataclasses.replace(e, taught=tuple(taught[i])) if i in taught else e
        for i, e in enumerate(entries)
    ]
    return retrieval.Index(
        with_taught, tokenize, characters=False, feedback=False,
        vectors=vectors, taught_vectors=taught_vectors, **options,
    )  # fmt: skip


def choice(named, entries, files, vectors, tokenize, evaluate, labelled_passage) -> dict:
    """For each floor of ``GRID``: answers found, right decisions and questions, summed over
    the spent sets, each asked with the other spent sets taught (library alone); and the
    floor chosen (the most found + right, ties to the lower; None lowest). ``vectors``: the
    library's passages' and the spent questions' embeddings."""
    library_vectors, taught_vectors = vectors
    grid = {floor: [0, 0, 0] for floor in GRID}
    for name in TAUGHT_FROM:
        others = [s for s in TAUGHT_FROM if s != name]
        pool = taught_pool(named, others, entries, files, labelled_passage)
        index = taught_index(entries, pool, tokenize, library_vectors, taught_vectors)
        for floor in GRID:
            r = evaluate(index, named[name], files, retrieval.THRESHOLD, BASE, vouch=floor)
            n = r["answerable"] + r["must_refuse"]
            grid[floor][0] += round(r["recall"] * r["answerable"])
            grid[floor][1] += round(r["refusal"] * n)
            grid[floor][2] += n
    best = max(grid[f][0] + grid[f][1] for f in GRID)
    chosen = next(f for f in GRID if grid[f][0] + grid[f][1] == best)
    return {"grid": {f: tuple(v) for f, v in grid.items()}, "chosen": chosen}


def near_copy(question: str, taught: list[str]) -> bool:
    """Whether ``question`` is a near copy of one of ``taught`` (difflib ratio ≥ ``NEAR``)."""
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(question)
    for other in taught:
        matcher.set_seq1(other)
        if matcher.real_quick_ratio() >= NEAR and matcher.ratio() >= NEAR:
            return True
    return False


def parts(named, taught: list[str]) -> dict[str, list]:
    """The parts the round measures: the tuning part, each judged set, the judged sets'
    questions that are no near copy of a taught one (``new``), and the taught questions
    asked again (``again``)."""
    judged = [q for name in JUDGED for q in named[name]]
    again = [(q, f, h) for name in TAUGHT_FROM for q, f, h in named[name] if f]
    return {
        "tuning": named["tuning"],
        **{name: named[name] for name in JUDGED},
        "new": [q for q in judged if not near_copy(q[0], taught)],
        "again": again,
    }


def measure(named, entries, files, settings, tokenize, evaluate, labelled_passage, vectors):
    """The round's figures. ``settings``: (suffix, entries, vectors) for the library alone
    ("") and with the filler ("_big"); ``vectors``: the spent questions' embeddings
    (``assistant_taught.spent_vectors``)."""
    pool = taught_pool(named, TAUGHT_FROM, entries, files, labelled_passage)
    both = (settings[0][2], vectors)
    picked = choice(named, entries, files, both, tokenize, evaluate, labelled_passage)
    measured = parts(named, [q for q, _ in pool])
    rows: dict[str, dict] = {p: {} for p in measured}
    for suffix, setting_entries, setting_vectors in settings:
        index = taught_index(setting_entries, pool, tokenize, setting_vectors, vectors)
        for part, qs in measured.items():
            for engine in (BASE, ENGINE):
                rows[part][engine + suffix] = evaluate(
                    index, qs, files, retrieval.THRESHOLD, engine
                )
    return {"rows": rows, "choice": picked, "taught": len(pool), "new": len(measured["new"])}


def lines(n_docs: int, measured: dict) -> list[str]:
    """The round's paragraph, the choice's grid and the rule's table."""
    rows, picked, n = measured["rows"], measured["choice"], measured["taught"]
    floor = VOUCH_AT[ENGINE]

    def shown(f):
        return "always" if f is None else f"{f:.2f}"

    grid = " · ".join(
        f"{shown(f)}: {found} + {right} of {total}"
        for f, (found, right, total) in picked["grid"].items()
    )
    same = "" if picked["chosen"] == floor else f" (measured here: {shown(picked['chosen'])})"
    out = [
        f"Twenty-second round (ADR 0006): with the spent sets' {n} answerable questions taught"
        " (as in the twenty-first round), a passage the gate passes only through its taught"
        " words answers only when the question's cosine with one of its taught questions is at"
        f" least {floor:g}{same}. The floor was chosen on the spent sets alone, each set asked"
        " with the other sets taught, by answers found plus right decisions (found + right of"
        f" questions, by floor: {grid}). Judged against the engine shipped with the same"
        " questions taught, pooled over fresh16–fresh19 (none taught, none seen by the"
        " choice; fresh19 written for this round): found plus right decisions higher in each"
        f" setting, the answers found at least {RECALL:g} of the answerable questions (the"
        " issue's recall@3: the round trades answers drawn in by taught words for refusals);"
        " on the tuning part (not taught) neither figure down by more than one question."
        " Also shown, not judged: the"
        f" {measured['new']} questions of fresh16–19 that are no near copy of a taught one"
        f" (difflib ratio below {NEAR:g}), and the taught questions asked again.",
        "",
        f"| engine | tuning, library | tuning, {n_docs} documents | fresh16–19, library:"
        f" found / right decisions | fresh16–19, {n_docs} documents | no near copy, library |"
        f" no near copy, {n_docs} documents | the taught questions asked again, library |"
        " rule |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for engine, label in ((BASE, f"{LABELS[BASE]}, {n} taught"), (ENGINE, LABELS[ENGINE])):
        cells, kept = tuning_cells(rows, engine, BASE)
        judged, better = judged_cells(rows, engine)
        for suffix in ("", "_big"):
            found, right, total = pooled(rows, engine, suffix, ("new",))
            judged.append(f"{found} / {right} of {total}")
        again = rows["again"][engine]
        cells += [*judged, f"{pct(again['recall'])} of {again['answerable']}"]
        verdict = "—" if engine == BASE else ("passes" if kept and better else "fails")
        out.append(f"| {label} | " + " | ".join(cells) + f" | {verdict} |")
    return [*out, ""]


def judged_cells(rows, engine: str) -> tuple[list[str], bool]:
    """``engine``'s answers found / right decisions pooled over ``JUDGED`` in both settings,
    and whether, in each, their sum is above ``BASE``'s and the answers found are at least
    ``RECALL`` of the answerable questions (this round's rule, ADR 0006)."""
    cells, passes = [], True
    for suffix in ("", "_big"):
        found, right, total = pooled(rows, engine, suffix, JUDGED)
        was_found, was_right, _ = pooled(rows, BASE, suffix, JUDGED)
        answerable = sum(rows[p][engine + suffix]["answerable"] for p in JUDGED)
        cells.append(f"{found} / {right} of {total}")
        passes &= found + right > was_found + was_right and found >= RECALL * answerable
    return cells, passes


def print_choice(named, entries, files, tokenize, evaluate, labelled_passage) -> int:
    """``choice`` alone, printed (``bench_assistant.py --vouch-choice``): the library's
    passages embedded by the model itself, as the benchmark does."""
    library_vectors = dense.Encoder(shipped=None).passages(
        [dense.passage_text(e.title, e.heading, e.text) for e in entries]
    )
    _, vectors = spent_vectors(named, entries, files, labelled_passage)
    both = (library_vectors, vectors)
    picked = choice(named, entries, files, both, tokenize, evaluate, labelled_passage)
    for floor, (found, right, total) in picked["grid"].items():
        print(f"{floor}: found {found} right {right} of {total}; sum {found + right}")
    print("chosen", picked["chosen"])
    return 0
