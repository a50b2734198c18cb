"""Turning Chinese text into search terms (分词): jieba words, character bigrams, synonyms.

Pure: no Django import. jieba ships its dictionary, so nothing is downloaded; its prefix
dictionary cache is written under ``SBK_JIEBA_CACHE_DIR`` (default: the temp directory), never
beside the package, which may be read-only.

A text gives three kinds of terms, told apart by a prefix so that one index holds them all:

- ``w:`` words from jieba's search mode (``外国人永久居留身份证`` also gives ``外国``, ``身份证``),
  stop words dropped;
- ``b:`` character bigrams inside long words and inside runs of single characters — the
  names, place names and numbers jieba does not know fall apart into single characters,
  and their bigrams still match (``莘庄``);
- ``u:`` single characters (stop words aside): the backbone that survives a question
  segmented differently from the document (``一个人能有两张`` / ``每人只能持有一张``);
- ``s:`` one term per occurrence of a member of a synonym group (``永居证`` = ``外国人永久居留身份证``),
  named by the group's first member, so that either wording finds the other.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import jieba

WORD, BIGRAM, SYNONYM, CHAR, TYPE = "w:", "b:", "s:", "u:", "t:"
_CJK = re.compile(r"[\u3400-\u9fff]")
_TOKEN_OK = re.compile(r"[\u3400-\u9fff]|[0-9a-z]")

# Words that carry no meaning of their own in a question or a rule ("how", "can I", "the").
STOP_WORDS = frozenset(
    """的 了 吗 呢 吧 啊 呀 么 嘛 和 与 及 或 在 是 有 没有 我 我们 你 您 他 她 它 这 那 这个 那个
    怎么 怎么样 怎样 如何 什么 哪些 哪个 哪里 哪儿 为什么 多少 几 请问 请 一下 可以 可不可以 能 能不能
    能否 是否 要 需要 需不需要 应该 应当 会 该 想 得 都 也 就 还 又 把 被 对 从 向 给 让 由 为 以 之 其
    等 所 则 而 并 即 如 若 但 但是 如果 因为 所以 上 下 中 个 些 一 不 无 已 已经 吗？ 怎么办 怎么样
    多久 多长 什么样 有没有 能不能 行不行 可以吗""".split()
)
# Characters that, alone, say nothing about the subject (the question words above, spelt
# out): left out of the single-character terms.
STOP_CHARS = frozenset(
    "的了吗呢吧啊呀么嘛怎哪什谁请问您我你他她它这那和与及或在是也都就还又把被对从向给让由为以之其等所则而并即如若但个些不几多少久能会要想该"
)

# Domain words jieba's general dictionary splits badly (so they stay one word).
DOMAIN_WORDS = (
    "社保卡 社会保障卡 永居证 补换卡 补卡 换卡 临时挂失 正式挂失 解挂 挂失 制卡 即时制卡 零星制卡 "
    "卡基 废卡 滞发卡 核销 日清 月结 台账 电子社保卡 金融功能 自助一体机 服务银行 受理网点 "
    "好差评 有责投诉 代办 授权委托书 港澳台居民居住证 外国人永久居留身份证 回执 照片回执 "
    "七天办结 审核后置 小教员 调度表 申领 注销 解锁"
).split()

# The wording of a question (when, what is the matter, how long), not its subject: left
# out of the key terms a passage must cover (``key_units``); they still score.
QUESTION_WORDS = frozenset(
    """什么时候 时候 怎么回事 回事 多长时间 长时间 多少钱 多少天 多长 有什么 什么样 怎么样 一样 不同
    区别 哪里 哪儿 去哪 去哪里 办理 怎么 还能 还要 可不可以 能否 是不是 不是 情况 问题 规定 要求
    的话 需要 吗 呢 会 怎样 多少 几天 几年 几次 几位 是多少 用来 拿到 得到 东西 事情 接着 一直
    这边 那边 现在 之后 以后 还是 就是 一下 直接""".split()
)

# How a question asks (how, when, can I, is it): no subject at all. Removed from a question
# before its terms and key units are made, so that neither its words nor their bigrams
# and characters (怎么办 → 么办, 办; 怎么回事 → 回, 事) weigh against a passage. Longest
# first; a removed stretch becomes a boundary no term crosses.
QUESTION_PHRASES = tuple(
    sorted(
        """怎么办 怎么回事 怎么样 怎么弄 怎么搞 怎样 怎么 如何 什么时候 啥时候 什么样 为什么 为啥 什么
        啥 是不是 能不能 可不可以 行不行 要不要 会不会 有没有 是否 能否 可否 多久 多长时间 多少
        几 哪些 哪里 哪儿 哪个 哪 请问 吗 呢 吧 会怎样 行吗 可以吗 好吗 谁""".split(),
        key=len,
        reverse=True,
    )
)
_QUESTION_PHRASE = re.compile("|".join(map(re.escape, QUESTION_PHRASES)))

# What kind of answer a question asks for, told by its wording, and how a passage that
# gives that kind of answer reads: a question asking "how long" (多久) is answered by a
# passage stating a time limit (7个工作日, 当场, 时限), whatever its subject words. A
# question of a kind gets the kind's term (``t:时限``), every passage whose text reads so
# holds it; it weighs like any term (its idf) but is never a key term.
ANSWER_TYPES: dict[str, tuple[re.Pattern, re.Pattern]] = {
    "时限": (
        re.compile(r"多久|多长时间|多少天|几天|几个工作日|多快|什么时候能|啥时候能|要多长"),
        re.compile(
            r"\d+\s*(?:个)?(?:工作日|天|日内|分钟|小时|个月)|当场|即时|时限|期限|有效期|办结"
        ),
    ),
    "费用": (
        re.compile(r"多少钱|收费|收钱|要钱|花钱|交钱|免费|费用|收不收"),
        re.compile(r"费|免收|收取|\d+\s*元"),
    ),
}

log = logging.getLogger(__name__)


def is_cjk(ch: str) -> bool:
    """A Chinese character (CJK Extension A and the Unified Ideographs)."""
    return "\u3400" <= ch <= "\u9fff"


def strip_question_wording(text: str) -> str:
    """The question without its asking words (``QUESTION_PHRASES``), each replaced by a
    comma; normalised."""
    return _QUESTION_PHRASE.sub("，", normalise(text))


def question_types(text: str) -> list[str]:
    """The kinds of answer (``ANSWER_TYPES``) a question's wording asks for."""
    text = normalise(text)
    return [name for name, (asks, _reads) in ANSWER_TYPES.items() if asks.search(text)]


def passage_types(text: str) -> list[str]:
    """The kinds of answer a passage gives (its ``t:`` terms, one per kind)."""
    text = normalise(text)
    return [TYPE + name for name, (_asks, reads) in ANSWER_TYPES.items() if reads.search(text)]


class Segmenter:
    """One jieba tokenizer of sbk's own (the global one is left to others)."""

    def __init__(self, extra_words: Iterable[str] = ()):
        jieba.setLogLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer()
        self._jieba.tmp_dir = cache_dir()
        self._lock = threading.Lock()
        self._ready = False
        # No HMM guessing of new words: its guesses ("时能", "卡里") match nothing, while
        # the single characters of an unknown stretch still match through their bigrams.
        self.hmm = False
        self._extra = list(DOMAIN_WORDS) + [w for w in extra_words if w]

    def _ensure(self) -> None:
        if self._ready:
            return
        with self._lock:
            if self._ready:
                return
            self._jieba.initialize()
            for word in self._extra:
                self._jieba.add_word(normalise(word), freq=2000)
            self._ready = True

    def add_words(self, words: Iterable[str]) -> None:
        self._ensure()
        for word in words:
            if word:
                self._jieba.add_word(normalise(word), freq=2000)

    def cut_both(self, text: str) -> tuple[list[str], list[str]]:
        """Accurate mode and search mode from one pass (search mode is accurate mode plus
        the dictionary's 2- and 3-character words inside longer ones, as jieba's own
        ``cut_for_search`` makes it): half the time of calling both."""
        self._ensure()
        words = self._jieba.lcut(text, HMM=self.hmm)
        freq = self._jieba.FREQ
        search: list[str] = []
        for w in words:
            if len(w) > 2:
                search += [w[i : i + 2] for i in range(len(w) - 1) if freq.get(w[i : i + 2])]
            if len(w) > 3:
                search += [w[i : i + 3] for i in range(len(w) - 2) if freq.get(w[i : i + 3])]
            search.append(w)
        return words, search


def cache_dir() -> str:
    path = os.environ.get("SBK_JIEBA_CACHE_DIR") or os.path.join(tempfile.gettempdir(), "sbk-jieba")
    os.makedirs(path, exist_ok=True)
    return path


def normalise(text: str) -> str:
    """NFKC (full-width letters and digits to half-width) and lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def _meaningful(word: str) -> bool:
    word = word.strip()
    if not word or word in STOP_WORDS:
        return False
    if not _TOKEN_OK.search(word):
        return False  # punctuation, spaces
    # A single CJK character is too common to count as a word; its bigrams carry it.
    return not (len(word) == 1 and _CJK.match(word))


def _bigrams(run: str) -> list[str]:
    return [BIGRAM + run[i : i + 2] for i in range(len(run) - 1)]


def terms(text: str, segmenter: Segmenter, synonyms: SynonymTable | None = None) -> list[str]:
    """The search terms of a text (a passage or a question), with repetitions."""
    out = base_terms(text, segmenter)
    if synonyms is not None:
        out += synonyms.terms(normalise(text))
    return out


def base_terms(text: str, segmenter: Segmenter) -> list[str]:
    """Words, bigrams and characters: what does not depend on the synonym list (a passage
    keeps these from its loading, so that an index is rebuilt without segmenting again)."""
    text = normalise(text)
    accurate, search = segmenter.cut_both(text)
    out = [WORD + w for w in search if _meaningful(w)]
    run = ""
    for word in accurate:
        if len(word) == 1 and _CJK.match(word) and word not in STOP_WORDS:
            run += word
            continue
        if len(run) >= 2:
            out += _bigrams(run)
        run = ""
        if len(word) >= 3 and _CJK.search(word):
            out += _bigrams(word)
    if len(run) >= 2:
        out += _bigrams(run)
    out += [CHAR + ch for ch in _CJK.findall(text) if ch not in STOP_CHARS]
    return out


@dataclass(frozen=True)
class KeyUnit:
    """One thing a question is about (``外籍``, ``借书``): the passage that answers must
    hold it in one of its ``alternatives`` (the word, its synonym group, the bigrams of an
    unknown stretch)."""

    text: str
    alternatives: tuple[str, ...]


def key_units(
    text: str, segmenter: Segmenter, synonyms: SynonymTable | None = None
) -> list[KeyUnit]:
    """The question's content words, each once: synonym group members first (either wording
    covers it), then jieba's accurate-mode words, then runs of single characters jieba could
    not place (their bigrams). Stop words and question wording (``QUESTION_WORDS``) are not
    key terms."""
    text = normalise(text)
    units: list[KeyUnit] = []
    taken = [False] * len(text)
    if synonyms is not None:
        for m in synonyms.matches(text):
            member, name = m
            start = text.find(member)
            while start >= 0 and any(taken[start : start + len(member)]):
                start = text.find(member, start + 1)
            if start >= 0:
                taken[start : start + len(member)] = [True] * len(member)
            units.append(KeyUnit(member, (SYNONYM + name, WORD + member)))
    pos, run = 0, ""
    accurate, _ = segmenter.cut_both(text)

    def close_run():
        if len(run) >= 2:
            units.append(KeyUnit(run, tuple(_bigrams(run))))

    for word in accurate:
        start, pos = pos, pos + len(word)
        if any(taken[start:pos]):
            close_run()
            run = ""
            # A longer word around a synonym member (临时挂失 around 挂失) says more than
            # the member: the passage must hold it too.
            if not all(taken[start:pos]) and _meaningful(word) and word not in QUESTION_WORDS:
                units.append(KeyUnit(word, (WORD + word,)))
            continue
        if len(word) == 1 and _CJK.match(word) and word not in STOP_CHARS:
            run += word
            continue
        close_run()
        run = ""
        if _meaningful(word) and word not in QUESTION_WORDS:
            units.append(KeyUnit(word, (WORD + word,)))
    close_run()
    seen, out = set(), []
    for u in units:
        if u.text not in seen:
            seen.add(u.text)
            out.append(u)
    return out


def plain_terms(text: str) -> list[str]:
    """The floor the benchmark compares with: single characters and ASCII words, no
    segmentation, no synonyms."""
    text = normalise(text)
    out = []
    for m in re.finditer(r"[\u3400-\u9fff]|[0-9a-z]+", text):
        if m.group() not in STOP_WORDS:
            out.append(m.group())
    return out


@dataclass(frozen=True)
class SynonymGroup:
    terms: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.terms[0]


def parse_synonyms(text: str) -> list[SynonymGroup]:
    """One group a line, members joined by ``=`` (or ``＝``); ``#`` starts a comment.
    A line with fewer than two members is refused, as is a member in two groups."""
    groups, seen = [], {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.split("#", 1)[0].replace("＝", "=").strip()
        if not line:
            continue
        members = []
        for part in line.split("="):
            part = normalise(part).strip()
            if part and part not in members:
                members.append(part)
        if len(members) < 2:
            raise SynonymError(number, f"第 {number} 行：同义词组至少需要两个不同的词，用“=”连接")
        for m in members:
            if m in seen:
                raise SynonymError(number, f"第 {number} 行：“{m}”已在第 {seen[m]} 行的同义词组中")
            seen[m] = number
        groups.append(SynonymGroup(tuple(members)))
    return groups


def format_synonyms(groups: Iterable[SynonymGroup]) -> str:
    return "\n".join(" = ".join(g.terms) for g in groups)


class SynonymError(ValueError):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


class SynonymTable:
    """Finds every member of every group in a text, longest first (so that
    ``外国人永久居留身份证`` is not also counted as ``身份证`` of another group)."""

    def __init__(self, groups: Iterable[SynonymGroup]):
        self.groups = list(groups)
        self._name = {m: g.name for g in self.groups for m in g.terms}
        members = sorted(self._name, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, members))) if members else None

    def terms(self, normalised_text: str) -> list[str]:
        if self._pattern is None:
            return []
        return [SYNONYM + self._name[m.group()] for m in self._pattern.finditer(normalised_text)]

    def matches(self, normalised_text: str) -> list[tuple[str, str]]:
        """(member, group name) of every member found, longest first, in text order."""
        if self._pattern is None:
            return []
        return [(m.group(), self._name[m.group()]) for m in self._pattern.finditer(normalised_text)]

    def blank(self, normalised_text: str) -> str:
        """The text with every member replaced by a comma (a boundary no term crosses)."""
        if self._pattern is None:
            return normalised_text
        return self._pattern.sub("，", normalised_text)

    def members(self) -> list[str]:
        return list(self._name)

    def group_names(self) -> dict[str, str]:
        """member → its group's name."""
        return dict(self._name)
