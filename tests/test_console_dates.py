"""The console's date fields as staff use them: written 年-月-日 whatever the computer's
language (Chromium shows <input type=date> as mm/dd/yyyy on an English system), also typed
2026/12/3 or 2026年12月3日, and a bad one named in Chinese with nothing filtered or made.
The browser's side is tests/browser/test_desk_dates.py."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

from people import form, key, signed_in

from service import clock
from service.console import HERE as CONSOLE
from service.models import Application, Campaign


def inputs(html: str, name: str) -> str:
    [tag] = re.findall(rf'<input[^>]*\bname="{name}"[^>]*>', html)
    return tag


def csrf_of(html: str) -> str:
    return html.split('name="csrf_token" value="')[1].split('"')[0]


def test_no_console_page_asks_the_browser_for_its_own_date_field():
    for template in Path(CONSOLE / "templates").glob("*.html"):
        text = re.sub(r"\{#.*?#\}", "", template.read_text("utf-8"), flags=re.S)  # comments
        assert not re.search(r"type=\"?(date|datetime-local|month|week)\b", text), template.name


async def test_the_queue_reads_a_day_however_it_is_typed_and_shows_it_year_first(
        app, people, client):
    sent = []
    for day in (1, 5):  # sent on 1 and 5 March (stored in UTC, as the service writes times)
        r = await client.post("/api/applications", json=form(), headers=key())
        sent.append(r.json()["reference"])
        at = dt.datetime(2027, 3, day, 9, tzinfo=clock.BEIJING).astimezone(dt.UTC)
        await Application.filter(reference=sent[-1]).update(created_at=at)
    c, _ = await signed_in(app, "teng")
    page = await c.get("/staff/applications", params={"from": "2027/3/1", "to": "2027年3月1日"})
    assert page.status_code == 200 and "共 1 份" in page.text
    assert sent[0] in page.text and sent[1] not in page.text
    for name in ("from", "to"):
        field = inputs(page.text, name)
        assert 'type="text"' in field and 'value="2027-03-01"' in field
        assert 'placeholder="2026-12-03"' in field and 'inputmode="numeric"' in field
        assert re.search(r'pattern="[^"]+"', field) and 'aria-describedby="date-help"' in field
    assert 'id="date-help"' in page.text and "年-月-日" in page.text
    # the export takes the same filter, in the form the page wrote back
    link = re.search(r'href="(/api/staff/applications\.csv\?[^"]+)"', page.text).group(1)
    assert "from=2027-03-01" in link
    rows = list(csv.reader(io.StringIO((await c.get(link.replace("&amp;", "&"))).text)))
    assert len(rows) == 2  # the header and the one application of 1 March
    await c.aclose()


async def test_a_bad_day_in_the_queue_says_what_is_wrong_and_filters_nothing(
        app, people, client):
    await client.post("/api/applications", json=form(), headers=key())
    c, _ = await signed_in(app, "teng")
    page = await c.get("/staff/applications", params={"from": "2027-02-30", "to": "03/01/2027",
                                                      "q": "李"})
    assert page.status_code == 422
    assert "没有2027年2月30日这一天" in page.text and clock.DAY_FORMAT_ERROR in page.text
    assert "从：" in page.text and "到：" in page.text  # each message under its field's name
    # the form comes back as typed, each bad field marked, so the mistake can be mended
    assert 'value="2027-02-30"' in inputs(page.text, "from")
    assert 'aria-invalid="true"' in inputs(page.text, "from")
    assert 'value="03/01/2027"' in inputs(page.text, "to")
    assert 'value="李"' in inputs(page.text, "q")
    # no list that looks filtered but is not, and no export of it
    assert "<tbody>" not in page.text and "applications.csv" not in page.text
    assert 'href="/staff/applications"' in page.text
    one = await c.get("/staff/applications", params={"from": "soon"})
    assert one.status_code == 422 and clock.DAY_FORMAT_ERROR in one.text
    backwards = await c.get("/staff/applications", params={"from": "2027-03-31",
                                                           "to": "2027-03-01"})
    assert backwards.status_code == 422 and "对调" in backwards.text
    await c.aclose()


async def test_a_campaign_made_in_the_console_takes_its_days_as_typed(app, people):
    c, _ = await signed_in(app, "admin")
    page = await c.get("/staff/campaigns")
    for name in ("starts_on", "ends_on"):
        field = inputs(page.text, name)
        assert 'type="text"' in field and 'placeholder="2026-12-03"' in field
    r = await c.post("/staff/campaigns", data={
        "name": "2027春风行动·滕州专场", "kind": "job_fair", "district": "tengzhou",
        "place": "滕州市人力资源市场", "starts_on": "2027年3月1日", "ends_on": "2027/3/3",
        "target": "/check/", "csrf_token": csrf_of(page.text)})
    assert r.status_code == 303
    made = await Campaign.get(name="2027春风行动·滕州专场")
    assert (made.starts_on, made.ends_on) == (dt.date(2027, 3, 1), dt.date(2027, 3, 3))
    await c.aclose()


async def test_a_bad_day_in_the_campaign_form_makes_nothing_and_keeps_what_was_typed(
        app, people):
    c, _ = await signed_in(app, "admin")
    csrf = csrf_of((await c.get("/staff/campaigns")).text)
    typed = {"name": "峄城区窗口", "kind": "office", "district": "yicheng", "place": "区政务大厅",
             "starts_on": "2027-02-30", "ends_on": "", "target": "/check/", "csrf_token": csrf}
    r = await c.post("/staff/campaigns", data=typed)
    assert r.status_code == 422 and "没有2027年2月30日这一天" in r.text
    assert not await Campaign.exists()
    assert 'value="峄城区窗口"' in inputs(r.text, "name")
    assert 'value="区政务大厅"' in inputs(r.text, "place")
    assert 'aria-invalid="true"' in inputs(r.text, "starts_on")
    assert 'value="2027-02-30"' in inputs(r.text, "starts_on")
    assert re.search(r'<option value="yicheng" selected>', r.text)
    american = await c.post("/staff/campaigns", data={**typed, "starts_on": "3/1/2027"})
    assert american.status_code == 422 and clock.DAY_FORMAT_ERROR in american.text
    both = await c.post("/staff/campaigns", data={**typed, "ends_on": "2027-13-01"})
    assert both.status_code == 422 and "开始：没有2027年2月30日" in both.text
    assert "结束：没有2027年13月1日" in both.text
    assert not await Campaign.exists()
    await c.aclose()


async def test_the_api_takes_the_same_days_and_refuses_the_same_mistakes(app, people):
    c, csrf = await signed_in(app, "admin")
    made = await c.post("/api/staff/campaigns", headers=csrf, json={
        "name": "进村宣讲·山亭区", "kind": "village", "starts_on": "2027/4/1",
        "ends_on": "20270402"})
    assert made.status_code == 201
    assert (made.json()["starts_on"], made.json()["ends_on"]) == ("2027-04-01", "2027-04-02")
    for bad in ({"starts_on": "04/01/2027"}, {"ends_on": "2027-04-31"}):
        r = await c.post("/api/staff/campaigns", headers=csrf,
                         json={"name": "进村宣讲", "kind": "village", **bad})
        assert r.status_code == 422 and r.json()["code"] == "invalid_campaign"
        assert r.json()["errors"][0]["field"] == next(iter(bad))
    assert await Campaign.all().count() == 1
    q = await c.get("/api/staff/applications", params={"from": "2027年4月1日"})
    assert q.status_code == 200
    await c.aclose()
