"""What the self-check tells real people: the answers their law gives them.

Each test is a person the service is for, with the answers they give on the phone, and what
they must be told. A wrong 不符合 costs a person a benefit they are owed; a lapsed subsidy
shown as live costs them a trip.
"""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from people import persona
from test_engine import TODAY

from service import selfcheck
from service.facts import FACTS_BY_ID

LAID_OFF_AT_48 = {  # 周大姐: 48, laid off after 8 insured years, not registered or certified yet
    "is_employer": False, "residence": "hukou", "work_status": "unemployed", "age": 48,
    "groups": [], "ui_years": 8, "job_loss_involuntary": True,
    "unemployment_registered": False, "gender": "female", "starting_business": False,
}
RIDER = {  # 小刘: 27, delivers food for a platform in Zaozhuang
    "is_employer": False, "residence": "resident", "work_status": "platform", "age": 27,
    "groups": ["rural_worker"], "starting_business": False, "ui_years": 0,
    "gender": "male", "work_problems": [],
}


def check(catalog, answers: dict, on: dt.date = TODAY, focus: str | None = None) -> dict:
    return json.loads(selfcheck.check(catalog, answers, on, focus=focus).raw)


def result(body: dict, slug: str) -> dict:
    return next(r for r in body["results"] if r["slug"] == slug)


def texts(r: dict) -> str:
    return " / ".join(x["text"] for x in r["reasons"])


def test_a_woman_laid_off_at_48_is_never_refused_help_written_for_her(catalog):
    body = check(catalog, LAID_OFF_AT_48)
    for slug in ("hard-to-employ-assistance", "public-welfare-jobs",
                 "flexible-social-insurance-subsidy"):
        r = result(body, slug)
        assert r["status"] == "maybe", f"{slug}: {texts(r)}"
        steps = [x.get("step") for x in r["reasons"] if x.get("step")]
        assert steps, f"{slug} gives her no next step: {texts(r)}"
    certify = [x.get("step") for x in result(body, "public-welfare-jobs")["reasons"] if x.get("step")]
    assert certify[0]["text"] == "先申请就业困难人员认定"
    assert certify[0]["url"] == "/guides/hard-to-employ-assistance/"


def test_she_is_told_to_register_and_how_long_her_benefit_would_last(catalog):
    ui = result(check(catalog, LAID_OFF_AT_48), "unemployment-insurance")
    assert ui["status"] == "maybe"
    assert any(x.get("step") and x.get("step")["text"].startswith("先办失业登记") for x in ui["reasons"])
    assert ui["gets"]["text"].startswith("最长可领18个月")
    registered = result(check(catalog, {**LAID_OFF_AT_48, "unemployment_registered": True}),
                        "unemployment-insurance")
    assert registered["status"] == "eligible"


def test_a_worker_who_quit_because_wages_went_unpaid_can_still_claim_benefit(catalog):
    quit_unpaid = {"work_status": "unemployed", "ui_years": 3, "job_loss_involuntary": True,
                   "unemployment_registered": True}
    assert result(check(catalog, quit_unpaid), "unemployment-insurance")["status"] == "eligible"
    q = FACTS_BY_ID["job_loss_involuntary"].question
    assert "欠工资" in q and "不交社保" in q  # the question says so, in her words


def test_someone_insured_here_who_moved_away_is_not_refused_for_where_they_live(catalog):
    moved = {"residence": "outside", "work_status": "unemployed", "ui_years": 6,
             "job_loss_involuntary": True, "unemployment_registered": True}
    ui = result(check(catalog, moved), "unemployment-insurance")
    assert ui["status"] == "eligible"
    assert ui["gets"]["text"].startswith("最长可领18个月")


def test_a_rider_from_the_injury_guide_sees_it_first_and_can_check_it_himself(catalog):
    body = check(catalog, RIDER, focus="gig-injury-insurance-subsidy")
    first = body["results"][0]
    assert first["slug"] == "gig-injury-insurance-subsidy"
    assert first["status"] != "ineligible", texts(first)
    assert "替单位" not in texts(first)
    assert first["gets"]["text"]


def test_a_rider_is_offered_more_than_what_anyone_gets(catalog):
    body = check(catalog, RIDER)
    tailored = [r for r in body["results"] if r["status"] != "ineligible"
                and any(x["met"] and "平台" in x["text"] for x in r["reasons"])]
    assert {r["slug"] for r in tailored} >= {"gig-injury-insurance-subsidy"}


def test_a_48_year_old_migrant_worker_is_not_told_he_is_of_the_new_generation(catalog):
    older = {"residence": "hukou", "groups": ["rural_worker"], "age": 48,
             "work_status": "employed"}
    r = result(check(catalog, older), "new-generation-migrant-skills")
    assert r["status"] == "ineligible", texts(r)
    assert "48岁" in texts(r)
    young = result(check(catalog, {**older, "age": 30}), "new-generation-migrant-skills")
    assert young["status"] != "ineligible"
    # the services every migrant worker gets are still there for him
    assert result(check(catalog, older), "rural-job-transfer")["status"] != "ineligible"


def test_the_skills_upgrade_subsidy_is_live_in_2024_and_lapsed_now(catalog):
    worker = {"is_employer": False, "residence": "hukou", "work_status": "employed",
              "ui_years": 4, "skill_certificate": "level4"}
    then = result(check(catalog, worker, dt.date(2024, 6, 1)), "skills-upgrade-subsidy")
    now = result(check(catalog, worker), "skills-upgrade-subsidy")
    assert then["status"] == "eligible"
    assert now["status"] == "maybe"
    assert "文件写明执行到2024年12月31日" in texts(now) and "12333" in texts(now)
    assert now["gets"].get("note")  # the amount is not shown as a current, verified figure


def test_a_school_pupil_of_17_is_not_offered_a_graduate_internship(catalog):
    pupil = {"residence": "hukou", "work_status": "student", "age": 17, "groups": []}
    r = result(check(catalog, pupil), "graduate-internship")
    assert r["status"] == "ineligible", texts(r)


def test_a_retired_graduate_of_1985_is_not_told_he_gets_graduate_housing_money(catalog):
    retired = {"residence": "hukou", "work_status": "retired", "age": 62,
               "groups": ["graduate"], "graduation_year": 1985}
    r = result(check(catalog, retired), "graduate-housing-support")
    assert r["status"] != "eligible", texts(r)


def test_reasons_about_a_disability_card_say_back_only_the_card(catalog):
    rural = {"residence": "hukou", "groups": ["rural_worker"]}
    r = result(check(catalog, rural), "disabled-employment")
    assert "农村" not in texts(r) and "你没有残疾人证" in texts(r)
    card = result(check(catalog, {**rural, "groups": ["disabled"]}), "disabled-employment")
    assert "你有残疾人证" in texts(card) and "你是有残疾人证" not in texts(card)


def test_no_employer_condition_asks_where_the_person_lives(catalog):
    boss = {"is_employer": True, "residence": "hukou", "employer_sme": True}
    body = check(catalog, boss)
    for p in catalog.programs:
        if p.data.applicant == "employer":
            assert "你是枣庄户口" not in texts(result(body, p.slug)), p.slug


def test_every_result_says_what_the_person_gets(catalog):
    body = check(catalog, LAID_OFF_AT_48)
    for r in body["results"]:
        assert r["gets"] and r["gets"]["text"], r["slug"]


def test_every_reason_cites_its_clause(catalog):
    body = check(catalog, RIDER)
    for r in body["results"]:
        for x in r["reasons"]:
            assert x["basis"] or "文件写明" in x["text"], (r["slug"], x["text"])


@pytest.mark.parametrize("seed", range(3))
def test_a_reason_never_says_back_an_answer_its_condition_does_not_test(catalog, seed):
    rng = random.Random(seed)
    for _ in range(40):
        person = persona(rng)
        body = check(catalog, person)
        for p in catalog.programs:
            r = result(body, p.slug)
            # one reason per condition, then (for a lapsed program) the notice
            for rule, x in zip(p.rules, r["reasons"][:len(p.rules)], strict=True):
                untested = set(person) - set(rule.node.facts)
                for fid in untested:
                    said = FACTS_BY_ID[fid].say(person[fid])
                    assert not said or said not in x["text"], (p.slug, rule.label, x["text"])


def test_no_program_past_its_stated_end_is_ever_eligible(catalog):
    rng = random.Random(9)
    for _ in range(60):
        body = check(catalog, persona(rng))
        for r in body["results"]:
            if catalog.by_slug[r["slug"]].scheme.lapsed(TODAY):
                assert r["status"] != "eligible", r["slug"]
