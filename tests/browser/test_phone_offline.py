"""No network: guides already opened stay readable, and an application made offline is kept
on the phone and sent by itself when the network is back."""

from __future__ import annotations

import json
import re
import urllib.request

from browserkit import PROGRAM, fill_application
from people import make_id


def install_offline_copy(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def test_pages_once_opened_can_be_read_without_a_network(phone_sw, server):
    page = phone_sw.new_page()
    install_offline_copy(page, server.url(f"/guides/{PROGRAM}/?c={server.campaign}"))
    page.goto(server.url("/guides/startup-guarantee-loan/"))

    phone_sw.context.set_offline(True)
    page.goto(server.url(f"/guides/{PROGRAM}/"))
    assert page.get_by_role("heading", level=1).inner_text() == "失业保险金与网上失业登记"
    assert page.get_by_role("button", name="大字").is_visible()      # styles and scripts too
    page.goto(server.url("/guides/startup-guarantee-loan/"))
    assert page.get_by_role("heading", level=1).inner_text() == "创业担保贷款及贴息"
    for path, heading in (("/", "就业通：枣庄就业补贴一点通"), ("/guides/", "全部政策"),
                          ("/check/", "测一测你能办哪些"), ("/status/", "查申请进度")):
        page.goto(server.url(path))
        assert page.get_by_role("heading", level=1).inner_text() == heading, path
    # The self-check needs the server: it says so, and keeps the answers.
    page.goto(server.url("/check/"))
    page.get_by_role("alert").filter(has_text="网络不太好").wait_for()

    # A guide never opened: a plain page says what can be read.
    page.goto(server.url("/guides/graduate-internship/"))
    assert page.get_by_role("heading", level=1).inner_text() == "现在没有网络"
    assert page.get_by_role("link", name="全部政策").is_visible()

    phone_sw.context.set_offline(False)
    page.goto(server.url("/guides/graduate-internship/"))
    assert page.get_by_role("heading", level=1).inner_text() != "现在没有网络"


def test_an_application_made_offline_is_sent_when_the_network_returns(phone_sw, server):
    page = phone_sw.new_page()
    install_offline_copy(page, server.url(f"/guides/{PROGRAM}/"))

    phone_sw.context.set_offline(True)
    page.locator(".jy-actions").get_by_role("link", name="在线申请").click()
    id_number = make_id("19690803", 468)
    fill_application(page, "王秀英", id_number, "13905630003")
    page.get_by_role("button", name="下一步：核对信息").click()
    page.get_by_role("button", name="确认提交").click()

    page.get_by_role("heading", name="已保存在手机上").wait_for()
    assert "已保存在手机上，有网时会自动提交" in page.locator("#jy-apply").inner_text()
    waiting = page.evaluate("JSON.parse(localStorage.getItem('jy.outbox'))")
    assert len(waiting) == 1 and re.fullmatch(r"[0-9a-f]{32}", waiting[0]["key"])

    # Closed and opened again, still without a network: still waiting, nothing to refill.
    page.reload()
    page.get_by_role("heading", name="已保存在手机上").wait_for()

    phone_sw.context.set_offline(False)              # the `online` event sends it
    page.get_by_role("heading", name="申请已提交").wait_for()
    reference = page.locator(".jy-reference").inner_text().replace("-", "")
    assert page.evaluate("localStorage.getItem('jy.outbox')") is None
    assert id_number not in page.evaluate("JSON.stringify(localStorage)")

    # It reached the server, once, with what was typed offline.
    with urllib.request.urlopen(server.url(f"/api/applications/{reference}?phone=13905630003")) as r:
        status = json.loads(r.read())
    assert status["program_title"] == "失业保险金与网上失业登记"
    assert status["status_text"] == "已提交，等待受理"


def test_a_waiting_application_goes_out_on_the_next_page_load(phone_sw, server):
    page = phone_sw.new_page()
    install_offline_copy(page, server.url(f"/apply/?program={PROGRAM}"))
    phone_sw.context.set_offline(True)
    page.reload()
    fill_application(page, "赵大山", make_id("19750505", 579), "13905630004")
    page.get_by_role("button", name="下一步：核对信息").click()
    page.get_by_role("button", name="确认提交").click()
    page.get_by_role("heading", name="已保存在手机上").wait_for()
    page.close()                                    # WeChat closed before the network came back

    phone_sw.context.set_offline(False)
    later = phone_sw.new_page()
    later.goto(server.url("/guides/"))
    banner = later.locator(".jy-banner")
    banner.wait_for()
    assert "已经提交了" in banner.inner_text()
    reference = banner.locator(".jy-reference").inner_text()
    banner.get_by_role("link", name="查进度").click()
    assert later.get_by_label("申请编号").input_value().replace("-", "") == reference.replace("-", "")
