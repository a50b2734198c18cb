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
    taller white canvas: hair top at 9-16 px and eyes >= 155 px cannot both hold. The
    texture is taken from inside the hair, with no background in it: a tile with white
    corners made a bun the segmenter, on some CPUs, did not take wholly for the person."""
    h, w = ref.shape[:2]
    canvas = np.full((h + extra, w, 3), 255, np.uint8)
    canvas[extra:] = ref
    tex = ref[75:110, 110:250]
    tiled = np.tile(tex, (canvas.shape[0] // tex.shape[0] + 1, w // tex.shape[1] + 1, 1))
    m = np.zeros(canvas.shape[:2], np.uint8)
    cv2.ellipse(m, (w // 2, extra + 60), (100, extra - 50), 0, 180, 360, 255, -1)
    sel = m > 0
    canvas[sel] = tiled[: canvas.shape[0], :w][sel]
    return canvas


# ---------------------------------------------------------------- person edits (issue 21)
# Landmark sets of the face mesh used to place the edits.
_EYE_A = [33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246]
_EYE_B = [263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466]
_BROW_A = [46, 53, 52, 65, 55, 70, 63, 105, 66, 107]
_BROW_B = [276, 283, 282, 295, 285, 300, 293, 334, 296, 336]


def _lens_ellipses(pts: np.ndarray):
    for eye, brow in ((_EYE_A, _BROW_A), (_EYE_B, _BROW_B)):
        e, b = pts[eye], pts[brow]
        cx = e[:, 0].mean()
        ew = e[:, 0].max() - e[:, 0].min()
        top = b[:, 1].mean()
        bottom = e[:, 1].max() + 0.55 * ew
        yield (int(cx), int((top + bottom) / 2)), (int(0.78 * ew), int((bottom - top) / 2))


def glasses(
    rgb: np.ndarray,
    pts: np.ndarray,
    lens=(20, 20, 25),
    opacity: float = 0.8,
    frame=(30, 25, 20),
) -> np.ndarray:
    """Glasses drawn on: each lens an ellipse blending ``lens`` at ``opacity`` (0 = clear
    glasses, 0.8 = sunglasses), a frame line around it and a bridge."""
    out = rgb.astype(np.float32)
    m = np.zeros(rgb.shape[:2], np.uint8)
    centres = []
    for c, axes in _lens_ellipses(pts):
        cv2.ellipse(m, c, axes, 0, 0, 360, 255, -1)
        centres.append((c, axes))
    a = (m > 0)[..., None] * opacity
    out = out * (1 - a) + np.array(lens, np.float32) * a
    out = np.clip(out, 0, 255).astype(np.uint8)
    for c, axes in centres:
        cv2.ellipse(out, c, axes, 0, 0, 360, frame, 2, cv2.LINE_AA)
    (c0, a0), (c1, a1) = centres
    cv2.line(out, (c0[0] + a0[0], c0[1]), (c1[0] - a1[0], c1[1]), frame, 2, cv2.LINE_AA)
    return out


def cap(rgb: np.ndarray, pts: np.ndarray, colour=(30, 40, 90), brim: bool = True) -> np.ndarray:
    """A cap drawn over the head: every non-background pixel above the forehead top
    (landmark 10) within the head's columns takes ``colour`` (shaded), with a brim."""
    out = rgb.copy()
    fw = float(pts[454, 0] - pts[234, 0])
    y_fh = int(pts[10, 1] + 0.03 * fw)
    x0 = int(max(0, pts[234, 0] - 0.25 * fw))
    x1 = int(min(rgb.shape[1], pts[454, 0] + 0.25 * fw))
    region = out[:y_fh, x0:x1]
    head = region.min(axis=2) < 235
    shade = np.linspace(0.8, 1.1, region.shape[0])[:, None, None]
    fill = np.clip(np.array(colour, np.float32) * shade, 0, 255).astype(np.uint8)
    fill = np.broadcast_to(fill, region.shape)
    region[head] = fill[head]
    if brim:
        cv2.ellipse(
            out,
            (int(pts[10, 0]), y_fh),
            (int(0.6 * fw), int(0.06 * fw)),
            0,
            0,
            360,
            tuple(int(v * 0.7) for v in colour),
            -1,
        )
    return out


def whiten_top(rgb: np.ndarray, pts: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The clothing (person pixels below the chin and the neck) turned near-white."""
    out = rgb.copy()
    fw = float(pts[454, 0] - pts[234, 0])
    y0 = int(pts[152, 1] + 0.2 * fw)
    sel = mask[y0:] >= 0.5
    shade = (rgb[y0:].astype(np.float32).mean(axis=2) / 255.0) * 12.0
    white = np.clip(238.0 + shade, 0, 255).astype(np.uint8)
    region = out[y0:]
    for ch in range(3):
        region[..., ch][sel] = white[sel]
    return out


def displace(rgb: np.ndarray, centre, dx: float, dy: float, sigma: float) -> np.ndarray:
    """Move the content around ``centre`` by (dx, dy), fading out with distance
    (Gaussian, ``sigma`` px): the nose and mouth move against the face contour, which
    the face mesh reads as a turned (dx) or nodded (dy) head."""
    h, w = rgb.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    g = np.exp(-((xx - centre[0]) ** 2 + (yy - centre[1]) ** 2) / (2 * sigma**2))
    g = g.astype(np.float32)
    map_x = xx - dx * g
    map_y = yy - dy * g
    return cv2.remap(rgb, map_x, map_y, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def open_mouth(rgb: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """A wide-open mouth: the lower face moved down below the lips and the gap painted
    as a dark mouth cavity."""
    fw = float(pts[454, 0] - pts[234, 0])
    out = rgb.copy()
    lip = int((pts[13, 1] + pts[14, 1]) / 2)
    gap = int(0.22 * fw)
    h = rgb.shape[0]
    out[lip + gap :] = rgb[lip : h - gap]
    cx = int((pts[61, 0] + pts[291, 0]) / 2)
    half = int(abs(pts[291, 0] - pts[61, 0]) / 2)
    cv2.ellipse(out, (cx, lip + gap // 2), (half, gap // 2 + 2), 0, 0, 360, (60, 15, 20), -1)
    return out


def short_hair(rgb: np.ndarray, pts: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The hair beside the face below the eyes painted over with the background, as on
    a short-haired person: only the hair on top of the head is left."""
    out = rgb.copy()
    fw = float(pts[454, 0] - pts[234, 0])
    eye_y = int((pts[468, 1] + pts[473, 1]) / 2)
    y1 = int(pts[152, 1])
    face = np.zeros(rgb.shape[:2], np.uint8)
    cv2.fillConvexPoly(face, cv2.convexHull(pts.astype(np.float32)).astype(np.int32), 1)
    face = cv2.dilate(face, np.ones((5, 5), np.uint8))
    sel = (mask >= 0.3) & (face == 0)
    sel[: eye_y - int(0.1 * fw)] = False
    sel[y1:] = False
    out[sel] = 255
    return out


def uniform_top(rgb: np.ndarray, pts: np.ndarray, mask: np.ndarray, colour=(28, 32, 62)):
    """The clothing recoloured as a dark uniform with gold spots (epaulettes, insignia)."""
    out = rgb.copy()
    fw = float(pts[454, 0] - pts[234, 0])
    y0 = int(pts[152, 1] + 0.25 * fw)
    sel = np.zeros(rgb.shape[:2], bool)
    sel[y0:] = mask[y0:] >= 0.5
    out[sel] = colour
    h, w = rgb.shape[:2]
    for cx in (int(w * 0.2), int(w * 0.8)):
        spot = np.zeros_like(sel)
        cv2.rectangle(spot.view(np.uint8), (cx - 14, h - 50), (cx + 14, h - 42), 1, -1)
        out[spot & sel] = (212, 175, 55)
    return out


def shrink(rgb: np.ndarray, f: float) -> np.ndarray:
    """The content scaled by ``f`` about the top centre, the edges repeated to fill the
    frame (the head fills less of the photo; the body still reaches the bottom)."""
    h, w = rgb.shape[:2]
    m = np.float32([[f, 0, (1 - f) * w / 2], [0, f, 0]])
    return cv2.warpAffine(rgb, m, (w, h), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)


def grace_hopper() -> np.ndarray:
    """Matplotlib's sample portrait (a naval officer's peaked cap and uniform, clear
    glasses): shipped with the matplotlib wheel, read from disk, nothing downloaded."""
    from pathlib import Path

    import matplotlib

    path = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
    return np.asarray(Image.open(path).convert("RGB")).copy()
