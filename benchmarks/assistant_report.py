"""The handling assistant benchmark's report (``bench_assistant.py``): the engines compared,
their labels, and the Markdown section written into ``benchmarks/RESULTS.md``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sbk.assistant import dense, learned, retrieval

# The sets written apart, in the order they were written, and the round each was written
# before (its changes measured on it first).
FRESH_ROUNDS = {
    "fresh": "second",
    "fresh2": "third",
    "fresh3": "fifth",
    "fresh4": "seventh",
    "fresh5": "eighth",
    "fresh6": "ninth",
    "fresh7": "tenth",
    "fresh8": "eleventh",
    "fresh9": "twelfth",
    "fresh10": "thirteenth",
    "fresh11": "fourteenth",
    "fresh12": "fifteenth",
    "fresh13": "sixteenth",
    "fresh14": "seventeenth",
    "fresh15": "eighteenth",
    "fresh16": "nineteenth",
    "fresh17": "twentieth",
    "fresh18": "twenty-first",
    "fresh19": "twenty-second",
    "fresh20": "twenty-third",
    "fresh21": "twenty-fourth",
}
FRESH = tuple(FRESH_ROUNDS)
PARTS = ("tuning", "held-out", "all", *FRESH)
# The parts that were not tuned on, where the targets are judged.
UNSEEN = ("held-out", *FRESH)

# The seventh round's cut (``retrieval.KEY_CUT``) for the variants that leave everyday words
# out of the key terms: a general-language idf, chosen on the tuning part (4 to 9 tried;
# 7 refused the most unanswerable questions in both settings).
SEVENTH_CUT = 7.0

# The engines compared on the same index (built with its character index, forward lists and
# a tokenizer holding the Cilin thesaurus), as (fuse, fused gate, expansion, thesaurus
# variant, key terms): the word engine alone; fused with the character ranking by RRF
# (ADR 0006, third round) under the two gates (``retrieval.FUSED_GATE``); with query
# expansion (fourth round); with Cilin synonyms (fifth round, ``sbk/assistant/thesaurus.py``);
# with the gate's key terms weighed by general-language rarity or everyday words left out
# (seventh round, ``sbk/assistant/general_idf.py``: (weighting, cut), None for
# ``retrieval.KEY_WEIGHT`` / ``KEY_CUT``); both rankings judged by the learned gate (eighth
# round, ``sbk/assistant/learned.py``). The floor is the character index alone.
ENGINES = {
    "ours": (False, "word", False, False, None),
    "hybrid": (True, "word", False, False, None),
    "hybrid_either": (True, "either", False, False, None),
    "rm3": (False, "word", "rm3", False, None),
    "rm3_idf": (False, "word", "rm3_idf", False, None),
    "cooc": (False, "word", "cooc", False, None),
    "cilin": (False, "word", False, "cilin", None),
    "cilin_ideal": (False, "word", False, "cilin_ideal", None),
    "cilin_full": (False, "word", False, "cilin_full", None),
    "general": (False, "word", False, False, ("general", 0.0)),
    "mixed": (False, "word", False, False, ("mixed", 0.0)),
    "cut": (False, "word", False, False, ("library", SEVENTH_CUT)),
    "mixed_cut": (False, "word", False, False, ("mixed", SEVENTH_CUT)),
    "learned": (True, "learned", False, False, None),
    "learned_order": (True, "learned_order", False, False, None),
    "meaning": (False, "word", False, False, None),
    "fused": (False, "word", False, False, None),
    "lower_gap": (False, "word", False, False, None),
    "surest": (False, "word", False, False, None),
    "agreed": (False, "word", False, False, None),
    "agreed_floor": (False, "word", False, False, None),
    "veto": (False, "word", False, False, None),
    "spent_gap": (False, "word", False, False, None),
    "taught_match": (False, "word", False, False, None),
    "taught_vouch": (False, "word", False, False, None),
}
# The gap at which meaning admits a question the word gate refused, by engine, as its round
# measured it (thirteenth and fourteenth: 0.045; fifteenth: 0.030, shipped as ``dense.GAP``).
GAPS = {
    "meaning": 0.045,
    "fused": 0.045,
    "lower_gap": 0.030,
    "surest": 0.030,
    "agreed": 0.030,
    "agreed_floor": 0.030,
    "veto": 0.030,
    "spent_gap": 0.020,
    "taught_match": 0.030,
    "taught_vouch": 0.030,
    "declined_match": 0.030,
    "declined_passage": 0.030,
}
# The gap at which a refused question is admitted when meaning's closest passage is the word
# engine's best candidate (``dense.AGREED``), by engine; None elsewhere (seventeenth round:
# any gap; eighteenth: the lowest floor that costs nothing on the tuning part).
AGREED_AT = {
    "agreed": 0.0,
    "agreed_floor": 0.025,
    "veto": 0.025,
    "spent_gap": 0.015,
    "taught_match": 0.025,
    "taught_vouch": 0.025,
    "declined_match": 0.025,
    "declined_passage": 0.025,
}
# The gap below which meaning refuses a question the word gate answered (``dense.VETO``), by
# engine; None elsewhere (nineteenth round: the highest that costs nothing on the tuning part).
VETO_AT = {"veto": 0.005}
# The cosine at which a question is matched to a taught one (``dense.TAUGHT_MATCH``), by
# engine; None elsewhere (twenty-first round: chosen on the spent sets, leave one set out).
TAUGHT_AT = {"taught_match": 0.94}
# The cosine to a passage's taught question its taught words need to pass a question
# (``dense.TAUGHT_VOUCH``), by engine; None elsewhere (twenty-second round: chosen on the spent
# sets, leave one set out, ``assistant_vouch.choice``).
VOUCH_AT = {"taught_vouch": 0.94, "declined_match": 0.94, "declined_passage": 0.94}
# The cosine at which a question is matched to a declined one (``dense.DECLINED_MATCH``), by
# engine; None elsewhere (twenty-third round: chosen on the spent sets, leave one set out,
# ``assistant_declined.choice``; the engines by meaning refuse a declined question's own
# words whatever this says).
DECLINED_AT = {"declined_match": 0.89, "declined_passage": 0.95}
# How much less relevant to the answer's first passage than the question a matched declined
# question may be (``dense.DECLINED_MARGIN``), by engine; None elsewhere (twenty-fourth round:
# chosen on the spent sets with and without teaching, ``assistant_declined_passage.choice``).
MARGIN_AT = {"declined_passage": 0.02}
# How an engine by meaning makes its list (``dense.ORDERS``); the others fill.
ORDER_OF = {"fused": "fused", "surest": "surest"}
LABELS = {
    "ours": "sbk words + bigrams + synonyms",
    "hybrid": "hybrid RRF, gate on the word score",
    "hybrid_either": "hybrid RRF, gate on either score",
    "rm3": "RM3 expansion (10 passages, 10 terms, 0.5)",
    "rm3_idf": "RM3 expansion, terms by P(t\\|R)·idf",
    "cooc": "co-occurrence expansion (NPMI, 10 terms, 0.5)",
    "cilin": "Cilin synonyms at half weight",
    "cilin_ideal": "Cilin at half weight, held synonym leaves the ideal",
    "cilin_full": "Cilin at full weight, held synonym leaves the ideal",
    "general": "key terms by general-language idf",
    "mixed": "key terms by library idf × general idf",
    "cut": f"everyday key terms left out (general idf < {SEVENTH_CUT:g})",
    "mixed_cut": f"library × general idf, everyday key terms left out (< {SEVENTH_CUT:g})",
    "learned": "learned gate over both rankings (logistic)",
    "learned_order": "learned order, the rule gate's refusal",
    "meaning": "word engine, and by meaning (multilingual-e5-small), gap 0.045",
    "fused": "word and meaning rankings fused when the gate answers",
    "lower_gap": "word engine and meaning, admitted at a gap of 0.030",
    "surest": "gap 0.030, the last place for meaning's surest passage",
    "agreed": "gap 0.030, or any when meaning and words agree on the best",
    "agreed_floor": "gap 0.030, or 0.025 when meaning and words agree on the best",
    "veto": "agreed floor, and refused when no passage stands out by 0.005",
    "spent_gap": "gap 0.020, or 0.015 on agreement (chosen on the spent sets)",
    "taught_match": "agreed floor, and a taught question matched at a cosine of 0.94",
    "taught_vouch": "agreed floor, taught words vouching at a cosine of"
    f" {VOUCH_AT['taught_vouch']:g}",
    "declined_match": "taught words vouching, declined questions matched at a cosine of"
    f" {DECLINED_AT['declined_match']:g}",
    "declined_passage": "declined questions matched at"
    f" {DECLINED_AT['declined_passage']:g} where as relevant to the answer's passage, less"
    f" {MARGIN_AT['declined_passage']:g}",
    "floor": "floor: BM25 over single characters",
}


# Each set apart as measured once before the round it was written for (``FRESH_ROUNDS``)
# changed any code (the set written first; the engine of the round before): part → {engine:
# ((recall@3, refusals right) with the library, the same with 1,000 documents)}.
MEASURED_BEFORE = {
    "fresh2": {"ours": ((0.545, 0.606), (0.682, 0.727)), "floor": ((0.727, 0.667), (0.682, 0.697))},
    "fresh3": {"ours": ((0.500, 0.727), (0.636, 0.788)), "floor": ((0.682, 0.758), (0.682, 0.848))},
    "fresh5": {"ours": ((0.773, 0.697), (0.864, 0.727)), "floor": ((0.727, 0.667), (0.682, 0.727))},
    "fresh6": {"ours": ((0.773, 0.818), (0.818, 0.848)), "floor": ((0.818, 0.697), (0.818, 0.758))},
    "fresh7": {"ours": ((0.227, 0.455), (0.409, 0.576)), "floor": ((0.545, 0.636), (0.545, 0.697))},
    "fresh8": {"ours": ((0.545, 0.667), (0.727, 0.788)), "floor": ((0.500, 0.697), (0.682, 0.818))},
    "fresh9": {"ours": ((0.500, 0.727), (0.727, 0.848)), "floor": ((0.591, 0.636), (0.636, 0.818))},
    "fresh10": {"ours": ((0.318, 0.576), (0.591, 0.758)), "floor": ((0.636, 0.727), (0.682, 0.879))},
    # From fresh11 on, the engine before the round ranks by meaning too (thirteenth round).
    "fresh11": {"ours": ((0.567, 0.733), (0.700, 0.778)), "floor": ((0.600, 0.711), (0.700, 0.867))},
    "fresh12": {"ours": ((0.433, 0.622), (0.600, 0.689)), "floor": ((0.533, 0.622), (0.633, 0.867))},
    # From fresh13 on, the engine before the round admits by meaning at a gap of 0.030.
    "fresh13": {"ours": ((0.733, 0.756), (0.733, 0.711)), "floor": ((0.467, 0.578), (0.467, 0.667))},
    "fresh14": {"ours": ((0.567, 0.533), (0.567, 0.578)), "floor": ((0.433, 0.489), (0.433, 0.556))},
    "fresh15": {"ours": ((0.667, 0.711), (0.633, 0.733)), "floor": ((0.633, 0.711), (0.667, 0.889))},
    # From fresh16 on, the engine before the round admits by agreement at 0.025 too.
    "fresh16": {"ours": ((0.800, 0.778), (0.800, 0.822)), "floor": ((0.700, 0.711), (0.700, 0.778))},
    "fresh17": {"ours": ((0.833, 0.778), (0.767, 0.644)), "floor": ((0.633, 0.578), (0.733, 0.711))},
    "fresh18": {"ours": ((0.633, 0.667), (0.667, 0.667)), "floor": ((0.533, 0.489), (0.633, 0.711))},
    "fresh19": {"ours": ((0.862, 0.698), (0.897, 0.767)), "floor": ((0.724, 0.605), (0.793, 0.721))},
}  # fmt: skip


def results_body(
    rows,
    files,
    entries,
    n_docs,
    n_pass,
    floor_t,
    lat,
    segment_time,
    build,
    n_tuning,
    n_held,
    taught=None,
    rounds=(),
) -> str:
    a = rows["all"]["ours"]
    default = default_engine()
    columns = [*ENGINES, "floor"]
    head = " | ".join(LABELS[c] + (" (default)" if c == default else "") for c in columns)
    lines = [
        "## Handling assistant (办理智能小助手)",
        "",
        f"Machine: {_machine()}; one core (the process is pinned); load average while"
        f" measuring {os.getloadavg()[0]:.1f} (the machine is shared).",
        f"Question set: `benchmarks/assistant_questions.tsv`, {a['answerable']} answerable questions",
        f"labelled with their passage and {a['must_refuse']} that must be refused, over the",
        f"{len(files)} documents of `sbk/assistant/library/` ({len(entries)} passages). Every 4th",
        f"question ({n_held}) is held out; the other {n_tuning} were tuned on; and {len(FRESH)} sets",
        f"written apart and never tuned on: {_sets_apart(rows)}; fresh7 … {FRESH[-1]} were"
        " written by other writers, given only the documents.",
        f'"{n_docs} documents": the library plus {n_docs - len(files)} generated policy documents',
        "on the services a centre sits beside (housing fund, employment, unemployment, medical,",
        "pension, work-injury and maternity insurance, training, talent, disputes, assistance;",
        f"`sbk/assistant/tests/filler.py`), split like real files: {n_pass} passages. With them",
        "loaded, a question the library cannot answer may rightly be answered from a filler",
        "document on its topic (失业金): it counts right when refused or answered from no library",
        "document; strict refusals are shown too.",
        "",
        "Engines, all on the same index and the same refusal gate (relative score ≥ "
        f"{retrieval.THRESHOLD}, key-term coverage ≥ {retrieval.COVERAGE}):",
        "the word engine of the earlier rounds; the **hybrid** (third round): its ranking fused",
        f"with a BM25 ranking over single characters by reciprocal-rank fusion (k = {retrieval.RRF_K}),",
        "the gate judging the fused candidates, its score threshold checked on the word score",
        "or on either score; query expansion (fourth round, `sbk/assistant/expansion.py`): the",
        "question expanded by **RM3** pseudo-relevance feedback (its first ranking's 10 best",
        "passages, their 10 most likely words, the question keeping half its weight; terms by",
        "P(t|R), or by P(t|R)·idf) or by the 10 words that **co-occur** with its words in the",
        "library's passages beyond chance (normalised PMI), then ranked again — the gate judging",
        "the question's own score and key terms, never an expansion term; Cilin synonyms (fifth",
        "round, `sbk/assistant/thesaurus.py`): a question word's true synonyms (哈工大同义词词林扩展版,",
        "finest-level `=` groups, 2+ characters; not for a word of the centre's list) scored",
        "beside it at half or full word weight, never in the ideal score nor key terms; in two",
        "variants a word no passage holds leaves the ideal when one of its synonyms is held;",
        "the gate's key terms weighed by general-language rarity (seventh round,",
        "`sbk/assistant/general_idf.py`, jieba's shipped idf table): a key term's weight in the",
        "coverage is its general idf instead of the library's, or the product of the two, or the",
        f"library's with the everyday key terms (general idf < {SEVENTH_CUT:g}) left out;",
        "the **learned gate** (eighth round, `sbk/assistant/learned.py`): the first 10 of the",
        "word ranking and of the character ranking ordered by a logistic regression's",
        "probability that a candidate answers, refused below its fitted threshold (its own gate,",
        "not the rule one); the **learned order** (ninth round): the same probability orders the",
        "candidates, and the question is refused exactly when the word engine's rule gate refuses",
        "it; the word engine **and by meaning** (thirteenth round, `sbk/assistant/dense.py`,",
        f"{dense.MODEL}): its passages first, filled to three by the closest passages by",
        "meaning, and where its gate refuses, those passages when the best stands out from the",
        f"{dense.REFERENCE}th closest by {dense.GAP:g} in cosine;",
        "and the floor (the character ranking alone, its own threshold).",
        "",
        f"| | part | {head} |",
        "| --- | --- |" + " --- |" * len(columns),
    ]
    for part in PARTS:
        r = rows[part]

        def row(name, fmt, big=False, r=r, part=part):
            cells = " | ".join(fmt(r[c + ("_big" if big else "")]) for c in columns)
            return f"| {name} | {part} | {cells} |"

        lines += [
            row("recall@3, library", lambda x: pct(x["recall"])),
            row("refusals right, library", lambda x: pct(x["refusal"])),
            row(
                "— unanswerable refused / answerable answered",
                lambda x: f"{pct(x['refused_right'])} / {pct(x['answered_right'])}",
            ),
            row(f"recall@3, {n_docs} documents", lambda x: pct(x["recall"]), big=True),
            row(f"refusals right, {n_docs} documents", lambda x: pct(x["refusal"]), big=True),
            row(
                "— unanswerable refused (strict) / not answered from the library",
                lambda x: f"{pct(x['refused_strict'])} / {pct(x['refused_right'])}",
                big=True,
            ),
        ]
    thresholds = [
        f"probability ≥ {learned.shipped().threshold:g} (fitted)"
        if ENGINES[c][1] == "learned"
        else f"{retrieval.THRESHOLD} (rule gate; learned order)"
        if ENGINES[c][1] == "learned_order"
        else str(retrieval.THRESHOLD)
        for c in ENGINES
    ] + [f"{floor_t} (best on tuning)"]
    wall = [f"{lat[c]['p50']:.1f} / {lat[c]['p95']:.1f} / {lat[c]['max']:.1f} ms" for c in columns]
    cpu = [f"{lat[c]['cpu_p50']:.1f} / {lat[c]['cpu_p95']:.1f} ms" for c in columns]
    lines += [
        f"| refusal threshold (relative score) | | {' | '.join(thresholds)} |",
        f"| latency p50 / p95 / max per question (wall), {n_docs} documents | all parts |"
        f" {' | '.join(wall)} |",
        f"| CPU time p50 / p95 per question, {n_docs} documents | all parts | {' | '.join(cpu)} |",
        "",
        f"Index, {n_docs} documents ({n_pass} passages), built once per process and library change:",
        f"segmenting every passage (once, when loaded) {segment_time:.1f} s. Build (wall / CPU):",
        f"the word index from the stored terms {_secs(build['ours'])}, postings"
        f" {build['ours_mb']:.1f} MB; the character index alone {_secs(build['chars'])}; both"
        f" (hybrid) {_secs(build['hybrid'])}, postings {build['hybrid_mb']:.1f} MB, of which the"
        f" character index {build['chars_mb']:.1f} MB ({build['chars_vocab']} terms). The"
        f" character index keeps {build['chars_kept_mb']:.1f} MB (postings and vocabulary,"
        f" tracemalloc) and peaks at {build['chars_peak_mb']:.1f} MB while built. The word index"
        f" with the forward lists expansion reads {_secs(build['rm3'])}, of which the forward"
        f" lists {build['forward_mb']:.1f} MB. The general-language idf table (seventh round,"
        f" {build['general_idf_words']} words) is read once per process when first used,"
        f" {_secs(build['general_idf'])}, and keeps {build['general_idf_mb']:.1f} MB"
        " (tracemalloc).",
        "",
        "Targets (issue 20), met or not on every part (the default engine first; the tuning"
        " part was tuned on, the others were not):",
        "",
        *_target_lines(rows, n_docs, lat, default),
        "",
        *_before_lines(n_docs),
        "",
        "Third round (ADR 0006): the hybrid was to become the default only if it beat the word",
        "engine on the tuning part. It did not (tuning part, recall@3 / refusals right, library ·"
        f" {n_docs} documents: word engine {_short(rows, 'tuning', 'ours')}; hybrid with the word"
        f" gate {_short(rows, 'tuning', 'hybrid')}; with either gate"
        f" {_short(rows, 'tuning', 'hybrid_either')}), so the default is"
        f" **{LABELS[default]}** and the hybrid's figures above are a measured result, not the"
        f" engine in use (fresh2 with the default now: {_short(rows, 'fresh2', default)}). The",
        "held-out and fresh parts were read only after that choice; fresh2's individual misses",
        "are not listed here, so that it can measure a next round unseen.",
        "",
        "Fourth round (ADR 0006): query expansion was to become the default only if a variant",
        "beat the word engine on the tuning part (recall@3 and refusals right, library and"
        f" {n_docs} documents, none worse). Tuning part: word engine {_short(rows, 'tuning', 'ours')};"
        f" RM3 {_short(rows, 'tuning', 'rm3')}; RM3 by idf {_short(rows, 'tuning', 'rm3_idf')};"
        f" co-occurrence {_short(rows, 'tuning', 'cooc')}. Default: **{LABELS[default]}**"
        f" (`retrieval.EXPANSION = {retrieval.EXPANSION!r}`); the other parts were read after.",
        "",
        "Fifth round (ADR 0006): a Cilin variant was to become the default only if, on the",
        f"tuning part (library and {n_docs} documents), its recall@3 and refusals right were both",
        "at least the word engine's and one of them higher. Tuning part: word engine"
        f" {_short(rows, 'tuning', 'ours')}; half weight {_short(rows, 'tuning', 'cilin')};"
        f" half weight, leaving the ideal {_short(rows, 'tuning', 'cilin_ideal')}; full weight"
        f" {_short(rows, 'tuning', 'cilin_full')}. Default: **{LABELS[default]}**"
        f" (`retrieval.THESAURUS = {retrieval.THESAURUS!r}`); the other parts were read after;"
        " fresh3's individual misses are not listed.",
        "",
        *(_taught_lines(taught, n_docs) if taught else []),
        *rounds,
        "Earlier rounds (ADR 0006, 'Second round'): question wording stripped, answer types,",
        "the gate's weights, attachments; the stricter gate that won on the tuning part",
        "(coverage 0.5, unknown word as its rarest character) lost on every unseen part and",
        "was not kept.",
        "",
        "Latency: the wall time includes waiting for a core on a shared machine; the CPU",
        "time is the cost of a question on one core.",
        "Questions missed by sbk († held out), library: "
        + ("、".join(_mark(q, rows) for q in rows["all"][default]["misses"]) or "无")
        + ".",
        f"Questions missed by sbk († held out), {n_docs} documents: "
        + ("、".join(_mark(q, rows) for q in rows["all"][default + "_big"]["misses"]) or "无")
        + ".",
        "Fresh questions missed by sbk, library: "
        + ("、".join(rows["fresh"][default]["misses"]) or "无")
        + ".",
        f"Fresh questions missed by sbk, {n_docs} documents: "
        + ("、".join(rows["fresh"][default + "_big"]["misses"]) or "无")
        + ".",
    ]
    return "\n".join(lines) + "\n"


def _sets_apart(rows) -> str:
    """Each set apart with its size and the round it was written before."""
    first, *later = FRESH
    described = [f"**{first}** ({len(rows[first]['questions'])}, {FRESH_ROUNDS[first]} round)"]
    described += [
        f"**{p}** ({len(rows[p]['questions'])}: {rows[p]['ours']['answerable']} answerable,"
        f" {rows[p]['ours']['must_refuse']} to refuse, {FRESH_ROUNDS[p]} round)"
        for p in later
    ]
    return ", ".join(described[:-1]) + " and " + described[-1]


def default_engine() -> str:
    """The engine (``ENGINES``) the module constants make the default."""
    default = "hybrid" if retrieval.HYBRID else "ours"
    if retrieval.HYBRID and retrieval.FUSED_GATE == "either":
        default = "hybrid_either"
    if retrieval.EXPANSION is not None and not retrieval.HYBRID:
        default = retrieval.EXPANSION
    if retrieval.THESAURUS is not None:
        default = retrieval.THESAURUS
    if retrieval.HYBRID and retrieval.FUSED_GATE in retrieval.LEARNED_GATES:
        default = retrieval.FUSED_GATE
    if retrieval.KEY_CUT:
        default = "cut" if retrieval.KEY_WEIGHT == "library" else "mixed_cut"
    elif retrieval.KEY_WEIGHT != "library":
        default = retrieval.KEY_WEIGHT
    if dense.ON:
        # Beside the word engine as shipped (the thirteenth round measured it beside "ours"):
        # the engine by meaning whose settings, as ``bench_assistant.ask`` makes them, are
        # dense's own.
        default = "fused" if dense.ORDER == "fused" else "meaning"
        shipped = (
            dense.GAP, dense.ORDER, dense.AGREED, dense.VETO, dense.TAUGHT_MATCH,
            dense.TAUGHT_VOUCH,
        )  # fmt: skip
        for engine, gap in GAPS.items():
            made = (
                gap,
                ORDER_OF.get(engine, "fill"),
                AGREED_AT.get(engine),
                VETO_AT.get(engine),
                TAUGHT_AT.get(engine),
                VOUCH_AT.get(engine),
            )
            if made == shipped:
                default = engine
                break  # the first round to measure these settings names them
    return default


# The parts measured before and after teaching (sixth round), and what each says.
TAUGHT_LABELS = {
    "taught": "(a) the taught questions, asked again",
    "fresh3": "(b) fresh3, untaught (other wordings)",
    "fresh4": "(b) fresh4, untaught (other wordings)",
    "tuning": "(c) tuning part",
    "held-out": "(c) held-out part",
    "fresh": "fresh, whole (its taught misses included)",
    "fresh2": "fresh2, whole (its taught misses included)",
}


def _taught_lines(taught: dict, n_docs: int) -> list[str]:
    """Sixth round: the word engine before / after the centre teaches the misses of fresh
    and fresh2 their labelled passages (``bench_assistant.taught_rows``)."""
    lib, big = taught["library"], taught["big"]
    lines = [
        "Sixth round (ADR 0006): teaching (教小助手). The word engine's misses on fresh and"
        " fresh2 — answerable questions whose passage is not among the first three — are each",
        "linked to their labelled passage, as a centre would from its unanswered list, and the"
        " index is built again with each taught question's terms as a field of its passage",
        f"(`sbk/assistant/taught.py`). Taught: {lib['n']} questions with the library alone,"
        f" {big['n']} with {n_docs} documents (each setting its own misses). Word engine,"
        " recall@3 / refusals right (unanswerable refused, strict), before → after:",
        "",
        f"| part | library, before | library, after | {n_docs} documents, before |"
        f" {n_docs} documents, after |",
        "| --- | --- | --- | --- | --- |",
    ]

    def cell(x: dict) -> str:
        out = f"{pct(x['recall'])} / {pct(x['refusal'])}"
        if x["must_refuse"]:
            out += f" ({pct(x['refused_strict'])})"
        return out

    for part, label in TAUGHT_LABELS.items():
        cells = [
            cell(lib["before"][part]),
            cell(lib["after"][part]),
            cell(big["before"][part]),
            cell(big["after"][part]),
        ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def pct(x: float) -> str:
    return f"{x * 100:.1f} %"


def _secs(wall_cpu: tuple[float, float]) -> str:
    return f"{wall_cpu[0]:.1f} / {wall_cpu[1]:.1f} s"


def _short(rows, part: str, engine: str) -> str:
    """recall@3 / refusals right, library · 1,000 documents."""
    lib, big = rows[part][engine], rows[part][engine + "_big"]
    return f"{pct(lib['recall'])} / {pct(lib['refusal'])} · {pct(big['recall'])} / {pct(big['refusal'])}"


def _before_lines(n_docs: int) -> list[str]:
    """Each set apart as measured before its round (``MEASURED_BEFORE``)."""

    def figures(measured) -> str:
        (lr, lf), (br, bf) = measured
        return f"{pct(lr)} / {pct(lf)} (library), {pct(br)} / {pct(bf)} ({n_docs} documents)"

    return [
        f"{part} before the {FRESH_ROUNDS[part]} round changed any code (written first,"
        f" measured once): sbk {figures(before['ours'])}; floor {figures(before['floor'])}."
        for part, before in MEASURED_BEFORE.items()
    ]


def _target_lines(rows, n_docs, lat, default: str) -> list[str]:
    """Each target on each part, for every engine: met or not."""
    engines = list(dict.fromkeys([default, *ENGINES]))

    def verdict(value: float, ok: bool) -> str:
        return f"{value} — met" if ok else f"{value} — **not met**"

    out = [
        "| part, documents | target | " + " | ".join(LABELS[e] for e in engines) + " |",
        "| --- | --- |" + " --- |" * len(engines),
    ]
    for part in ("tuning", *UNSEEN):
        for setting, suffix in (("library", ""), (f"{n_docs} documents", "_big")):
            for name, key in (("recall@3 ≥ 90 %", "recall"), ("refusals right ≥ 90 %", "refusal")):
                cells = [rows[part][e + suffix][key] for e in engines]
                out.append(
                    f"| {part}, {setting} | {name} | "
                    + " | ".join(verdict(pct(v), v >= 0.9) for v in cells)
                    + " |"
                )
    cells = [lat[e]["p95"] for e in engines]
    out.append(
        f"| all, {n_docs} documents | p95 latency < 100 ms | "
        + " | ".join(verdict(f"{v:.1f} ms", v < 100) for v in cells)
        + " |"
    )
    return out


def _mark(question: str, rows) -> str:
    held = {q + suffix for q in rows["held-out"]["questions"] for suffix in ("", "（应拒答）")}
    return question + ("†" if question in held else "")


def _machine() -> str:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from results import machine

    return machine()
