"""Every state-changing card operation (one function per business action)."""

from .applications import (
    attach_photo,
    issue_card,
    produce_card,
    reject_application,
    start_application,
    submit_application,
    withdraw_application,
)
from .cards import (
    activate_financial,
    cancel_person,
    change_info,
    record_enquiry,
    report_loss,
    transfer,
    unlock_loss,
    unlock_pin,
)
from .kiosk import kiosk_issue
from .maintenance import lapse_temporary_losses, mark_unclaimed, run_due

__all__ = [
    "activate_financial",
    "attach_photo",
    "cancel_person",
    "change_info",
    "issue_card",
    "kiosk_issue",
    "lapse_temporary_losses",
    "mark_unclaimed",
    "produce_card",
    "record_enquiry",
    "reject_application",
    "report_loss",
    "run_due",
    "start_application",
    "submit_application",
    "transfer",
    "unlock_loss",
    "unlock_pin",
    "withdraw_application",
]
