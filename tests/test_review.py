"""The review module on its own: the queue's filters and the CSV staff open in Excel or WPS."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl

import pytest

from service import review
from service.errors import ApiError


def test_csv_cells_that_look_like_formulas_are_defused():
    assert review._cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert review._cell("+86") == "'+86" and review._cell("张三") == "张三"


def test_a_reviewer_filtering_the_queue_gets_every_mistake_named_at_once(catalog):
    with pytest.raises(ApiError) as e:
        review.Filters.parse({"program": "no-such-program", "status": "done", "from": "2027-02-30",
                              "to": "3月1日", "page": "0"}, catalog)
    assert e.value.status == 422 and e.value.code == "invalid_filter"
    said = {x["field"]: x["message"] for x in e.value.errors}
    assert set(said) == {"program", "status", "from", "to", "page"}
    assert said["program"] == "没有这项政策。" and said["page"] == "页码是正整数。"
    assert said["from"] == said["to"] == "日期格式是 2027-03-01。"
    assert "in_review（正在审核）" in said["status"]  # the words staff know, with the id


def test_filters_read_back_into_the_same_link(catalog):
    f = review.Filters.parse({"program": "unemployment-insurance", "status": "need_info",
                              "district": "tengzhou", "from": "2027-03-01", "to": "2027-03-31",
                              "page": "2"}, catalog)
    assert f.date_from == dt.date(2027, 3, 1) and f.date_to == dt.date(2027, 3, 31)
    again = review.Filters.parse(dict(parse_qsl(f.query_string())), catalog)
    assert again == f
    assert "page" not in review.Filters.parse({}, catalog).query_string()
