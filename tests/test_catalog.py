"""The catalog: every published program is there, and a bad edit fails with file and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from service.catalog import BODY_SECTIONS, CatalogError, load_catalog
from service.config import ROOT
from service.contentcheck import figures, run

# Slugs are public ids: printed QR codes point at them, so the list only ever grows.
PUBLISHED_SLUGS = {
    "startup-guarantee-loan", "student-startup", "returnee-overseas-startup",
    "return-home-startup", "startup-training", "incubators", "startup-mentoring",
    "graduate-internship", "graduate-housing-support", "youth-station",
    "unemployed-graduate-help", "graduate-hukou", "sme-hires-graduates",
    "flexible-social-insurance-subsidy", "gig-injury-insurance-subsidy", "gig-market",
    "rural-job-transfer", "new-generation-migrant-skills", "work-relief",
    "veteran-jobs", "veteran-startup",
    "public-welfare-jobs", "hard-to-employ-assistance", "poverty-alleviated-jobs",
    "disabled-employment", "women-startup",
    "subsidized-skills-training", "skills-upgrade-subsidy", "new-apprenticeship",
    "chief-technician-allowance", "skill-level-certification", "work-for-training",
    "unemployment-insurance", "job-retention-support",
    "unpaid-wages", "labour-dispute",
    # issue 20
    "tengzhou-startup-subsidy", "golden-blue-collar-training", "skills-competitions",
    "employer-hiring-subsidies", "public-sector-jobs", "grassroots-projects",
    "research-assistant-posts", "village-good-youth", "vocational-student-placements",
    "personnel-files", "startup-tax-breaks", "construction-injury-insurance",
    "researcher-leave-startup", "older-workers-fair-hiring",
}
EXEMPLAR = ROOT / "content" / "programs" / "unemployment-insurance.md"


def test_every_published_slug_has_a_guide(catalog):
    assert PUBLISHED_SLUGS <= set(catalog.by_slug), sorted(PUBLISHED_SLUGS - set(catalog.by_slug))


def test_the_whole_catalog_passes_the_content_check():
    assert run(ROOT / "content") == []


def _content_with(tmp_path: Path, text: str, name: str = "unemployment-insurance.md") -> Path:
    (tmp_path / "programs").mkdir()
    (tmp_path / "programs" / name).write_text(text, "utf-8")
    return tmp_path


def _problems(tmp_path: Path, text: str, name: str = "unemployment-insurance.md") -> str:
    content = _content_with(tmp_path, text, name)
    problems = run(content)
    assert problems, "the malformed file was accepted"
    assert all(name in p for p in problems), problems
    return "\n".join(problems)


GOOD = EXEMPLAR.read_text("utf-8")


def test_the_exemplar_alone_is_clean(tmp_path):
    assert run(_content_with(tmp_path, GOOD)) == []


@pytest.mark.parametrize(
    "change, field",
    [
        (("grade: A\n", "grade: A\n  colour: red\n", 1), "colour"),  # unknown key
        (("title: 失业保险金与网上失业登记\n", "", 1), "title"),  # missing field
        (("    source: ui-reg\n", "    source: nowhere\n", 1), "figures[2].source"),  # bad ref
        (("fact: ui_years\n", "fact: shoe_size\n", 1), "conditions[0].fact"),  # unknown fact
        (("    min: 1\n", "    min: one\n", 1), "conditions[0].min"),  # bad operator value
        (("  - label: 不是自己想走的\n", "  - lable: 不是自己想走的\n", 1), "conditions[1].label"),
        (("slug: unemployment-insurance", "slug: unemployment", 1), "slug"),
        (("verified_on: 2026-12-02\nin_force", "verified_on: 2/12/2026\nin_force", 1),
         "verified_on"),
        (("  valid_until: none\nkeywords", "  valid_until: forever\nkeywords", 1),
         "in_force.valid_until"),
        (("      section: 第四十五条（一）\n", "      section: \"\"\n", 1),
         "conditions[0].basis.section"),
        (("      source: si-law\n      section: 第四十五条（一）",
          "      source: party-paper\n      section: 第四十五条（一）", 1),
         "conditions[0].basis.source"),
        (("    figure: duration\n    when: {fact: ui_years, min: 10}",
          "    figure: length\n    when: {fact: ui_years, min: 10}", 1), "gets[0].figure"),
        (("audiences: [unemployed]", "audiences: [jobless]", 1), "audiences"),
        (("grade: A\n", "grade: D\n", 1), "sources[0].grade"),
    ],
)
def test_a_malformed_guide_names_file_and_field(tmp_path, change, field):
    old, new, count = change
    assert old in GOOD
    problems = _problems(tmp_path, GOOD.replace(old, new, count))
    assert field in problems


def test_a_guide_needs_two_examples(tmp_path):
    start = GOOD.index("examples:")
    text = GOOD[:start] + "examples:\n" + GOOD[GOOD.index("  - name: 刘姐"):]
    assert "examples" in _problems(tmp_path, text)


def test_a_wrong_example_fails_the_check(tmp_path):
    text = GOOD.replace("job_loss_involuntary: true}\n    expect: maybe",
                        "job_loss_involuntary: true}\n    expect: eligible")
    assert "刘姐" in _problems(tmp_path, text)


def test_a_missing_section_fails(tmp_path):
    text = GOOD.replace("## 常见问题", "## 问答")
    problems = _problems(tmp_path, text)
    assert "常见问题" in problems and "body" in problems


def test_a_figure_without_a_source_fails(tmp_path):
    text = GOOD.replace("每月一笔失业保险金。", "每月一笔失业保险金，大约1500元。")
    assert "1500元" in _problems(tmp_path, text)


def test_long_sentences_fail(tmp_path):
    long = "这是一句非常非常长的句子，" * 6 + "一直说到最后才停下来。"
    text = GOOD.replace("钱从失业保险基金出，不用你还。", "\n".join([long] * 80))
    assert "median sentence" in _problems(tmp_path, text)


def test_a_broken_internal_link_fails(tmp_path):
    text = GOOD.replace("网上也能办。", "网上也能办，看[这里](no-such-guide.md)。")
    assert "no-such-guide.md" in _problems(tmp_path, text)


def test_figures_are_found_and_years_ignored():
    assert figures("交满1年不满5年，最长12个月，2025年毕业，补贴1.2万元，60%") == [
        "1年", "5年", "12个月", "1.2万元", "60%"]


def test_a_document_without_a_stable_id_or_with_one_used_twice_is_refused(tmp_path):
    """Photos sent for a checklist item keep its id: each item needs one of its own."""
    text = EXEMPLAR.read_text("utf-8")
    plain = text.replace("  - id: id-card\n    name: 居民身份证或社会保障卡\n",
                         "  - 居民身份证或社会保障卡\n")
    assert plain != text
    for name in ("plain", "twice", "case"):
        (tmp_path / name).mkdir()
    assert "documents[0]" in _problems(tmp_path / "plain", plain)
    twice = text.replace("  - id: termination-proof\n", "  - id: id-card\n")
    assert "documents[1].id: “id-card” is used twice" in _problems(tmp_path / "twice", twice)
    shouting = text.replace("  - id: termination-proof\n", "  - id: Termination_Proof\n")
    assert "documents[1].id: a stable id" in _problems(tmp_path / "case", shouting)


def test_every_guide_lists_what_to_bring_as_a_checklist_of_its_own_words(catalog):
    for p in catalog.programs:
        body = EXEMPLAR.parent.joinpath(f"{p.slug}.md").read_text("utf-8")
        assert p.checklist and all(item["name"] in body for item in p.checklist)
        # a photo can be sent of a paper, not of 其他材料以窗口要求为准
        assert all(not item["photo"] for item in p.checklist if item["name"].startswith("其他材料"))


def test_sections_are_the_fixed_ones():
    assert BODY_SECTIONS == ("这是什么", "谁可以申请", "能得到什么", "怎么办", "常见问题")


def test_loader_raises_with_every_problem(tmp_path):
    (tmp_path / "programs").mkdir()
    (tmp_path / "programs" / "a.md").write_text("no front matter", "utf-8")
    (tmp_path / "programs" / "b.md").write_text("---\n[1, 2]\n---\n", "utf-8")
    with pytest.raises(CatalogError) as e:
        load_catalog(tmp_path)
    assert len(e.value.problems) == 2
    assert "a.md" in e.value.problems[0] and "b.md" in e.value.problems[1]


def test_the_real_catalog_copies_cleanly(tmp_path):
    shutil.copytree(ROOT / "content" / "programs", tmp_path / "programs")
    assert len(load_catalog(tmp_path).programs) >= 1


# --- the truth of what a guide says ---------------------------------------------------------


def test_a_condition_without_the_clause_it_encodes_is_refused(tmp_path):
    start = GOOD.index("  - label: 失业保险交满1年\n    basis:")
    end = GOOD.index("    fact: ui_years\n    min: 1\n")
    problems = _problems(tmp_path, GOOD[:start] + "  - label: 失业保险交满1年\n" + GOOD[end:])
    assert "conditions[0].basis" in problems and "not a condition" in problems


def test_a_figure_shown_as_verified_after_its_source_ended_fails_naming_file_and_field(tmp_path):
    text = GOOD.replace("    valid_from: 2011-07-01\n    valid_until: none\n    note: 再次失业",
                        "    valid_from: 2011-07-01\n    valid_until: 2024-12-31\n    note: 再次失业")
    problems = _problems(tmp_path, text)
    assert "unemployment-insurance.md: figures[1].verified" in problems
    assert "2024-12-31" in problems


def test_the_same_lapsed_figure_marked_unverified_passes_and_the_page_says_it_may_have_lapsed(
        tmp_path):
    from service.catalog import load_catalog
    from service.pages import guide_markdown

    text = GOOD.replace(
        "    source: si-law\n    verified: true\n    verified_on: 2026-12-02\n"
        "    valid_from: 2011-07-01\n    valid_until: none\n    note: 再次失业",
        "    source: si-law\n    verified: false\n    verified_on: 2026-12-02\n"
        "    valid_from: 2011-07-01\n    valid_until: 2024-12-31\n    note: 再次失业")
    content = _content_with(tmp_path, text)
    assert run(content) == []
    catalog = load_catalog(content)
    page = guide_markdown(catalog.by_slug["unemployment-insurance"], catalog)
    assert "文件写明执行到2024年12月31日，现在是否继续办理，请打12333问" in page


def test_figures_checked_more_than_a_year_ago_are_listed_for_reverification(tmp_path):
    import datetime as dt

    from service.catalog import load_catalog
    from service.contentcheck import due_for_reverification

    catalog = load_catalog(_content_with(tmp_path, GOOD))
    assert due_for_reverification(catalog, dt.date(2027, 6, 1)) == []
    due = due_for_reverification(catalog, dt.date(2028, 1, 1))
    assert any("figures[1] “最长能领多久”: last checked on 2026-12-02" in d for d in due)
    assert any("verified_on: the guide was last checked on 2026-12-02" in d for d in due)


def test_a_figure_in_a_what_you_get_line_must_be_in_the_figure_it_names(tmp_path):
    text = GOOD.replace("  - text: 最长可领24个月；", "  - text: 最长可领36个月；")
    assert "gets[0].text" in _problems(tmp_path, text)


def test_nothing_ships_still_marked_to_be_checked(tmp_path):
    text = GOOD.replace("      section: 第四十五条（一）\n", "      section: 待核\n")
    assert "待核" in _problems(tmp_path, text)


def test_worked_examples_must_cover_the_hard_cases(tmp_path):
    start = GOOD.index("  - name: 周大姐")
    end = GOOD.index("  - name: 小李")
    no_step = GOOD[:start] + GOOD[end:]
    assert "does not hold a status yet" in _problems(tmp_path, no_step)
    start = GOOD.index("  - name: 小孙，刚好交满1年")
    end = GOOD.index("  - name: 老陈")
    no_edge = GOOD[:start] + GOOD[end:]
    start, end = no_edge.index("  - name: 小马，交了不到1年"), no_edge.index("  - name: 刘姐")
    no_edge = no_edge[:start] + no_edge[end:]
    (tmp_path / "again").mkdir()
    assert "boundary case" in _problems(tmp_path / "again", no_edge)


def test_jargon_needs_the_glossary(tmp_path):
    text = GOOD.replace("钱从失业保险基金出，不用你还。", "钱从失业保险基金出，兜底安置。")
    content = _content_with(tmp_path, text)
    (content / "glossary.md").write_text("# 名词解释\n\n## 社保 {#shebao}\n", "utf-8")
    problems = "\n".join(run(content))
    assert "兜底安置" in problems and "glossary" in problems


def test_a_guide_that_moved_keeps_its_old_address_and_no_slug_is_claimed_twice(tmp_path):
    moved = GOOD.replace("keywords:", "moved_from: [jobless-benefit]\nkeywords:", 1)
    catalog = load_catalog(_content_with(tmp_path, moved))
    assert catalog.moved == {"jobless-benefit": "unemployment-insurance"}
    clash = GOOD.replace("keywords:", "moved_from: [unemployment-insurance]\nkeywords:", 1)
    (tmp_path / "b").mkdir()
    assert "not its slug now" in _problems(tmp_path / "b", clash)
