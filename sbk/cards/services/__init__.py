"""Every state-changing card operation (one function per business action)."""

from .applications import (
    attach_photo,
    issue_card,
    produce_card,
    record_interception,
    reject_application,
    start_application,
    submit_application,
    withdraw_application,
)
from .cards import (
    activate_financial,
    cancel_person,
    change_bank,
    change_info,
    change_pin,
    record_enquiry,
    report_loss,
    transfer,
    unlock_loss,
    unlock_pin,
)
from .kiosk import kiosk_issue, produce_on_the_spot, record_kiosk_photo
from .maintenance import lapse_temporary_losses, mark_unclaimed, run_due

__all__ = [
    "activate_financial",
    "attach_photo",
    "cancel_person",
    "change_bank",
    "change_info",
    "change_pin",
    "issue_card",
    "kiosk_issue",
    "lapse_temporary_losses",
    "mark_unclaimed",
    "produce_card",
    "produce_on_the_spot",
    "record_enquiry",
    "record_interception",
    "record_kiosk_photo",
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
