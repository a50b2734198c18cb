"""The handling assistant: answer quality on a labelled question set, and latency with
1,000 documents loaded, next to plain BM25 without segmentation (the floor).

    .venv/bin/python benchmarks/bench_assistant.py [--write benchmarks/RESULTS.md] [--docs N]
    .venv/bin/python benchmarks/bench_assistant.py --tune   # tuning part only, no held-out

Every 4th question is held out (``split_questions``); ``--tune`` prints figures and misses
of the others only. The segmented filler is cached under the temp directory (``--no-cache``).

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
from pathlib import Path

if hasattr(os, "sched_setaffinity"):
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except OSError:
        pass
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from sbk.assistant import loaders, retrieval, splitting, text  # noqa: E402

NAME = "assistant"
LIBRARY = ROOT / "sbk" / "assistant" / "library"
SYNONYMS = ROOT / "sbk" / "assistant" / "data" / "synonyms.txt"
QUESTIONS = Path(__file__).resolve().parent / "assistant_questions.tsv"


def read_questions(path: Path = QUESTIONS) -> list[tuple[str, str, str]]:
    out = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        question = parts[0].strip()
        file = parts[1].strip() if len(parts) > 1 else ""
        heading = parts[2].strip() if len(parts) > 2 else ""
        out.append((question, file, heading))
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


def filler_entries(
    n_docs: int, first_id: int, seg, seed: int = 2026
) -> tuple[list[retrieval.Entry], float]:
    """Realistic filler: policy documents on the other services a centre sits beside
    (``sbk/assistant/tests/filler.py``), loaded and split like the library's own files,
    each passage with its stored terms. Segmenting them is the slow part, so the entries
    are cached under the temp directory, keyed by the generator's and the segmenter's
    source (``--no-cache`` ignores it)."""
    import hashlib
    import pickle
    import tempfile

    from sbk.assistant.tests import filler

    key = hashlib.sha256()
    for module in (filler, splitting, loaders):
        key.update(Path(module.__file__).read_bytes())
    # Segmentation changes show in the terms of a probe passage (the module sources change
    # for other reasons too, and re-segmenting costs a minute).
    probe = filler.documents(1, seed)[0][1]
    key.update(repr(retrieval.passage_terms("第一章 总则 > 第一条", probe, seg)).encode())
    key.update(f"{n_docs}:{first_id}:{seed}".encode())
    cache = Path(tempfile.gettempdir()) / f"sbk-assistant-filler-{key.hexdigest()[:16]}.pickle"
    if cache.exists() and not NO_CACHE:
        return pickle.loads(cache.read_bytes())
    start = time.perf_counter()
    entries = []
    for offset, (name, body) in enumerate(filler.documents(n_docs, seed)):
        doc = loaders.load_bytes(name, body.encode("utf-8"))
        doc_id = first_id + offset
        for p in splitting.split(doc.body_lines, doc.title):
            entries.append(
                retrieval.Entry(
                    key=doc_id * 10000 + p.seq,
                    document=doc_id,
                    title=doc.title,
                    heading=p.heading,
                    text=p.text,
                    superseded=doc.validity == "superseded",
                    terms=tuple(retrieval.passage_terms(p.heading, p.text, seg)),
                )
            )
    result = (entries, time.perf_counter() - start)
    cache.write_bytes(pickle.dumps(result))
    return result


def split_questions(questions):
    """Every 4th question is held out: never looked at while tuning (``--tune`` hides
    its results), reported apart."""
    tuning = [q for i, q in enumerate(questions) if i % 4 != 3]
    held_out = [q for i, q in enumerate(questions) if i % 4 == 3]
    return tuning, held_out


def evaluate(index: retrieval.Index, questions, files, threshold: float) -> dict:
    """``files``: document id → file name of the library. With filler loaded, a question
    the library cannot answer may be answered from a filler document on its topic
    (失业金 from an unemployment insurance rule): it counts as right when refused or when
    no answer comes from the library; ``refused_strict`` counts refusals only."""
    hits = answerable = refused_right = strict = must_refuse = answered_right = 0
    misses = []
    for question, file, heading in questions:
        answer = index.search(question, k=3, threshold=threshold)
        if file:
            answerable += 1
            found = any(
                files.get(h.entry.document) in file.split("|")
                and any(part in h.entry.heading for part in heading.split("|"))
                for h in answer.hits
            )
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


def best_threshold(index, questions, files) -> tuple[float, dict]:
    best = None
    for step in range(5, 100, 2):
        t = step / 100
        r = evaluate(index, questions, files, t)
        key = (r["recall"] + r["refusal"], r["recall"])
        if best is None or key > best[0]:
            best = (key, t, r)
    return best[1], best[2]


def latency(index: retrieval.Index, questions, repeat: int = 5) -> dict:
    """Wall time per question, and the process's CPU time per question: on a machine
    shared with other work the wall time includes waiting for the core, the CPU time is
    what one question costs on one core."""
    times, cpu = [], []
    for _ in range(repeat):
        for question, _file, _heading in questions:
            start, start_cpu = time.perf_counter(), time.process_time()
            index.search(question, k=3)
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


NO_CACHE = False


def main() -> int:
    global NO_CACHE
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", help="RESULTS.md to update")
    parser.add_argument("--docs", type=int, default=1000, help="documents loaded for latency")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument(
        "--tune", action="store_true", help="tuning questions only; held-out results hidden"
    )
    parser.add_argument("--no-cache", action="store_true", help="re-segment the filler")
    args = parser.parse_args()
    NO_CACHE = args.no_cache

    questions = read_questions()
    tuning, held_out = split_questions(questions)
    entries, files = library_entries()
    groups = text.parse_synonyms(SYNONYMS.read_text("utf-8"))
    seg = retrieval.shared_segmenter()
    sbk_tok = retrieval.segmented(groups, seg)

    small = retrieval.Index(entries, sbk_tok)
    floor_small = retrieval.Index(entries, text.plain_terms)
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
    start = time.perf_counter()
    big = retrieval.Index(stored_library + filler, sbk_tok)
    build_ours = time.perf_counter() - start
    start = time.perf_counter()
    floor_big = retrieval.Index(entries + filler, text.plain_terms)
    build_floor = time.perf_counter() - start

    parts = (
        {"tuning": tuning}
        if args.tune
        else {"tuning": tuning, "held-out": held_out, "all": questions}
    )
    rows = {}
    for part, qs in parts.items():
        rows[part] = {
            "questions": [q for q, _f, _h in qs],
            "ours": evaluate(small, qs, files, retrieval.THRESHOLD),
            "floor": evaluate(floor_small, qs, files, floor_t),
            "ours_big": evaluate(big, qs, files, retrieval.THRESHOLD),
            "floor_big": evaluate(floor_big, qs, files, floor_t),
        }
    if args.tune:
        r = rows["tuning"]
        for name in ("ours", "ours_big", "floor", "floor_big"):
            x = r[name]
            print(
                f"{name:10} recall {x['recall']:.3f} refusal {x['refusal']:.3f} "
                f"refused {x['refused_right']:.3f} strict {x['refused_strict']:.3f} "
                f"answered {x['answered_right']:.3f}"
            )
        print("misses (library):", "、".join(r["ours"]["misses"]))
        print("misses (big):", "、".join(r["ours_big"]["misses"]))
        return 0

    lat = latency(big, questions)
    lat_floor = latency(floor_big, questions)
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
        lat_floor,
        segment_time,
        build_ours,
        build_floor,
        len(tuning),
        len(held_out),
    )
    print(body)
    if args.show_misses:
        print("floor misses:", rows["all"]["floor"]["misses"])
    if args.write:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from results import write_section

        write_section(args.write, NAME, body)
    return 0


def results_body(
    rows,
    files,
    entries,
    n_docs,
    n_pass,
    floor_t,
    lat,
    lat_floor,
    segment_time,
    build_ours,
    build_floor,
    n_tuning,
    n_held,
) -> str:
    def pct(x):
        return f"{x * 100:.1f} %"

    a = rows["all"]["ours"]
    lines = [
        "## Handling assistant (办理智能小助手)",
        "",
        f"Machine: {_machine()}; one core (the process is pinned); load average while"
        f" measuring {os.getloadavg()[0]:.1f} (the machine is shared).",
        f"Question set: `benchmarks/assistant_questions.tsv`, {a['answerable']} answerable questions",
        f"labelled with their passage and {a['must_refuse']} that must be refused, over the",
        f"{len(files)} documents of `sbk/assistant/library/` ({len(entries)} passages). Every 4th",
        f"question ({n_held}) is held out: not looked at while tuning; the other {n_tuning} tuned on.",
        f'"1000 documents loaded": the library plus {n_docs - len(files)} generated policy documents',
        "on the services a centre sits beside (housing fund, employment, unemployment, medical,",
        "pension, work-injury and maternity insurance, training, talent, disputes, assistance;",
        "`sbk/assistant/tests/filler.py`), split like real files: "
        f"{n_pass} passages. They share the library's everyday words",
        "(申请, 材料, 身份证件, 工作日, 社会保障卡). With them loaded, a question the library cannot",
        "answer may rightly be answered from a filler document on its topic (失业金): it counts",
        "right when refused or answered from no library document; strict refusals are shown too.",
        "",
        "| | part | sbk: jieba words + bigrams + synonyms, BM25 | floor: BM25 over single characters |",
        "| --- | --- | --- | --- |",
    ]
    for part in ("tuning", "held-out", "all"):
        r = rows[part]
        o, f, ob, fb = r["ours"], r["floor"], r["ours_big"], r["floor_big"]
        lines += [
            f"| recall@3, library | {part} | {pct(o['recall'])} | {pct(f['recall'])} |",
            f"| refusals right, library | {part} | {pct(o['refusal'])} | {pct(f['refusal'])} |",
            f"| — unanswerable refused / answerable answered | {part} | {pct(o['refused_right'])} / {pct(o['answered_right'])} | {pct(f['refused_right'])} / {pct(f['answered_right'])} |",
            f"| recall@3, {n_docs} documents | {part} | {pct(ob['recall'])} | {pct(fb['recall'])} |",
            f"| refusals right, {n_docs} documents | {part} | {pct(ob['refusal'])} | {pct(fb['refusal'])} |",
            f"| — unanswerable refused (strict) / not answered from the library | {part} | {pct(ob['refused_strict'])} / {pct(ob['refused_right'])} | {pct(fb['refused_strict'])} / {pct(fb['refused_right'])} |",
        ]
    lines += [
        f"| refusal threshold (relative score) | | {retrieval.THRESHOLD} (the default) | {floor_t} (best for the floor on the tuning part) |",
        f"| latency p50 / p95 / max per question (wall), {n_docs} documents | all | {lat['p50']:.1f} / {lat['p95']:.1f} / {lat['max']:.1f} ms | {lat_floor['p50']:.1f} / {lat_floor['p95']:.1f} / {lat_floor['max']:.1f} ms |",
        f"| CPU time p50 / p95 per question, {n_docs} documents | all | {lat['cpu_p50']:.1f} / {lat['cpu_p95']:.1f} ms | {lat_floor['cpu_p50']:.1f} / {lat_floor['cpu_p95']:.1f} ms |",
        f"| segmenting every passage, {n_docs} documents (once, when loaded) | | {segment_time:.1f} s | — |",
        f"| index build from the stored terms, {n_docs} documents (once per process and library change) | | {build_ours:.1f} s | {build_floor:.1f} s (segments as it builds) |",
        "",
        "Targets (issue 20): recall@3 ≥ 90 %, refusals right ≥ 90 %, p95 < 100 ms.",
        "",
        "Read with care. The earlier figures (recall@3 79.5 % and refusals right 86.7 % with",
        "1,000 documents) used filler made of jieba dictionary words in random order: it",
        "shared no phrasing with real rules, so it tested little. This filler is realistic,",
        "and the set grew by 22 questions written before tuning (13 answerable worded as",
        "applicants speak, 9 to refuse, mostly about the card but on topics no document",
        "covers). Changes, chosen on the tuning part (ADR 0006): key-term coverage as a",
        "refusal gate and to re-order the BM25 candidates, the document title as a field,",
        "a question's synonym-group members counted through their group. The held-out",
        "quarter (22 answerable, 6 to refuse: one question moves a figure by 4.5 or 17",
        "points) scores below the tuning part: the constants fit the tuning questions",
        "better than unseen ones, and the held-out figures are the ones to believe.",
        "(One intermediate full run printed the held-out figures and misses before the",
        "last three constants were set; those were then chosen on tuning output only.)",
        "Latency: the wall time includes waiting for a core on a shared machine; the CPU",
        "time is the cost of a question on one core.",
        "Questions missed by sbk († held out), library: "
        + ("、".join(_mark(q, rows) for q in a["misses"]) or "无")
        + ".",
        f"Questions missed by sbk († held out), {n_docs} documents: "
        + ("、".join(_mark(q, rows) for q in rows["all"]["ours_big"]["misses"]) or "无")
        + ".",
    ]
    return "\n".join(lines) + "\n"


def _mark(question: str, rows) -> str:
    held = {q + suffix for q in rows["held-out"]["questions"] for suffix in ("", "（应拒答）")}
    return question + ("†" if question in held else "")


def _machine() -> str:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from results import machine

    return machine()


if __name__ == "__main__":
    sys.exit(main())
