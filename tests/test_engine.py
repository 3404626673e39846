"""The eligibility engine, in the domain's words."""

from __future__ import annotations

import random
import statistics

import pytest

from service import engine
from service.catalog import example_year
from service.engine import ELIGIBLE, INELIGIBLE, MAYBE, ConditionError, compile_rules
from service.facts import FACTS, FACTS_BY_ID

YEAR = 2026

GRADUATE_RULES = compile_rules([
    {"label": "离校2年内的高校毕业生", "all": [
        {"fact": "groups", "has_any": ["graduate"]},
        {"fact": "graduation_year", "within_years": 2},
    ]},
    {"label": "16到24岁，或者是毕业生", "any": [
        {"fact": "age", "min": 16, "max": 24},
        {"fact": "groups", "has_any": ["graduate"]},
    ]},
])
UI_RULES = compile_rules([
    {"label": "失业保险交满1年", "fact": "ui_years", "min": 1},
    {"label": "不是自己主动辞职", "fact": "job_loss_involuntary", "is": True},
])


def test_an_unanswered_fact_is_unknown_never_false():
    outcome = engine.evaluate(UI_RULES, {}, YEAR)
    assert outcome.status == MAYBE
    assert [r.met for r in outcome.reasons] == [None, None]
    assert outcome.missing == ("ui_years", "job_loss_involuntary")


def test_one_failed_condition_makes_a_program_ineligible_even_with_others_unknown():
    outcome = engine.evaluate(UI_RULES, {"job_loss_involuntary": False}, YEAR)
    assert outcome.status == INELIGIBLE
    assert outcome.reasons[1].met is False
    assert "不是自己主动辞职" in outcome.reasons[1].text and "不符合" in outcome.reasons[1].text


def test_all_conditions_met_is_eligible_with_a_reason_for_each():
    outcome = engine.evaluate(UI_RULES, {"ui_years": 6, "job_loss_involuntary": True}, YEAR)
    assert outcome.status == ELIGIBLE
    assert [r.text for r in outcome.reasons] == [
        "失业保险交满1年 — 你交了6年失业保险，符合",
        "不是自己主动辞职 — 你不是自己要走的，符合",
    ]


def test_a_graduate_of_2025_is_within_two_years_and_is_told_so():
    answers = {"groups": ["graduate"], "graduation_year": 2025}
    outcome = engine.evaluate(GRADUATE_RULES, answers, YEAR)
    assert outcome.status == ELIGIBLE
    assert outcome.reasons[0].text == "离校2年内的高校毕业生 — 你是高校毕业生（大专、本科、研究生），你2025年毕业，符合"


def test_a_graduate_of_2020_is_not_within_two_years():
    outcome = engine.evaluate(GRADUATE_RULES, {"groups": ["graduate"], "graduation_year": 2020},
                              YEAR)
    assert outcome.status == INELIGIBLE
    assert outcome.reasons[0].met is False


def test_a_maybe_says_which_answers_are_missing():
    outcome = engine.evaluate(GRADUATE_RULES, {"groups": ["graduate"]}, YEAR)
    assert outcome.status == MAYBE
    assert outcome.missing == ("graduation_year",)
    assert "需要回答：" + FACTS_BY_ID["graduation_year"].question in outcome.reasons[0].text


def test_any_holds_as_soon_as_one_part_holds():
    outcome = engine.evaluate(GRADUATE_RULES, {"age": 20}, YEAR)
    assert outcome.reasons[1].met is True


def test_all_fails_without_asking_the_rest():
    # not a graduate: the year of graduation no longer matters
    answers = {"groups": []}
    assert engine.needed_facts(GRADUATE_RULES, answers, YEAR) == set()
    assert engine.evaluate(GRADUATE_RULES, answers, YEAR).status == INELIGIBLE


def test_next_question_prefers_what_settles_most_programs():
    programs = [UI_RULES, UI_RULES, GRADUATE_RULES]
    assert engine.next_question(programs, {}, YEAR) in ("ui_years", "job_loss_involuntary")
    # after answering, it moves on to the other fact the UI programs need
    assert engine.next_question(programs, {"ui_years": 3}, YEAR) == "job_loss_involuntary"


def test_next_question_never_asks_what_no_undecided_program_needs():
    programs = [UI_RULES]
    assert engine.next_question(programs, {"ui_years": 0}, YEAR) is None  # settled: no
    assert engine.next_question(programs, {"ui_years": 2, "job_loss_involuntary": True},
                                YEAR) is None


def test_skipped_questions_are_not_asked_again():
    assert engine.next_question([UI_RULES], {}, YEAR, skip=["ui_years"]) == "job_loss_involuntary"
    assert engine.next_question([UI_RULES], {}, YEAR,
                                skip=["ui_years", "job_loss_involuntary"]) is None


def test_a_focus_program_is_asked_about_first():
    programs = [UI_RULES, UI_RULES, GRADUATE_RULES]
    assert engine.next_question(programs, {}, YEAR, focus=GRADUATE_RULES) == "age"


@pytest.mark.parametrize("spec, where", [
    ({"label": "x", "fact": "nope", "is": True}, "conditions[0].fact"),
    ({"label": "x", "fact": "age", "is_more": 3}, "conditions[0]"),
    ({"label": "x", "fact": "age"}, "conditions[0]"),
    ({"label": "x", "fact": "residence", "in": ["mars"]}, "conditions[0].in"),
    ({"label": "x", "fact": "groups", "min": 3}, "conditions[0].min"),
    ({"label": "x", "any": [{"fact": "age", "min": 1}]}, "conditions[0].any"),
    ({"fact": "age", "min": 1}, "conditions[0].label"),
    ({"label": "x", "all": [{"fact": "age", "min": 1}, {"fact": "age", "within_years": 1}]},
     "conditions[0].all[1].within_years"),
])
def test_malformed_conditions_say_where(spec, where):
    with pytest.raises(ConditionError) as e:
        compile_rules([spec])
    assert e.value.path == where


def test_every_guides_worked_examples_give_the_stated_result(catalog):
    checked = 0
    for p in catalog.programs:
        for x in p.data.examples:
            got = engine.evaluate(p.rules, x.answers, example_year(p, x))
            assert got.status == x.expect, f"{p.slug}: {x.name}: {got.reasons}"
            checked += 1
    assert checked >= 2 * len(catalog.programs)


def _persona(rng: random.Random) -> dict:
    """A random but coherent person (or employer), every fact known."""
    employer = rng.random() < 0.1
    groups = [o.value for o in FACTS_BY_ID["groups"].options if rng.random() < 0.15]
    student = "student" in groups
    status = "student" if student else rng.choice(
        ["employed", "flexible", "self_employed", "business_owner", "unemployed", "unemployed"])
    return {
        "is_employer": employer,
        "residence": rng.choice(["hukou", "hukou", "hukou", "resident", "outside"]),
        "work_status": status,
        "age": rng.randint(16, 64),
        "groups": groups,
        "graduation_year": rng.randint(2010, YEAR + 2),
        "starting_business": rng.random() < 0.25,
        "ui_years": rng.choice([0, 0, 1, 3, 6, 12]),
        "job_loss_involuntary": rng.random() < 0.5,
        "unemployment_registered": rng.random() < 0.3,
        "skill_certificate": rng.choice(["none", "none", "level5", "level4", "level3", "level2"]),
        "work_problems": [x for x in ("wages_owed", "dispute") if rng.random() < 0.1],
        "gender": rng.choice(["female", "male"]),
        "employer_sme": rng.random() < 0.7,
    }


def _questions_until_settled(catalog, persona: dict) -> tuple[int, dict]:
    rules = catalog.rules()
    answers: dict = {}
    asked = 0
    while True:
        fid = engine.next_question(rules, answers, YEAR)
        if fid is None:
            return asked, answers
        needed = set().union(*(engine.needed_facts(r, answers, YEAR) for r in rules))
        assert fid in needed, f"asked {fid}, which no undecided program needs"
        assert fid not in answers, f"asked {fid} twice"
        answers[fid] = persona[fid]
        asked += 1


def test_the_median_person_is_settled_within_eight_questions(catalog):
    rng = random.Random(20261127)
    counts = []
    for _ in range(300):
        asked, answers = _questions_until_settled(catalog, _persona(rng))
        counts.append(asked)
        for p in catalog.programs:  # settled means no program is left undecided
            assert engine.evaluate(p.rules, answers, YEAR).status != MAYBE
    assert statistics.median(counts) <= 8, f"median {statistics.median(counts)}: {counts}"


def test_every_fact_in_the_vocabulary_is_documented():
    for f in FACTS:
        assert f.question.strip()
        assert f.type in ("bool", "int", "enum", "multi", "year")
        if f.type in ("enum", "multi"):
            assert f.options
