"""The pixel budget (issue 23): an 11,000 × 11,000 PNG of a few kilobytes cost a photo check
6.1 s and 1.16 GB. An image of more pixels than the budget is refused from its header with
a ``size_px`` failure; nothing decodes it (the decoder is made to fail if called) and the
check's memory stays small."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zlib

import pytest
from PIL import Image, ImageFile

from sbk.accounts.models import ApiToken
from sbk.photos.analysis import MAX_PIXELS, TOO_MANY_PIXELS, decode
from sbk.photos.checker import check_photo
from sbk.photos.fix import fix_photo
from sbk.photos.verdict import FAIL, SKIP


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def bilevel_png(width: int, height: int) -> bytes:
    """A valid one-bit greyscale PNG, all black, written row by row: a large image in a
    small file, made without ever holding its pixels."""
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed pixels
    z = zlib.compressobj(9)
    idat = b"".join(z.compress(row) for _ in range(height)) + z.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def huge() -> bytes:
    data = bilevel_png(11_000, 11_000)
    assert len(data) < 200 * 1024  # the file was 143 KB
    return data


@pytest.fixture
def no_decoding(monkeypatch):
    """Any pixel decoding fails the test."""

    def refuse(self, *args, **kwargs):
        raise AssertionError("the image was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)
    monkeypatch.setattr(Image.Image, "load", refuse)


def _peak_mb(fn):
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def test_header_says_the_size_and_nothing_is_decoded(huge, no_decoding):
    dec, peak = _peak_mb(lambda: decode(huge))
    assert dec.rgb is None and dec.error == TOO_MANY_PIXELS and dec.too_many_pixels
    assert (dec.width, dec.height, dec.format) == (11_000, 11_000, "PNG")
    assert dec.max_pixels == MAX_PIXELS == 4000 * 4000
    assert peak < 16, f"{peak:.1f} MB traced"


def test_check_refuses_with_size_px(huge, no_decoding):
    verdict, peak = _peak_mb(lambda: check_photo(huge))
    assert peak < 16, f"{peak:.1f} MB traced"
    assert not verdict.ok
    size = verdict.result("size_px")
    assert size.status == FAIL and size.actual == [11_000, 11_000]
    assert "11000×11000" in size.message and "未作解码" in size.message
    assert verdict.result("face_count").status == SKIP  # not measured, not failed
    assert verdict.result("format").status == FAIL  # PNG, the rule wants JPEG
    assert verdict.measurements.width == 11_000 and verdict.measurements.bytes == len(huge)
    assert [f.rule for f in verdict.failures] == ["format", "size_px", "file_size"]


def test_fix_refuses_with_size_px(huge, no_decoding):
    result, peak = _peak_mb(lambda: fix_photo(huge))
    assert peak < 16, f"{peak:.1f} MB traced"
    assert not result.ok and result.jpeg is None
    assert [r.rule for r in result.reasons] == ["size_px"]
    assert result.reasons[0].actual == [11_000, 11_000]


def test_budget_is_a_parameter_and_a_setting(settings, reference):
    small = check_photo(reference.jpeg, max_pixels=100 * 100)  # 358 × 441 is over 10,000
    assert not small.ok and small.result("size_px").status == FAIL
    assert check_photo(reference.jpeg).ok  # the default budget takes it
    settings.SBK_PHOTO_MAX_PIXELS = 358 * 441 - 1
    assert check_photo(reference.jpeg).result("size_px").status == FAIL
    settings.SBK_PHOTO_MAX_PIXELS = 358 * 441
    assert check_photo(reference.jpeg).ok


def test_pillow_guard_past_its_own_limit_is_the_same_refusal(no_decoding):
    giant = bilevel_png(20_000, 10_000)  # 200 MP: Pillow refuses it in Image.open itself
    dec = decode(giant, max_pixels=10**12)
    assert dec.error == TOO_MANY_PIXELS and dec.rgb is None
    verdict = check_photo(giant, max_pixels=10**12)
    assert verdict.result("size_px").status == FAIL
    assert "超过上限" in verdict.result("size_px").message


@pytest.mark.django_db
def test_api_refuses_it_and_its_preview_is_not_decoded(client, world, huge, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    raw = "pixels-" + "p" * 30
    ApiToken.objects.create(user=world.operator_a, name="t", digest=ApiToken.digest_of(raw))
    headers = {"Authorization": f"Bearer {raw}"}
    upload = io.BytesIO(huge)
    upload.name = "huge.png"
    r = client.post("/api/photos/check", {"file": upload}, headers=headers)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["ok"] is False
    size = next(x for x in body["results"] if x["rule"] == "size_px")
    assert size["status"] == "fail" and size["actual"] == [11_000, 11_000]
    preview = client.get(body["preview_url"], headers=headers)  # draws a blank canvas
    assert preview.status_code == 200 and preview["Content-Type"] == "image/png"
    upload = io.BytesIO(huge)
    upload.name = "huge.png"
    r = client.post("/api/photos/fix", {"file": upload}, headers=headers)
    assert r.status_code == 422 and r.json()["code"] == "photo_unfixable"
    assert "11000×11000" in r.json()["message"]
