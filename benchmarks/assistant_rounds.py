"""The assistant benchmark's rounds seven to nine (ADR 0006): each rule fixed before its run,
and what it decided, as lines of the RESULTS.md section (``results_body(rounds=...)``);
``rule_rows`` is the ninth round's rule, which the later rounds (``assistant_lexicon``) keep.
"""

from __future__ import annotations

from assistant_report import LABELS, SEVENTH_CUT, UNSEEN, default_engine, pct

from sbk.assistant import learned, retrieval

# The parts the seventh round pooled (fresh5 came after it).
SEVENTH_APART = ("held-out", "fresh", "fresh2", "fresh3", "fresh4")
# The parts the learned gate (eighth round) was never trained on.
EIGHTH_APART = ("held-out", "fresh4", "fresh5")
# The parts the ninth round pooled (its model was never trained on them).
NINTH_APART = ("held-out", "fresh4", "fresh5", "fresh6")


def lines(rows, n_docs: int) -> list[str]:
    return [
        *_seventh_lines(rows, n_docs),
        *_eighth_lines(rows, n_docs),
        *_ninth_lines(rows, n_docs),
    ]


# The seventh round's variants (``ENGINES``), compared with the word engine.
SEVENTH = ("general", "mixed", "cut", "mixed_cut")


def pooled(rows, engine: str, suffix: str, parts=UNSEEN) -> tuple[int, int, int]:
    """(answerable questions found in the first three, right refuse/answer decisions,
    questions) summed over ``parts``."""
    found = right = total = 0
    for part in parts:
        x = rows[part][engine + suffix]
        n = x["answerable"] + x["must_refuse"]
        found += round(x["recall"] * x["answerable"])
        right += round(x["refusal"] * n)
        total += n
    return found, right, total


def _seventh_lines(rows, n_docs: int) -> list[str]:
    """Seventh round: the rule fixed before the run (ADR 0006), and what it decides."""
    lines = [
        "Seventh round (ADR 0006): the gate's key terms weighed by general-language rarity."
        " A variant was to become the default only if (1) on the tuning part, library and"
        f" {n_docs} documents, neither recall@3 nor refusals right fell by more than one"
        " question, (2) pooled over the five parts apart (held-out, fresh, fresh2, fresh3,"
        " fresh4), in both settings, more answerable questions were found in the first three"
        " and no fewer decisions were right, and (3) fresh4 fell on neither figure in either"
        " setting. fresh4 was written before any code of the round changed and first run in"
        " this benchmark; its individual misses are not listed.",
        "",
        "| engine | tuning, library | tuning, "
        f"{n_docs} documents | parts apart, library: found / right decisions | parts apart,"
        f" {n_docs} documents | fresh4, library | fresh4, {n_docs} documents | rule |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    base = {s: pooled(rows, "ours", s, SEVENTH_APART) for s in ("", "_big")}
    for engine in ("ours", *SEVENTH):
        cells = []
        for suffix in ("", "_big"):
            x = rows["tuning"][engine + suffix]
            cells.append(f"{pct(x['recall'])} / {pct(x['refusal'])}")
        passes = engine != "ours"
        for suffix in ("", "_big"):
            found, right, total = pooled(rows, engine, suffix, SEVENTH_APART)
            cells.append(f"{found} / {right} of {total}")
            passes &= found > base[suffix][0] and right >= base[suffix][1]
        for suffix in ("", "_big"):
            x, o = rows["fresh4"][engine + suffix], rows["fresh4"]["ours" + suffix]
            cells.append(f"{pct(x['recall'])} / {pct(x['refusal'])}")
            passes &= x["recall"] >= o["recall"] and x["refusal"] >= o["refusal"]
        for suffix in ("", "_big"):
            x, o = rows["tuning"][engine + suffix], rows["tuning"]["ours" + suffix]
            n = x["answerable"] + x["must_refuse"]
            passes &= round((o["recall"] - x["recall"]) * x["answerable"]) <= 1
            passes &= round((o["refusal"] - x["refusal"]) * n) <= 1
        verdict = "—" if engine == "ours" else ("passes" if passes else "fails")
        lines.append(f"| {LABELS[engine]} | " + " | ".join(cells) + f" | {verdict} |")
    lines += [
        "",
        f"The cut ({SEVENTH_CUT:g}) was chosen on the tuning part. Default:"
        f" **{LABELS[default_engine()]}** (`retrieval.KEY_WEIGHT = {retrieval.KEY_WEIGHT!r}`,"
        f" `retrieval.KEY_CUT = {retrieval.KEY_CUT!r}`).",
    ]
    return [*lines, ""]


def _eighth_lines(rows, n_docs: int) -> list[str]:
    """Eighth round: the learned gate, under the rule fixed before the run (ADR 0006)."""
    gate = learned.shipped()
    lines = [
        "Eighth round (ADR 0006): a gate learned from the labelled questions"
        " (`sbk/assistant/learned.py`; `benchmarks/train_gate.py` fits it). Features of each"
        " candidate: " + ", ".join(f"`{f}`" for f in learned.FEATURES) + f"; trained on"
        f" {gate.trained_on}; the threshold that made the most of recall@3 plus right"
        f" decisions on those questions: {gate.threshold:g}"
        + (
            " (never refuse: no threshold separated the questions to refuse from the others"
            " better than answering all)."
            if gate.threshold <= 0
            else "."
        )
        + " It was to become the default only if (1) on fresh5, in both settings, neither"
        " recall@3 nor refusals right fell below the word engine's and (2) pooled over the"
        " parts it was never trained on (held-out, fresh4, fresh5), in both settings, it"
        " found more answerable questions in the first three with no fewer right decisions."
        " fresh5 was written before any code of the round and measured once before it"
        " (above); while the features were chosen, an early fit's figures on held-out and"
        " fresh4 were looked at, and fresh5's key terms (not its answers) were printed once.",
        "",
        f"| engine | fresh5, library | fresh5, {n_docs} documents | never trained on, library:"
        f" found / right decisions | never trained on, {n_docs} documents | rule |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    base = {s: pooled(rows, "ours", s, EIGHTH_APART) for s in ("", "_big")}
    for engine in ("ours", "learned"):
        cells, passes = [], engine != "ours"
        for suffix in ("", "_big"):
            x, o = rows["fresh5"][engine + suffix], rows["fresh5"]["ours" + suffix]
            cells.append(f"{pct(x['recall'])} / {pct(x['refusal'])}")
            passes &= x["recall"] >= o["recall"] and x["refusal"] >= o["refusal"]
        for suffix in ("", "_big"):
            found, right, total = pooled(rows, engine, suffix, EIGHTH_APART)
            cells.append(f"{found} / {right} of {total}")
            passes &= found > base[suffix][0] and right >= base[suffix][1]
        verdict = "—" if engine == "ours" else ("passes" if passes else "fails")
        lines.append(f"| {LABELS[engine]} | " + " | ".join(cells) + f" | {verdict} |")
    lines += [
        "",
        f"Default: **{LABELS[default_engine()]}** (`retrieval.FUSED_GATE = {retrieval.FUSED_GATE!r}`,"
        f" `retrieval.HYBRID = {retrieval.HYBRID!r}`).",
    ]
    return [*lines, ""]


def _ninth_lines(rows, n_docs: int) -> list[str]:
    """Ninth round: the learned order with the rule gate's refusal, under the rule fixed
    before the run (ADR 0006)."""
    lines = [
        "Ninth round (ADR 0006): the eighth round's probability orders the candidates of both"
        " rankings; the question is refused exactly when the word engine's rule gate refuses it"
        " (the same shipped model; nothing refitted). It was to become the default only if"
        " (1) on fresh6, in both settings, neither recall@3 nor refusals right fell below the"
        " word engine's and recall@3 rose in at least one; (2) pooled over the parts the model"
        " was never trained on (held-out, fresh4, fresh5, fresh6), in both settings, more"
        " answerable questions were found in the first three with no fewer right decisions;"
        " (3) on the tuning part, in either setting, neither figure fell by more than one"
        " question. fresh6 was written before any code of the round and measured once before"
        " it (above).",
        "",
        f"| engine | tuning, library | tuning, {n_docs} documents | fresh6, library | fresh6,"
        f" {n_docs} documents | never trained on, library: found / right decisions | never"
        f" trained on, {n_docs} documents | rule |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    lines += rule_rows(rows, "learned_order", LABELS["learned_order"], "fresh6", NINTH_APART)
    lines += [
        "",
        f"Default: **{LABELS[default_engine()]}** (`retrieval.FUSED_GATE = {retrieval.FUSED_GATE!r}`,"
        f" `retrieval.HYBRID = {retrieval.HYBRID!r}`).",
    ]
    return [*lines, ""]


def tuning_cells(rows, name: str, base: str) -> tuple[list[str], bool]:
    """``name``'s recall@3 / refusals right on the tuning part in both settings, and whether
    neither figure is down on ``base``'s by more than one question (every round's rule)."""
    cells, kept = [], True
    for suffix in ("", "_big"):
        x, o = rows["tuning"][name + suffix], rows["tuning"][base + suffix]
        n = x["answerable"] + x["must_refuse"]
        cells.append(f"{pct(x['recall'])} / {pct(x['refusal'])}")
        kept &= round((o["recall"] - x["recall"]) * x["answerable"]) <= 1
        kept &= round((o["refusal"] - x["refusal"]) * n) <= 1
    return cells, kept


def pooled_cells(rows, name: str, base: str, parts) -> tuple[list[str], bool]:
    """``name``'s answers found / right decisions pooled over ``parts`` in both settings, and
    whether, in each, their sum is above ``base``'s and neither is down by more than one
    question (the rule of the rounds judged on pooled sets)."""
    cells, passes = [], True
    for suffix in ("", "_big"):
        found, right, total = pooled(rows, name, suffix, parts)
        was_found, was_right, _ = pooled(rows, base, suffix, parts)
        cells.append(f"{found} / {right} of {total}")
        passes &= found + right > was_found + was_right
        passes &= found >= was_found - 1 and right >= was_right - 1
    return cells, passes


def rule_table(
    rows, n_docs, intro, engine, label, judge, apart, base="ours", refusing=False
) -> list[str]:
    """A round's paragraph, then its table under the rule (``rule_rows``)."""
    return [
        intro,
        "",
        f"| engine | tuning, library | tuning, {n_docs} documents | {judge}, library | {judge},"
        f" {n_docs} documents | apart, library: found / right decisions | apart,"
        f" {n_docs} documents | rule |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        *rule_rows(rows, engine, label, judge, apart, base, refusing),
        "",
    ]


def rule_rows(
    rows, engine: str, label: str, judge: str, apart, base: str = "ours", refusing=False
) -> list[str]:
    """``base``'s (the engine shipped before the round: the word engine until the thirteenth
    round) and ``engine``'s table rows under the rule the ninth round set and later rounds
    kept (ADR 0006): (1) on ``judge``, in both settings, neither recall@3 nor refusals right
    below ``base``'s and recall@3 higher in one; (2) pooled over ``apart``, in both
    settings, more found with no fewer right decisions; (3) on the tuning part neither
    figure down by more than one question. ``refusing``: the rule adapted to a change that
    can only refuse (nineteenth round): in (1) either figure may be the one higher, and (2)
    asks for no fewer found and more right decisions."""
    out = []
    before = {s: pooled(rows, base, s, apart) for s in ("", "_big")}
    for name in (base, engine):
        cells, kept = tuning_cells(rows, name, base)
        passes, rose = name != base and kept, False
        for suffix in ("", "_big"):
            x, o = rows[judge][name + suffix], rows[judge][base + suffix]
            cells.append(f"{pct(x['recall'])} / {pct(x['refusal'])}")
            passes &= x["recall"] >= o["recall"] and x["refusal"] >= o["refusal"]
            rose |= x["recall"] > o["recall"] or (refusing and x["refusal"] > o["refusal"])
        for suffix in ("", "_big"):
            found, right, total = pooled(rows, name, suffix, apart)
            cells.append(f"{found} / {right} of {total}")
            if refusing:
                passes &= found >= before[suffix][0] and right > before[suffix][1]
            else:
                passes &= found > before[suffix][0] and right >= before[suffix][1]
        passes &= rose
        verdict = "—" if name == base else ("passes" if passes else "fails")
        out.append(
            f"| {LABELS[base] if name == base else label} | "
            + " | ".join(cells)
            + f" | {verdict} |"
        )
    return out
