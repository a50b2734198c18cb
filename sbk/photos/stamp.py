"""Stamp a resolution on a JPEG that states none, without re-encoding it (issue 21).

A phone picture usually states 72 dpi or nothing; the card printer needs the copy stored
for production to say > 300 dpi (26 mm × 32 mm at 358 × 441 px ≈ 350 dpi). Only the JFIF
header's density fields are written (or a JFIF header is inserted after the start-of-image
marker), so the pixels stay exactly those that were checked. Pure: no Django.
"""

from __future__ import annotations

import struct

SOI = b"\xff\xd8"
APP0 = b"\xff\xe0"


def stamp_dpi(data: bytes, dpi: int) -> bytes:
    """``data`` with a JFIF density of ``dpi`` × ``dpi`` dots per inch; unchanged when it
    is not a JPEG."""
    if not data.startswith(SOI) or not 0 < dpi < 65536:
        return data
    density = struct.pack(">BHH", 1, dpi, dpi)  # units = dots per inch
    if data[2:4] == APP0 and data[6:11] == b"JFIF\x00" and len(data) >= 18:
        return data[:13] + density + data[18:]
    segment = APP0 + struct.pack(">H", 16) + b"JFIF\x00" + b"\x01\x01" + density + b"\x00\x00"
    return SOI + segment + data[2:]
