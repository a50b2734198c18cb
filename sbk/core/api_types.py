"""Parameter types and the error shape of the JSON API (issue 23, "The API's contract").

- ``Int64``: an integer that fits the databases' BIGINT. Past 64 bits a value used to reach
  the database and fail there (OverflowError on SQLite, "datatype mismatch" for LIMIT and
  OFFSET); now it is refused as the request comes in, ``400 number_out_of_range``.
- ``IsoDate``: a date written ``YYYY-MM-DD`` and nothing else (pydantic alone reads
  ``start=0`` as 1970-01-01, a Unix timestamp).
- ``Pagination``: ninja's limit/offset with both bounded (limit ≤ ``MAX_LIMIT``).
- ``ErrorOut``: the body of every error answer, ``ServiceError.as_dict()``'s shape.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from ninja import Schema
from ninja.pagination import LimitOffsetPagination
from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
MAX_LIMIT = 500  # rows per page of a paginated list

Int64 = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX, json_schema_extra={"format": "int64"})]
# A row count to skip: 0 or more, within 64 bits.
Offset = Annotated[int, Field(ge=0, le=INT64_MAX, json_schema_extra={"format": "int64"})]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise PydanticCustomError("date_format", "日期应写作 YYYY-MM-DD")
    if isinstance(value, int | float):  # a JSON number is not a date either
        raise PydanticCustomError("date_format", "日期应写作 YYYY-MM-DD")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


def is_out_of_range(error: dict) -> bool:
    """Whether one of ninja's validation errors is an integer past the 64-bit bounds."""
    ctx = error.get("ctx") or {}
    kind = error.get("type")
    return (kind == "less_than_equal" and ctx.get("le") == INT64_MAX) or (
        kind == "greater_than_equal" and ctx.get("ge") == INT64_MIN
    )


class Pagination(LimitOffsetPagination):
    """``limit`` (at most ``MAX_LIMIT`` rows are given, as the card lists do) and
    ``offset``, both within 64 bits: a page the database can always slice."""

    class Input(Schema):
        limit: Annotated[
            int,
            Field(
                ge=1,
                le=INT64_MAX,
                description=f"每页条数（最多返回 {MAX_LIMIT} 条）",
                json_schema_extra={"format": "int64"},
            ),
        ] = 100
        offset: Offset = 0

    def __init__(self, max_limit: int = MAX_LIMIT, **kwargs: Any) -> None:
        super().__init__(max_limit=max_limit, **kwargs)


class ProblemOut(Schema):
    code: str = Field(description="稳定的机器可读代码")
    field: str | None = Field(None, description="相关字段（无则为 null）")
    message: str = Field(description="中文说明")


class ErrorOut(Schema):
    """Every refusal: the first problem's ``code``/``field``/``message`` and all problems."""

    code: str = Field(description="稳定的机器可读代码，见各响应的说明")
    message: str = Field(description="中文说明")
    field: str | None = Field(None, description="相关字段（无则为 null）")
    errors: list[ProblemOut] = Field(
        default_factory=list, description="全部问题（一次请求可能违反多条规则）"
    )
