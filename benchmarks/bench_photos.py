"""ID photo checker and fixer throughput on one core, next to the raw MediaPipe floor.

    .venv/bin/python benchmarks/bench_photos.py [--seconds S] [--write benchmarks/RESULTS.md]

Data: a labelled set built from ``skimage.data.astronaut()`` — the compliant reference the
fixer makes, and known transforms of it (shift, scale, rotation, background colour,
frame, greyscale, blur, JPEG quality), all 358×441-ish JPEGs; the fix inputs are the
512×512 astronaut plus larger "phone pictures" made from it. The process is pinned to
one CPU and OpenCV to one thread, so the numbers are per core.

"Models only" is the time of the MediaPipe calls one check makes on the same decoded
image (face detection + face mesh on the image and its mirror + selfie segmentation):
the floor any checker built on these models pays.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import sys
import time
from pathlib import Path

# one core: pin before MediaPipe / OpenCV start their thread pools
if hasattr(os, "sched_setaffinity"):
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except OSError:
        pass
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from skimage import data as skdata  # noqa: E402

from sbk.photos import inference as models  # noqa: E402
from sbk.photos.analysis import decode  # noqa: E402
from sbk.photos.checker import check_photo  # noqa: E402
from sbk.photos.fix import fix_photo  # noqa: E402

cv2.setNumThreads(1)

NAME = "photos"


def _jpeg(rgb: np.ndarray, quality: int = 92) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=quality, dpi=(350, 350))
    return buf.getvalue()


def _png(rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG")
    return buf.getvalue()


def build_sets() -> tuple[list[bytes], list[bytes]]:
    astronaut = skdata.astronaut()
    ref_res = fix_photo(_png(astronaut))
    if not ref_res.ok:
        raise SystemExit("the fixer could not make the reference photo")
    ref = np.asarray(Image.open(io.BytesIO(ref_res.jpeg)).convert("RGB"))
    h, w = ref.shape[:2]

    def warp(m: np.ndarray) -> np.ndarray:
        return cv2.warpAffine(ref, m, (w, h), borderMode=cv2.BORDER_REPLICATE)

    checks = [ref_res.jpeg]
    for dx, dy in ((0, 8), (0, -6), (20, 0), (-12, 5), (0, 130)):
        checks.append(_jpeg(warp(np.float32([[1, 0, dx], [0, 1, dy]]))))
    for f in (0.9, 1.1):
        checks.append(_jpeg(cv2.resize(ref, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)))
    for deg in (-8, 4):
        checks.append(_jpeg(warp(cv2.getRotationMatrix2D((w / 2, h / 2), deg, 1.0))))
    blue = ref.copy()
    blue[ref.min(axis=2) > 240] = (40, 90, 200)
    checks.append(_jpeg(blue))
    framed = ref.copy()
    cv2.rectangle(framed, (0, 0), (w - 1, h - 1), (0, 0, 0), 3)
    checks.append(_jpeg(framed))
    g = cv2.cvtColor(ref, cv2.COLOR_RGB2GRAY)
    checks.append(_jpeg(np.dstack([g, g, g])))
    checks.append(_jpeg(cv2.GaussianBlur(ref, (0, 0), 4)))
    for q in (40, 75):
        checks.append(_jpeg(ref, q))

    fixes = [_png(astronaut), _jpeg(astronaut)]
    big = cv2.resize(astronaut, None, fx=2.5, fy=2.5, interpolation=cv2.INTER_CUBIC)
    canvas = np.empty((1600, 2000, 3), np.uint8)
    canvas[:] = (90, 120, 160)
    canvas[1600 - 1280 :, 400:1680] = big
    fixes.append(_jpeg(canvas))
    fixes.append(_jpeg(cv2.resize(astronaut, None, fx=2.0, fy=2.0)))
    return checks, fixes


def _rate(fn, items: list[bytes], seconds: float) -> tuple[float, float, float]:
    """(items per wall-clock second, items per CPU second, median wall ms per item) over
    whole passes of ``items``. The process is pinned to one core, so CPU seconds are
    that core's time actually spent — the fair figure when other work shares the machine."""
    for item in items:  # warm-up
        fn(item)
    per_item: list[float] = []
    start = time.perf_counter()
    cpu0 = time.process_time()
    while True:
        for item in items:
            t = time.perf_counter()
            fn(item)
            per_item.append(time.perf_counter() - t)
        if time.perf_counter() - start >= seconds:
            break
    cpu = time.process_time() - cpu0
    return len(per_item) / sum(per_item), len(per_item) / cpu, statistics.median(per_item) * 1000


def _models_only(rgb: np.ndarray) -> None:
    models.detect_faces(rgb)
    models.face_landmarks(rgb)
    models.face_landmarks(np.ascontiguousarray(rgb[:, ::-1]))
    models.segment_person(rgb)


def machine() -> str:
    try:
        from results import machine as shared_machine  # benchmarks/results.py

        return shared_machine()
    except ImportError:
        return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"


def write_section(path: str, body: str) -> None:
    try:
        from results import write_section as shared_write

        shared_write(path, NAME, body)
        return
    except ImportError:
        pass
    p = Path(path)
    text = p.read_text(encoding="utf-8") if p.exists() else "# Benchmark results\n"
    start, end = f"<!-- {NAME}:start -->", f"<!-- {NAME}:end -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    p.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="time per measurement")
    parser.add_argument("--write", metavar="PATH", help="replace the Photos section there")
    args = parser.parse_args()

    models.warm_up()
    checks, fixes = build_sets()
    decoded = [decode(d).rgb for d in checks]
    n_pass = sum(check_photo(d).ok for d in checks)

    models_wall, models_cpu, models_med = _rate(_models_only, decoded, args.seconds)
    check_wall, check_cpu, check_med = _rate(check_photo, checks, args.seconds)
    fix_wall, fix_cpu, fix_med = _rate(fix_photo, fixes, args.seconds)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    n_fixed = sum(fix_photo(d).ok for d in fixes)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

    kb = sum(map(len, checks)) / len(checks) / 1024
    fix_px = ", ".join(sorted({"×".join(map(str, Image.open(io.BytesIO(d)).size)) for d in fixes}))
    body = f"""## Photos

ID photo compliance (`sbk.photos`): checks and fixes per second on **one core**
(process pinned to {cpus} CPU, OpenCV single-threaded), next to the MediaPipe models'
own time for the same images — the floor (face detection + face mesh on the image and
its mirror + selfie segmentation).

- Data: {len(checks)} check images (358×441-ish JPEG, mean {kb:.0f} KB; the compliant
  reference made from `skimage.data.astronaut()` and known transforms of it; {n_pass}
  pass), {len(fixes)} fix inputs ({fix_px}; {n_fixed} fixed).
- Machine: {machine()}; `{platform.platform()}`.

| operation | per CPU-second (1 core) | per wall-second | median wall ms / image |
| --- | ---: | ---: | ---: |
| models only (floor) | {models_cpu:.1f} | {models_wall:.1f} | {models_med:.1f} |
| `check_photo` (decode + models + all rules) | {check_cpu:.1f} | {check_wall:.1f} | {check_med:.1f} |
| `fix_photo` (detect ×2, mesh ×2, segment ×2–4, JPEG search, final check) | {fix_cpu:.1f} | {fix_wall:.1f} | {fix_med:.1f} |

Check overhead over the floor: {(1 / check_cpu - 1 / models_cpu) * 1000:.1f} ms CPU per photo
(the check runs at {check_cpu / models_cpu:.0%} of the floor's rate). Target: ≥ 25
checks per second per core. Load average during the run: {load:.1f} (the machine is
shared; wall-clock figures include waiting for the core).
"""
    print(body)
    if args.write:
        write_section(args.write, body)
        print(f"wrote section '{NAME}' to {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
