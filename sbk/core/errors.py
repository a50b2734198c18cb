"""Errors that services raise and every front door (API, console, CLI) shows unchanged.

Each carries a stable machine ``code``, the ``field`` it concerns and a Chinese message
for people; a ``ServiceError`` may hold several problems at once (all rules broken, not
just the first).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CoreErrorCode(StrEnum):
    """Codes of the platform layer (every app has its own enum beside its services)."""

    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    IDEMPOTENCY_KEY = "idempotency_key"
    IDEMPOTENCY_MISMATCH = "idempotency_mismatch"
    RETENTION = "retention"
    CHAIN_BROKEN = "chain_broken"
    # Refusals of the request itself, before any service runs (issue 23): the API and the
    # console answer them with these codes instead of a server error.
    INVALID_REQUEST = "invalid_request"  # a parameter or the body does not fit its schema
    NUMBER_OUT_OF_RANGE = "number_out_of_range"  # an integer past signed 64 bits
    BAD_REQUEST = "bad_request"  # unreadable body (not JSON, too many fields)
    BAD_MULTIPART = "bad_multipart"  # multipart/form-data that cannot be parsed
    REQUEST_TOO_LARGE = "request_too_large"  # body over DATA_UPLOAD_MAX_MEMORY_SIZE (413)
    UNAUTHENTICATED = "unauthenticated"  # no valid session or bearer token (401)
    SERVER_ERROR = "server_error"  # a fault of the server (500), never a refusal


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    field: str | None = None

    def as_dict(self) -> dict:
        return {"code": self.code, "field": self.field, "message": self.message}


class ServiceError(Exception):
    """A refused business action. ``status`` hints the HTTP status for the API."""

    status = 400

    def __init__(self, code: str, message: str, *, field: str | None = None, problems=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.problems: list[Problem] = list(problems or [Problem(code, message, field)])
        # What must be written although the action is refused (an intercepted production,
        # a photo attempt): run by ``sbk.core.actions.atomic`` once the refused action has
        # rolled back, each in its own transaction.
        self.after_rollback: list = []

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "message": self.message,
            "field": self.field,
            "errors": [p.as_dict() for p in self.problems],
        }

    @classmethod
    def from_problems(cls, problems: list[Problem]) -> ServiceError:
        first = problems[0]
        message = "；".join(p.message for p in problems)
        return cls(first.code, message, field=first.field, problems=problems)


class NotFound(ServiceError):
    status = 404

    def __init__(self, what: str = "记录"):
        super().__init__(CoreErrorCode.NOT_FOUND, f"{what}不存在或不在您的管辖范围内")


class Forbidden(ServiceError):
    status = 403

    def __init__(self, message: str = "无权执行此操作", *, code: str = CoreErrorCode.FORBIDDEN):
        super().__init__(code, message)


class Conflict(ServiceError):
    status = 409


class RequestTooLarge(ServiceError):
    status = 413

    def __init__(self, message: str = "请求内容过大"):
        super().__init__(CoreErrorCode.REQUEST_TOO_LARGE, message)
