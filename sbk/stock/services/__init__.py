"""Stock services (卡基台账): every state change of the stock books, one function each."""

from .apply import apply_movements
from .closes import close_day, close_days, close_month
from .movements import (
    allocate_blanks,
    correct_movement,
    receive,
    record_consumption,
    return_upward,
    spoil_blanks,
    transfer,
    write_off,
)
from .stocktake import count_stock, explain_discrepancy, rectify_discrepancy

__all__ = [
    "allocate_blanks",
    "apply_movements",
    "close_day",
    "close_days",
    "close_month",
    "correct_movement",
    "count_stock",
    "explain_discrepancy",
    "receive",
    "record_consumption",
    "rectify_discrepancy",
    "return_upward",
    "spoil_blanks",
    "transfer",
    "write_off",
]
