"""Pure measurements on an RGB photo (numpy arrays in, numbers out).

Coordinates are pixels of the stored image, x to the right, y down, origin at the
top-left corner. Landmark indices refer to MediaPipe's 478-point face mesh with iris
refinement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .rules import PhotoRules

# Face-mesh landmark indices.
CHEEK_A = 234  # face contour at cheekbone level, image-left side
CHEEK_B = 454  # face contour at cheekbone level, image-right side
IRIS_A = 468  # iris centre of the image-left eye
IRIS_B = 473  # iris centre of the image-right eye
FOREHEAD = 10
CHIN = 152
# Eye aspect ratio: (corner, corner, (upper, lower), (upper, lower)) per eye.
EYE_A = (33, 133, (160, 144), (158, 153))
EYE_B = (362, 263, (385, 380), (387, 373))


@dataclass(frozen=True)
class FaceGeometry:
    """Geometry of one face derived from its mesh landmarks (pixel coordinates)."""

    cheek_a: tuple[float, float]
    cheek_b: tuple[float, float]
    iris_a: tuple[float, float]
    iris_b: tuple[float, float]
    face_box: tuple[float, float, float, float]  # x0, y0, x1, y1 of the whole mesh
    face_width: float  # |cheek_b - cheek_a|
    face_center_x: float  # mean x of the two cheek points
    eye_y: float  # mean y of the two iris centres
    tilt_deg: float  # angle of iris_a -> iris_b against the horizontal, + = clockwise
    eye_ratio: float  # smaller eye aspect ratio of the two eyes

    def eye_line(self, x0: float, x1: float) -> tuple[tuple[float, float], tuple[float, float]]:
        """End points of the line through both iris centres between x0 and x1."""
        (ax, ay), (bx, by) = self.iris_a, self.iris_b
        slope = (by - ay) / (bx - ax) if bx != ax else 0.0
        return ((x0, ay + slope * (x0 - ax)), (x1, ay + slope * (x1 - ax)))


def _pt(pts: np.ndarray, i: int) -> tuple[float, float]:
    return (float(pts[i, 0]), float(pts[i, 1]))


def _eye_ratio(pts: np.ndarray, eye: tuple) -> float:
    c0, c1, (u0, l0), (u1, l1) = eye
    width = float(np.linalg.norm(pts[c0] - pts[c1]))
    if width <= 1e-6:
        return 0.0
    gap = float(np.linalg.norm(pts[u0] - pts[l0]) + np.linalg.norm(pts[u1] - pts[l1]))
    return gap / (2.0 * width)


def face_geometry(pts: np.ndarray) -> FaceGeometry:
    """Derive the rule measurements from (478, 2) landmark pixel coordinates."""
    ca, cb = pts[CHEEK_A], pts[CHEEK_B]
    ia, ib = pts[IRIS_A], pts[IRIS_B]
    if ia[0] > ib[0]:  # keep iris_a on the image-left side
        ia, ib = ib, ia
    tilt = math.degrees(math.atan2(ib[1] - ia[1], ib[0] - ia[0]))
    x0, y0 = pts[:, 0].min(), pts[:, 1].min()
    x1, y1 = pts[:, 0].max(), pts[:, 1].max()
    return FaceGeometry(
        cheek_a=_pt(pts, CHEEK_A),
        cheek_b=_pt(pts, CHEEK_B),
        iris_a=(float(ia[0]), float(ia[1])),
        iris_b=(float(ib[0]), float(ib[1])),
        face_box=(float(x0), float(y0), float(x1), float(y1)),
        face_width=float(np.linalg.norm(cb - ca)),
        face_center_x=float((ca[0] + cb[0]) / 2.0),
        eye_y=float((ia[1] + ib[1]) / 2.0),
        tilt_deg=float(tilt),
        eye_ratio=min(_eye_ratio(pts, EYE_A), _eye_ratio(pts, EYE_B)),
    )


def mirror_points(pts: np.ndarray, width: int) -> np.ndarray:
    """Landmarks found on the horizontally flipped image, in the original's coordinates."""
    out = pts.copy()
    out[:, 0] = width - pts[:, 0]
    return out


def average_geometry(a: FaceGeometry, b: FaceGeometry) -> FaceGeometry:
    """Mean of two measurements of the same face (the image and its mirror image): the
    mesh's position jitter partly cancels (std of the face width 0.5 → 0.35 px)."""

    def mid(p: tuple[float, float], q: tuple[float, float]) -> tuple[float, float]:
        return ((p[0] + q[0]) / 2.0, (p[1] + q[1]) / 2.0)

    ca_b, cb_b = sorted((b.cheek_a, b.cheek_b))
    ca_a, cb_a = sorted((a.cheek_a, a.cheek_b))
    return FaceGeometry(
        cheek_a=mid(ca_a, ca_b),
        cheek_b=mid(cb_a, cb_b),
        iris_a=mid(a.iris_a, b.iris_a),
        iris_b=mid(a.iris_b, b.iris_b),
        face_box=tuple((x + y) / 2.0 for x, y in zip(a.face_box, b.face_box, strict=True)),
        face_width=(a.face_width + b.face_width) / 2.0,
        face_center_x=(a.face_center_x + b.face_center_x) / 2.0,
        eye_y=(a.eye_y + b.eye_y) / 2.0,
        tilt_deg=(a.tilt_deg + b.tilt_deg) / 2.0,
        eye_ratio=(a.eye_ratio + b.eye_ratio) / 2.0,
    )


def _clip_box(box: tuple[float, float, float, float], w: int, h: int) -> tuple[int, ...]:
    x0, y0, x1, y1 = box
    return (
        max(0, int(math.floor(x0))),
        max(0, int(math.floor(y0))),
        min(w, int(math.ceil(x1))),
        min(h, int(math.ceil(y1))),
    )


def inner_face_box(geom: FaceGeometry, shrink: float = 0.12) -> tuple[float, float, float, float]:
    """The face box shrunk by ``shrink`` of its size on every side (skin, eyes, mouth)."""
    x0, y0, x1, y1 = geom.face_box
    dx, dy = (x1 - x0) * shrink, (y1 - y0) * shrink
    return (x0 + dx, y0 + dy, x1 - dx, y1 - dy)


def sharpness(gray: np.ndarray, box: tuple[float, float, float, float]) -> float:
    """Variance of the 3x3 Laplacian of the grey image inside ``box``."""
    h, w = gray.shape[:2]
    x0, y0, x1, y1 = _clip_box(box, w, h)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return 0.0
    region = gray[y0:y1, x0:x1]
    lap = cv2.Laplacian(region, cv2.CV_32F, ksize=3)
    return float(lap.var())


def mean_chroma(rgb: np.ndarray, box: tuple[float, float, float, float] | None = None) -> float:
    """Mean of max(R,G,B) - min(R,G,B) inside ``box`` (whole image when None)."""
    h, w = rgb.shape[:2]
    if box is not None:
        x0, y0, x1, y1 = _clip_box(box, w, h)
        if x1 - x0 >= 2 and y1 - y0 >= 2:
            rgb = rgb[y0:y1, x0:x1]
    if rgb.size == 0:
        return 0.0
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    hi = np.maximum(np.maximum(r, g), b)
    lo = np.minimum(np.minimum(r, g), b)
    return float((hi - lo).mean())


@dataclass(frozen=True)
class HairTop:
    top: float  # rows of background above the hair (0 = hair touches the top edge)
    cut: bool  # the hair touches the top edge
    refined: bool  # the colour edge refined the segmentation boundary


def _max_abs_diff(pixels: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """max over channels of |pixel - colour| for an (..., 3) int16 array."""
    c = colour.astype(np.int16)
    d0 = np.abs(pixels[..., 0] - c[0])
    d1 = np.abs(pixels[..., 1] - c[1])
    d2 = np.abs(pixels[..., 2] - c[2])
    return np.maximum(np.maximum(d0, d1), d2)


def _person_component(mask: np.ndarray, seed_xy: tuple[float, float]) -> np.ndarray:
    """Boolean person mask (p > 0.5) restricted to the blob that holds ``seed_xy``."""
    person = (mask > 0.5).astype(np.uint8)
    h, w = person.shape
    sx = min(w - 1, max(0, int(seed_xy[0])))
    sy = min(h - 1, max(0, int(seed_xy[1])))
    _n, labels = cv2.connectedComponents(person, connectivity=8)
    label = labels[sy, sx]
    if label == 0:
        return person.astype(bool)
    return labels == label


def hair_top(
    rgb: np.ndarray,
    mask: np.ndarray,
    geom: FaceGeometry,
    rules: PhotoRules,
) -> HairTop | None:
    """Top of the hair: the first person row above the face, from the segmentation mask
    (p > 0.5, the blob holding the face) in the columns face centre ± 0.6 face width,
    refined to the colour edge against the background (first of three consecutive rows
    that differ from the background colour by more than ``hair_edge_contrast``) within
    a few pixels of the mask boundary when the background is uniform."""
    h, w = mask.shape
    half = 0.6 * geom.face_width
    c0 = max(0, int(round(geom.face_center_x - half)))
    c1 = min(w, int(round(geom.face_center_x + half)) + 1)
    limit = int(min(h, max(1.0, geom.eye_y)))
    if c1 - c0 < 3 or limit < 2:
        return None
    person = _person_component(mask, (geom.face_center_x, geom.eye_y))
    band = person[:limit, c0:c1]
    has = band.any(axis=0)
    if not has.any():
        return None
    first = band.argmax(axis=0)
    cols = np.nonzero(has)[0]
    mask_tops = first[cols]

    tops = mask_tops.astype(np.float64)
    refined = False
    radius = max(6, round(0.03 * h))
    bg_sel = mask[:limit] < 0.2
    if int(bg_sel.sum()) >= 50:
        samples = rgb[:limit][bg_sel]
        step = max(1, samples.shape[0] // 4000)  # a strided sample is plenty for a median
        samples = samples[::step].astype(np.int16)
        bg = np.median(samples, axis=0)
        spread = float(np.median(_max_abs_diff(samples, bg)))
        if spread <= 12.0:
            bottom = int(min(limit, mask_tops.max() + radius + 3))
            region = cv2.blur(rgb[:bottom, c0:c1], (3, 3)).astype(np.int16)
            differs = _max_abs_diff(region, bg) > rules.hair_edge_contrast
            # three consecutive differing rows starting at r
            run = differs.copy()
            run[:-2] &= differs[1:-1] & differs[2:]
            run[-2:] = False
            # per column, the first run start within ±radius of the mask's top (all
            # columns at once: a window of rows gathered per column)
            m_tops = mask_tops.astype(np.int64)
            r0 = np.maximum(0, m_tops - radius)
            r1 = np.minimum(bottom - 2, m_tops + radius + 1)
            rows = r0[:, None] + np.arange(2 * radius + 1)[None, :]
            inside = rows < r1[:, None]
            hits = run[np.minimum(rows, run.shape[0] - 1), cols[:, None]] & inside
            found = hits.any(axis=1)
            if found.any():
                tops[found] = (r0 + hits.argmax(axis=1))[found]
                refined = True
    top = float(tops.min())
    return HairTop(top=top, cut=top <= 0.0, refined=refined)


def background_white_share(rgb: np.ndarray, mask: np.ndarray, rules: PhotoRules) -> float | None:
    """Share of the background pixels (person probability < 0.5 and at least
    ``bg_edge_margin_px`` from the person) that are white: every channel at least
    ``bg_min_channel`` and chroma at most ``bg_max_chroma``. None without background."""
    person = (mask >= 0.5).astype(np.uint8)
    m = int(rules.bg_edge_margin_px)
    if m > 0:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * m + 1, 2 * m + 1))
        person = cv2.dilate(person, kernel)
    bg = person == 0
    count = int(bg.sum())
    if count < 0.01 * bg.size:
        return None
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    lo = np.minimum(np.minimum(r, g), b)
    hi = np.maximum(np.maximum(r, g), b)
    white = (lo >= rules.bg_min_channel) & ((hi - lo) <= rules.bg_max_chroma)
    return float(np.count_nonzero(white & bg)) / count


def frame_depths(rgb: np.ndarray, rules: PhotoRules) -> dict[str, int]:
    """Edges ("top", "bottom", "left", "right") that carry a frame line, each with the
    depth in px up to and including its innermost frame line. Within the outer
    ``border_band_px`` lines, a frame line is uniform along its length (median absolute
    deviation ≤ ``border_max_spread``), not white (a white line on a white background is
    no visible frame) and differs by more than ``border_min_diff`` from the line 4 px
    inside the band on at least ``border_min_fraction`` of its length."""
    img = rgb.astype(np.int16)
    band = int(rules.border_band_px)
    ref = band + 4
    views = {
        "top": img,
        "bottom": img[::-1],
        "left": img.transpose(1, 0, 2),
        "right": img.transpose(1, 0, 2)[::-1],
    }
    found: dict[str, int] = {}
    for name, arr in views.items():
        if arr.shape[0] <= ref or arr.shape[1] < 8:
            continue
        inner = arr[ref]
        for i in range(band):
            line = arr[i]
            diff = np.maximum(
                np.maximum(np.abs(line[:, 0] - inner[:, 0]), np.abs(line[:, 1] - inner[:, 1])),
                np.abs(line[:, 2] - inner[:, 2]),
            )
            if float((diff > rules.border_min_diff).mean()) < rules.border_min_fraction:
                continue
            med = np.median(line, axis=0)
            if med.min() >= rules.bg_min_channel and med.max() - med.min() <= rules.bg_max_chroma:
                continue  # white: background, not a frame
            spread = float(np.median(_max_abs_diff(line, med)))
            if spread <= rules.border_max_spread:
                found[name] = i + 1
    return found


def frame_edges(rgb: np.ndarray, rules: PhotoRules) -> list[str]:
    """The edges that carry a frame line (see :func:`frame_depths`)."""
    return list(frame_depths(rgb, rules))
