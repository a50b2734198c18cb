"""The work-order state machine (工单闭环): states, steps, and what each step may follow.
Pure: no Django import. ``sbk.operations.services.orders.transition`` is its one writer.

受理 → 派单 → 签收 → 响应 → 整改 → 回访 → 办结; 退单 sends a dispatched (or signed) order
back to the dispatcher; 重启 (reopen) brings a closed order back to 受理. Pausing the clock
(waiting for the citizen or a third party) and escalation change no state.
"""

from __future__ import annotations

RECEIVED, DISPATCHED, SIGNED, RESPONDED, RECTIFIED, VISITED, CLOSED = (
    "received",
    "dispatched",
    "signed",
    "responded",
    "rectified",
    "visited",
    "closed",
)
STATE_LABELS = {
    RECEIVED: "受理",
    DISPATCHED: "派单",
    SIGNED: "签收",
    RESPONDED: "响应",
    RECTIFIED: "整改",
    VISITED: "回访",
    CLOSED: "办结",
}
OPEN_STATES = (RECEIVED, DISPATCHED, SIGNED, RESPONDED, RECTIFIED, VISITED)

# Events (the history): a step's name is the event's kind.
CREATE, DISPATCH, SIGN, RESPOND, RECTIFY, VISIT, CLOSE, RETURN, REOPEN = (
    "create",
    "dispatch",
    "sign",
    "respond",
    "rectify",
    "visit",
    "close",
    "return",
    "reopen",
)
PAUSE, RESUME, ESCALATE = "pause", "resume", "escalate"
STEP_LABELS = {
    CREATE: "受理",
    DISPATCH: "派单",
    SIGN: "签收",
    RESPOND: "响应",
    RECTIFY: "整改",
    VISIT: "回访",
    CLOSE: "办结",
    RETURN: "退单",
    REOPEN: "重启",
    PAUSE: "暂停计时",
    RESUME: "恢复计时",
    ESCALATE: "超时升级",
}
# step -> (states it may follow, state it leads to)
STEPS: dict[str, tuple[tuple[str, ...], str]] = {
    DISPATCH: ((RECEIVED,), DISPATCHED),
    SIGN: ((DISPATCHED,), SIGNED),
    RESPOND: ((SIGNED,), RESPONDED),
    RECTIFY: ((RESPONDED,), RECTIFIED),
    VISIT: ((RECTIFIED,), VISITED),
    CLOSE: ((VISITED,), CLOSED),
    RETURN: ((DISPATCHED, SIGNED), RECEIVED),
    REOPEN: ((CLOSED,), RECEIVED),
}
CLOCK_STEPS = (PAUSE, RESUME)


def next_state(state: str, step: str) -> str | None:
    """The state ``step`` leads to from ``state``; None when the step may not follow it."""
    allowed, target = STEPS[step]
    return target if state in allowed else None


def steps_from(state: str) -> list[str]:
    return [s for s, (allowed, _) in STEPS.items() if state in allowed]
