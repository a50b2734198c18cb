"""ID photo compliance checker (SPEC §3, seed 002 附件3). Pure: no Django.

``check_photo(data, ...)`` evaluates every rule of :mod:`sbk.photos.rules` on the image
bytes and returns a :class:`~sbk.photos.verdict.PhotoVerdict`: one named result per rule
with what it expects and what was measured, Chinese messages for the failures, and the
landmark geometry needed to draw a preview (:func:`sbk.photos.annotate.annotate`).
"""

from __future__ import annotations

from .analysis import Analysis, Decoded, analyse, decode
from .annotate import annotate
from .naming import base_name, expected_file_name, file_name_matches
from .rules import (
    BACKGROUND,
    BORDER,
    CENTERED,
    COLOR_MODE,
    DEFAULT_RULES,
    DPI,
    EXPRESSION,
    EYE_BOTTOM,
    EYES_OPEN,
    FACE_COUNT,
    FACE_RULES,
    FACE_WIDTH,
    FILE_NAME,
    FILE_SIZE,
    FORMAT,
    FRONTAL,
    HEAD_COVERING,
    HEAD_RATIO,
    HEAD_TOP,
    KB,
    RULE_CODES,
    SHARPNESS,
    SIZE_PX,
    SOFT_RULES,
    SUNGLASSES,
    TILT,
    UNIFORM,
    WHITE_TOP,
    PhotoRules,
)
from .verdict import FAIL, PASS, SKIP, WARN, Geometry, Measurements, PhotoVerdict, RuleResult

MODE_NAMES = {
    "L": "灰度",
    "1": "黑白二值",
    "P": "调色板",
    "CMYK": "印刷四色",
    "RGBA": "带透明通道",
    "LA": "灰度带透明通道",
    "I;16": "16 位灰度",
    "YCbCr": "YCbCr",
}
__all__ = ["PhotoRules", "PhotoVerdict", "annotate", "check_photo"]

EDGE_NAMES = {"top": "上", "bottom": "下", "left": "左", "right": "右"}


def _num(v: float) -> str:
    return f"{v:g}"


def _res(rule: str, ok: bool, expected: str, actual, message: str) -> RuleResult:
    return RuleResult(rule, PASS if ok else FAIL, expected, actual, "" if ok else message)


def _file_rules(m: Measurements, rules: PhotoRules) -> list[RuleResult]:
    out: list[RuleResult] = []
    fmts = "/".join(rules.formats)
    out.append(
        _res(
            FORMAT,
            m.format in rules.formats,
            fmts,
            m.format,
            f"文件格式为 {m.format}，要求 {fmts} 格式",
        )
    )
    out.append(
        _res(
            SIZE_PX,
            (m.width, m.height) == (rules.width, rules.height),
            f"{rules.width}x{rules.height}",
            [m.width, m.height],
            f"照片尺寸为 {m.width}×{m.height} 像素，要求 {rules.width}×{rules.height} 像素（宽×高）",
        )
    )
    dpi_expected = f"> {_num(rules.min_dpi)} dpi"
    if m.dpi is None and not rules.require_dpi:
        # A phone picture often states nothing: not refused, but not silently passed
        # either; the copy stored for production is stamped with target_dpi
        # (services.record_check), which the spec's 26 mm × 32 mm at 358 × 441 px needs.
        out.append(
            RuleResult(
                DPI,
                WARN,
                dpi_expected,
                None,
                f"照片未标注分辨率（手机照片常见），存档制卡副本按 {rules.target_dpi} dpi 标注"
                f"（要求大于 {_num(rules.min_dpi)} dpi）",
            )
        )
    else:
        if m.dpi is None:
            ok = False
            msg = f"照片未标注分辨率，要求标注且大于 {_num(rules.min_dpi)} dpi"
        else:
            ok = min(m.dpi) > rules.min_dpi
            msg = f"照片分辨率为 {m.dpi[0]:g}×{m.dpi[1]:g} dpi，要求大于 {_num(rules.min_dpi)} dpi"
        out.append(_res(DPI, ok, dpi_expected, m.dpi and list(m.dpi), msg))
    lo, hi = rules.min_bytes, rules.max_bytes
    out.append(
        _res(
            FILE_SIZE,
            lo <= m.bytes <= hi,
            f"{_num(rules.min_kb)}-{_num(rules.max_kb)} KB ({lo}-{hi} bytes, 1 KB = {KB} bytes)",
            m.bytes,
            f"文件大小为 {m.bytes / KB:.1f} KB（{m.bytes} 字节），要求 {_num(rules.min_kb)}–"
            f"{_num(rules.max_kb)} KB（1 KB = {KB} 字节）",
        )
    )
    return out


def _color_rule(m: Measurements, a: Analysis, rules: PhotoRules) -> RuleResult:
    expected = f"24-bit RGB colour (chroma >= {_num(rules.grey_max_chroma)})"
    if m.mode != "RGB":
        return _res(
            COLOR_MODE,
            False,
            expected,
            m.mode,
            f"颜色模式为 {m.mode}（{MODE_NAMES.get(m.mode, '非 RGB')}），要求 24 位 RGB 真彩色",
        )
    ok = a.chroma >= rules.grey_max_chroma
    return _res(
        COLOR_MODE,
        ok,
        expected,
        f"RGB, chroma {a.chroma:.1f}",
        f"照片为黑白（灰度）图像（面部色度 {a.chroma:.1f}），要求彩色照片",
    )


def _face_rules(m: Measurements, a: Analysis, rules: PhotoRules) -> list[RuleResult]:
    out: list[RuleResult] = []
    n = len(a.faces)
    if n == 0:
        msg = "未检测到人脸，请上传本人正面免冠照片"
    elif n > 1:
        msg = f"检测到 {n} 张人脸，照片中只能有本人一张人脸"
    else:
        msg = "检测到人脸，但无法定位面部特征点（可能遮挡、侧脸或过小）"
    out.append(_res(FACE_COUNT, n == 1 and a.geom is not None, "1", n, msg))
    g = a.geom
    if g is None:
        skip = "未能定位人脸，无法测量"
        for rule in RULE_CODES:
            if rule in FACE_RULES:
                out.append(RuleResult(rule, SKIP, "", None, skip))
        return out

    lo, hi = rules.face_width_range
    out.append(
        _res(
            FACE_WIDTH,
            lo <= g.face_width <= hi,
            f"{_num(rules.face_width)}±{_num(rules.face_width_tol)} px",
            round(g.face_width, 2),
            f"脸部宽度为 {g.face_width:.1f} 像素，要求 {_num(rules.face_width)}±"
            f"{_num(rules.face_width_tol)} 像素（{_num(lo)}–{_num(hi)}）",
        )
    )
    eye_ok = m.eye_bottom is not None and m.eye_bottom >= rules.eye_bottom_min
    head_expected = f"{_num(rules.head_top_min)}-{_num(rules.head_top_max)} px"
    if a.hair is None:
        out.append(
            _res(HEAD_TOP, False, head_expected, None, "无法确定头顶发迹位置（未分割出头部）")
        )
    elif a.hair.cut:
        ok = rules.allow_cut_hair and eye_ok
        msg = "头发顶到照片上边沿" + (
            "，且眼睛位置不满足要求" if rules.allow_cut_hair else "，要求头顶与上边沿留出空隙"
        )
        out.append(_res(HEAD_TOP, ok, head_expected + " (cut hair allowed)", 0.0, msg))
    else:
        v = a.hair.top
        out.append(
            _res(
                HEAD_TOP,
                rules.head_top_min <= v <= rules.head_top_max,
                head_expected,
                round(v, 2),
                f"头顶发迹距上边沿 {v:.0f} 像素，要求 {_num(rules.head_top_min)}–"
                f"{_num(rules.head_top_max)} 像素",
            )
        )
    out.append(
        _res(
            EYE_BOTTOM,
            eye_ok,
            f">= {_num(rules.eye_bottom_min)} px",
            m.eye_bottom and round(m.eye_bottom, 2),
            f"眼睛（双眼瞳孔连线）距下边沿 {m.eye_bottom:.1f} 像素，要求不小于 "
            f"{_num(rules.eye_bottom_min)} 像素",
        )
    )
    dx = g.face_center_x - m.width / 2.0
    side = "右" if dx > 0 else "左"
    out.append(
        _res(
            CENTERED,
            abs(dx) <= rules.center_tol_px,
            f"|dx| <= {_num(rules.center_tol_px)} px",
            round(dx, 2),
            f"脸部中心偏{side} {abs(dx):.1f} 像素，要求水平居中（偏差不超过 "
            f"{_num(rules.center_tol_px)} 像素）",
        )
    )
    out.append(
        _res(
            TILT,
            abs(g.tilt_deg) <= rules.tilt_max_deg,
            f"|angle| <= {_num(rules.tilt_max_deg)} deg",
            round(g.tilt_deg, 2),
            f"头部倾斜 {abs(g.tilt_deg):.1f}°，要求不超过 {_num(rules.tilt_max_deg)}°",
        )
    )
    out.append(
        _res(
            EYES_OPEN,
            g.eye_ratio >= rules.eye_open_min_ratio,
            f"eye ratio >= {_num(rules.eye_open_min_ratio)}",
            round(g.eye_ratio, 3),
            f"眼睛睁开程度 {g.eye_ratio:.2f}，低于 {_num(rules.eye_open_min_ratio)}，疑似闭眼",
        )
    )
    s = a.sharpness or 0.0
    out.append(
        _res(
            SHARPNESS,
            s >= rules.sharpness_min,
            f">= {_num(rules.sharpness_min)}",
            round(s, 1),
            f"面部清晰度 {s:.1f}，低于 {_num(rules.sharpness_min)}，照片模糊",
        )
    )
    return out


def _person_rules(a: Analysis, rules: PhotoRules) -> list[RuleResult]:
    """The rules about the person (附件3): 免冠, 有色眼镜, 白色上衣, 制式服装, 神态自然, 正面,
    头像占 2/3. A measure that cannot be taken (e.g. no clothing in the picture) passes:
    a false refusal costs as much as a false pass."""
    p, g = a.person, a.geom
    if p is None or g is None:
        return [RuleResult(r, SKIP, "", None, "未测量人像要求") for r in sorted(SOFT_RULES)]
    out: list[RuleResult] = []
    covered = p.covering is not None and p.covering > rules.covering_max
    out.append(
        _res(
            HEAD_COVERING,
            not covered,
            f"foreign colour above forehead <= {rules.covering_max:.0%}",
            p.covering is not None and round(p.covering, 3) or 0.0,
            f"额头上方 {p.covering or 0:.0%} 的区域既非头发也非皮肤颜色，疑似戴帽子或头巾，"
            "要求免冠（宗教、医疗原因的头饰由经办人人工确认）",
        )
    )
    dark = p.lens_dark if p.lens_dark is not None else 0.0
    tint = p.lens_tint if p.lens_tint is not None else 0.0
    out.append(
        _res(
            SUNGLASSES,
            dark <= rules.lens_dark_max and tint <= rules.lens_tint_max,
            f"eye ring darkening <= {rules.lens_dark_max:.0%}, tint <= {rules.lens_tint_max:g}",
            [round(dark, 3), round(tint, 3)],
            f"眼部比面颊暗 {dark:.0%}、色偏 {tint:.2f}，疑似佩戴有色（含变色）眼镜或墨镜，"
            "要求不戴有色眼镜（无色眼镜可以）",
        )
    )
    white = p.white_top or 0.0
    out.append(
        _res(
            WHITE_TOP,
            white <= rules.white_top_max,
            f"near-white clothing <= {rules.white_top_max:.0%}",
            round(white, 3),
            f"上衣 {white:.0%} 为白色或近白色，与白色背景难以区分，要求不着白色上衣",
        )
    )
    udark, spots = p.uniform_dark or 0.0, p.uniform_spots or 0.0
    uniform_like = (
        udark >= rules.uniform_dark_min
        and rules.uniform_spots_min <= spots <= rules.uniform_spots_max
    )
    uexpected = f"dark clothing < {rules.uniform_dark_min:.0%} or no insignia"
    if uniform_like and covered:
        out.append(
            _res(
                UNIFORM,
                False,
                uexpected,
                [round(udark, 3), round(spots, 3)],
                "深色服装带徽章类亮色点缀并戴帽，疑似制式服装（制服、军警服），要求不着制式服装",
            )
        )
    elif uniform_like:
        out.append(
            RuleResult(
                UNIFORM,
                WARN,
                uexpected,
                [round(udark, 3), round(spots, 3)],
                "深色服装带亮色点缀，可能为制式服装，请经办人人工确认",
            )
        )
    else:
        out.append(_res(UNIFORM, True, uexpected, [round(udark, 3), round(spots, 3)], ""))
    mouth, eyes = p.mouth_ratio, g.eye_ratio
    problems = []
    if mouth > rules.mouth_open_max:
        problems.append(f"张嘴（张口程度 {mouth:.2f}，上限 {_num(rules.mouth_open_max)}）")
    if eyes < rules.squint_min_ratio:
        problems.append(f"眯眼或闭眼（睁眼程度 {eyes:.2f}，下限 {_num(rules.squint_min_ratio)}）")
    out.append(
        _res(
            EXPRESSION,
            not problems,
            f"mouth <= {_num(rules.mouth_open_max)}, eyes >= {_num(rules.squint_min_ratio)}",
            [round(mouth, 3), round(eyes, 3)],
            "神态不自然：" + "，".join(problems) + "；要求神态自然（微笑可以）",
        )
    )
    yaw_ok = abs(p.yaw_deg) <= rules.yaw_max_deg
    pitch_ok = abs(p.pitch_deg) <= rules.pitch_max_deg
    turned = []
    if not yaw_ok:
        turned.append(f"左右转头约 {abs(p.yaw_deg):.0f}°（上限 {_num(rules.yaw_max_deg)}°）")
    if not pitch_ok:
        turned.append(f"抬头或低头约 {abs(p.pitch_deg):.0f}°（上限 {_num(rules.pitch_max_deg)}°）")
    out.append(
        _res(
            FRONTAL,
            yaw_ok and pitch_ok,
            f"|yaw| <= {_num(rules.yaw_max_deg)} deg, |pitch| <= {_num(rules.pitch_max_deg)} deg",
            [round(p.yaw_deg, 1), round(p.pitch_deg, 1)],
            "头部未正对镜头：" + "，".join(turned) + "；要求正面免冠",
        )
    )
    lo, hi = rules.head_ratio_min, rules.head_ratio_max
    if p.head_ratio is None:
        # the hair is cut by the top edge (allowed when the eyes are placed right, see
        # head_top) or not found (head_top fails): nothing more to say here
        out.append(
            RuleResult(HEAD_RATIO, PASS, f"{lo:.2f}-{hi:.2f} (hair cut: not measured)", None)
        )
    else:
        r = p.head_ratio
        out.append(
            _res(
                HEAD_RATIO,
                lo <= r <= hi,
                f"{lo:.2f}-{hi:.2f} of the height",
                round(r, 3),
                f"头像（头顶至下颌）占照片高度的 {r:.0%}，要求约 2/3（{lo:.0%}–{hi:.0%}）",
            )
        )
    return out


def _background_rules(m: Measurements, a: Analysis, rules: PhotoRules) -> list[RuleResult]:
    share = a.background_white
    if share is None:
        bg = _res(BACKGROUND, False, "", None, "未检测到背景区域，要求白色背景")
    else:
        bg = _res(
            BACKGROUND,
            share >= rules.bg_min_share,
            f"white share >= {rules.bg_min_share:.0%}",
            round(share, 4),
            f"背景中白色像素占 {share:.1%}，要求不少于 {rules.bg_min_share:.0%}（白色背景）",
        )
    edges = "、".join(EDGE_NAMES[e] for e in a.border_edges)
    border = _res(
        BORDER,
        not a.border_edges,
        "no frame lines",
        list(a.border_edges),
        f"照片{edges}边缘有边框线，要求无边框",
    )
    return [bg, border]


def _file_name_rule(filename: str, id_number: str, name: str, rules: PhotoRules) -> RuleResult:
    try:
        expected = expected_file_name(id_number, name, rules)
        ok = file_name_matches(filename, id_number, name, rules)
    except ValueError as exc:
        return RuleResult(FILE_NAME, FAIL, "", base_name(filename), f"无法生成规定文件名：{exc}")
    exts = "/".join(rules.file_extensions)
    return _res(
        FILE_NAME,
        ok,
        expected,
        base_name(filename),
        f"文件名为 {base_name(filename)}，应为 {expected}（身份证号前 {rules.id_keep_prefix} 位"
        f" + {rules.id_mask_stars} 个 * + 姓名，扩展名 {exts}）",
    )


def _order(results: list[RuleResult]) -> list[RuleResult]:
    rank = {code: i for i, code in enumerate(RULE_CODES)}
    return sorted(results, key=lambda r: rank.get(r.rule, len(rank)))


def too_many_pixels_message(dec: Decoded, rules: PhotoRules) -> str:
    budget = f"{dec.max_pixels / 1e6:g} 百万像素"
    wanted = f"证件照要求 {rules.width}×{rules.height} 像素"
    if not dec.width:
        return f"图像像素数超过上限 {budget}，未作解码；{wanted}"
    pixels = dec.width * dec.height / 1e6
    return (
        f"图像为 {dec.width}×{dec.height} 像素（{pixels:.1f} 百万像素），超过上限 {budget}，"
        f"未作解码；{wanted}"
    )


def _over_budget(m: Measurements, dec: Decoded, rules, filename, id_number, name) -> PhotoVerdict:
    """The verdict of an image refused by the pixel budget: measured from the header only
    (format, stated size) and the file size; the rest cannot be measured."""
    m.width, m.height, m.mode, m.format = dec.width, dec.height, dec.mode, dec.format
    header = {r.rule: r for r in _file_rules(m, rules)}
    results = [
        header[FORMAT],
        RuleResult(
            SIZE_PX,
            FAIL,
            f"{rules.width}x{rules.height}",
            [dec.width, dec.height] if dec.width else None,
            too_many_pixels_message(dec, rules),
        ),
        header[FILE_SIZE],
    ]
    for rule in RULE_CODES:
        if rule not in (FORMAT, SIZE_PX, FILE_SIZE, FILE_NAME):
            results.append(RuleResult(rule, SKIP, "", None, "图像像素过多，未作解码，无法测量"))
    if filename and id_number and name:
        results.append(_file_name_rule(filename, id_number, name, rules))
    return PhotoVerdict(ok=False, measurements=m, results=_order(results), file=filename)


def check_photo(
    data: bytes,
    *,
    filename: str | None = None,
    id_number: str | None = None,
    name: str | None = None,
    rules: PhotoRules = DEFAULT_RULES,
    max_pixels: int | None = None,
) -> PhotoVerdict:
    """Check one photo. Never raises on bad input: an unreadable or non-image file is a
    ``format`` failure; an image of more pixels than ``max_pixels`` (default: the
    platform's budget, :func:`~sbk.photos.analysis.pixel_budget`) is a ``size_px``
    failure found from its header, never decoded. ``file_name`` is checked when
    ``filename``, ``id_number`` and ``name`` are all given."""
    m = Measurements(bytes=len(data))
    dec = decode(data, max_pixels=max_pixels)
    if dec.too_many_pixels:
        return _over_budget(m, dec, rules, filename, id_number, name)
    results: list[RuleResult] = []
    if dec.rgb is None:
        fmts = "/".join(rules.formats)
        results.append(
            RuleResult(
                FORMAT,
                FAIL,
                fmts,
                "unreadable",
                f"无法读取图像文件（不是有效的图片，{dec.error}），要求 {fmts} 格式的照片",
            )
        )
        for rule in RULE_CODES:
            if rule not in (FORMAT, FILE_SIZE, FILE_NAME):
                results.append(RuleResult(rule, SKIP, "", None, "文件无法读取，无法测量"))
        results.extend(_file_rules(m, rules)[3:])  # file_size still applies
        if filename and id_number and name:
            results.append(_file_name_rule(filename, id_number, name, rules))
        return PhotoVerdict(ok=False, measurements=m, results=_order(results), file=filename)

    m.width, m.height = dec.width, dec.height
    m.mode, m.format, m.dpi = dec.mode, dec.format, dec.dpi
    results.extend(_file_rules(m, rules))

    a = analyse(dec.rgb, rules)
    g = a.geom
    m.faces = len(a.faces)
    m.chroma = round(a.chroma, 2)
    m.background_white = a.background_white
    m.border_edges = list(a.border_edges)
    geometry = Geometry()
    if g is not None:
        m.face_width = g.face_width
        m.face_center_x = g.face_center_x
        m.eye_bottom = m.height - g.eye_y
        m.tilt_deg = g.tilt_deg
        m.eye_ratio = g.eye_ratio
        m.sharpness = a.sharpness
        if a.hair is not None:
            m.head_top = a.hair.top
            m.hair_cut = a.hair.cut
        x0, _y0, x1, _y1 = g.face_box
        geometry = Geometry(
            face_box=g.face_box,
            iris_a=g.iris_a,
            iris_b=g.iris_b,
            cheek_a=g.cheek_a,
            cheek_b=g.cheek_b,
            eye_line=g.eye_line(x0, x1),
            hair_top_y=a.hair.top if a.hair is not None else None,
        )
    results.append(_color_rule(m, a, rules))
    results.extend(_face_rules(m, a, rules))
    if g is not None and rules.person_rules:  # switched off: not reported at all
        results.extend(_person_rules(a, rules))
        m.person = a.person.to_dict() if a.person is not None else None
    results.extend(_background_rules(m, a, rules))
    if filename and id_number and name:
        results.append(_file_name_rule(filename, id_number, name, rules))
    ok = all(r.status in (PASS, WARN) for r in results)
    return PhotoVerdict(
        ok=ok, measurements=m, results=_order(results), geometry=geometry, file=filename
    )
