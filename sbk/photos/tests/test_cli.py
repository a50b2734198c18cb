"""The script contract of ``sbk photo check`` / ``sbk photo fix`` and the preview."""

from __future__ import annotations

import io
import json

import numpy as np
from PIL import Image
from skimage import data as skdata

from sbk.photos import cli
from sbk.photos.annotate import annotate
from sbk.photos.checker import check_photo

from . import imaging as im

ID = "612501199001011234"
NAME = "张三"
GOOD_NAME = "612501*****张三.jpg"


def run(fn, argv):
    out = io.StringIO()
    code = fn(argv, out)
    return code, out.getvalue()


def test_check_json_contract(tmp_path, reference):
    good = tmp_path / GOOD_NAME
    good.write_bytes(reference.jpeg)
    bad = tmp_path / "junk.jpg"
    bad.write_bytes(b"\x00not a picture")
    code, out = run(cli.check_main, [str(good), "--json", "--id", ID, "--name", NAME])
    assert code == 0
    (obj,) = [json.loads(line) for line in out.splitlines()]
    assert obj["file"] == str(good) and obj["ok"] is True and obj["failures"] == []
    m = obj["measurements"]
    assert m["width"] == 358 and m["height"] == 441 and m["dpi"] == [350, 350]
    assert m["mode"] == "RGB" and m["format"] == "JPEG" and m["faces"] == 1
    for key in (
        "face_width",
        "head_top",
        "eye_bottom",
        "face_center_x",
        "background_white",
        "tilt_deg",
    ):
        assert isinstance(m[key], float), key
    assert "张三" in out  # ensure_ascii=False

    missing = tmp_path / "missing.jpg"
    code, out = run(cli.check_main, [str(good), str(bad), str(missing), "--json"])
    assert code == 1
    objs = [json.loads(line) for line in out.splitlines()]
    assert [o["ok"] for o in objs] == [True, False, False]
    for o in objs[1:]:
        fmt = [f for f in o["failures"] if f["rule"] == "format"]
        assert fmt and fmt[0]["actual"] == "unreadable" and fmt[0]["message"]
        assert o["measurements"]["face_width"] is None


def test_check_text_report_and_annotate(tmp_path, reference):
    shifted = tmp_path / "shifted.jpg"
    shifted.write_bytes(im.to_jpeg(im.shift(reference.rgb, 25, 0)))
    code, out = run(cli.check_main, [str(shifted), "--annotate", str(tmp_path / "ann")])
    assert code == 1
    assert "结论：不合格" in out and "centered" in out and "脸部中心偏右" in out
    png = (tmp_path / "ann" / "shifted.check.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    good = tmp_path / "good.jpg"
    good.write_bytes(reference.jpeg)
    code, out = run(cli.check_main, [str(good)])
    assert code == 0 and "结论：合格" in out


def test_check_rules_file_and_argument_errors(tmp_path, reference):
    good = tmp_path / "good.jpg"
    good.write_bytes(reference.jpeg)
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"face_width": 120}), encoding="utf-8")
    code, out = run(cli.check_main, [str(good), "--json", "--rules", str(rules)])
    assert code == 1 and json.loads(out)["failures"][0]["rule"] == "face_width"
    rules.write_text(json.dumps({"no_such_rule": 1}), encoding="utf-8")
    assert run(cli.check_main, [str(good), "--rules", str(rules)])[0] == 2
    assert run(cli.check_main, [])[0] == 2
    assert run(cli.check_main, [str(good), "--id", ID])[0] == 2  # --name missing
    assert run(cli.check_main, ["--help"])[0] == 0


def test_fix_writes_named_file(tmp_path, astronaut_png):
    src = tmp_path / "phone.png"
    src.write_bytes(astronaut_png)
    outdir = tmp_path / "out"
    code, out = run(cli.fix_main, [str(src), str(outdir), "--id", ID, "--name", NAME])
    assert code == 0, out
    target = outdir / GOOD_NAME
    assert target.exists() and "已生成合格照片" in out
    assert check_photo(target.read_bytes(), filename=str(target), id_number=ID, name=NAME).ok
    # plain output path; then an existing directory without --id/--name
    code, _ = run(cli.fix_main, [str(src), str(tmp_path / "a" / "fixed.jpg")])
    assert code == 0 and (tmp_path / "a" / "fixed.jpg").exists()
    code, _ = run(cli.fix_main, [str(src), str(outdir)])
    assert code == 0 and (outdir / "phone.jpg").exists()


def test_fix_failure_writes_nothing(tmp_path):
    src = tmp_path / "coffee.jpg"
    src.write_bytes(im.to_jpeg(skdata.coffee()))
    out_file = tmp_path / "out.jpg"
    code, out = run(cli.fix_main, [str(src), str(out_file)])
    assert code == 1 and not out_file.exists()
    assert "face_count" in out and "未检测到人脸" in out
    code, out = run(cli.fix_main, [str(src), str(out_file), "--json"])
    obj = json.loads(out)
    assert code == 1 and obj["ok"] is False and obj["failures"][0]["rule"] == "face_count"
    code, out = run(cli.fix_main, [str(tmp_path / "missing.jpg"), str(out_file)])
    assert code == 1 and "format" in out


def test_main_dispatch(tmp_path, reference):
    good = tmp_path / "good.jpg"
    good.write_bytes(reference.jpeg)
    out = io.StringIO()
    assert cli.main(["check", str(good), "--json"], out) == 0
    assert json.loads(out.getvalue())["ok"] is True
    assert cli.main(["bogus"], io.StringIO()) == 2


def test_annotate_draws_and_survives_junk(reference):
    v = check_photo(reference.jpeg)
    png = annotate(reference.jpeg, v)
    img = np.asarray(Image.open(io.BytesIO(png)))
    assert img.shape[0] >= 441 and img.shape[1] > 358
    junk = check_photo(b"junk")
    assert annotate(b"junk", junk).startswith(b"\x89PNG")
