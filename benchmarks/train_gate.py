"""Fits the handling assistant's learned gate (``sbk/assistant/learned.py``, ADR 0006 eighth
round) on the labelled questions and writes ``sbk/assistant/data/learned_gate.json``.

    .venv/bin/python benchmarks/train_gate.py [--write] [--docs 1000]

Training questions: the tuning part and the sets fresh, fresh2 and fresh3 of
``benchmarks/assistant_questions.tsv`` (their misses were read in earlier rounds anyway).
Never trained on: the held-out part, fresh4 and fresh5, where ``bench_assistant.py`` judges
the gate. Each question is asked twice, on the library alone and with the 1,000-document
filler loaded (its candidates differ), and every candidate is a row labelled right when it
is the question's labelled passage (a question that must be refused has none right).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_assistant as bench

from sbk.assistant import learned, retrieval, text, thesaurus

TRAIN_PARTS = ("tuning", "fresh", "fresh2", "fresh3")


def indexes(n_docs: int):
    """(library alone, library + filler) — both with their character index — and the
    library's file names by document id."""
    entries, files = bench.library_entries()
    groups = text.parse_synonyms(bench.SYNONYMS.read_text("utf-8"))
    seg = retrieval.shared_segmenter()
    tokenize = retrieval.segmented(groups, seg, thesaurus.cilin())
    small = retrieval.Index(entries, tokenize, characters=True, feedback=False)
    stored = [
        dataclasses.replace(e, terms=tuple(retrieval.passage_terms(e.heading, e.text, seg)))
        for e in entries
    ]
    filler, _ = bench.filler_entries(max(0, n_docs - len(files)), first_id=len(files) + 1, seg=seg)
    big = retrieval.Index(stored + filler, tokenize, characters=True, feedback=False)
    return small, big, files


def training_questions(index, questions, files) -> list[learned.Question]:
    out = []
    for question, file, heading in questions:
        cands, rows = index.learned_rows(question)
        right = np.array(
            [bench.is_labelled(index.entries[i], files, file, heading) for i in cands], dtype=bool
        )
        out.append(learned.Question(rows, right))
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--write", action="store_true", help="write the shipped gate")
    args = parser.parse_args()
    parts = bench.named_parts(bench.read_questions())
    train = [q for name in TRAIN_PARTS for q in parts[name]]
    small, big, files = indexes(args.docs)
    questions = training_questions(small, train, files) + training_questions(big, train, files)
    rows = np.concatenate([q.rows for q in questions if len(q.rows)])
    labels = np.concatenate([q.right for q in questions if len(q.rows)])
    gate = learned.fit(rows, labels)
    threshold = learned.choose_threshold(gate, questions)
    n_answerable = sum(1 for q in train if q[1])
    gate = dataclasses.replace(
        gate,
        threshold=threshold,
        trained_on=(
            f"benchmarks/assistant_questions.tsv parts {', '.join(TRAIN_PARTS)}:"
            f" {len(train)} questions ({n_answerable} answerable), each on the library alone"
            f" and with {args.docs} documents; {len(rows)} candidate rows"
        ),
    )
    print(gate.to_json())
    if args.write:
        learned.SHIPPED.write_text(gate.to_json() + "\n", "utf-8")
        print(f"written: {learned.SHIPPED}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
