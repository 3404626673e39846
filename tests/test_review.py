"""The review module on its own: the queue's filters and the CSV staff open in Excel or WPS."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl

import pytest

from service import clock, review
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
    assert said["from"] == "没有2027年2月30日这一天，请核对一下日期。"  # a day that is none
    assert said["to"] == clock.DAY_FORMAT_ERROR and "2026-12-03" in said["to"]  # no year
    assert "in_review（正在审核）" in said["status"]  # the words staff know, with the id


@pytest.mark.parametrize("typed", ["2027-03-01", "2027-3-1", "2027/3/1", "2027.03.01",
                                   "2027年3月1日", "2027 年 3 月 1 号", "20270301",
                                   "２０２７－０３－０１", " 2027-03-01 "])
def test_a_day_is_read_as_staff_write_it_and_shown_back_as_year_month_day(catalog, typed):
    f = review.Filters.parse({"from": typed, "to": typed}, catalog)
    assert f.date_from == f.date_to == dt.date(2027, 3, 1)
    assert f.form()["from"] == f.form()["to"] == "2027-03-01"
    assert dict(parse_qsl(f.query_string())) == {"from": "2027-03-01", "to": "2027-03-01"}


@pytest.mark.parametrize("typed", ["03/01/2027", "1/3/2027", "3月1日", "2027-03", "1999-03-01",
                                   "2027-03-01T00:00", "2027/03-01", "yesterday"])
def test_a_date_in_another_order_or_without_its_year_is_refused_not_guessed(catalog, typed):
    """mm/dd/yyyy (what an English browser shows) and dd/mm/yyyy read the same: no guess."""
    with pytest.raises(ApiError) as e:
        review.Filters.parse({"from": typed}, catalog)
    assert e.value.status == 422 and e.value.message == clock.DAY_FORMAT_ERROR
    assert e.value.errors == [{"field": "from", "message": clock.DAY_FORMAT_ERROR}]


def test_a_range_typed_back_to_front_is_named_not_answered_with_nothing(catalog):
    with pytest.raises(ApiError) as e:
        review.Filters.parse({"from": "2027-03-31", "to": "2027-03-01"}, catalog)
    assert [x["field"] for x in e.value.errors] == ["to"] and "对调" in e.value.message
    one_day = review.Filters.parse({"from": "2027-03-01", "to": "2027/3/1"}, catalog)
    assert one_day.date_from == one_day.date_to


def test_filters_read_back_into_the_same_link(catalog):
    f = review.Filters.parse({"program": "unemployment-insurance", "status": "need_info",
                              "district": "tengzhou", "from": "2027-03-01", "to": "2027-03-31",
                              "page": "2"}, catalog)
    assert f.date_from == dt.date(2027, 3, 1) and f.date_to == dt.date(2027, 3, 31)
    again = review.Filters.parse(dict(parse_qsl(f.query_string())), catalog)
    assert again == f
    assert "page" not in review.Filters.parse({}, catalog).query_string()
