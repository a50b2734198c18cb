"""Error codes of the assistant (办理智能小助手), shown unchanged by the API, console and CLI."""

from enum import StrEnum


class AssistantErrorCode(StrEnum):
    UNSUPPORTED_FORMAT = "unsupported_format"
    FILE_MISSING = "file_missing"
    FILE_TOO_LARGE = "file_too_large"
    UNDECODABLE = "undecodable"
    EMPTY_DOCUMENT = "empty_document"
    BAD_DOCX = "bad_docx"
    BAD_PDF = "bad_pdf"
    PDF_NO_TEXT = "pdf_no_text"
    NO_PASSAGES = "no_passages"
    DOCUMENT_META = "document_meta"
    DOCUMENT_STATUS = "document_status"
    SYNONYMS = "synonyms"
    QUESTION_EMPTY = "question_empty"
    QUESTION_TOO_LONG = "question_too_long"
    FILE_NAME = "file_name"
    PASSAGE_ID = "passage_id"
    TAUGHT_QUESTION_ID = "taught_question_id"
    QUESTION_ID = "question_id"
    QUESTION_REFUSED = "question_refused"
    RECEIPT_INVALID = "receipt_invalid"
    RECEIPT_EXPIRED = "receipt_expired"
