"""The pages take the server's tables from the build step (common.js's DATA, written by
service/pages.py), never from copies of their own; the one copy that must stay in
hand-written words, the privacy notice's retention period, is held to the setting here."""

from __future__ import annotations

import re

import pytest

from service import engine, facts, workflow
from service.config import ROOT, Settings
from service.pages import common_script, retention_words, site_data

SCRIPTS = sorted([*(ROOT / "site" / "assets" / "jy").glob("*.js"), ROOT / "site" / "sw.js",
                  *(ROOT / "js" / "common").glob("*.js")])


def _script(path) -> str:
    return path.read_text("utf-8")


def test_the_data_are_the_servers_own_tables():
    data = site_data()
    assert data["districts"] == [[d.value, d.label] for d in facts.DISTRICTS]
    assert dict(data["districts"]) == facts.DISTRICT_LABELS
    assert data["retention"] == retention_words(Settings().retention_days) == "2年"
    assert data["outcomes"] == engine.STATUS_ZH
    assert data["id"]["min_age"] == 16 and "37" in data["id"]["provinces"]
    assert site_data(1095)["retention"] == "3年"


@pytest.mark.parametrize("days, words", [
    (730, "2年"), (365, "1年"), (1095, "3年"), (180, "6个月"), (540, "18个月"), (100, "100天")])
def test_the_retention_period_is_said_in_plain_words(days, words):
    assert retention_words(days) == words


def test_common_js_carries_the_data_ahead_of_every_part():
    joined = common_script(site_data(1095))
    assert 'var DATA = {"districts":[["shizhong","市中区"]' in joined
    assert '"retention":"3年"' in joined
    assert joined.index("var DATA") < joined.index("/* ---- dom.js ---- */")
    assert "data: DATA" in joined


def test_the_privacy_notice_says_how_long_data_is_kept_as_the_setting_does():
    # content/privacy.md is written by hand: it must say what RETENTION_DAYS's default does
    # (and the README's configuration table tells an operator to change both together).
    text = (ROOT / "content" / "privacy.md").read_text("utf-8")
    said = re.findall(r"再保存\s*(\d+)\s*(年|个月|天)", text)
    assert said, "content/privacy.md no longer says how long personal data is kept"
    assert {n + unit for n, unit in said} == {retention_words(Settings().retention_days)}


def test_the_privacy_notice_says_how_long_a_call_back_number_is_kept_as_the_service_does():
    from service.callbacks import KEEP_DAYS

    text = (ROOT / "content" / "privacy.md").read_text("utf-8")
    section = text.split("## 请工作人员联系我", 1)[1].split("##", 1)[0]
    assert re.findall(r"(\d+)天后删除", section) == [str(KEEP_DAYS)]
    assert site_data()["callback"] == {"when": ["上午", "下午", "晚上", "都可以"],
                                       "days": KEEP_DAYS}


def test_no_page_script_keeps_its_own_copy_of_the_servers_tables():
    copies = []
    for path in SCRIPTS:
        text = _script(path)
        name = str(path.relative_to(ROOT))
        for label in facts.DISTRICT_LABELS.values():
            if label in text:
                copies.append(f"{name}: district {label}")
        for words in [*workflow.LABELS.values(), *workflow.NEXT_STEPS.values()]:
            if words in text:
                copies.append(f"{name}: application status {words}")
        for words in engine.STATUS_ZH.values():
            if f'"{words}"' in text:
                copies.append(f"{name}: self-check result {words}")
        for m in re.findall(r"保存\s*\d+\s*(?:年|个月|天)|\d+\s*天后删除", text):
            copies.append(f"{name}: retention {m}")
    assert not copies, "take these from JY.data (service/pages.py site_data): " + "; ".join(copies)


def test_the_status_page_colours_only_statuses_the_workflow_has():
    # status.js shows each status's words and next step as the API sends them
    # (workflow.LABELS / NEXT_STEPS); it only picks a colour by the status id.
    text = _script(ROOT / "site" / "assets" / "jy" / "status.js")
    colours = re.search(r"var COLORS = \{([^}]*)\}", text)
    assert colours
    keys = re.findall(r"(\w+)\s*:", colours.group(1))
    assert keys and set(keys) <= set(workflow.STATUSES)
    assert "s.status_text" in text and "s.next_step" in text
