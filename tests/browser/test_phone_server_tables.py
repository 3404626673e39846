"""The pages show the server's own tables, written into common.js by the build step
(service/pages.py site_data): the apply form's districts and retention period, the
self-check's words for its results."""

from __future__ import annotations

import re

from browserkit import PROGRAM

from service import engine, facts
from service.config import Settings
from service.pages import retention_words


def test_the_apply_form_offers_the_servers_districts_and_says_how_long_data_is_kept(page, server):
    page.goto(server.url(f"/apply/?program={PROGRAM}"))
    page.get_by_label("姓名 *").wait_for()
    radios = page.locator("input[name=district]")
    assert radios.evaluate_all("rs => rs.map(r => r.value)") == list(facts.DISTRICT_LABELS)
    assert page.locator(".jy-districts label").all_inner_texts() == list(
        facts.DISTRICT_LABELS.values())
    kept = retention_words(Settings.from_env().retention_days)   # what `make site` built with
    assert f"办完后再保存{kept}，然后删除。" in page.locator(".jy-consent").inner_text()

    # The summary names the district as the table does.
    page.get_by_label(facts.DISTRICT_LABELS["shanting"]).check()
    page.get_by_label("姓名 *").fill("李桂兰")
    page.get_by_label("身份证号 *").fill("11010519491231002X")
    page.get_by_label("手机号 *").fill("13905630009")
    page.get_by_label("我已看过，同意以上说明").check()
    page.get_by_role("button", name="下一步：核对信息").click()
    assert "所在区（市）\n山亭区" in page.locator(".jy-summary-list").inner_text()


def test_the_self_check_groups_its_results_in_the_engines_words(page, server):
    # Someone asking for an employer: some programs are for them, many are not.
    assert "is_employer" in {f.id for f in facts.FACTS}
    page.add_init_script("localStorage.setItem('jy.check.v1', "
                         "JSON.stringify({answers: {is_employer: true}}))")
    page.goto(server.url("/check/"))
    page.locator("#jy-q").wait_for()
    page.get_by_role("button", name="直接看结果").click()
    page.locator("#jy-results").wait_for()
    titles = page.locator(".jy-group-title, .jy-group > summary").all_inner_texts()
    words = "|".join([*engine.STATUS_ZH.values(), "还差一步就能办"])
    assert titles and all(re.match(rf"({words})（\d+ 项）", t) for t in titles), titles
