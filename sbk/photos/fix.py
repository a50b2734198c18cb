"""Auto-fix: turn an ordinary photo (phone picture, scan, any size and background) into a
compliant ID photo, or say precisely why it cannot. Pure: no Django.

Steps: decode (EXIF orientation applied) → find exactly one face (both detector models)
→ face-mesh landmarks on a crop around it → one similarity transform that levels the
eye line, scales the cheekbone face width to ``face_width`` and centres the face
horizontally → locate the hair top on a tall canvas and pick the vertical offset that
puts it ``target_head_top`` px below the top edge (the eyes never lower than the
``eye_bottom`` limit allows; hair is cut off when both cannot hold) → replace the
background with white through the soft segmentation mask → encode JPEG at
``target_dpi`` with the highest quality that fits the size limits (binary search) → run
:func:`~sbk.photos.checker.check_photo` on the result.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from . import inference as models
from .analysis import count_faces, decode, face_geometry_of
from .checker import check_photo, too_many_pixels_message
from .measure import face_geometry, frame_depths, hair_top
from .naming import expected_file_name
from .rules import (
    DEFAULT_RULES,
    FACE_COUNT,
    FACE_WIDTH,
    FILE_NAME,
    FILE_SIZE,
    FORMAT,
    SIZE_PX,
    SOFT_RULES,
    PhotoRules,
)
from .verdict import Failure, PhotoVerdict

DETECT_MAX_SIDE = 1280  # detection runs on a copy at most this large
CANVAS_EYE_Y = 300  # provisional eye row on the tall search canvas
CANVAS_HEIGHT = 600


@dataclass
class FixResult:
    ok: bool
    jpeg: bytes | None  # the compliant JPEG, None unless ok
    reasons: list[Failure] = field(default_factory=list)  # why not ok (Chinese + rule code)
    verdict: PhotoVerdict | None = None  # check of the produced photo
    candidate: bytes | None = None  # best-effort output even when not ok (for previews)
    file_name: str | None = None  # convention name when id_number and name were given
    quality: int | None = None  # chosen JPEG quality
    scale: float | None = None  # source → output scale factor
    rotation_deg: float = 0.0  # roll that was corrected


def _fail(rule: str, expected: str, actual, message: str, **kw) -> FixResult:
    return FixResult(ok=False, jpeg=None, reasons=[Failure(rule, expected, actual, message)], **kw)


@dataclass(frozen=True)
class _Placement:
    """Similarity transform source → output: p' = scale·R(angle)·(p − pivot) + (tx, ty)."""

    scale: float
    angle_deg: float  # rotation applied (levels the eyes)
    pivot: tuple[float, float]
    tx: float
    ty: float

    def matrix(self) -> np.ndarray:
        a = math.radians(self.angle_deg)
        c, s = math.cos(a) * self.scale, math.sin(a) * self.scale
        px, py = self.pivot
        # [x'; y'] = [[c, -s], [s, c]] · ([x; y] − pivot) + t
        return np.array(
            [[c, -s, self.tx - c * px + s * py], [s, c, self.ty - s * px - c * py]],
            dtype=np.float64,
        )

    def shifted(self, dy: float) -> _Placement:
        return _Placement(self.scale, self.angle_deg, self.pivot, self.tx, self.ty + dy)

    def apply(self, pts: np.ndarray) -> np.ndarray:
        m = self.matrix()
        return pts @ m[:, :2].T + m[:, 2]


def _warp(src: np.ndarray, place: _Placement, size: tuple[int, int]) -> np.ndarray:
    """Warp ``src`` into an image of ``size`` (w, h); big reductions go through an area
    resize first so no detail aliases."""
    if place.scale < 0.5:
        f = min(1.0, 2.0 * place.scale)
        small = cv2.resize(src, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        # the small grid: x_small = (x + 0.5) * f' - 0.5 with f' = small_w / src_w
        fx = small.shape[1] / src.shape[1]
        fy = small.shape[0] / src.shape[0]
        pre = np.array([[fx, 0, 0.5 * fx - 0.5], [0, fy, 0.5 * fy - 0.5], [0, 0, 1]])
        inv = np.linalg.inv(pre)
        m = np.vstack([place.matrix(), [0, 0, 1]]) @ inv
        return cv2.warpAffine(
            small, m[:2], size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
        )
    return cv2.warpAffine(
        src, place.matrix(), size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )


def _valid_top(src_shape: tuple[int, ...], place: _Placement, size, x0: int, x1: int) -> int:
    """First canvas row (within columns x0..x1) that maps inside the source image."""
    ones = np.full(src_shape[:2], 255, np.uint8)
    valid = cv2.warpAffine(ones, place.matrix(), size, flags=cv2.INTER_NEAREST)
    rows = np.nonzero((valid[:, x0:x1] > 0).all(axis=1))[0]
    return int(rows[0]) if rows.size else 0


def _strip_frame(rgb: np.ndarray, rules: PhotoRules) -> np.ndarray:
    """Cut off frame lines along the edges (scanned prints often carry one); the warp
    later repeats the new edge where the picture must be extended."""
    depths = frame_depths(rgb, rules)
    if not depths:
        return rgb
    h, w = rgb.shape[:2]
    top, bottom = depths.get("top", 0), depths.get("bottom", 0)
    left, right = depths.get("left", 0), depths.get("right", 0)
    return np.ascontiguousarray(rgb[top : h - bottom, left : w - right])


def _composite_white(frame: np.ndarray, mask: np.ndarray, rules: PhotoRules) -> np.ndarray:
    """Replace the background with white through the soft person mask.

    Inside the person the picture is kept; in the background it becomes white. Along
    the outline (where the mask is uncertain) the old background's colour is taken out
    of the mixed pixels: with B the local background colour (a normalised Gaussian
    average of the pixels the mask calls background) and a the pixel's opacity —
    its colour distance from B, capped by the mask — the pixel becomes
    C + (1 − a)·(255 − B). This removes coloured halos around hair; on a white old
    background it changes nothing."""
    m = mask.astype(np.float32)
    alpha = np.clip((m - 0.2) / 0.6, 0.0, 1.0)
    if rules.mask_feather_px > 0:
        alpha = cv2.GaussianBlur(alpha, (0, 0), rules.mask_feather_px)
    c = frame.astype(np.float32)
    out = c * alpha[..., None] + 255.0 * (1.0 - alpha[..., None])

    weight = (m < 0.1).astype(np.float32)
    if float(weight.sum()) < 100:
        return np.clip(out + 0.5, 0, 255).astype(np.uint8)
    sigma = 12.0
    norm = cv2.GaussianBlur(weight, (0, 0), sigma)
    bg = cv2.GaussianBlur(c * weight[..., None], (0, 0), sigma) / np.maximum(norm, 1e-3)[..., None]
    known = norm > 0.02  # a background estimate exists nearby
    band = ((m > 0.02) & (m < 0.98)).astype(np.uint8)
    band = cv2.dilate(band, np.ones((5, 5), np.uint8)).astype(bool) & known
    if not band.any():
        return np.clip(out + 0.5, 0, 255).astype(np.uint8)
    dist = np.abs(c - bg).max(axis=2)
    a = np.minimum(np.clip((dist - 12.0) / 60.0, 0.0, 1.0), np.clip(m / 0.5, 0.0, 1.0))
    unmixed = c + (1.0 - a)[..., None] * (255.0 - bg)
    out[band] = unmixed[band]
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def encode_jpeg(rgb: np.ndarray, rules: PhotoRules = DEFAULT_RULES) -> tuple[bytes, int]:
    """JPEG at ``target_dpi`` with the highest quality in [jpeg_quality_min,
    jpeg_quality_max] whose size is at most ``max_bytes`` (binary search; JPEG size
    grows with quality). When even the top quality is under ``min_bytes``, chroma
    subsampling is switched off and quality may go to 100. Returns (bytes, quality);
    the caller checks the size limits."""
    im = Image.fromarray(rgb, "RGB")
    dpi = (rules.target_dpi, rules.target_dpi)

    def enc(q: int, subsampling: int = 2) -> bytes:
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=q, dpi=dpi, subsampling=subsampling, optimize=True)
        return buf.getvalue()

    lo, hi = rules.jpeg_quality_min, rules.jpeg_quality_max
    best_q, best = lo, enc(lo)
    if len(best) <= rules.max_bytes:
        top = enc(hi)
        if len(top) <= rules.max_bytes:
            best_q, best = hi, top
        else:
            lo_q, hi_q = lo, hi  # size(lo_q) fits, size(hi_q) does not
            while hi_q - lo_q > 1:
                mid = (lo_q + hi_q) // 2
                data = enc(mid)
                if len(data) <= rules.max_bytes:
                    lo_q, best_q, best = mid, mid, data
                else:
                    hi_q = mid
    if len(best) < rules.min_bytes:
        for q in (hi, 97, 100):
            data = enc(q, subsampling=0)
            if rules.min_bytes <= len(data) <= rules.max_bytes:
                return data, q
    return best, best_q


def _hair_geometry(frame: np.ndarray, mask: np.ndarray, pts: np.ndarray, rules: PhotoRules):
    geom = face_geometry(pts)
    return geom, hair_top(frame, mask, geom, rules)


def fix_photo(
    data: bytes,
    *,
    rules: PhotoRules = DEFAULT_RULES,
    id_number: str | None = None,
    name: str | None = None,
    max_pixels: int | None = None,
) -> FixResult:
    """Produce a compliant JPEG from ``data`` or the reasons why not (never raises on
    bad input). With ``id_number`` and ``name`` the result carries the convention file
    name and the final check includes ``file_name``. An image of more pixels than
    ``max_pixels`` (default: the platform's budget) is refused from its header
    (``size_px``), never decoded."""
    dec = decode(data, exif_transpose=True, max_pixels=max_pixels)
    if dec.too_many_pixels:
        actual = [dec.width, dec.height] if dec.width else None
        return _fail(
            SIZE_PX, f"<= {dec.max_pixels} px", actual, too_many_pixels_message(dec, rules)
        )
    if dec.rgb is None:
        return _fail(FORMAT, "image", "unreadable", f"无法读取图像文件（{dec.error}）")
    src = _strip_frame(dec.rgb, rules)
    h, w = src.shape[:2]

    det_scale = min(1.0, DETECT_MAX_SIDE / max(h, w))
    det = src
    if det_scale < 1.0:
        det = cv2.resize(src, None, fx=det_scale, fy=det_scale, interpolation=cv2.INTER_AREA)
    faces = count_faces(det, rules, both_models=True)
    if not faces:
        return _fail(FACE_COUNT, "1", 0, "未检测到人脸，无法生成证件照")
    if len(faces) > 1:
        return _fail(
            FACE_COUNT,
            "1",
            len(faces),
            f"检测到 {len(faces)} 张人脸，请使用只有本人一人的照片",
        )
    f = faces[0]
    face_src = models.FaceBox(
        f.x0 / det_scale, f.y0 / det_scale, f.x1 / det_scale, f.y1 / det_scale, f.score
    )
    pts, geom = face_geometry_of(src, face_src, rules, crop_first=True)
    if pts is None or geom is None:
        return _fail(FACE_COUNT, "1", 1, "检测到人脸，但无法定位面部特征点（可能遮挡、侧脸或过小）")
    scale = rules.face_width / max(geom.face_width, 1e-6)
    if scale > rules.max_upscale:
        return _fail(
            FACE_WIDTH,
            f">= {rules.face_width / rules.max_upscale:.0f} px",
            round(geom.face_width, 1),
            f"人脸太小：脸部宽度仅 {geom.face_width:.0f} 像素，需放大 {scale:.2f} 倍才能达到 "
            f"{rules.face_width:g} 像素，超过允许的 {rules.max_upscale:g} 倍，请使用更清晰、"
            "更近的照片",
            scale=scale,
        )

    # Level the eyes and centre the face horizontally; eye line at CANVAS_EYE_Y.
    angle = -geom.tilt_deg
    pivot = ((geom.iris_a[0] + geom.iris_b[0]) / 2.0, (geom.iris_a[1] + geom.iris_b[1]) / 2.0)
    base = _Placement(scale, angle, pivot, 0.0, float(CANVAS_EYE_Y))
    centre = base.apply(np.array([[geom.face_center_x, (geom.cheek_a[1] + geom.cheek_b[1]) / 2]]))
    base = _Placement(scale, angle, pivot, rules.width / 2.0 - float(centre[0, 0]), CANVAS_EYE_Y)

    size = (rules.width, CANVAS_HEIGHT)
    canvas = _warp(src, base, size)
    cmask = models.segment_person(canvas)
    cpts = base.apply(pts)
    cgeom, chair = _hair_geometry(canvas, cmask, cpts, rules)
    eye_y = float(CANVAS_EYE_Y)  # the iris midpoint is the pivot, mapped to (tx, ty)
    max_eye = rules.height - rules.eye_bottom_min - rules.eye_bottom_margin  # from the top
    band = (
        max(0, int(cgeom.face_center_x - 0.6 * cgeom.face_width)),
        min(rules.width, int(cgeom.face_center_x + 0.6 * cgeom.face_width) + 1),
    )
    valid_top = _valid_top(src.shape, base, size, *band)
    if chair is not None and chair.top > valid_top + 1:
        top = chair.top - rules.target_head_top  # hair fully visible in the source
    elif chair is not None and valid_top > 0:
        # the source cuts the hair: assume the usual hair-to-eye distance, but never
        # start above the source's own top edge (that would repeat its last row)
        top = eye_y - (rules.target_head_top + rules.eye_below_hair_ratio * rules.face_width)
        top = max(top, float(valid_top))
    else:
        top = eye_y - max_eye  # hair taller than the frame: the eye rule wins
    top = max(top, eye_y - max_eye)

    place = base.shifted(-top)
    frame = out = None
    for _ in range(3):
        frame = _warp(src, place, (rules.width, rules.height))
        mask = models.segment_person(frame)
        out = _composite_white(frame, mask, rules)
        _fgeom, fhair = _hair_geometry(out, mask, place.apply(pts), rules)
        if fhair is None or fhair.cut:
            break
        err = fhair.top - rules.target_head_top
        room = max_eye - place.ty  # how far the eyes may still move down
        dy = -err if err > 0 else min(-err, room)  # move the head up / down
        if abs(dy) < 1.0:
            break
        place = place.shifted(round(dy))

    file_name = None
    if id_number and name:
        try:
            file_name = expected_file_name(id_number, name, rules)
        except ValueError as exc:
            return _fail(FILE_NAME, "ID number and name", None, f"无法生成规定文件名：{exc}")
    jpeg, quality = encode_jpeg(out, rules)
    verdict = check_photo(
        jpeg,
        filename=file_name,
        id_number=id_number if file_name else None,
        name=name if file_name else None,
        rules=rules,
    )
    # What the fixer cannot repair (a cap, tinted lenses, a white top, the pose, the
    # expression) is refused by name, never turned into a photo that passes geometrically.
    reasons = [
        Failure(f.rule, f.expected, f.actual, "无法自动修正：" + f.message)
        if f.rule in SOFT_RULES
        else f
        for f in verdict.failures
    ]
    if not (rules.min_bytes <= len(jpeg) <= rules.max_bytes) and not any(
        r.rule == FILE_SIZE for r in reasons
    ):
        reasons.append(Failure(FILE_SIZE, "", len(jpeg), "无法将照片压缩到规定的文件大小"))
    return FixResult(
        ok=verdict.ok and not reasons,
        jpeg=jpeg if verdict.ok and not reasons else None,
        reasons=reasons,
        verdict=verdict,
        candidate=jpeg,
        file_name=file_name,
        quality=quality,
        scale=scale,
        rotation_deg=angle,
    )
