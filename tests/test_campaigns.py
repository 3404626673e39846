"""QR campaigns: codes, scans, attribution through check and application, figures, and QR
codes that an independent decoder reads back at poster and label sizes."""

from __future__ import annotations

import dataclasses
import io
import re

import pytest
from people import PASSWORD, code_for, form, key, new_client, signed_in
from PIL import Image, ImageDraw
from qrread import decode, svg_to_image

from service import campaigns, qr
from service.config import public_url_problem
from service.models import Campaign


async def make_campaign(app, **over) -> dict:
    c, csrf = await signed_in(app, "admin")
    body = {"name": "2027春风行动·滕州专场", "kind": "job_fair", "district": "tengzhou",
            "place": "滕州市人力资源市场", "starts_on": "2027-02-20", "target": "/check/"}
    body.update(over)
    r = await c.post("/api/staff/campaigns", json=body, headers=csrf)
    await c.aclose()
    assert r.status_code == 201, r.text
    return r.json()


async def test_an_admin_makes_a_campaign_with_a_short_unambiguous_code(app, people):
    made = await make_campaign(app)
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{6}", made["code"])
    assert made["short_link"] == f"http://127.0.0.1:8000/q/{made['code']}"
    c, csrf = await signed_in(app, "admin")
    for bad, field in (({"name": "x"}, "名称"), ({"kind": "party"}, "类型"),
                       ({"target": "https://evil.example/"}, "只能指向"),
                       ({"target": "/guides/no-such-guide/"}, "只能指向"),
                       ({"starts_on": "2027-03-01", "ends_on": "2027-02-01"}, "结束日期"),
                       ({"starts_on": "soon"}, "日期")):
        body = {"name": "村里宣讲", "kind": "village", **bad}
        r = await c.post("/api/staff/campaigns", json=body, headers=csrf)
        assert r.status_code == 422 and field in r.json()["message"], bad
    r2, csrf2 = await signed_in(app, "teng")
    denied = await r2.post("/api/staff/campaigns", json={"name": "村里宣讲", "kind": "village"},
                           headers=csrf2)
    assert denied.status_code == 403
    assert await Campaign.all().count() == 1
    await c.aclose()
    await r2.aclose()


async def test_a_scan_is_counted_and_lands_on_the_target_with_the_code(app, people, client):
    made = await make_campaign(app, target="/guides/startup-guarantee-loan/")
    code = made["code"]
    r = await client.get(f"/q/{code}")
    assert r.status_code == 302
    assert r.headers["location"] == f"/guides/startup-guarantee-loan/?c={code}"
    assert r.headers["cache-control"] == "no-store"  # every scan reaches the server
    assert (await client.get(f"/q/{code.lower()}")).status_code == 302  # typed by hand
    label = await client.get(f"/q/{code}/graduate-internship")
    assert label.headers["location"] == f"/guides/graduate-internship/?c={code}"
    assert await app.state.tally.flush() == 3


async def test_unknown_and_retired_codes_land_on_the_home_page(app, people, client):
    made = await make_campaign(app)
    for path in ("/q/ZZZZZZ", "/q/0O1I", "/q/" + "A" * 40, "/q/%3Cscript%3E"):
        r = await client.get(path)
        assert r.status_code == 302 and r.headers["location"] == "/", path
    c, csrf = await signed_in(app, "admin")
    assert (await c.post(f"/api/staff/campaigns/{made['code']}/retire",
                         headers=csrf)).status_code == 200
    r = await client.get(f"/q/{made['code']}")
    assert r.headers["location"] == "/"
    assert await app.state.tally.flush() == 0  # nothing counted for codes that lead nowhere
    await c.aclose()


async def test_a_campaign_made_by_another_worker_is_found_at_once(app, people, client):
    await app.state.campaigns.reload()  # this worker's cache, before the campaign exists
    made = await campaigns.create("进村宣讲·山亭区", "village", "/check/", app.state.catalog,
                                  district="shanting")
    r = await client.get(f"/q/{made.code}")
    assert r.headers["location"] == f"/check/?c={made.code}"


async def test_the_funnel_follows_people_from_scan_to_approval(app, people, client):
    made = await make_campaign(app)
    code = made["code"]
    for _ in range(5):
        await client.get(f"/q/{code}")
    for _ in range(3):  # three of them start the self-check; one answers a question
        await client.post("/api/check", json={"answers": {}, "campaign": code})
    await client.post("/api/check", json={"answers": {"age": 30}, "campaign": code})
    sent = []
    for _ in range(2):
        r = await client.post("/api/applications", json=form(campaign=code), headers=key())
        sent.append(r.json()["reference"])
    await client.post("/api/applications", json=form(), headers=key())  # not from the fair
    c, csrf = await signed_in(app, "admin")
    for status, note in (("in_review", ""), ("approved", "已通过。")):
        await c.post(f"/api/staff/applications/{sent[0]}/status",
                     json={"status": status, "note": note}, headers=csrf)
    figures = (await c.get("/api/staff/campaigns")).json()
    [row] = figures["campaigns"]
    assert (row["code"], row["scans"], row["checks"], row["applications"], row["approved"],
            row["in_progress"]) == (code, 5, 3, 2, 1, 1)
    [district] = figures["by_district"]
    assert (district["district"], district["label"], district["scans"]) == ("tengzhou",
                                                                         "滕州市", 5)
    assert figures["by_kind"][0]["kind"] == "job_fair"
    one = (await c.get(f"/api/staff/campaigns/{code}")).json()
    assert sum(d["scans"] for d in one["by_day"]) == 5
    assert sum(h["scans"] for h in one["by_hour"]) == 5 and len(one["by_hour"]) == 24
    assert sum(d["applications"] for d in one["by_day"]) == 2
    # a viewer sees the same figures (no personal data in them)
    v, _ = await signed_in(app, "stats")
    assert (await v.get("/api/staff/campaigns")).json()["campaigns"][0]["scans"] == 5
    await c.aclose()
    await v.aclose()


@pytest.mark.parametrize("label_px", [370, 180, 120])
def test_the_qr_png_decodes_at_poster_and_label_sizes(label_px):
    link = "https://jy.zaozhuang.gov.cn/q/K7M2X9"
    image = Image.open(io.BytesIO(qr.png(link)))
    # 120 px is a 3.4 cm label printed at 90 dpi, or photographed from across a table
    small = image.convert("L").resize((label_px, label_px), Image.Resampling.BILINEAR)
    assert decode(small) == link
    assert qr.version(link) <= 4  # short links keep the code coarse and easy to scan


def test_the_qr_survives_a_scuffed_corner():
    """Error correction Q: a scratch across part of the code is still read."""
    link = "https://jy.zaozhuang.gov.cn/q/K7M2X9/startup-guarantee-loan"
    image = svg_to_image(qr.svg(link), 10).convert("L")
    draw = ImageDraw.Draw(image)
    w = image.width
    draw.rectangle([w * 0.55, w * 0.62, w * 0.75, w * 0.7], fill=255)  # a torn strip
    assert decode(image) == link


async def test_the_poster_and_label_sheet_print_what_people_need(app, people):
    made = await make_campaign(app)
    c, _ = await signed_in(app, "teng")
    poster = await c.get(f"/staff/campaigns/{made['code']}/poster")
    assert poster.status_code == 200
    text = poster.text
    assert campaigns.SCAN_LINE in text and made["short_link"] in text and "12333" in text
    assert made["name"] in text
    css = (await c.get("/staff/static/print.css")).text
    qr_mm = int(re.search(r"\.sheet \.qr svg \{ width: (\d+)mm", css).group(1))
    assert qr_mm >= 60 and "size: A4" in css
    svg = text[text.index("<svg"):text.index("</svg>") + 6]
    assert decode(svg_to_image(svg, 8)) == made["short_link"]
    sheet = await c.get(f"/staff/campaigns/{made['code']}/labels")
    assert sheet.text.count('class="label"') == len(app.state.catalog.programs)
    png = await c.get(f"/staff/campaigns/{made['code']}/qr.png")
    assert png.headers["content-type"] == "image/png"
    assert decode(Image.open(io.BytesIO(png.content))) == made["short_link"]
    assert (await c.get(f"/staff/campaigns/{made['code']}/qr.gif")).status_code == 404
    await c.aclose()


@pytest.mark.parametrize("starts, ends, printed", [
    ("2027-03-01", "2027-03-03", "从2027年3月1日到3月3日"),
    ("2026-12-28", "2027-01-03", "从2026年12月28日到2027年1月3日"),
    ("2027-03-01", "2027-03-01", "2027年3月1日"),
    ("2027-03-01", "", "从2027年3月1日起，长期"),
    ("", "2027-03-03", "到2027年3月3日为止"),
    ("", "", "长期"),
])
async def test_the_poster_prints_the_campaigns_days_not_only_its_first(app, people, starts,
                                                                       ends, printed):
    made = await make_campaign(app, starts_on=starts, ends_on=ends)
    c, _ = await signed_in(app, "admin")
    poster = (await c.get(f"/staff/campaigns/{made['code']}/poster")).text
    where = re.search(r'<p class="where">(.*?)</p>', poster).group(1)
    assert where == f"{made['name']} · 滕州市人力资源市场 · {printed}"
    # the console says the same where it shows the campaign
    assert printed in (await c.get(f"/staff/campaigns/{made['code']}")).text
    assert printed in (await c.get("/staff/campaigns")).text
    await c.aclose()


async def test_the_console_shows_campaigns_and_makes_them_for_admins(app, people, client):
    made = await make_campaign(app)
    await client.get(f"/q/{made['code']}")
    async with new_client(app) as c:
        await c.post("/staff/login", data={"username": "stats", "password": PASSWORD})
        page = await c.get("/staff/campaigns")
        assert page.status_code == 200 and made["name"] in page.text
        assert "新建活动" not in page.text  # viewers read figures only
        one = await c.get(f"/staff/campaigns/{made['code']}")
        assert made["short_link"] in one.text and "<svg" in one.text
    async with new_client(app) as c:
        await c.post("/staff/login", data={"username": "admin", "password": PASSWORD,
                                                "totp": await code_for("admin")})
        page = await c.get("/staff/campaigns")
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        r = await c.post("/staff/campaigns", data={
            "name": "峄城区窗口", "kind": "office", "district": "yicheng", "place": "",
            "starts_on": "", "ends_on": "", "target": "/", "csrf_token": csrf})
        assert r.status_code == 303
        assert await Campaign.filter(name="峄城区窗口").exists()


@pytest.mark.parametrize("url, why", [
    ("http://127.0.0.1:8000", "本机地址"), ("http://localhost:8000", "本机地址"),
    ("http://0.0.0.0:8000", "本机地址"), ("http://[::1]:8000", "本机地址"),
    ("http://192.168.1.20:8000", "内网地址"), ("http://10.0.0.8", "内网地址"),
    ("https://172.20.1.5", "内网地址"), ("http://jyserver:8000", "内网里的机器名"),
    ("https://jy.local", "内网里的机器名"), ("http://jy.zaozhuang.gov.cn", "http://"),
    ("jy.zaozhuang.gov.cn", "不是一个完整的网址"),
])
def test_a_public_address_phones_cannot_open_is_named_with_what_to_set(url, why):
    problem = public_url_problem(url)
    assert f"PUBLIC_BASE_URL 现在是 {url}" in problem and why in problem
    assert "设成群众手机能打开的 https:// 网址" in problem


@pytest.mark.parametrize("url", ["https://jy.zaozhuang.gov.cn", "https://rsj.zaozhuang.gov.cn/jy",
                                 "https://8.8.8.8"])
def test_a_public_https_address_is_not_warned_about(url):
    assert public_url_problem(url) == ""


async def test_the_campaign_pages_warn_while_their_qr_codes_lead_nowhere(app, people):
    """With the default PUBLIC_BASE_URL (this machine) every page that shows or prints a
    campaign's QR code says so, and what to set; with the public https address, none does."""
    made = await make_campaign(app)
    code = made["code"]
    c, _ = await signed_in(app, "admin")
    pages = ["/staff/campaigns", f"/staff/campaigns/{code}", f"/staff/campaigns/{code}/poster",
             f"/staff/campaigns/{code}/labels"]
    for path in pages:
        text = (await c.get(path)).text
        banner = re.search(r'<div class="(?:banner|url-warning)" role="alert".*?</div>', text,
                           re.S)
        assert banner, path
        assert "群众扫了打不开" in banner.group(0) and "先不要打印" in banner.group(0)
        assert "PUBLIC_BASE_URL 现在是 http://127.0.0.1:8000，这是本机地址" in banner.group(0)
    assert "打不开" not in (await c.get("/staff/applications")).text  # nothing to print there
    app.state.settings = dataclasses.replace(app.state.settings,
                                             public_base_url="https://jy.zaozhuang.gov.cn")
    for path in pages:
        text = (await c.get(path)).text
        assert 'role="alert"' not in text and "打不开" not in text, path
    assert f"https://jy.zaozhuang.gov.cn/q/{code}" in (await c.get(pages[2])).text
    await c.aclose()


async def test_only_the_poster_and_the_label_sheet_are_printable(app, people):
    made = await make_campaign(app)
    c, _ = await signed_in(app, "admin")
    assert (await c.get(f"/staff/campaigns/{made['code']}/retire")).status_code in (404, 405)
    assert (await c.get(f"/staff/campaigns/{made['code']}/flyer")).status_code == 404
    await c.aclose()
