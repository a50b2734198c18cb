"""The photo file name convention (seed 002 附件3: 照片命名 ``612501*****张三``).

Rule (documented choice read off the seed's example): the first ``id_keep_prefix`` (6)
characters of the ID number, then ``id_mask_stars`` (5) asterisks, then the person's
name, then ``.jpg`` (``.jpeg`` accepted, any letter case). The ID number is compared
with spaces removed and a trailing ``x`` upper-cased; the name with surrounding spaces
removed, both in Unicode NFC. Only the base name is compared (directories ignored).

Note: ``*`` is not allowed in Windows file names; the convention is the seed's and is
kept as is (the platform stores the file under its own key and uses this as the
download/export name).
"""

from __future__ import annotations

import unicodedata

from .rules import DEFAULT_RULES, PhotoRules


def normalise_id(id_number: str) -> str:
    return "".join(str(id_number).split()).upper()


def normalise_name(name: str) -> str:
    return unicodedata.normalize("NFC", str(name).strip())


def expected_stem(id_number: str, name: str, rules: PhotoRules = DEFAULT_RULES) -> str:
    idn = normalise_id(id_number)
    if not idn or not normalise_name(name):
        raise ValueError("ID number and name are both required for the photo file name")
    return idn[: rules.id_keep_prefix] + "*" * rules.id_mask_stars + normalise_name(name)


def expected_file_name(id_number: str, name: str, rules: PhotoRules = DEFAULT_RULES) -> str:
    ext = rules.file_extensions[0] if rules.file_extensions else ".jpg"
    return expected_stem(id_number, name, rules) + ext


def base_name(filename: str) -> str:
    return str(filename).replace("\\", "/").rsplit("/", 1)[-1]


def file_name_matches(
    filename: str, id_number: str, name: str, rules: PhotoRules = DEFAULT_RULES
) -> bool:
    base = unicodedata.normalize("NFC", base_name(filename))
    stem, dot, ext = base.rpartition(".")
    if not dot:
        return False
    exts = {e.lower() for e in rules.file_extensions}
    return ("." + ext).lower() in exts and stem == expected_stem(id_number, name, rules)
