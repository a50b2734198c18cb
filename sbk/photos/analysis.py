"""Decoding and model-based analysis shared by the checker and the fixer."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image, ImageOps

from . import inference as models
from .inference import FaceBox
from .measure import (
    FaceGeometry,
    HairTop,
    average_geometry,
    background_white_share,
    face_geometry,
    frame_edges,
    hair_top,
    inner_face_box,
    mean_chroma,
    mirror_points,
    sharpness,
)
from .person import PersonMeasures, measure_person
from .rules import PhotoRules

# The pixel budget (issue 23): an image with more pixels than this is refused from its
# header, before anything is decoded; an 11000×11000 PNG of 143 KB would decode to 1.16 GB.
# The ID photo is 358×441 and a phone picture at most ~12 MP. Under Django the platform's
# value is settings.SBK_PHOTO_MAX_PIXELS (sbk.photos.config.max_pixels).
MAX_PIXELS = 4000 * 4000
TOO_MANY_PIXELS = "too_many_pixels"  # Decoded.error of an image refused by the budget


def pixel_budget() -> int:
    """The platform's budget when Django is configured, else ``MAX_PIXELS``."""
    try:
        from django.conf import settings
    except ImportError:  # pure use: no Django installed
        return MAX_PIXELS
    if not settings.configured:
        return MAX_PIXELS
    from .config import max_pixels

    return max_pixels()


@dataclass
class Decoded:
    rgb: np.ndarray | None
    width: int = 0
    height: int = 0
    mode: str = "unknown"
    format: str = "unknown"
    dpi: tuple[float, float] | None = None
    error: str | None = None
    max_pixels: int = 0  # the budget an image over it was refused by (error TOO_MANY_PIXELS)

    @property
    def too_many_pixels(self) -> bool:
        return self.error == TOO_MANY_PIXELS


def _to_rgb(im: Image.Image) -> Image.Image:
    if im.mode == "RGB":
        return im
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if im.mode.startswith("I;16") or im.mode in ("I", "F"):
        arr = np.asarray(im, dtype=np.float64)
        hi = float(arr.max()) or 1.0
        im = Image.fromarray(np.clip(arr * (255.0 / hi), 0, 255).astype(np.uint8), "L")
    return im.convert("RGB")


def stated_dpi(im: Image.Image) -> tuple[float, float] | None:
    """The resolution the file itself states, or None: a JFIF density in dots per inch
    or per cm, else EXIF XResolution/YResolution with an inch or cm unit, else (other
    formats) Pillow's ``dpi`` (e.g. PNG pHYs). Pillow's own fallback of 72 dpi for a JPEG
    whose EXIF lacks a resolution is not a statement and is ignored."""
    info = im.info
    if im.format != "JPEG":
        dpi = info.get("dpi")
        return (float(dpi[0]), float(dpi[1])) if dpi else None
    unit = info.get("jfif_unit")
    density = info.get("jfif_density")
    if unit in (1, 2) and density and min(density) > 0:
        k = 2.54 if unit == 2 else 1.0
        return (float(density[0]) * k, float(density[1]) * k)
    try:
        exif = im.getexif()
        x, y = exif.get(0x011A), exif.get(0x011B)
        res_unit = exif.get(0x0128, 2)
        if x and res_unit in (2, 3):
            k = 2.54 if res_unit == 3 else 1.0
            return (float(x) * k, float(y or x) * k)
    except (TypeError, ValueError, ZeroDivisionError, AttributeError):
        pass
    return None


def decode(data: bytes, *, exif_transpose: bool = False, max_pixels: int | None = None) -> Decoded:
    """Decode image bytes. Never raises: an unreadable file gives ``rgb=None`` and
    ``error``. With ``exif_transpose`` the EXIF orientation is applied (phone pictures).

    An image of more than ``max_pixels`` (default: ``pixel_budget()``) pixels is not
    decoded at all: ``Image.open`` reads the header only, and the size it states is
    checked before ``load()``. Such an image gives ``rgb=None``, its stated size and format
    and ``error == TOO_MANY_PIXELS``."""
    budget = pixel_budget() if max_pixels is None else max_pixels
    try:
        with Image.open(io.BytesIO(data)) as im:
            width, height = im.size
            if width * height > budget:
                return Decoded(
                    rgb=None,
                    width=width,
                    height=height,
                    mode=im.mode,
                    format=im.format or "unknown",
                    error=TOO_MANY_PIXELS,
                    max_pixels=budget,
                )
            im.load()
            fmt = im.format or "unknown"
            mode = im.mode
            dpi = stated_dpi(im)
            if exif_transpose:
                im = ImageOps.exif_transpose(im)
            width, height = im.size
            rgb = np.asarray(_to_rgb(im), dtype=np.uint8)
    except Image.DecompressionBombError:  # Pillow's own guard, past twice its limit
        return Decoded(rgb=None, error=TOO_MANY_PIXELS, max_pixels=budget)
    except Exception as exc:  # any decoder failure is a "format" verdict, never a crash
        return Decoded(rgb=None, error=type(exc).__name__)
    return Decoded(
        rgb=np.ascontiguousarray(rgb),
        width=width,
        height=height,
        mode=mode,
        format=fmt,
        dpi=dpi,
    )


def _iou(a: FaceBox, b: FaceBox) -> float:
    ix = max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0))
    iy = max(0.0, min(a.y1, b.y1) - max(a.y0, b.y0))
    inter = ix * iy
    union = (a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - inter
    return inter / union if union > 0 else 0.0


def count_faces(rgb: np.ndarray, rules: PhotoRules, *, both_models: bool = False) -> list[FaceBox]:
    """Faces with score ≥ ``face_min_confidence`` and width ≥ ``face_min_rel_size`` of the
    largest one, largest first. Short-range model first, the full-range model when it
    finds none; with ``both_models`` the two models' faces are merged (overlapping boxes
    counted once) — for ordinary pictures where faces may be small."""
    score = rules.face_min_confidence
    faces = models.detect_faces(rgb, full_range=False, min_score=score)
    if both_models or not faces:
        for extra in models.detect_faces(rgb, full_range=True, min_score=score):
            if all(_iou(extra, f) < 0.3 for f in faces):
                faces.append(extra)
        faces.sort(key=lambda b: b.width, reverse=True)
    if not faces:
        return []
    largest = faces[0].width
    return [f for f in faces if f.width >= rules.face_min_rel_size * largest]


def locate_landmarks(
    rgb: np.ndarray, face: FaceBox | None, *, crop_first: bool = False
) -> np.ndarray | None:
    """Mesh landmarks (pixel coordinates of ``rgb``). Runs on the whole image and, when
    that finds nothing (or ``crop_first``), on a crop around ``face`` scaled so the face
    is about 160 px wide."""
    if not crop_first:
        pts = models.face_landmarks(rgb)
        if pts is not None or face is None:
            return pts
    if face is None:
        return None
    h, w = rgb.shape[:2]
    fw = max(face.width, face.y1 - face.y0, 8.0)
    cx, cy = face.center
    half = 1.5 * fw
    x0, y0 = max(0, int(cx - half)), max(0, int(cy - half))
    x1, y1 = min(w, int(cx + half)), min(h, int(cy + half))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    crop = rgb[y0:y1, x0:x1]
    scale = 160.0 / fw
    if abs(scale - 1.0) > 0.05:
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
        crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=interp)
    else:
        scale = 1.0
    pts = models.face_landmarks(np.ascontiguousarray(crop))
    if pts is None:
        if crop_first:
            return models.face_landmarks(rgb)
        return None
    # the resized crop's pixel grid: x_crop = (x - x0) * sx with sx = crop_w / (x1 - x0)
    sx = crop.shape[1] / (x1 - x0)
    sy = crop.shape[0] / (y1 - y0)
    out = pts.copy()
    out[:, 0] = pts[:, 0] / sx + x0
    out[:, 1] = pts[:, 1] / sy + y0
    return out


def face_geometry_of(
    rgb: np.ndarray, face: FaceBox | None, rules: PhotoRules, *, crop_first: bool = False
) -> tuple[np.ndarray | None, FaceGeometry | None]:
    """Landmarks and geometry of the main face; with ``mesh_flip_average`` the geometry
    is the mean of the image's and its mirror image's measurements."""
    pts = locate_landmarks(rgb, face, crop_first=crop_first)
    if pts is None:
        return None, None
    geom = face_geometry(pts)
    if rules.mesh_flip_average:
        w = rgb.shape[1]
        flipped = np.ascontiguousarray(rgb[:, ::-1])
        mface = None
        if face is not None:
            mface = FaceBox(w - face.x1, face.y0, w - face.x0, face.y1, face.score)
        fpts = locate_landmarks(flipped, mface, crop_first=crop_first)
        if fpts is not None:
            fgeom = face_geometry(mirror_points(fpts, w))
            # a mirror run that found another face would not average: require agreement
            if abs(fgeom.face_center_x - geom.face_center_x) < 0.25 * geom.face_width:
                geom = average_geometry(geom, fgeom)
    return pts, geom


@dataclass
class Analysis:
    faces: list[FaceBox]
    landmarks: np.ndarray | None
    geom: FaceGeometry | None
    mask: np.ndarray
    hair: HairTop | None
    background_white: float | None
    border_edges: list[str] = field(default_factory=list)
    sharpness: float | None = None
    chroma: float = 0.0
    person: PersonMeasures | None = None


def analyse(rgb: np.ndarray, rules: PhotoRules) -> Analysis:
    """Run the models once and derive every image measurement."""
    faces = count_faces(rgb, rules)
    pts, geom = face_geometry_of(rgb, faces[0], rules) if faces else (None, None)
    mask = models.segment_person(rgb)
    hair = hair_top(rgb, mask, geom, rules) if geom is not None else None
    bg_share = background_white_share(rgb, mask, rules)
    edges = frame_edges(rgb, rules)
    sharp = None
    person_m = None
    if geom is not None:
        box = inner_face_box(geom)
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        sharp = sharpness(gray, box)
        chroma = mean_chroma(rgb, box)
        if rules.person_rules and pts is not None:
            # hair cut by the top edge (the eye rule won): the head height is unknown
            top = hair.top if hair is not None and not hair.cut else None
            person_m = measure_person(
                rgb, mask, pts, geom.face_width, top, white_min=rules.white_top_min_channel
            )
    else:
        person = mask >= 0.5
        chroma = (
            mean_chroma(rgb[person][None, :, :]) if int(person.sum()) > 100 else mean_chroma(rgb)
        )
    return Analysis(
        faces=faces,
        landmarks=pts,
        geom=geom,
        mask=mask,
        hair=hair,
        background_white=bg_share,
        border_edges=edges,
        sharpness=sharp,
        chroma=chroma,
        person=person_m,
    )
