"""The eligibility engine, in the domain's words."""

from __future__ import annotations

import datetime as dt

import pytest

from service import engine
from service.catalog import example_date
from service.engine import ELIGIBLE, INELIGIBLE, MAYBE, ConditionError, compile_rules
from service.facts import FACTS

YEAR = 2026
TODAY = dt.date(2026, 12, 2)


def scheme(specs: list[dict], until: dt.date | None = None, slug: str = "x") -> engine.Scheme:
    rules = compile_rules(specs)
    return engine.Scheme(slug, rules, engine.Dated(dt.date(2000, 1, 1), until))


GRADUATE = scheme([
    {"label": "离校2年内的高校毕业生", "all": [
        {"fact": "groups", "has_any": ["graduate"]},
        {"fact": "graduation_year", "within_years": 2},
    ]},
    {"label": "16到24岁，或者是毕业生", "any": [
        {"fact": "age", "min": 16, "max": 24},
        {"fact": "groups", "has_any": ["graduate"]},
    ]},
])
UI = scheme([
    {"label": "失业保险交满1年", "fact": "ui_years", "min": 1},
    {"label": "不是自己想走的", "fact": "job_loss_involuntary", "is": True},
    {"label": "办了失业登记", "fact": "unemployment_registered", "is": True},
], slug="unemployment-insurance")


def evaluate(s: engine.Scheme, answers: dict, on: dt.date = TODAY) -> engine.Outcome:
    return engine.evaluate(s, answers, on)


def test_an_unanswered_fact_is_unknown_never_false():
    outcome = evaluate(UI, {})
    assert outcome.status == MAYBE
    assert [r.met for r in outcome.reasons] == [None, None, None]
    assert outcome.missing == ("ui_years", "job_loss_involuntary", "unemployment_registered")


def test_someone_who_quit_to_change_jobs_is_told_no_even_with_other_answers_unknown():
    outcome = evaluate(UI, {"job_loss_involuntary": False})
    assert outcome.status == INELIGIBLE
    assert outcome.reasons[1].text == "不是自己想走的 — 你是自己主动辞职的，不符合"


def test_a_worker_laid_off_after_six_insured_years_and_registered_is_told_yes_with_reasons():
    outcome = evaluate(UI, {"ui_years": 6, "job_loss_involuntary": True,
                            "unemployment_registered": True})
    assert outcome.status == ELIGIBLE
    assert [r.text for r in outcome.reasons] == [
        "失业保险交满1年 — 你交了6年失业保险，符合",
        "不是自己想走的 — 你是因为单位的原因没了工作，符合",
        "办了失业登记 — 你办过失业登记，符合",
    ]


def test_a_worker_not_yet_registered_is_told_the_step_not_no():
    """失业登记 is something one does, not something one is: 可能, with the step."""
    outcome = evaluate(UI, {"ui_years": 8, "job_loss_involuntary": True,
                            "unemployment_registered": False})
    assert outcome.status == MAYBE
    reg = outcome.reasons[2]
    assert reg.met is None and reg.step is not None
    assert reg.text == "办了失业登记 — 你还没办失业登记。先办失业登记，网上也能办"
    assert outcome.missing == ()  # nothing left to ask: the step is what remains


def test_a_status_is_a_step_only_when_the_granting_program_would_take_the_person():
    hard = scheme([{"label": "现在没有工作，或只是打零工", "fact": "work_status",
                    "in": ["unemployed", "flexible", "platform"]}],
                  slug="hard-to-employ-assistance")
    posts = compile_rules([{"label": "就业困难人员", "fact": "groups",
                            "has_any": ["hard_to_employ"]}])
    posts = engine.link(posts, {"hard-to-employ-assistance": hard.rules}, "public-welfare-jobs")
    jobs = engine.Scheme("public-welfare-jobs", posts)
    laid_off = evaluate(jobs, {"groups": [], "work_status": "unemployed"})
    assert laid_off.status == MAYBE
    assert laid_off.reasons[0].step.via == "hard-to-employ-assistance"
    assert "先申请就业困难人员认定" in laid_off.reasons[0].text
    employed = evaluate(jobs, {"groups": [], "work_status": "employed"})
    assert employed.status == INELIGIBLE  # in a steady job: the certification is not open
    assert employed.reasons[0].text == ("就业困难人员 — 你还没被认定为就业困难人员。"
                                        "按就业困难人员认定的条件，你现在的情况办不了，不符合")
    assert employed.reasons[0].step is None


def test_a_case_the_source_leaves_open_is_maybe_with_its_step():
    flexible = scheme([{"label": "打零工、灵活就业", "fact": "work_status",
                        "in": ["flexible", "platform"],
                        "maybe": {"when": {"fact": "work_status", "in": ["unemployed"]},
                                  "step": "开始打零工、自己交社保后可以申请"}}])
    out = evaluate(flexible, {"work_status": "unemployed"})
    assert out.status == MAYBE and out.reasons[0].step.text == "开始打零工、自己交社保后可以申请"
    assert evaluate(flexible, {"work_status": "employed"}).status == INELIGIBLE


def test_a_reason_says_back_only_the_options_its_condition_tests():
    disabled = scheme([{"label": "有残疾人证", "fact": "groups", "has_any": ["disabled"]}])
    out = evaluate(disabled, {"groups": ["rural_worker", "veteran"]})
    assert out.reasons[0].text == "有残疾人证 — 你没有残疾人证，不符合"
    yes = evaluate(disabled, {"groups": ["rural_worker", "disabled"]})
    assert yes.reasons[0].text == "有残疾人证 — 你有残疾人证，符合"


def test_a_graduate_of_2025_is_within_two_years_and_is_told_so():
    outcome = evaluate(GRADUATE, {"groups": ["graduate"], "graduation_year": 2025})
    assert outcome.status == ELIGIBLE
    assert outcome.reasons[0].text == "离校2年内的高校毕业生 — 你是高校毕业生，你2025年毕业，符合"


def test_a_graduate_who_left_exactly_two_calendar_years_ago_is_open_not_refused():
    outcome = evaluate(GRADUATE, {"groups": ["graduate"], "graduation_year": 2024})
    assert outcome.status == MAYBE
    assert "要看具体日期" in outcome.reasons[0].text
    assert outcome.missing == ()  # the year is answered: nothing to ask again


def test_a_graduate_of_2020_is_not_within_two_years():
    outcome = evaluate(GRADUATE, {"groups": ["graduate"], "graduation_year": 2020})
    assert outcome.status == INELIGIBLE
    assert outcome.reasons[0].met is False


def test_an_any_condition_says_back_only_the_part_that_holds():
    outcome = evaluate(GRADUATE, {"age": 20, "groups": []})
    assert outcome.reasons[1].text == "16到24岁，或者是毕业生 — 你今年20岁，符合"


def test_born_in_or_after_is_open_only_at_the_one_age_that_could_be_either_side():
    young = scheme([{"label": "1980年以后出生", "fact": "age", "born_in_or_after": 1980}])
    assert evaluate(young, {"age": 45}).status == ELIGIBLE  # born 1980 or 1981
    assert evaluate(young, {"age": 46}).status == MAYBE  # born 1980 or 1979
    assert evaluate(young, {"age": 48}).status == INELIGIBLE


def test_a_program_past_its_stated_end_is_never_eligible():
    ended = scheme([{"label": "失业保险交满1年", "fact": "ui_years", "min": 1}],
                   until=dt.date(2024, 12, 31))
    before = evaluate(ended, {"ui_years": 4}, dt.date(2024, 6, 1))
    after = evaluate(ended, {"ui_years": 4}, TODAY)
    assert before.status == ELIGIBLE
    assert after.status == MAYBE
    assert after.reasons[-1].text == "文件写明执行到2024年12月31日，现在是否继续办理，请打12333问"
    assert evaluate(ended, {"ui_years": 0}, TODAY).status == INELIGIBLE


def test_the_what_you_get_line_is_worked_out_from_the_answers():
    dated = engine.Dated(dt.date(2011, 7, 1), None, True, "社会保险法")
    when = engine.compile_node({"fact": "ui_years", "min": 5}, "gets[0].when")
    s = engine.Scheme("ui", UI.rules, UI.in_force, (
        engine.Gets("最长可领18个月", when, dated), engine.Gets("最长24个月", None, dated)))
    assert evaluate(s, {"ui_years": 8}).gets.text == "最长可领18个月"
    assert evaluate(s, {"ui_years": 2}).gets.text == "最长24个月"
    assert evaluate(s, {}).gets.text == "最长24个月"  # unknown: the line for everyone


def test_an_unverified_or_lapsed_figure_is_marked_on_the_line():
    old = engine.Dated(dt.date(2024, 5, 28), dt.date(2024, 12, 31), True)
    ref = engine.Dated(dt.date(2022, 9, 1), None, False)
    s1 = engine.Scheme("a", (), None, (engine.Gets("最多2000元", None, old),))
    s2 = engine.Scheme("b", (), None, (engine.Gets("每人每年最多补100元", None, ref),))
    assert evaluate(s1, {}).gets_note.startswith("文件写明执行到2024年12月31日")
    assert evaluate(s1, {}, dt.date(2024, 6, 1)).gets_note == ""
    assert evaluate(s2, {}).gets_note == "参考标准，以最新公布为准"


def _choose(schemes, answers, skip=(), focus=None):
    undecided = []
    for s in schemes:
        out = evaluate(s, answers)
        if out.missing:
            undecided.append((s.rules, s.lapsed(TODAY), out.missing))
    focus_needed = engine.needed_facts(focus.rules, answers, YEAR) if focus else ()
    return engine.choose_question(undecided, answers, YEAR, skip, focus_needed)


def test_the_next_question_is_the_one_that_settles_most_programs():
    assert _choose([UI, UI, GRADUATE], {}) in ("ui_years", "job_loss_involuntary",
                                               "unemployment_registered")
    assert _choose([UI], {"ui_years": 3, "job_loss_involuntary": True}) == \
        "unemployment_registered"


def test_nothing_is_asked_that_no_undecided_program_needs():
    assert _choose([UI], {"ui_years": 0}) is None  # settled: no
    assert _choose([UI], {"ui_years": 2, "job_loss_involuntary": True,
                          "unemployment_registered": False}) is None  # a step, not a question


def test_skipped_questions_are_not_asked_again():
    skip = ["ui_years", "job_loss_involuntary"]
    assert _choose([UI], {}, skip=skip) == "unemployment_registered"
    assert _choose([UI], {}, skip=[*skip, "unemployment_registered"]) is None


def test_a_focus_program_is_asked_about_first():
    assert _choose([UI, UI, GRADUATE], {}, focus=GRADUATE) == "age"


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
    ({"label": "x", "fact": "ui_years", "born_in_or_after": 1980},
     "conditions[0].born_in_or_after"),
    ({"label": "x", "fact": "age", "min": 1, "maybe": {"when": {"fact": "age", "min": 1}}},
     "conditions[0].maybe"),
])
def test_malformed_conditions_say_where(spec, where):
    with pytest.raises(ConditionError) as e:
        compile_rules([spec])
    assert e.value.path == where


def test_every_guides_worked_examples_give_the_stated_result(catalog):
    checked = 0
    for p in catalog.programs:
        for x in p.data.examples:
            got = engine.evaluate(p.scheme, x.answers, example_date(p, x))
            assert got.status == x.expect, f"{p.slug}: {x.name}: {got.reasons}"
            if x.gets:
                assert got.gets is not None and x.gets in got.gets.text, (p.slug, x.name)
            checked += 1
    assert checked >= 2 * len(catalog.programs)


def test_every_condition_of_every_guide_cites_a_clause_of_one_of_its_sources(catalog):
    for p in catalog.programs:
        ids = {s.id for s in p.data.sources}
        for r in p.rules:
            assert r.basis is not None and r.basis.source in ids, (p.slug, r.label)
            assert r.basis.section and r.basis.quote and r.basis.cite, (p.slug, r.label)


def test_every_fact_in_the_vocabulary_is_documented():
    for f in FACTS:
        assert f.question.strip()
        assert f.type in ("bool", "int", "enum", "multi", "year")
        if f.type in ("enum", "multi"):
            assert f.options
        if f.type == "multi":
            assert all(o.said and o.said_not for o in f.options), f.id


def test_a_list_asked_in_parts_asks_every_option_once_in_order():
    from service.facts import Fact, Option, Part

    options = (Option("a", "甲", "是甲", "不是甲"), Option("b", "乙", "是乙", "不是乙"))
    Fact("x", "multi", "哪些？", options=options, parts=(Part("甲吗？", ("a",)), Part("乙吗？", ("b",))))
    for parts in ((Part("甲吗？", ("a",)),), (Part("乙甲？", ("b", "a")),),
                  (Part("甲吗？", ("a", "b")), Part("乙吗？", ("b",)))):
        with pytest.raises(ValueError, match="every option once"):
            Fact("x", "multi", "哪些？", options=options, parts=parts)
