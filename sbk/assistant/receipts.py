"""The receipt an applicant's answer carries (回答凭据): the server's signed word that this
row of the question log was answered to this applicant, so that they, and only they, may
report the answer as not answering (答非所问) from the portal, although the log keeps no
asker (a citizen's questions are not kept against their name).

Django's ``signing`` (HMAC over ``SECRET_KEY`` with this module's salt, and a timestamp)
makes and checks it; nothing is stored. It is signed, not secret: it shows the log row's
number and the user's, which the applicant may know. A receipt is good for ``MAX_AGE``: a report is made
while the answer is on the screen, and an old receipt found in a page's history or a log
should not reopen a question the centre has dealt with.
"""

from __future__ import annotations

import datetime as dt

from django.core import signing

from sbk.core.errors import ServiceError

from .errors import AssistantErrorCode as E

SALT = "sbk.assistant.answer-receipt"
MAX_AGE = dt.timedelta(days=1)
MAX_LENGTH = 200  # a receipt is about 80 characters; anything longer is not one


def issue(question_id: int, user_id: int) -> str:
    """The receipt of the answer logged as ``question_id``, given to user ``user_id``."""
    return signing.dumps({"q": question_id, "u": user_id}, salt=SALT)


def for_answer(answer, user) -> str | None:
    """The receipt an applicant's answer carries; none for a refusal (the question is on the
    unanswered list already) or an answer that was not logged."""
    if answer.refused or answer.logged is None:
        return None
    return issue(answer.logged, user.pk)


def question_of(receipt: str, user_id: int) -> int:
    """The question log's row the receipt names, when it was signed here, for this user,
    within ``MAX_AGE``; a clear refusal naming the field otherwise."""
    if not receipt or len(receipt) > MAX_LENGTH:
        raise _invalid()
    try:
        data = signing.loads(receipt, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired:
        raise ServiceError(
            E.RECEIPT_EXPIRED, "该回答已超过一天，不能再报告；请重新提问", field="receipt"
        ) from None
    except signing.BadSignature:
        raise _invalid() from None
    if not isinstance(data, dict) or data.get("u") != user_id or not isinstance(data.get("q"), int):
        raise _invalid()
    return data["q"]


def _invalid() -> ServiceError:
    return ServiceError(
        E.RECEIPT_INVALID, "回答凭据无效：请在小助手的回答下方报告", field="receipt"
    )
