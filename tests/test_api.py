"""The API as a phone (or a program) uses it: catalog, questions, self-check, errors."""

from __future__ import annotations

import jsonschema
import pytest
from starlette.routing import Mount

from service.clock import this_year, today
from service.openapi import document

pytestmark = pytest.mark.asyncio


def _validator(schema_name: str):
    doc = document(this_year())
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": doc["components"]}
    return jsonschema.Draft202012Validator(schema)


async def test_the_catalog_lists_every_program_with_its_sources(client, catalog):
    r = await client.get("/api/programs")
    assert r.status_code == 200
    programs = r.json()["programs"]
    assert {p["slug"] for p in programs} == set(catalog.by_slug)
    for p in programs:
        assert p["sources"], p["slug"]
        assert p["url"] == f"/guides/{p['slug']}/"
        _validator("Program").validate(p)


async def test_the_catalog_can_be_filtered_by_audience(client):
    r = await client.get("/api/programs", params={"audience": "veteran"})
    slugs = {p["slug"] for p in r.json()["programs"]}
    assert {"veteran-jobs", "veteran-startup"} <= slugs
    assert "graduate-internship" not in slugs
    bad = await client.get("/api/programs", params={"audience": "aliens"})
    assert bad.status_code == 422 and bad.json()["code"] == "unknown_audience"


async def test_one_program_has_its_facts_documents_and_offices(client):
    r = await client.get("/api/programs/unemployment-insurance")
    assert r.status_code == 200
    d = r.json()
    assert any(f["id"] == "duration" and "24个月" in f["value"] for f in d["facts"])
    assert d["documents"] and d["offices"] and d["conditions"]
    _validator("ProgramDetail").validate(d)


async def test_a_program_says_what_each_condition_rests_on_and_when_it_runs(client):
    d = (await client.get("/api/programs/unemployment-insurance")).json()
    first = d["rules"][0]
    assert first["label"] == d["conditions"][0]
    assert first["basis"]["source"] == "si-law" and first["basis"]["section"] == "第四十五条（一）"
    assert "缴纳失业保险费满一年" in first["basis"]["quote"]
    assert d["in_force"] == {"valid_from": "2011-07-01", "valid_until": None,
                             "state": "no_stated_end", "source": "si-law", "notice": ""}
    duration = next(f for f in d["facts"] if f["id"] == "duration")
    assert duration["valid_from"] == "2011-07-01" and duration["valid_until"] is None
    assert duration["verified_on"] and duration["state"] == "no_stated_end"


async def test_a_lapsed_subsidy_is_shown_as_ended_today(client):
    d = (await client.get("/api/programs/skills-upgrade-subsidy")).json()
    assert d["in_force"]["valid_until"] == "2024-12-31"
    assert d["in_force"]["state"] == "ended"
    assert "2024年12月31日" in d["in_force"]["notice"]
    assert not any(f["verified"] and f["state"] == "ended" for f in d["facts"])


async def test_an_unknown_program_is_a_404_in_chinese(client):
    r = await client.get("/api/programs/free-money")
    assert r.status_code == 404
    assert r.json() == {"code": "program_not_found", "message": "没有找到这项政策。"}


async def test_questions_are_in_chinese_with_options(client):
    r = await client.get("/api/questions")
    qs = {q["id"]: q for q in r.json()["questions"]}
    assert {"age", "residence", "district", "groups", "work_status", "ui_years"} - set(qs) <= {
        "district"}
    assert qs["residence"]["options"][0]["value"] == "hukou"
    assert "岁" in qs["age"]["text"]
    year = this_year()  # Beijing time, as the service counts
    assert qs["graduation_year"]["max"] >= year
    # the ten boxes of `groups` come in two screens; the answer stays one list of values
    parts = qs["groups"]["parts"]
    assert len(parts) == 2 and all(p["text"] and len(p["options"]) <= 5 for p in parts)
    assert [v for p in parts for v in p["options"]] == [o["value"] for o in qs["groups"]["options"]]


async def test_a_first_check_asks_a_question_and_settles_nothing(client):
    r = await client.post("/api/check", json={"answers": {}})
    assert r.status_code == 200
    body = r.json()
    _validator("CheckResponse").validate(body)
    assert body["next_question"] is not None
    assert body["counts"]["eligible"] == 0


async def test_a_laid_off_worker_learns_about_unemployment_benefit_with_reasons(client):
    answers = {"residence": "hukou", "work_status": "unemployed", "ui_years": 8,
               "job_loss_involuntary": True, "is_employer": False}
    answers["unemployment_registered"] = True
    body = (await client.post("/api/check", json={"answers": answers})).json()
    ui = next(r for r in body["results"] if r["slug"] == "unemployment-insurance")
    assert ui["status"] == "eligible"
    assert "失业保险交满1年 — 你交了8年失业保险，符合" in [x["text"] for x in ui["reasons"]]
    assert all(x["basis"].startswith(("社会保险法", "实施社会保险法"))
               for x in ui["reasons"])
    assert ui["gets"]["text"].startswith("最长可领18个月")
    eligible = [r["slug"] for r in body["results"] if r["status"] == "eligible"]
    assert eligible[0] == "unemployment-insurance"  # money that is his by law leads
    statuses = [r["status"] for r in body["results"]]
    assert statuses == sorted(statuses, key=["eligible", "maybe", "ineligible"].index)


async def test_someone_outside_zaozhuang_is_told_what_to_do_not_refused(client):
    body = (await client.post("/api/check", json={"answers": {"residence": "outside"}})).json()
    # 失业保险金 has no residence test in the law: living elsewhere changes nothing
    ui = next(r for r in body["results"] if r["slug"] == "unemployment-insurance")
    assert all("枣庄" not in x["text"] for x in ui["reasons"])
    # a program Zaozhuang delivers: 可能, with what to do, never 不符合 for living elsewhere
    local = [r for r in body["results"]
             if any(x.get("step") and "来枣庄" in x.get("step")["text"] for x in r["reasons"])]
    assert local and all(r["status"] != "ineligible" for r in local)


async def test_a_skipped_question_is_not_asked_again(client):
    first = (await client.post("/api/check", json={"answers": {}})).json()["next_question"]["id"]
    again = (await client.post("/api/check", json={"answers": {}, "skip": [first]})).json()
    assert again["next_question"]["id"] != first


async def test_coming_from_a_guide_asks_that_programs_questions_first(client, catalog):
    program = catalog.by_slug["unemployment-insurance"]
    body = (await client.post("/api/check", json={
        "answers": {}, "focus": "unemployment-insurance"})).json()
    needed = {f for r in program.rules for f in r.node.facts}
    assert body["next_question"]["id"] in needed
    assert body["results"][0]["slug"] == "unemployment-insurance" == body["focus"]


async def test_a_check_as_of_another_day_is_answered_for_that_day(client):
    worker = {"residence": "hukou", "work_status": "employed", "ui_years": 4,
              "skill_certificate": "level4", "is_employer": False}

    def skills(body):
        return next(r for r in body["results"] if r["slug"] == "skills-upgrade-subsidy")

    then = (await client.post("/api/check", json={"answers": worker, "date": "2024-06-01"}))
    now = (await client.post("/api/check", json={"answers": worker}))
    assert then.json()["date"] == "2024-06-01" and now.json()["date"] == today().isoformat()
    assert skills(then.json())["status"] == "eligible"
    assert skills(now.json())["status"] == "maybe"
    assert any("文件写明执行到2024年12月31日" in x["text"] for x in skills(now.json())["reasons"])


@pytest.mark.parametrize("payload, field", [
    ({"answers": {"shoe_size": 42}}, "answers.shoe_size"),
    ({"answers": {"age": "thirty"}}, "answers.age"),
    ({"answers": {"age": 3}}, "answers.age"),
    ({"answers": {"age": True}}, "answers.age"),
    ({"answers": {"ui_years": -1}}, "answers.ui_years"),
    ({"answers": {"residence": "mars"}}, "answers.residence"),
    ({"answers": {"groups": "veteran"}}, "answers.groups"),
    ({"answers": {"groups": ["veteran", "pirate"]}}, "answers.groups"),
    ({"answers": {"is_employer": "yes"}}, "answers.is_employer"),
    ({"answers": {"graduation_year": 1900}}, "answers.graduation_year"),
    ({"answers": []}, "answers"),
    ({"answers": {}, "campaign": "<script>"}, "campaign"),
    ({"answers": {}, "skip": ["nope"]}, "skip"),
    ({"answers": {}, "focus": "nope"}, "focus"),
    ({"answers": {}, "extra": 1}, "extra"),
    ({"answers": {}, "date": "2024-13-01"}, "date"),
    ({"answers": {}, "date": "tomorrow"}, "date"),
    ({"answers": {}, "date": 20240601}, "date"),
    ({"answers": {}, "date": "1999-12-31"}, "date"),
])
async def test_bad_answers_are_refused_with_the_field_and_a_chinese_message(client, payload,
                                                                            field):
    r = await client.post("/api/check", json=payload)
    assert r.status_code == 422
    body = r.json()
    _validator("Error").validate(body)
    assert field in [e["field"] for e in body["errors"]]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in e["message"]) for e in body["errors"])


async def test_malformed_json_is_a_400(client):
    r = await client.post("/api/check", content=b'{"answers": {', headers={
        "content-type": "application/json"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_json"


async def test_a_form_post_is_a_415(client):
    r = await client.post("/api/check", data={"answers": "x"})
    assert r.status_code == 415 and r.json()["code"] == "unsupported_media_type"


async def test_an_oversized_body_is_a_413(client):
    r = await client.post("/api/check", content=b'{"answers": {}, "x": "' + b"a" * 20000 + b'"}',
                          headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == "body_too_large"


async def test_a_wrong_method_keeps_the_allow_header(client):
    r = await client.get("/api/check")
    assert r.status_code == 405
    assert "POST" in r.headers["allow"]
    assert r.json()["code"] == "method_not_allowed"


async def test_unknown_api_paths_are_json_404s(client):
    r = await client.get("/api/nothing-here")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


async def test_api_responses_are_never_cached_and_carry_security_headers(client):
    r = await client.get("/api/programs")
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-content-type-options"] == "nosniff"


async def test_health_reports_the_database(client):
    r = await client.get("/healthz")
    assert r.status_code == 200 and r.json()["database"] == "ok"


async def test_health_is_503_when_the_database_is_down(client, monkeypatch):
    from tortoise import connections

    conn = connections.get("default")

    async def broken(*a, **kw):
        raise ConnectionError("database went away")

    monkeypatch.setattr(conn, "execute_query", broken)
    r = await client.get("/healthz")
    assert r.status_code == 503
    assert r.json()["database"] == "down" and "数据库" in r.json()["message"]


async def test_the_openapi_document_covers_every_api_route(client, app):
    doc = (await client.get("/api/openapi.json")).json()
    mount = next(r for r in app.routes if isinstance(r, Mount) and r.path == "/api")
    routes = {("/api" + r.path, m.lower()) for r in mount.routes for m in r.methods
              if m != "HEAD"}
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert routes == documented
    jsonschema.Draft202012Validator.check_schema(
        {"components": doc["components"], "$ref": "#/components/schemas/CheckRequest"})


async def test_the_check_request_schema_accepts_what_the_api_accepts(client):
    validator = _validator("CheckRequest")
    good = {"answers": {"age": 30, "groups": ["veteran"], "residence": "hukou"},
            "campaign": "tz2027", "skip": ["ui_years"]}
    validator.validate(good)
    assert (await client.post("/api/check", json=good)).status_code == 200
    bad = {"answers": {"age": 3}}
    assert not validator.is_valid(bad)
    assert (await client.post("/api/check", json=bad)).status_code == 422


async def test_a_campaign_check_is_counted_anonymously(client, app, catalog):
    from service import campaigns
    from service.models import Tally

    fair = (await campaigns.create("滕州春风行动", "job_fair", "/check/", catalog)).code
    for _ in range(3):
        await client.post("/api/check", json={"answers": {}, "campaign": fair.lower()})
    await client.post("/api/check", json={"answers": {}})
    assert await app.state.tally.flush() == 4
    rows = {(t.campaign, t.count) for t in await Tally.filter(event="check")}
    assert rows == {(fair, 3), ("", 1)}
    await client.post("/api/check", json={"answers": {}, "campaign": fair})
    await app.state.tally.flush()
    assert (await Tally.get(event="check", campaign=fair)).count == 4


async def test_made_up_campaign_codes_neither_make_rows_nor_inflate_a_fair(client, app,
                                                                           catalog):
    """Someone posts self-checks with 300 invented codes."""
    from people import form, key

    from service import campaigns
    from service.models import Application, Tally

    fair = await campaigns.create("薛城招聘会", "job_fair", "/check/", catalog)
    for n in range(300):
        await client.post("/api/check", json={"answers": {}, "campaign": f"FAKE{n:03}"})
    await app.state.tally.flush()
    rows = {(t.campaign, t.count) for t in await Tally.filter(event="check")}
    assert rows == {(campaigns.UNKNOWN, 300)}
    # an application keeps a real campaign's code, and no made-up one
    real = await client.post("/api/applications", headers=key(),
                             json=form(campaign=fair.code))
    fake = await client.post("/api/applications", headers=key(), json=form(campaign="FAKE001"))
    assert real.status_code == fake.status_code == 201
    stored = {a.reference: a.campaign for a in await Application.all()}
    assert stored == {real.json()["reference"]: fair.code, fake.json()["reference"]: ""}


@pytest.mark.parametrize("answers", [
    {},
    {"residence": "hukou"},
    {"residence": "hukou", "is_employer": False, "groups": ["graduate"]},
    {"residence": "resident", "work_status": "unemployed", "ui_years": 2},
])
async def test_the_api_answers_exactly_what_the_self_check_gives(client, catalog, answers):
    import json

    from service import selfcheck

    body = (await client.post("/api/check", json={"answers": answers})).json()
    assert body == json.loads(selfcheck.check(catalog, answers, today()).raw)


@pytest.mark.parametrize("method, path, payload", [
    ("POST", "/api/check", {"answers": {"residence": "hukou"}}),
    ("GET", "/api/programs", None),
    ("GET", "/api/questions", None),
])
async def test_phones_get_compressed_json_that_decodes_to_the_same_answer(client, method, path,
                                                                          payload):
    import gzip

    plain = await client.request(method, path, json=payload,
                                 headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    best = len(gzip.compress(plain.content))
    sizes = []
    for _ in range(3):  # the first phone, the second, the third
        raw = await client.request(method, path, json=payload,
                                   headers={"accept-encoding": "gzip"})
        assert raw.headers["content-encoding"] == "gzip"
        assert raw.headers["vary"] == "Accept-Encoding"
        # httpx2 decodes gzip itself; the compressed size is what crossed the line
        assert raw.json() == plain.json()
        sizes.append(int(raw.headers["content-length"]))
    # the first answer is compressed quickly, the ones after (a popular body) smaller
    assert sizes[0] < len(plain.content) * 0.6 and sizes[0] < best * 1.4
    assert sizes[1] == sizes[2] < best * 1.1


async def test_repeated_bodies_are_answered_from_the_cache_but_bad_ones_never_stored(client,
                                                                                       app):
    cache = app.state.check_body
    before = cache.cache_info().currsize
    # kept the second time it is asked for (an answer asked for once takes no memory)
    for _ in range(4):
        r = await client.post("/api/check", json={"answers": {"residence": "hukou"}})
        assert r.status_code == 200
    info = cache.cache_info()
    assert info.currsize == before + 1 and info.hits >= 2
    for _ in range(3):
        r = await client.post("/api/check", json={"answers": {"age": 3}})
        assert r.status_code == 422  # refused every time, not only the first
    assert cache.cache_info().currsize == before + 1
    # people are counted when they start (no answers yet), from the cache or not; the
    # answers they give after that are not counted again
    assert await app.state.tally.flush() == 0
    for _ in range(3):
        await client.post("/api/check", json={"answers": {}})
    assert await app.state.tally.flush() == 3


async def test_between_questions_a_phone_can_ask_for_the_counts_and_question_only(client):
    brief = (await client.post("/api/check", json={"answers": {}, "brief": True}))
    full = (await client.post("/api/check", json={"answers": {}}))
    assert brief.json()["brief"] is True and brief.json()["results"] == []
    assert brief.json()["counts"] == full.json()["counts"]
    assert brief.json()["next_question"] == full.json()["next_question"]
    assert len(brief.content) * 10 < len(full.content)
    # nothing left to ask: the brief answer carries every result, ready to show
    done = {"is_employer": True, "employer_sme": True}
    body = (await client.post("/api/check", json={"answers": done, "brief": True})).json()
    while body["next_question"] is not None:
        q = body["next_question"]
        done[q["id"]] = False if q["type"] == "bool" else (
            [] if q["type"] == "multi" else q.get("options", [{"value": 30}])[0]["value"]
            if q["type"] == "enum" else q.get("min", 30))
        body = (await client.post("/api/check", json={"answers": done, "brief": True})).json()
    assert body["brief"] is False and len(body["results"]) == len(full.json()["results"])
