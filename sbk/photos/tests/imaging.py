"""Known image transforms for the labelled test set (all on RGB uint8 arrays)."""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image


def to_jpeg(
    rgb: np.ndarray, quality: int = 95, dpi: tuple[int, int] | None = (350, 350), **kw
) -> bytes:
    buf = io.BytesIO()
    extra = dict(kw)
    if dpi is not None:
        extra["dpi"] = dpi
    Image.fromarray(rgb).save(buf, "JPEG", quality=quality, **extra)
    return buf.getvalue()


def to_png(rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG")
    return buf.getvalue()


def from_bytes(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).copy()


def shift(rgb: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """Move the content by (dx, dy) px; uncovered rows/columns repeat the edge."""
    h, w = rgb.shape[:2]
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(rgb, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def scale(rgb: np.ndarray, f: float) -> np.ndarray:
    interp = cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC
    return cv2.resize(rgb, None, fx=f, fy=f, interpolation=interp)


def rotate(rgb: np.ndarray, deg: float, center: tuple[float, float] | None = None) -> np.ndarray:
    """Rotate the content by ``deg`` degrees counter-clockwise as displayed."""
    h, w = rgb.shape[:2]
    c = center if center is not None else (w / 2.0, h / 2.0)
    m = cv2.getRotationMatrix2D(c, deg, 1.0)
    return cv2.warpAffine(rgb, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def grey_as_rgb(rgb: np.ndarray) -> np.ndarray:
    g = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    return np.dstack([g, g, g])


def recolour_background(
    rgb: np.ndarray, colour: tuple[int, int, int], thr: int = 240
) -> np.ndarray:
    """Replace the near-white pixels connected to the image edge by ``colour``."""
    white = (rgb.min(axis=2) >= thr).astype(np.uint8)
    n, labels = cv2.connectedComponents(white, connectivity=4)
    edge = set(np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])))
    edge.discard(0)
    sel = np.isin(labels, list(edge)) & (white > 0)
    out = rgb.copy()
    out[sel] = colour
    return out


def add_frame(rgb: np.ndarray, colour=(0, 0, 0), thickness: int = 3, inset: int = 0) -> np.ndarray:
    out = rgb.copy()
    h, w = out.shape[:2]
    cv2.rectangle(out, (inset, inset), (w - 1 - inset, h - 1 - inset), colour, thickness)
    return out


def blur(rgb: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(rgb, (0, 0), sigma)


def resample(rgb: np.ndarray, f: float) -> np.ndarray:
    """Down to ``f`` and back up to the original size (loses detail, keeps geometry)."""
    h, w = rgb.shape[:2]
    small = cv2.resize(rgb, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def close_eyes(rgb: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Paint both eyes shut: fill each eye with skin sampled below it and draw a lid line."""
    eyes = {
        (33, 133): [7, 33, 133, 144, 145, 153, 154, 155, 157, 158, 159, 160, 161, 163, 173, 246],
        (362, 263): [
            249,
            263,
            362,
            373,
            374,
            380,
            381,
            382,
            384,
            385,
            386,
            387,
            388,
            390,
            398,
            466,
        ],
    }
    out = rgb.copy()
    for (c0, c1), idx in eyes.items():
        hull = cv2.convexHull(pts[idx].astype(np.float32)).astype(np.int32)
        x0, x1 = hull[:, 0, 0].min(), hull[:, 0, 0].max()
        y1 = hull[:, 0, 1].max()
        skin = np.median(rgb[y1 + 6 : y1 + 14, x0:x1].reshape(-1, 3), axis=0)
        m = np.zeros(rgb.shape[:2], np.uint8)
        cv2.fillConvexPoly(m, hull, 255)
        m = cv2.dilate(m, np.ones((7, 7), np.uint8))
        out[m > 0] = skin
        a, b = pts[c0], pts[c1]
        curve = np.array([a, (a + b) / 2 + [0, 3], b]).astype(np.int32)
        cv2.polylines(out, [curve], False, (60, 40, 30), 2, cv2.LINE_AA)
    return cv2.GaussianBlur(out, (0, 0), 0.8)


def side_by_side(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.concatenate([a, b], axis=1)


def paste_on(
    canvas_hw: tuple[int, int], rgb: np.ndarray, x: int, y: int, colour=(90, 120, 160)
) -> np.ndarray:
    """A larger 'ordinary picture': ``rgb`` pasted at (x, y) on a plain canvas."""
    h, w = canvas_hw
    out = np.empty((h, w, 3), np.uint8)
    out[:] = colour
    ph, pw = rgb.shape[:2]
    out[y : y + ph, x : x + pw] = rgb
    return out


def tall_hair(ref: np.ndarray, extra: int = 300) -> np.ndarray:
    """The reference with a hair-textured bun ``extra`` px tall on top of the head, on a
    taller white canvas: hair top at 9-16 px and eyes >= 155 px cannot both hold."""
    h, w = ref.shape[:2]
    canvas = np.full((h + extra, w, 3), 255, np.uint8)
    canvas[extra:] = ref
    tex = ref[25:70, 110:250]
    tiled = np.tile(tex, (canvas.shape[0] // tex.shape[0] + 1, w // tex.shape[1] + 1, 1))
    m = np.zeros(canvas.shape[:2], np.uint8)
    cv2.ellipse(m, (w // 2, extra + 60), (100, extra - 50), 0, 180, 360, 255, -1)
    sel = m > 0
    canvas[sel] = tiled[: canvas.shape[0], :w][sel]
    return canvas
