"""Operations services (运营记录): every state change of the records, one function each."""

from .assessments import record_assessment
from .equipment import (
    change_device,
    register_device,
    repair_fault,
    report_fault,
    review_fault,
    set_maintenance,
)
from .info import adopt_info, submit_info
from .order_import import import_reviews
from .orders import create_order, escalate_due, transition
from .sampling import (
    attach_document,
    draw_sample,
    inspect_sample,
    record_business_error,
    view_document,
)
from .training import (
    create_exam,
    import_exam_results,
    record_questionnaire,
    record_training,
    set_tutors,
)

__all__ = [
    "adopt_info",
    "attach_document",
    "change_device",
    "create_exam",
    "create_order",
    "draw_sample",
    "escalate_due",
    "import_exam_results",
    "import_reviews",
    "inspect_sample",
    "record_assessment",
    "record_business_error",
    "record_questionnaire",
    "record_training",
    "register_device",
    "repair_fault",
    "report_fault",
    "review_fault",
    "set_maintenance",
    "set_tutors",
    "submit_info",
    "transition",
    "view_document",
]
