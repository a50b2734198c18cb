"""Measurements of the person in the photo (人像要求, seed 002 附件3): head covering, tinted
lenses, white top, uniform, expression, head pose and head size. Pure: numpy + OpenCV on
the decoded RGB image, the face-mesh landmarks and the person mask the checker already
has; no model runs here, so these rules cost well under a millisecond per photo.

Every measurement is a number the rules compare with a ``PhotoRules`` threshold:

- ``covering``: share of the head band above the forehead (hair top → landmark 10, face
  centre ± 0.4 face width, person pixels) whose colour is neither skin (sampled on the
  cheeks and the forehead) nor hair (sampled beside the temples) — a cap, a hat or a
  scarf is a colour the rest of the head does not have.
- ``lens_dark``: 1 − (median brightness of the skin ring around both eyes, between the
  eyebrow and the upper cheek, the eye openings left out) / (median cheek brightness);
  ``lens_tint``: chromaticity distance of the same ring from the cheeks. Clear glasses
  leave both small; dark or coloured lenses cover the ring.
- ``white_top``: share of the clothing (person pixels below chin + 0.25 face width)
  that is near-white (every channel ≥ ``white_top_min_channel``, chroma ≤ 30).
- ``uniform``: share of the clothing that is dark and unsaturated (navy, black, olive) and
  share of small saturated or metallic spots on it (insignia, ribbons, epaulettes).
- ``mouth_ratio``: inner-lip gap / mouth width (landmarks 13–14 / 61–291).
- ``yaw_deg`` / ``pitch_deg``: head turn and nod estimated from where the nose tip
  (landmark 1) falls between the cheek points (234/454) and between the eye line and
  the chin (152), taking the nose tip about 0.6 half face widths in front of them.
- ``head_ratio``: (chin y − hair top y) / photo height (附件3: 头像占照片 2/3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

NOSE_TIP = 1
CHIN = 152
FOREHEAD = 10
CHEEK_A, CHEEK_B = 234, 454
LIP_UPPER, LIP_LOWER = 13, 14
MOUTH_A, MOUTH_B = 61, 291
CHEEK_SKIN = (50, 280, 205, 425)  # mid-cheek points, below any lens
FOREHEAD_SKIN = (151, 9)  # forehead centre and glabella
EYE_A_RING = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)
EYE_B_RING = (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466)
BROW_A = (46, 53, 52, 65, 55, 70, 63, 105, 66, 107)
BROW_B = (276, 283, 282, 295, 285, 300, 293, 334, 296, 336)
# Nose-tip depth in front of the cheek points, in half face widths (average adult face);
# it turns the nose offset into an angle.
NOSE_DEPTH = 0.6
# Neutral (frontal) position of the nose tip between the eye line (0) and the chin (1).
NOSE_NEUTRAL = 0.39


@dataclass(frozen=True)
class PersonMeasures:
    covering: float | None  # share of unexplained colour above the forehead
    lens_dark: float | None  # 0 = eye ring as bright as the cheeks
    lens_tint: float | None  # chromaticity distance eye ring ↔ cheeks
    white_top: float | None  # share of near-white clothing
    uniform_dark: float | None  # share of dark unsaturated clothing
    uniform_spots: float | None  # share of saturated / metallic spots on the clothing
    mouth_ratio: float
    yaw_deg: float
    pitch_deg: float
    head_ratio: float | None
    chin_y: float

    def to_dict(self) -> dict:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def _patch(rgb: np.ndarray, x: float, y: float, r: int) -> np.ndarray:
    h, w = rgb.shape[:2]
    x0, y0 = max(0, int(x) - r), max(0, int(y) - r)
    x1, y1 = min(w, int(x) + r + 1), min(h, int(y) + r + 1)
    return rgb[y0:y1, x0:x1].reshape(-1, 3)


def _luma(px: np.ndarray) -> np.ndarray:
    px = px.astype(np.float32)
    return 0.299 * px[:, 0] + 0.587 * px[:, 1] + 0.114 * px[:, 2]


def _chromaticity(px: np.ndarray) -> np.ndarray:
    px = px.astype(np.float32) + 1.0
    s = px.sum(axis=1, keepdims=True)
    return np.median(px / s, axis=0)


def skin_sample(rgb: np.ndarray, pts: np.ndarray, fw: float) -> np.ndarray:
    r = max(2, int(0.04 * fw))
    return np.concatenate([_patch(rgb, *pts[i], r) for i in CHEEK_SKIN])


def lens_measures(
    rgb: np.ndarray, pts: np.ndarray, fw: float, skin: np.ndarray
) -> tuple[float | None, float | None]:
    """(darkness, tint) of the ring around both eyes against the cheeks."""
    h, w = rgb.shape[:2]
    ring_px = []
    for eye, brow in ((EYE_A_RING, BROW_A), (EYE_B_RING, BROW_B)):
        e = pts[list(eye)]
        b = pts[list(brow)]
        ex0, ex1 = e[:, 0].min(), e[:, 0].max()
        ew = ex1 - ex0
        y_top = b[:, 1].max()  # lower edge of the eyebrow
        y_bot = e[:, 1].max() + 0.45 * ew
        x0, x1 = int(max(0, ex0 - 0.1 * ew)), int(min(w, ex1 + 0.1 * ew))
        y0, y1 = int(max(0, y_top)), int(min(h, y_bot))
        if x1 - x0 < 3 or y1 - y0 < 3:
            continue
        region = rgb[y0:y1, x0:x1]
        keep = np.ones(region.shape[:2], np.uint8)
        hull = cv2.convexHull((e - [x0, y0]).astype(np.float32)).astype(np.int32)
        cv2.fillConvexPoly(keep, hull, 0)
        keep = cv2.erode(keep, np.ones((3, 3), np.uint8))
        ring_px.append(region[keep > 0])
    if not ring_px or skin.size == 0:
        return None, None
    ring = np.concatenate(ring_px)
    if ring.shape[0] < 20:
        return None, None
    skin_l = float(np.median(_luma(skin)))
    ring_l = float(np.median(_luma(ring)))
    dark = 1.0 - ring_l / max(skin_l, 1.0)
    tint = float(np.abs(_chromaticity(ring) - _chromaticity(skin)).sum())
    return dark, tint


def _quantised(px: np.ndarray) -> np.ndarray:
    q = (px >> 4).astype(np.int32)  # 16 levels per channel
    return (q[:, 0] << 8) | (q[:, 1] << 4) | q[:, 2]


_GROW = np.ones((3, 3), np.uint8)


def _colour_set(px: np.ndarray, min_share: float) -> np.ndarray:
    """Boolean table over the 4096 colour cells holding at least ``min_share`` of ``px``,
    grown by one cell in every direction (shading moves a colour by a cell or two)."""
    counts = np.bincount(_quantised(px), minlength=4096)
    table = (counts >= max(1.0, min_share * px.shape[0])).astype(np.uint8).reshape(16, 256)
    # grow along G and B (one 2-D dilation of the 16×16 slices laid side by side would
    # leak between slices, so dilate each 16×16 slice through a reshaped view), then R
    grown = cv2.dilate(table.reshape(256, 16), _GROW).reshape(16, 16, 16)
    grown = np.maximum(
        grown,
        cv2.dilate(table.reshape(16, 16, 16).transpose(1, 0, 2).reshape(256, 16), _GROW)
        .reshape(16, 16, 16)
        .transpose(1, 0, 2),
    )
    grown[1:] |= grown[:-1].copy()
    grown[:-1] |= grown[1:].copy()
    return grown.astype(bool).reshape(-1)


def natural_hair(px: np.ndarray) -> np.ndarray:
    """Pixels whose colour a head of hair can have: dark, grey to white, or a muted
    red-orange-yellow (brown, blond, auburn); not blue, green, purple or a vivid colour."""
    p = px.astype(np.int16)
    hi, lo = p.max(axis=1), p.min(axis=1)
    chroma = hi - lo
    r, g, b = p[:, 0], p[:, 1], p[:, 2]
    dark = hi <= 70
    grey = chroma <= 0.12 * hi + 12
    warm = (r >= g) & (g >= b - 6) & (chroma <= 0.62 * hi + 6)
    return dark | grey | warm


def covering_share(
    rgb: np.ndarray,
    mask: np.ndarray,
    pts: np.ndarray,
    fw: float,
    hair_top_y: float | None,
    skin: np.ndarray,
) -> float | None:
    """Share of the head band above the forehead explained neither by skin nor by hair.

    The hair colour is taken beside the face at eye level when enough hair is there (a
    cap never reaches that low); otherwise (short hair) any natural hair colour counts."""
    h, w = rgb.shape[:2]
    cx = float((pts[CHEEK_A, 0] + pts[CHEEK_B, 0]) / 2.0)
    y_fh = float(pts[FOREHEAD, 1])
    top = 0.0 if hair_top_y is None else max(0.0, hair_top_y)
    y0, y1 = int(top), int(max(0.0, y_fh - 0.04 * fw))
    x0, x1 = int(max(0, cx - 0.4 * fw)), int(min(w, cx + 0.4 * fw))
    if y1 - y0 < 4 or x1 - x0 < 4:
        return None
    band = rgb[y0:y1:2, x0:x1:2]
    top_px = band[mask[y0:y1:2, x0:x1:2] >= 0.5]
    if top_px.shape[0] < 20:
        return None
    skin_set = _colour_set(skin, 0.02)
    # hair beside the face between the eyes and the mouth: a cap or a hat never reaches
    # that low, hair of any length but the shortest does (skin — the ears — left out)
    eye_y = float((pts[468, 1] + pts[473, 1]) / 2.0)
    ya, yb = int(max(0, eye_y)), int(min(h, eye_y + 0.35 * fw))
    side = []
    for xa, xb in (
        (pts[CHEEK_A, 0] - 0.22 * fw, pts[CHEEK_A, 0] + 0.02 * fw),
        (pts[CHEEK_B, 0] - 0.02 * fw, pts[CHEEK_B, 0] + 0.22 * fw),
    ):
        xa, xb = int(max(0, xa)), int(min(w, xb))
        if xb - xa > 1 and yb - ya > 1:
            sel = mask[ya:yb, xa:xb] >= 0.5
            side.append(rgb[ya:yb, xa:xb][sel])
    hair = np.concatenate(side) if side else np.zeros((0, 3), np.uint8)
    if hair.shape[0]:
        hair = hair[~skin_set[_quantised(hair)]]
    cells = _quantised(top_px)
    explained = skin_set[cells]
    if hair.shape[0] >= 25:
        explained |= _colour_set(hair, 0.02)[cells]
    else:
        explained |= natural_hair(top_px)
    return 1.0 - float(explained.mean())


def clothing_measures(
    rgb: np.ndarray, mask: np.ndarray, chin_y: float, fw: float, white_min: int
) -> tuple[float | None, float | None, float | None]:
    """(white share, dark-unsaturated share, spot share) of the clothing."""
    h = rgb.shape[0]
    y0 = int(min(h, chin_y + 0.25 * fw))
    if h - y0 < 6:
        return None, None, None
    # every 3rd pixel each way (a few thousand samples are plenty for shares), well inside
    # the person: the mask's soft edge spills onto a white background
    sel = cv2.erode((mask[y0::3, ::3] >= 0.7).astype(np.uint8), _GROW) > 0
    px = rgb[y0::3, ::3][sel]
    if px.shape[0] < 30:
        return None, None, None
    px = px.astype(np.int16)
    lo = px.min(axis=1)
    hi = px.max(axis=1)
    chroma = hi - lo
    white = float(((lo >= white_min) & (chroma <= 30)).mean())
    dark = float(((hi <= 90) & (chroma <= 45)).mean())
    spots = float((((chroma >= 80) & (hi >= 120)) | ((lo >= 150) & (chroma >= 40))).mean())
    return white, dark, spots


def head_pose(pts: np.ndarray) -> tuple[float, float]:
    """(yaw, pitch) in degrees, estimated from the nose tip's position (+yaw: the nose
    towards image-right; +pitch: the chin down)."""
    ax, bx = pts[CHEEK_A, 0], pts[CHEEK_B, 0]
    nose = pts[NOSE_TIP]
    half = abs(bx - ax) / 2.0
    if half < 1e-6:
        return 0.0, 0.0
    yaw_off = (nose[0] - (ax + bx) / 2.0) / half
    eye_y = (pts[468, 1] + pts[473, 1]) / 2.0
    span = pts[CHIN, 1] - eye_y
    pitch_off = ((nose[1] - eye_y) / span - NOSE_NEUTRAL) if span > 1e-6 else 0.0
    # the nose-to-chin span is about one half face width deep below the eyes
    yaw = math.degrees(math.atan2(yaw_off, NOSE_DEPTH))
    pitch = math.degrees(math.atan2(pitch_off * span / half, NOSE_DEPTH))
    return yaw, pitch


def mouth_ratio(pts: np.ndarray) -> float:
    width = float(np.linalg.norm(pts[MOUTH_A] - pts[MOUTH_B]))
    if width <= 1e-6:
        return 0.0
    return float(np.linalg.norm(pts[LIP_UPPER] - pts[LIP_LOWER])) / width


def measure_person(
    rgb: np.ndarray,
    mask: np.ndarray,
    pts: np.ndarray,
    face_width: float,
    hair_top_y: float | None,
    *,
    white_min: int = 200,
) -> PersonMeasures:
    fw = max(face_width, 1.0)
    skin = skin_sample(rgb, pts, fw)
    forehead = np.concatenate([_patch(rgb, *pts[i], max(2, int(0.03 * fw))) for i in FOREHEAD_SKIN])
    dark, tint = lens_measures(rgb, pts, fw, skin)
    covering = covering_share(rgb, mask, pts, fw, hair_top_y, np.concatenate([skin, forehead]))
    chin_y = float(pts[CHIN, 1])
    white, udark, spots = clothing_measures(rgb, mask, chin_y, fw, white_min)
    yaw, pitch = head_pose(pts)
    ratio = None
    if hair_top_y is not None:
        ratio = (chin_y - hair_top_y) / float(rgb.shape[0])
    return PersonMeasures(
        covering=covering,
        lens_dark=dark,
        lens_tint=tint,
        white_top=white,
        uniform_dark=udark,
        uniform_spots=spots,
        mouth_ratio=mouth_ratio(pts),
        yaw_deg=yaw,
        pitch_deg=pitch,
        head_ratio=ratio,
        chin_y=chin_y,
    )
