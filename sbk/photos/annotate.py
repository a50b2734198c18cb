"""Annotated preview of a checked photo (PNG): the face box, the cheekbone points, the
eye line and iris centres, the head_top guide lines (9 px / 16 px from the top), the
eye_bottom line (155 px from the bottom), the vertical centre line, and a side panel
listing every rule (failures in red). Drawn text is ASCII (OpenCV has no CJK glyphs)."""

from __future__ import annotations

import cv2
import numpy as np

from .analysis import decode
from .rules import DEFAULT_RULES, PhotoRules
from .verdict import FAIL, PASS, PhotoVerdict

RED = (0, 0, 230)  # BGR
GREEN = (0, 160, 0)
BLUE = (220, 120, 0)
ORANGE = (0, 140, 255)
GREY = (140, 140, 140)
PANEL_W = 230


def _p(pt: tuple[float, float], k: float) -> tuple[int, int]:
    return (int(round(pt[0] * k)), int(round(pt[1] * k)))


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return ",".join(_fmt(v) for v in value) or "-"
    return str(value)


def annotate(
    data: bytes, verdict: PhotoVerdict, *, rules: PhotoRules = DEFAULT_RULES, zoom: float = 1.5
) -> bytes:
    """PNG bytes of the photo with the measurement overlay and the rule panel."""
    dec = decode(data)
    if dec.rgb is None:
        base = np.full((rules.height, rules.width, 3), 235, np.uint8)
    else:
        base = cv2.cvtColor(dec.rgb, cv2.COLOR_RGB2BGR)
    h, w = base.shape[:2]
    k = zoom if max(h, w) * zoom <= 1600 else 1600.0 / max(h, w)
    img = cv2.resize(
        base, (max(1, round(w * k)), max(1, round(h * k))), interpolation=cv2.INTER_CUBIC
    )
    H, W = img.shape[:2]
    g = verdict.geometry
    failed = set(verdict.failed_rules())

    def colour(rule: str) -> tuple[int, int, int]:
        return RED if rule in failed else GREEN

    # guide lines from the rules (in stored-image pixels)
    for y, rule in ((rules.head_top_min, "head_top"), (rules.head_top_max, "head_top")):
        cv2.line(img, (0, round(y * k)), (W, round(y * k)), colour(rule), 1, cv2.LINE_AA)
    cv2.putText(
        img,
        f"{rules.head_top_min:g}-{rules.head_top_max:g}px",
        (W - 70, round(rules.head_top_max * k) + 14),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.4,
        colour("head_top"),
        1,
        cv2.LINE_AA,
    )
    y_eye = h - rules.eye_bottom_min
    cv2.line(img, (0, round(y_eye * k)), (W, round(y_eye * k)), colour("eye_bottom"), 1)
    cv2.putText(
        img,
        f"{rules.eye_bottom_min:g}px",
        (4, round(y_eye * k) - 4),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.4,
        colour("eye_bottom"),
        1,
        cv2.LINE_AA,
    )
    cx = round(w / 2 * k)
    cv2.line(img, (cx, 0), (cx, H), GREY, 1)
    if g.hair_top_y is not None:
        y = round(g.hair_top_y * k)
        cv2.line(img, (cx - 40, y), (cx + 40, y), colour("head_top"), 2)
    if g.face_box is not None:
        x0, y0, x1, y1 = g.face_box
        cv2.rectangle(img, _p((x0, y0), k), _p((x1, y1), k), colour("face_width"), 1)
    if g.cheek_a is not None and g.cheek_b is not None:
        cv2.line(img, _p(g.cheek_a, k), _p(g.cheek_b, k), colour("face_width"), 1, cv2.LINE_AA)
        for pt in (g.cheek_a, g.cheek_b):
            cv2.circle(img, _p(pt, k), 3, colour("face_width"), -1, cv2.LINE_AA)
        fx = (g.cheek_a[0] + g.cheek_b[0]) / 2
        cv2.line(img, (round(fx * k), 0), (round(fx * k), H), colour("centered"), 1)
    if g.eye_line is not None:
        cv2.line(img, _p(g.eye_line[0], k), _p(g.eye_line[1], k), colour("tilt"), 1, cv2.LINE_AA)
    for pt in (g.iris_a, g.iris_b):
        if pt is not None:
            cv2.circle(img, _p(pt, k), 3, BLUE, 1, cv2.LINE_AA)

    # side panel with every rule
    panel = np.full((max(H, 40 + 18 * (len(verdict.results) + 2)), PANEL_W, 3), 250, np.uint8)
    head = "PASS" if verdict.ok else "FAIL"
    cv2.putText(
        panel,
        head,
        (8, 24),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.7,
        GREEN if verdict.ok else RED,
        2,
        cv2.LINE_AA,
    )
    y = 48
    for r in verdict.results:
        col = {PASS: GREEN, FAIL: RED}.get(r.status, ORANGE)
        text = f"{r.rule}: {_fmt(r.actual)}"
        cv2.putText(panel, text[:34], (8, y), cv2.FONT_HERSHEY_SIMPLEX, 0.42, col, 1, cv2.LINE_AA)
        y += 18
    canvas = np.full((max(H, panel.shape[0]), W + PANEL_W, 3), 250, np.uint8)
    canvas[:H, :W] = img
    canvas[: panel.shape[0], W:] = panel
    ok, png = cv2.imencode(".png", canvas)
    if not ok:  # pragma: no cover - encoding a plain BGR array does not fail
        raise RuntimeError("PNG encoding failed")
    return png.tobytes()
