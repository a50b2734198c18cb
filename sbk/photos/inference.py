"""MediaPipe models used by the photo checker, loaded once per process.

The models ship inside the ``mediapipe`` wheel (face detection short/full range, face
mesh with the iris refinement, selfie segmentation): nothing is downloaded. Each model
is created lazily on first use under a lock, and every call into it holds that model's
own lock, because a MediaPipe graph is not re-entrant. One process therefore runs one
inference per model at a time; run several processes (gunicorn workers) to use more
cores.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

# Keep MediaPipe's native logging quiet unless the operator asked otherwise.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# protobuf's deprecation warning, raised by MediaPipe on every call
warnings.filterwarnings("ignore", message=r"SymbolDatabase\.GetPrototype\(\) is deprecated")

_create_lock = threading.Lock()
_models: dict[str, _Guarded] = {}


class _Guarded:
    """A MediaPipe solution object with a lock around ``process``."""

    def __init__(self, solution: Any) -> None:
        self.solution = solution
        self.lock = threading.Lock()

    def process(self, rgb: np.ndarray) -> Any:
        with self.lock:
            return self.solution.process(rgb)


def _get(name: str, factory: Callable[[], Any]) -> _Guarded:
    model = _models.get(name)
    if model is None:
        with _create_lock:
            model = _models.get(name)
            if model is None:
                model = _Guarded(factory())
                _models[name] = model
    return model


def _solutions() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import mediapipe as mp
    return mp.solutions


def _face_detector(full_range: bool) -> _Guarded:
    def make() -> Any:
        return _solutions().face_detection.FaceDetection(
            model_selection=1 if full_range else 0, min_detection_confidence=0.3
        )

    return _get("face_detection_full" if full_range else "face_detection_short", make)


def _face_mesh() -> _Guarded:
    def make() -> Any:
        return _solutions().face_mesh.FaceMesh(
            static_image_mode=True,
            max_num_faces=1,
            refine_landmarks=True,
            min_detection_confidence=0.5,
        )

    return _get("face_mesh", make)


def _segmenter() -> _Guarded:
    def make() -> Any:
        return _solutions().selfie_segmentation.SelfieSegmentation(model_selection=0)

    return _get("selfie_segmentation", make)


def warm_up() -> None:
    """Create every model now (e.g. at worker start) instead of on the first photo."""
    blank = np.full((64, 64, 3), 255, np.uint8)
    for det in (_face_detector(False), _face_detector(True)):
        det.process(blank)
    _face_mesh().process(blank)
    _segmenter().process(blank)


@dataclass(frozen=True)
class FaceBox:
    """A detected face in pixel coordinates of the image given to :func:`detect_faces`."""

    x0: float
    y0: float
    x1: float
    y1: float
    score: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def center(self) -> tuple[float, float]:
        return ((self.x0 + self.x1) / 2.0, (self.y0 + self.y1) / 2.0)


def _contiguous_rgb(rgb: np.ndarray) -> np.ndarray:
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError("expected an HxWx3 uint8 RGB array")
    return np.ascontiguousarray(rgb)


def detect_faces(rgb: np.ndarray, *, full_range: bool = False, min_score: float = 0.5) -> list:
    """Face boxes (``FaceBox``) with score >= ``min_score``, largest first."""
    rgb = _contiguous_rgb(rgb)
    h, w = rgb.shape[:2]
    result = _face_detector(full_range).process(rgb)
    boxes: list[FaceBox] = []
    for det in result.detections or ():
        score = float(det.score[0]) if det.score else 0.0
        if score < min_score:
            continue
        bb = det.location_data.relative_bounding_box
        boxes.append(
            FaceBox(
                x0=bb.xmin * w,
                y0=bb.ymin * h,
                x1=(bb.xmin + bb.width) * w,
                y1=(bb.ymin + bb.height) * h,
                score=score,
            )
        )
    boxes.sort(key=lambda b: b.width, reverse=True)
    return boxes


def face_landmarks(rgb: np.ndarray) -> np.ndarray | None:
    """The 478 face-mesh landmarks (with iris) as an (478, 2) float array of pixel
    coordinates (x, y), or ``None`` when no face is found."""
    rgb = _contiguous_rgb(rgb)
    h, w = rgb.shape[:2]
    result = _face_mesh().process(rgb)
    faces = result.multi_face_landmarks
    if not faces:
        return None
    pts = np.array([(p.x * w, p.y * h) for p in faces[0].landmark], dtype=np.float64)
    if pts.shape[0] < 478:
        return None
    return pts


def segment_person(rgb: np.ndarray) -> np.ndarray:
    """Person probability (float32 in 0..1) for every pixel of ``rgb``."""
    rgb = _contiguous_rgb(rgb)
    result = _segmenter().process(rgb)
    mask = result.segmentation_mask
    if mask is None:
        return np.zeros(rgb.shape[:2], np.float32)
    return np.asarray(mask, dtype=np.float32)
