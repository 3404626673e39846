"""What two people from the issue see on a 360px phone: every reason, read on the screen.

周大姐, 48, laid off after 8 insured years, not yet registered or certified, does the general
self-check. 小刘, a food-delivery rider, comes from the 职业伤害保障 guide. Set
JY_SCREENSHOTS=docs/screenshots to save what they saw (14-laid-off-results.png,
15-rider-results.png).
"""

from __future__ import annotations

import os
from pathlib import Path

from browserkit import answer_self_check, assert_accessible, scroll_width

from service.config import ROOT

LAID_OFF = {
    "你是替单位": "不是",
    "你和枣庄是什么关系": "我是枣庄户口",
    "你现在的工作情况": "现在没有工作",
    "你今年多少岁": 48,
    "哪些说的是你": [],                # the list is asked in two parts, two screens
    "这些呢？哪些说的是你": [],
    "你哪一年毕业": 1996,
    "你正在创业": "不是",
    "你一共交了几年失业保险": 8,
    "你没了工作，是不是因为": "是",
    "你办过失业登记吗": "不是",
    "你有职业技能证书吗": "没有",
    "你在工作上遇到下面的麻烦了吗": [],
    "你的性别": "女",
    "你的单位是中小微企业吗": "不是",
}
RIDER = {
    **LAID_OFF,
    "你和枣庄是什么关系": "不是枣庄户口，但在枣庄住或上班",
    "你现在的工作情况": "平台接单（外卖快递网约车）",
    "你今年多少岁": 27,
    "哪些说的是你": ["农村户口，外出或本地打工"],
    "你一共交了几年失业保险": 0,
    "你的性别": "男",
}


def card(page, title: str):
    return page.locator("li.jy-result", has=page.get_by_role("link", name=title, exact=True))


def save(page, name: str) -> None:
    folder = os.environ.get("JY_SCREENSHOTS")
    if folder:
        target = Path(folder) if Path(folder).is_absolute() else ROOT / folder
        page.screenshot(path=str(target / name), full_page=False)


def test_a_woman_laid_off_at_48_sees_steps_not_refusals(phone, server):
    page = phone.new_page()
    page.goto(server.url("/check/"))
    answer_self_check(page, LAID_OFF)
    for title in ("就业困难人员援助、“零就业”家庭清零", "公益性岗位（城镇、乡村）"):
        c = card(page, title)
        assert "jy-maybe" in c.get_attribute("class"), title
        assert "先申请就业困难人员认定" in c.inner_text()
    ui = card(page, "失业保险金与网上失业登记")
    text = ui.inner_text()
    assert "能得到：最长可领18个月" in text
    assert "先办失业登记" in text and "依据：社会保险法第四十五条（三）" in text
    # the step links to the guide that explains it
    assert card(page, "公益性岗位（城镇、乡村）").get_by_role("link", name="怎么办").first \
        .get_attribute("href") == "/guides/hard-to-employ-assistance/"
    assert scroll_width(page) <= 360
    assert_accessible(page, "results with steps")
    # one step away: her benefit first (money that is hers by law), each with its step
    steps = page.locator("h3.jy-group-title", has_text="还差一步就能办")
    assert steps.count() == 1
    first_step = page.locator("h3.jy-group-title:has-text('还差一步就能办') + ul li.jy-result").first
    assert "失业保险金" in first_step.inner_text()
    steps.evaluate("h => window.scrollTo(0, h.getBoundingClientRect().top + window.scrollY - 60)")
    save(page, "14-laid-off-results.png")


def test_a_rider_from_the_injury_guide_sees_that_guide_first(phone, server):
    page = phone.new_page()
    page.goto(server.url("/guides/gig-injury-insurance-subsidy/"))
    page.get_by_role("link", name="测一测我能不能办").click()
    answer_self_check(page, RIDER)
    first = page.locator("li.jy-result").first
    assert "新就业形态" in first.inner_text() or "职业伤害" in first.inner_text()
    assert "jy-ineligible" not in first.get_attribute("class")
    assert "替单位" not in first.inner_text()
    assert "能得到：" in first.inner_text()
    assert page.locator("h3.jy-group-title").first.inner_text().startswith("你刚才看的这一项")
    assert scroll_width(page) <= 360
    page.locator("#jy-results").scroll_into_view_if_needed()
    save(page, "15-rider-results.png")
