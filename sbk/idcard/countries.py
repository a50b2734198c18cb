"""ISO 3166-1 nationality codes (from pycountry), indexed once. Pure, no Django.

Only current ISO 3166-1 entries count; China itself (CHN / 156) is not a valid nationality
on a foreigner's permanent residence ID.
"""

from __future__ import annotations

import functools

CHINA_ALPHA3 = "CHN"
CHINA_NUMERIC = "156"


@functools.cache
def _index() -> tuple[dict[str, str], dict[str, str]]:
    import pycountry

    alpha3_to_numeric = {}
    numeric_to_alpha3 = {}
    for country in pycountry.countries:
        alpha3_to_numeric[country.alpha_3] = country.numeric
        numeric_to_alpha3[country.numeric] = country.alpha_3
    return alpha3_to_numeric, numeric_to_alpha3


def alpha3_to_numeric(alpha3: str) -> str | None:
    """ "USA" -> "840"; ``None`` if not a current ISO 3166-1 alpha-3 code."""
    return _index()[0].get(alpha3)


def numeric_to_alpha3(numeric: str) -> str | None:
    """ "840" -> "USA"; ``None`` if not a current ISO 3166-1 numeric code."""
    return _index()[1].get(numeric)
