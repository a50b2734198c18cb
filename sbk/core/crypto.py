"""Encryption at rest, blind indexes and hash chains (SPEC §8). No Django import.

- Values are sealed with SM4-GCM (or AES-256-GCM) under a random 96-bit nonce; the key id
  travels with the ciphertext so that rotation can leave old values readable until they
  are re-encrypted. The caller's *context* (e.g. ``registry.person.id_number``) is bound as
  associated data, so a ciphertext copied into another column fails authentication.
- Equality lookups go through a blind index: HMAC-SM3 under a key of its own.
- Audit chains use plain SM3.

Blind-index key rotation is layered: a new index key wraps the value the old keys gave
(``HMAC(new, old_index)``), so a stored index moves to the new key without the value it was
made from (many columns hold only the index, e.g. what an applicant stated). A value under
the first key is 64 hex digits; one wrapped by a later layer says so, ``"i2$" + hex``, which
makes ``sbk keys reindex`` resumable (it rewrites only values not under the current layer)
and lets a lookup made during the pass match a row at any layer (``index_candidates``).
Once every stored index is under the new layer, a leaked older index key is of no use
against the database.

Key file (JSON, kept outside the database and the repository)::

    {"format": "sbk-keys/1", "current": "k1", "index_key": "<base64>",
     "index_layers": [{"id": "i2", "key": "<base64>", "created": "..."}],
     "keys": {"k1": {"cipher": "SM4-GCM", "key": "<base64>", "created": "..."}}}
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT = "sbk-keys/1"
CIPHERS = {"SM4-GCM": 16, "AES-256-GCM": 32}
NONCE_BYTES = 12
TAG_BYTES = 16
TOKEN_SEP = "$"
FILE_MAGIC = b"SBKE1"


class KeyError_(Exception):
    """The key file is missing, unreadable or inconsistent."""


class DecryptionError(Exception):
    """A value failed authentication: wrong key, wrong column, or tampered data."""


def sm3(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def sm3_hex(data: bytes) -> str:
    return sm3(data).hex()


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    h = hmac.HMAC(key, hashes.SM3())
    h.update(data)
    return h.finalize()


def _seal(cipher: str, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    if cipher == "AES-256-GCM":
        return AESGCM(key).encrypt(nonce, plaintext, aad)
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(aad)
    return enc.update(plaintext) + enc.finalize() + enc.tag


def _open(cipher: str, key: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
    if len(sealed) < TAG_BYTES:
        raise DecryptionError("密文长度不足")
    try:
        if cipher == "AES-256-GCM":
            return AESGCM(key).decrypt(nonce, sealed, aad)
        body, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
        dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
        dec.authenticate_additional_data(aad)
        return dec.update(body) + dec.finalize()
    except InvalidTag as exc:
        raise DecryptionError("密文认证失败：密钥不符或数据被篡改") from exc


@dataclass(frozen=True)
class DataKey:
    key_id: str
    cipher: str
    key: bytes
    created: str = ""


@dataclass(frozen=True)
class IndexLayer:
    layer_id: str  # "i2", "i3", …: the prefix of the values it made
    key: bytes
    created: str = ""


class KeyRing:
    """The loaded key file: every data key ever used, the current one, the index keys."""

    def __init__(
        self,
        keys: dict[str, DataKey],
        current: str,
        index_key: bytes,
        index_layers: list[IndexLayer] | tuple[IndexLayer, ...] = (),
    ):
        if current not in keys:
            raise KeyError_(f"当前密钥 {current} 不在密钥文件中")
        if len(index_key) < 32:
            raise KeyError_("盲索引密钥长度不足 32 字节")
        for k in keys.values():
            if k.cipher not in CIPHERS:
                raise KeyError_(f"密钥 {k.key_id} 的算法 {k.cipher} 不受支持")
            if len(k.key) != CIPHERS[k.cipher]:
                raise KeyError_(f"密钥 {k.key_id} 长度应为 {CIPHERS[k.cipher]} 字节")
            if TOKEN_SEP in k.key_id or ":" in k.key_id:
                raise KeyError_(f"密钥标识 {k.key_id} 含非法字符")
        seen = {"i1"}
        for layer in index_layers:
            if len(layer.key) < 32:
                raise KeyError_(f"盲索引密钥 {layer.layer_id} 长度不足 32 字节")
            if layer.layer_id in seen or not _LAYER_ID.fullmatch(layer.layer_id):
                raise KeyError_(f"盲索引密钥标识 {layer.layer_id} 重复或不合规（应为 i2、i3…）")
            seen.add(layer.layer_id)
        self.keys = dict(keys)
        self.current = current
        self.index_key = index_key
        self.index_layers = tuple(index_layers)
        # Keyed once: each index then copies it, which skips the key schedule (half the
        # cost of an index; a usage file indexes some million card numbers).
        self._index_mac = hmac.HMAC(index_key, hashes.SM3())

    # -- construction -----------------------------------------------------------------
    @classmethod
    def generate(cls, cipher: str = "SM4-GCM") -> KeyRing:
        if cipher not in CIPHERS:
            raise KeyError_(f"算法 {cipher} 不受支持，可选：{', '.join(CIPHERS)}")
        k = DataKey("k1", cipher, os.urandom(CIPHERS[cipher]), _now())
        return cls({"k1": k}, "k1", os.urandom(32))

    @classmethod
    def from_json(cls, text: str) -> KeyRing:
        try:
            raw = json.loads(text)
            if raw.get("format") != FORMAT:
                raise KeyError_(f"密钥文件格式应为 {FORMAT}")
            keys = {
                kid: DataKey(kid, v["cipher"], base64.b64decode(v["key"]), v.get("created", ""))
                for kid, v in raw["keys"].items()
            }
            layers = [
                IndexLayer(v["id"], base64.b64decode(v["key"]), v.get("created", ""))
                for v in raw.get("index_layers", [])
            ]
            return cls(keys, raw["current"], base64.b64decode(raw["index_key"]), layers)
        except KeyError_:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise KeyError_(f"密钥文件无法解析：{exc}") from exc

    @classmethod
    def load(cls, path: str | os.PathLike) -> KeyRing:
        p = Path(path)
        if not p.is_file():
            raise KeyError_(f"密钥文件不存在：{p}（用 sbk keys generate {p} 生成）")
        return cls.from_json(p.read_text(encoding="utf-8"))

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "current": self.current,
                "index_key": base64.b64encode(self.index_key).decode(),
                "index_layers": [
                    {
                        "id": layer.layer_id,
                        "key": base64.b64encode(layer.key).decode(),
                        "created": layer.created,
                    }
                    for layer in self.index_layers
                ],
                "keys": {
                    k.key_id: {
                        "cipher": k.cipher,
                        "key": base64.b64encode(k.key).decode(),
                        "created": k.created,
                    }
                    for k in self.keys.values()
                },
            },
            indent=2,
        )

    def save(self, path: str | os.PathLike, *, overwrite: bool = False) -> None:
        p = Path(path)
        if p.exists() and not overwrite:
            raise KeyError_(f"密钥文件已存在，拒绝覆盖：{p}")
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_suffix(p.suffix + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(self.to_json())
        os.replace(tmp, p)

    def rotated(self, cipher: str | None = None) -> KeyRing:
        """A new ring with a fresh current key; old keys stay for reading."""
        cipher = cipher or self.keys[self.current].cipher
        if cipher not in CIPHERS:
            raise KeyError_(f"算法 {cipher} 不受支持")
        n = 1 + max(int(k[1:]) for k in self.keys if k[1:].isdigit())
        kid = f"k{n}"
        keys = dict(self.keys)
        keys[kid] = DataKey(kid, cipher, os.urandom(CIPHERS[cipher]), _now())
        return KeyRing(keys, kid, self.index_key, self.index_layers)

    def with_new_index_layer(self) -> KeyRing:
        """A new ring whose blind indexes are wrapped by one more, fresh key."""
        layer = IndexLayer(f"i{len(self.index_layers) + 2}", os.urandom(32), _now())
        return KeyRing(self.keys, self.current, self.index_key, [*self.index_layers, layer])

    # -- values -----------------------------------------------------------------------
    def encrypt(self, plaintext: str, context: str) -> str:
        k = self.keys[self.current]
        nonce = os.urandom(NONCE_BYTES)
        sealed = _seal(k.cipher, k.key, nonce, plaintext.encode(), context.encode())
        return f"{k.key_id}{TOKEN_SEP}{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, context: str) -> str:
        kid, sep, body = token.partition(TOKEN_SEP)
        if not sep or kid not in self.keys:
            raise DecryptionError(f"密文所用密钥 {kid!r} 不在密钥文件中")
        k = self.keys[kid]
        try:
            raw = base64.b64decode(body, validate=True)
        except ValueError as exc:
            raise DecryptionError("密文不是合法的 Base64") from exc
        return _open(
            k.cipher, k.key, raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()
        ).decode()

    @staticmethod
    def key_id_of(token: str) -> str:
        return token.partition(TOKEN_SEP)[0]

    # -- files (photos) -------------------------------------------------------------------
    def encrypt_bytes(self, data: bytes, context: str) -> bytes:
        k = self.keys[self.current]
        nonce = os.urandom(NONCE_BYTES)
        kid = k.key_id.encode()
        sealed = _seal(k.cipher, k.key, nonce, data, context.encode())
        return FILE_MAGIC + bytes([len(kid)]) + kid + nonce + sealed

    def decrypt_bytes(self, blob: bytes, context: str) -> bytes:
        if not blob.startswith(FILE_MAGIC):
            raise DecryptionError("文件不是 sbk 加密格式")
        n = blob[len(FILE_MAGIC)]
        start = len(FILE_MAGIC) + 1
        kid = blob[start : start + n].decode()
        if kid not in self.keys:
            raise DecryptionError(f"文件所用密钥 {kid!r} 不在密钥文件中")
        k = self.keys[kid]
        nonce = blob[start + n : start + n + NONCE_BYTES]
        return _open(k.cipher, k.key, nonce, blob[start + n + NONCE_BYTES :], context.encode())

    @staticmethod
    def key_id_of_bytes(blob: bytes) -> str:
        n = blob[len(FILE_MAGIC)]
        start = len(FILE_MAGIC) + 1
        return blob[start : start + n].decode()

    # -- blind index ------------------------------------------------------------------------
    def blind_index(self, value: str, domain: str) -> str:
        """HMAC-SM3 over domain and value: equal inputs give equal indexes, nothing else leaks."""
        return self.index_candidates(value, domain)[-1]

    def index_candidates(self, value: str, domain: str) -> list[str]:
        """The index of ``value`` under each layer, first to current: what a lookup matches
        while ``sbk keys reindex`` has not yet moved every row to the current layer."""
        mac = self._index_mac.copy()
        mac.update(f"{domain}\x1f{value}".encode())
        found = [mac.finalize().hex()]
        for layer in self.index_layers:
            found.append(_wrap(layer, found[-1]))
        return found

    @property
    def index_layer(self) -> str:
        """The current layer's id ("i1" for the first key)."""
        return self.index_layers[-1].layer_id if self.index_layers else "i1"

    def index_layer_of(self, stored: str) -> str:
        prefix, sep, _ = stored.partition(TOKEN_SEP)
        return prefix if sep else "i1"

    def current_index(self, stored: str) -> str:
        """``stored`` (an index at any layer) moved to the current layer; "" stays ""."""
        if not stored:
            return stored
        layer_id = self.index_layer_of(stored)
        ids = ["i1", *(layer.layer_id for layer in self.index_layers)]
        if layer_id not in ids:
            raise KeyError_(f"盲索引 {stored[:8]}… 所属的密钥层 {layer_id} 不在密钥文件中")
        for layer in self.index_layers[ids.index(layer_id) :]:
            stored = _wrap(layer, stored)
        return stored


_LAYER_ID = re.compile(r"i[2-9][0-9]*")
INDEX_CHARS = 64  # every index fits the 64-character columns that hold them


def _wrap(layer: IndexLayer, inner: str) -> str:
    prefix = f"{layer.layer_id}{TOKEN_SEP}"
    return prefix + hmac_sm3(layer.key, inner.encode()).hex()[: INDEX_CHARS - len(prefix)]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


_ring_lock = threading.Lock()
_rings: dict[str, tuple[tuple[int, int], KeyRing]] = {}


def load_ring_cached(path: str | os.PathLike) -> KeyRing:
    """Load once per process, and again when the file changes (after ``sbk keys rotate``)."""
    p = str(path)
    try:
        st = os.stat(p)
        mtime = (st.st_mtime_ns, st.st_size)
    except FileNotFoundError:
        raise KeyError_(f"密钥文件不存在：{p}（用 sbk keys generate {p} 生成）") from None
    with _ring_lock:
        hit = _rings.get(p)
        if hit and hit[0] == mtime:
            return hit[1]
        ring = KeyRing.load(p)
        _rings[p] = (mtime, ring)
        return ring
