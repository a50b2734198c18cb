"""Check characters of identity document numbers. Pure functions, no Django.

- ISO 7064 MOD 11-2 (GB 11643-1999 公民身份号码; also the Hong Kong/Macao/Taiwan residence
  permit and the 2023 foreign permanent residence ID, which reuse that standard).
- 7-3-1 weighted modulus 10 over digits and letters (A=10 … Z=35), the ICAO 9303
  machine-readable-zone check digit, used by the 15-character 2017 foreign permanent
  residence ID (see ``validation`` for the sources).
"""

from __future__ import annotations

MOD11_2_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Index = weighted sum mod 11; value = check character.
MOD11_2_CHARS = "10X98765432"
ICAO_WEIGHTS = (7, 3, 1)


def mod11_2_check(body: str) -> str:
    """Check character ("0"-"9" or "X") for a 17-digit body."""
    if len(body) != 17 or not (body.isascii() and body.isdigit()):
        raise ValueError("body must be 17 ASCII digits")
    total = sum(int(ch) * weight for ch, weight in zip(body, MOD11_2_WEIGHTS, strict=True))
    return MOD11_2_CHARS[total % 11]


def _icao_value(ch: str) -> int:
    if "0" <= ch <= "9":
        return ord(ch) - 48
    if "A" <= ch <= "Z":
        return ord(ch) - 55  # A=10 … Z=35
    if ch == "<":
        return 0
    raise ValueError(f"character {ch!r} has no check value")


def icao_731_check(body: str) -> str:
    """Check digit with weights 7, 3, 1 repeating, letters A=10 … Z=35, modulus 10."""
    total = sum(_icao_value(ch) * ICAO_WEIGHTS[i % 3] for i, ch in enumerate(body))
    return str(total % 10)
