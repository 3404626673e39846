"""An application's statuses, the moves between them, and what each means to the applicant.

Pure data and functions; the API and the staff console both read from here.

    submitted -> in_review -> need_info | approved | rejected
    need_info -> in_review (the person brought what was missing)
    submitted | in_review | need_info -> withdrawn
"""

from __future__ import annotations

SUBMITTED, IN_REVIEW, NEED_INFO = "submitted", "in_review", "need_info"
APPROVED, REJECTED, WITHDRAWN = "approved", "rejected", "withdrawn"

STATUSES = (SUBMITTED, IN_REVIEW, NEED_INFO, APPROVED, REJECTED, WITHDRAWN)
CLOSED = frozenset({APPROVED, REJECTED, WITHDRAWN})
# A move to these needs a note for the applicant: what is missing, or why not.
NOTE_REQUIRED = frozenset({NEED_INFO, REJECTED})

TRANSITIONS: dict[str, frozenset[str]] = {
    SUBMITTED: frozenset({IN_REVIEW, WITHDRAWN}),
    IN_REVIEW: frozenset({NEED_INFO, APPROVED, REJECTED, WITHDRAWN}),
    NEED_INFO: frozenset({IN_REVIEW, WITHDRAWN}),
    APPROVED: frozenset(),
    REJECTED: frozenset(),
    WITHDRAWN: frozenset(),
}

LABELS = {
    SUBMITTED: "已提交，等待受理",
    IN_REVIEW: "正在审核",
    NEED_INFO: "需要补充材料",
    APPROVED: "审核通过",
    REJECTED: "没有通过",
    WITHDRAWN: "已撤回",
}

# What the person should do next, in plain words (the staff's own message comes first).
NEXT_STEPS = {
    SUBMITTED: "工作人员会尽快受理，有消息会打电话给你。请先准备好要带的材料。",
    IN_REVIEW: "工作人员正在核对。有问题会打电话给你，请留意来电。",
    NEED_INFO: "请看工作人员的留言，按要求补充材料。不清楚可以打12333问。",
    APPROVED: "请按工作人员的留言办理后面的手续。",
    REJECTED: "请看工作人员写的原因。有疑问可以打12333，或到办事窗口当面问。",
    WITHDRAWN: "这份申请已经撤回。需要时可以重新申请。",
}


def next_statuses(current: str) -> list[str]:
    """Where an application can go from ``current``, in the order of the flow."""
    return [s for s in STATUSES if s in TRANSITIONS.get(current, ())]


def can_move(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())
