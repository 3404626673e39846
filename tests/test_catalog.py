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
        (("source: ui-reg\n", "source: nowhere\n", 1), "facts[1].source"),  # bad reference
        (("fact: ui_years\n", "fact: shoe_size\n", 1), "conditions[2].fact"),  # unknown fact
        (("    min: 1\n", "    min: one\n", 1), "conditions[2].min"),  # bad operator value
        (("  - label: 不是自己主动辞职\n", "  - lable: 不是自己主动辞职\n", 1), "conditions[3].label"),
        (("slug: unemployment-insurance", "slug: unemployment", 1), "slug"),
        (("last_reviewed: 2026-11-27", "last_reviewed: 27/11/2026", 1), "last_reviewed"),
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
    text = GOOD.replace("钱从失业保险基金出，不用你还。", "\n".join([long] * 40))
    assert "median sentence" in _problems(tmp_path, text)


def test_a_broken_internal_link_fails(tmp_path):
    text = GOOD.replace("网上也能办。", "网上也能办，看[这里](no-such-guide.md)。")
    assert "no-such-guide.md" in _problems(tmp_path, text)


def test_figures_are_found_and_years_ignored():
    assert figures("交满1年不满5年，最长12个月，2025年毕业，补贴1.2万元，60%") == [
        "1年", "5年", "12个月", "1.2万元", "60%"]


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
