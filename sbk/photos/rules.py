"""Thresholds and rule codes for ID photo compliance (seed 002, 附件3).

Every number the checker and the fixer use lives in :class:`PhotoRules`; its defaults are
the seed's values (商洛市社会保障卡照片格式要求) and, where the seed gives no number,
documented engineering choices. The platform configures the rules by building the
object from a dict (``PhotoRules.from_dict``), e.g. from a settings row or a JSON file.

Units: pixels are pixels of the stored image; "KB" is 1024 bytes (the seed's
"20K-100K" is read as 20 × 1024 … 100 × 1024 bytes, bounds inclusive).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

# Stable rule codes, in report order. Scripts and the database depend on these strings.
SIZE_PX = "size_px"
DPI = "dpi"
COLOR_MODE = "color_mode"
FORMAT = "format"
FILE_SIZE = "file_size"
FACE_COUNT = "face_count"
FACE_WIDTH = "face_width"
HEAD_TOP = "head_top"
EYE_BOTTOM = "eye_bottom"
CENTERED = "centered"
BACKGROUND = "background"
BORDER = "border"
TILT = "tilt"
EYES_OPEN = "eyes_open"
SHARPNESS = "sharpness"
FILE_NAME = "file_name"
# the person in the photo (issue 21, 附件3 人像要求)
HEAD_COVERING = "head_covering"
SUNGLASSES = "sunglasses"
WHITE_TOP = "white_top"
UNIFORM = "uniform"
EXPRESSION = "expression"
FRONTAL = "frontal"
HEAD_RATIO = "head_ratio"

RULE_CODES: tuple[str, ...] = (
    FORMAT,
    SIZE_PX,
    DPI,
    COLOR_MODE,
    FILE_SIZE,
    FACE_COUNT,
    FACE_WIDTH,
    HEAD_TOP,
    EYE_BOTTOM,
    CENTERED,
    TILT,
    EYES_OPEN,
    SHARPNESS,
    FRONTAL,
    EXPRESSION,
    HEAD_RATIO,
    HEAD_COVERING,
    SUNGLASSES,
    WHITE_TOP,
    UNIFORM,
    BACKGROUND,
    BORDER,
    FILE_NAME,
)

# Chinese names shown in reports (the codes stay ASCII for scripts and drawn previews).
RULE_TITLES: dict[str, str] = {
    FORMAT: "文件格式",
    SIZE_PX: "像素尺寸",
    DPI: "分辨率",
    COLOR_MODE: "颜色模式",
    FILE_SIZE: "文件大小",
    FACE_COUNT: "人脸数量",
    FACE_WIDTH: "脸部宽度",
    HEAD_TOP: "头顶位置",
    EYE_BOTTOM: "眼睛位置",
    CENTERED: "水平居中",
    TILT: "头部倾斜",
    EYES_OPEN: "睁眼",
    SHARPNESS: "清晰度",
    BACKGROUND: "白色背景",
    BORDER: "无边框",
    FILE_NAME: "文件命名",
    HEAD_COVERING: "免冠",
    SUNGLASSES: "有色眼镜",
    WHITE_TOP: "白色上衣",
    UNIFORM: "制式服装",
    EXPRESSION: "神态自然",
    FRONTAL: "正面",
    HEAD_RATIO: "头像比例",
}

# Rules about the person (not geometry, not the file): an operator may accept a photo that
# fails only these, with a reason (sbk.photos.services.override_check). The fixer cannot
# repair them: it refuses, naming the rule, instead of producing a photo that passes
# geometrically.
SOFT_RULES: frozenset[str] = frozenset(
    {HEAD_COVERING, SUNGLASSES, WHITE_TOP, UNIFORM, EXPRESSION, FRONTAL, HEAD_RATIO}
)

# Rules that need a located face; they are skipped (not failed) when there is none,
# so a photo without a face reports one clear reason instead of eight.
FACE_RULES: frozenset[str] = frozenset(
    {FACE_WIDTH, HEAD_TOP, EYE_BOTTOM, CENTERED, TILT, EYES_OPEN, SHARPNESS} | SOFT_RULES
)

KB = 1024  # bytes; the seed's "K" in "20K-100K"


@dataclass(frozen=True)
class PhotoRules:
    """All thresholds of the photo rules. Defaults = seed 002 附件3 where it has a number."""

    # -- file (附件3: 像素要求 358*441, 分辨率>300dpi, 24位RGB, 文件容量 20K-100K) --
    width: int = 358
    height: int = 441
    min_dpi: float = 300.0  # a stated dpi must be strictly greater
    require_dpi: bool = False  # True: a file that states no dpi fails too
    formats: tuple[str, ...] = ("JPEG",)  # Pillow format names
    min_kb: float = 20.0
    max_kb: float = 100.0
    # A colour photo's face region has a mean chroma (max-min of R,G,B) well above this;
    # a grey picture saved as RGB stays below it (JPEG noise included).
    grey_max_chroma: float = 4.0

    # -- face and geometry (附件3: 脸部宽155±7像素, 头顶发迹距上边沿9-16像素, 眼睛距下边沿≥155像素) --
    face_min_confidence: float = 0.5
    # Faces smaller than this share of the largest face's width are ignored when counting
    # (e.g. a face on a poster far behind a phone-picture subject).
    face_min_rel_size: float = 0.35
    # Measure the face geometry on the image and its mirror image and average (halves
    # the landmark jitter's effect at the cost of one more face-mesh run).
    mesh_flip_average: bool = True
    face_width: float = 155.0
    face_width_tol: float = 7.0
    head_top_min: float = 9.0
    head_top_max: float = 16.0
    # Hair that touches the top edge passes head_top when eye_bottom holds (seed: the eye
    # rule wins, "可部分切除耸立过高的头发").
    allow_cut_hair: bool = True
    # A hair pixel differs from the background by more than this (max abs channel diff).
    hair_edge_contrast: float = 40.0
    eye_bottom_min: float = 155.0
    center_tol_px: float = 10.0  # |face centre x - width/2|, "水平居中"
    tilt_max_deg: float = 5.0  # head roll from the line through the iris centres
    eye_open_min_ratio: float = 0.15  # eye aspect ratio (lid gap / eye width), lower eye
    # Variance of the 3x3 Laplacian over the inner face box. On the astronaut reference
    # (face 155 px): sharp ≈ 2000, Gaussian blur σ=1.5 ≈ 350, σ=2 ≈ 220, σ=3 ≈ 110.
    sharpness_min: float = 150.0

    # -- the person (附件3: 正面免冠, 不着制式服装或白色上衣, 不得戴有色眼镜, 神态自然,
    # 头像占照片2/3). Measured on the labelled set of benchmarks/bench_photo_rules.py; see
    # sbk/photos/person.py for what each number is. A false refusal costs as much as a
    # false pass, so every threshold sits well clear of the compliant photos.
    person_rules: bool = True  # False: the seven rules below are not evaluated (skip)
    # share of the band above the forehead whose colour is neither skin nor hair
    covering_max: float = 0.5
    # eye ring darker than the cheeks by this share, or shifted in colour by this much
    lens_dark_max: float = 0.33
    lens_tint_max: float = 0.15
    # share of near-white clothing (every channel >= white_top_min_channel)
    white_top_max: float = 0.5
    white_top_min_channel: int = 200
    # uniform: dark unsaturated clothing with small saturated/metallic spots (insignia);
    # a refusal only together with a head covering (a peaked cap), else a warning
    uniform_dark_min: float = 0.7
    uniform_spots_min: float = 0.01
    uniform_spots_max: float = 0.15
    # expression: inner-lip gap / mouth width (a smile with teeth ≈ 0.16, open ≈ 0.45)
    mouth_open_max: float = 0.32
    # eyes narrower than this (lid gap / eye width) are squinting or closed; kept just
    # above eyes_open (0.15): narrow eyes are common among the applicants and are natural
    squint_min_ratio: float = 0.16
    # head pose estimated from the nose tip (degrees)
    yaw_max_deg: float = 12.0
    pitch_max_deg: float = 15.0
    # (chin − hair top) / photo height, "about 2/3"
    head_ratio_min: float = 0.55
    head_ratio_max: float = 0.80

    # -- background and border (附件3: 白色背景无边框) --
    bg_min_channel: int = 225  # every channel at least this …
    bg_max_chroma: int = 18  # … and max-min of the channels at most this
    bg_min_share: float = 0.95  # share of the background pixels that must be white
    bg_edge_margin_px: int = 4  # background pixels this close to the person are ignored
    border_band_px: int = 8  # frame lines are looked for in this many outer rows/columns
    border_min_diff: float = 40.0  # a frame pixel differs this much from the inside …
    border_min_fraction: float = 0.6  # … along this share of the edge
    border_max_spread: float = 24.0  # and the line itself is uniform (median abs deviation)

    # -- file name (附件3: 照片命名 612501*****张三) --
    # name = first `id_keep_prefix` characters of the ID number + `id_mask_stars` stars
    # + the person's name, then one of `file_extensions`.
    id_keep_prefix: int = 6
    id_mask_stars: int = 5
    file_extensions: tuple[str, ...] = (".jpg", ".jpeg")

    # -- auto-fix --
    target_dpi: int = 350  # 358 px / 26 mm ≈ 350 dpi
    target_head_top: float = 12.0  # inside 9–16, rounded-down midpoint
    eye_bottom_margin: float = 4.0  # keep the eyes this far inside the eye_bottom limit
    max_upscale: float = 2.0  # refuse to enlarge the face more than this
    # Used when the source cuts the hair off: hair-top-to-eye distance = ratio × face width.
    eye_below_hair_ratio: float = 0.95
    jpeg_quality_min: int = 40
    jpeg_quality_max: int = 95
    mask_feather_px: float = 1.2  # Gaussian sigma of the soft background edge

    # ---------------------------------------------------------------- derived values
    @property
    def min_bytes(self) -> int:
        return round(self.min_kb * KB)

    @property
    def max_bytes(self) -> int:
        return round(self.max_kb * KB)

    @property
    def face_width_range(self) -> tuple[float, float]:
        return (self.face_width - self.face_width_tol, self.face_width + self.face_width_tol)

    # ---------------------------------------------------------------- (de)serialisation
    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> PhotoRules:
        """Build from a mapping; unknown keys raise ``ValueError`` (typos must not pass
        silently), lists become tuples, numbers are coerced to the field's type."""
        data = dict(data or {})
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - fields)
        if unknown:
            raise ValueError(f"unknown photo rule setting(s): {', '.join(unknown)}")
        kwargs: dict[str, Any] = {}
        defaults = cls()
        for name, value in data.items():
            default = getattr(defaults, name)
            kwargs[name] = _coerce(name, value, default)
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        for key, value in out.items():
            if isinstance(value, tuple):
                out[key] = list(value)
        return out

    def replace(self, **changes: Any) -> PhotoRules:
        return dataclasses.replace(self, **changes)


def _coerce(name: str, value: Any, default: Any) -> Any:
    try:
        if isinstance(default, bool):
            if isinstance(value, str):
                return value.strip().lower() in {"1", "true", "yes", "on"}
            return bool(value)
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        if isinstance(default, tuple):
            if isinstance(value, str):
                value = [v.strip() for v in value.split(",") if v.strip()]
            return tuple(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"photo rule setting {name!r}: bad value {value!r}") from exc
    return value


DEFAULT_RULES = PhotoRules()
