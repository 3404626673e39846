"""An application's statuses and moves, as the applicant and the reviewer live them."""

from __future__ import annotations

import re

from service import workflow as w


def test_an_application_goes_from_sent_through_review_to_a_decision():
    assert w.next_statuses(w.SUBMITTED) == [w.IN_REVIEW, w.WITHDRAWN]
    assert w.next_statuses(w.IN_REVIEW) == [w.NEED_INFO, w.APPROVED, w.REJECTED, w.WITHDRAWN]
    assert not w.can_move(w.SUBMITTED, w.APPROVED)  # nobody is approved unread
    assert not w.can_move(w.NEED_INFO, w.APPROVED)  # what was missing is looked at first
    assert w.can_move(w.NEED_INFO, w.IN_REVIEW)


def test_a_decision_is_final_and_an_open_application_can_always_be_withdrawn():
    for s in w.STATUSES:
        if s in w.CLOSED:
            assert w.next_statuses(s) == [], s
        else:
            assert w.can_move(s, w.WITHDRAWN), s
    assert w.next_statuses("no-such-status") == [] and not w.can_move("x", w.IN_REVIEW)


def test_every_status_can_be_reached_and_every_open_one_can_end():
    reached, todo = {w.SUBMITTED}, [w.SUBMITTED]
    while todo:
        for n in w.next_statuses(todo.pop()):
            if n not in reached:
                reached.add(n)
                todo.append(n)
    assert reached == set(w.STATUSES)
    assert set(w.TRANSITIONS) == set(w.STATUSES)


def test_the_applicant_is_told_in_words_what_each_status_means_and_what_to_do():
    for s in w.STATUSES:
        label, step = w.LABELS[s], w.NEXT_STEPS[s]
        assert re.search(r"[\u4e00-\u9fff]", label) and not re.search(r"[A-Za-z_]", label), s
        assert step.endswith("。") and not re.search(r"[a-z_]{3,}", step), s


def test_asking_for_more_or_saying_no_needs_a_message_for_the_applicant():
    assert w.NOTE_REQUIRED == {w.NEED_INFO, w.REJECTED}
    assert w.NOTE_REQUIRED <= set(w.STATUSES)
