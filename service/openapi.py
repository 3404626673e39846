"""The OpenAPI 3.1 document for /api, built from the same vocabulary the handlers validate
with (fact ids, types, options), so the two cannot drift. A test checks that every API route
is documented and that real responses match their schemas."""

from __future__ import annotations

from typing import Any

from .catalog import AUDIENCES
from . import workflow
from .facts import DISTRICTS, FACTS


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


def _answer_schema(fact, this_year: int) -> dict[str, Any]:
    if fact.type == "bool":
        s: dict[str, Any] = {"type": "boolean"}
    elif fact.type == "int":
        s = {"type": "integer", "minimum": fact.min, "maximum": fact.max}
    elif fact.type == "year":
        s = {"type": "integer", "minimum": fact.min, "maximum": this_year + fact.max}
    elif fact.type == "enum":
        s = {"type": "string", "enum": [o.value for o in fact.options]}
    else:
        s = {"type": "array", "uniqueItems": True,
             "items": {"type": "string", "enum": [o.value for o in fact.options]}}
    return {"anyOf": [s, {"type": "null"}], "description": fact.question}


def document(this_year: int) -> dict[str, Any]:
    str_ = {"type": "string"}
    source = {
        "type": "object",
        "required": ["id", "title", "issuer", "date", "grade"],
        "properties": {k: str_ for k in
                       ("id", "title", "issuer", "date", "number", "section", "url")}
        | {"grade": {"type": "string", "enum": ["A", "B", "C"]}},
    }
    program = {
        "type": "object",
        "required": ["slug", "title", "summary", "audiences", "url", "sources",
                     "applicant", "applies_online", "last_reviewed"],
        "properties": {
            "slug": str_, "title": str_, "summary": str_, "url": str_, "last_reviewed": str_,
            "applicant": {"type": "string", "enum": ["person", "employer"]},
            "applies_online": {"type": "boolean"},
            "audiences": {"type": "array", "items": {"type": "string", "enum": list(AUDIENCES)}},
            "sources": {"type": "array", "items": _ref("Source")},
        },
    }
    detail = {
        "allOf": [_ref("Program"), {"type": "object", "properties": {
            "facts": {"type": "array", "items": {"type": "object", "required": [
                "id", "label", "value", "source", "verified"]}},
            "documents": {"type": "array", "items": str_},
            "offices": {"type": "array", "items": {"type": "object"}},
            "conditions": {"type": "array", "items": str_},
            "keywords": {"type": "array", "items": str_},
            "related": {"type": "array", "items": str_},
        }}]
    }
    question = {
        "type": "object", "required": ["id", "type", "text"],
        "properties": {
            "id": {"type": "string", "enum": [f.id for f in FACTS]},
            "type": {"type": "string", "enum": ["bool", "int", "enum", "multi", "year"]},
            "text": str_, "help": str_,
            "options": {"type": "array", "items": {
                "type": "object", "required": ["value", "label"],
                "properties": {"value": str_, "label": str_}}},
            "min": {"type": "integer"}, "max": {"type": "integer"},
        },
    }
    check_request = {
        "type": "object", "additionalProperties": False,
        "properties": {
            "answers": {"type": "object", "additionalProperties": False,
                        "properties": {f.id: _answer_schema(f, this_year) for f in FACTS}},
            "campaign": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,32}$",
                         "description": "二维码活动编号（来自扫码链接）"},
            "skip": {"type": "array", "maxItems": len(FACTS),
                     "items": {"type": "string", "enum": [f.id for f in FACTS]},
                     "description": "回答“不知道”的问题，不再问"},
            "focus": {"type": "string", "description": "从某项政策页面来：先问这项政策需要的问题"},
        },
    }
    status = {"type": "string", "enum": ["eligible", "maybe", "ineligible"]}
    check_response = {
        "type": "object", "required": ["results", "counts", "next_question"],
        "properties": {
            "results": {"type": "array", "items": {
                "type": "object",
                "required": ["slug", "title", "status", "reasons", "url", "missing"],
                "properties": {
                    "slug": str_, "title": str_, "summary": str_, "url": str_, "status": status,
                    "applies_online": {"type": "boolean"},
                    "missing": {"type": "array", "items": str_},
                    "reasons": {"type": "array", "items": {
                        "type": "object", "required": ["text", "met"],
                        "properties": {"text": str_,
                                       "met": {"type": ["boolean", "null"]}}}},
                }}},
            "counts": {"type": "object", "properties": {
                k: {"type": "integer"} for k in ("eligible", "maybe", "ineligible")}},
            "next_question": {"anyOf": [_ref("Question"), {"type": "null"}]},
        },
    }
    error = {
        "type": "object", "required": ["code", "message"],
        "properties": {
            "code": str_, "message": str_,
            "errors": {"type": "array", "items": {
                "type": "object", "required": ["field", "message"],
                "properties": {"field": str_, "message": str_}}},
        },
    }
    application_request = {
        "type": "object", "additionalProperties": False,
        "required": ["program", "name", "id_number", "phone", "district", "consent"],
        "properties": {
            "program": {"type": "string", "description": "政策编号（能在网上申请的）"},
            "name": {"type": "string", "maxLength": 30, "description": "身份证上的姓名"},
            "id_number": {"type": "string", "description": "18位居民身份证号"},
            "phone": {"type": "string", "description": "大陆手机号，11位"},
            "district": {"type": "string", "enum": [o.value for o in DISTRICTS]},
            "consent": {"const": True, "description": "同意个人信息说明"},
            "answers": check_request["properties"]["answers"],
            "campaign": check_request["properties"]["campaign"],
            "note": {"type": "string", "maxLength": 200},
        },
    }
    office = {"type": "object", "properties": {k: str_ for k in
                                               ("name", "where", "phone", "hours", "note")}}
    app_status = {"type": "string", "enum": list(workflow.STATUSES)}
    receipt = {
        "type": "object",
        "required": ["reference", "reference_display", "status", "status_text", "program",
                     "program_title", "submitted_at", "next_step", "documents", "offices",
                     "status_url"],
        "properties": {
            "reference": {"type": "string", "pattern": "^[2-9A-HJ-NP-Z]{9}$"},
            "reference_display": str_, "status": app_status, "status_text": str_,
            "program": str_, "program_title": str_, "submitted_at": str_, "next_step": str_,
            "documents": {"type": "array", "items": str_},
            "offices": {"type": "array", "items": office},
            "status_url": str_,
        },
    }
    application_status = {
        "type": "object",
        "required": ["reference", "status", "status_text", "message", "next_step",
                     "submitted_at", "updated_at", "history", "program_title"],
        "properties": {
            "reference": str_, "reference_display": str_, "program": str_,
            "program_title": str_, "status": app_status, "status_text": str_,
            "message": str_, "next_step": str_, "submitted_at": str_, "updated_at": str_,
            "documents": {"type": "array", "items": str_},
            "history": {"type": "array", "items": {
                "type": "object", "required": ["status", "at"],
                "properties": {"status": app_status, "status_text": str_, "at": str_,
                               "message": str_}}},
        },
    }
    slug_param = {"name": "slug", "in": "path", "required": True, "schema": str_}
    return {
        "openapi": "3.1.0",
        "info": {"title": "就业通 API", "version": "1",
                 "description": "枣庄就业补贴与服务：政策目录、资格自测、在线申请和查进度。"},
        "paths": {
            "/api/programs": {"get": {
                "operationId": "listPrograms", "summary": "政策目录",
                "parameters": [{"name": "audience", "in": "query", "required": False,
                                "schema": {"type": "string", "enum": list(AUDIENCES)}}],
                "responses": {
                    "200": _json({"type": "object", "required": ["programs", "audiences"],
                                  "properties": {"programs": {"type": "array",
                                                              "items": _ref("Program")},
                                                 "audiences": {"type": "array"}}}, "政策列表"),
                    "422": _error("人群分类不对"),
                }}},
            "/api/programs/{slug}": {"get": {
                "operationId": "getProgram", "summary": "一项政策的详细信息",
                "parameters": [slug_param],
                "responses": {"200": _json(_ref("ProgramDetail"), "政策详情"),
                              "404": _error("没有这项政策")}}},
            "/api/questions": {"get": {
                "operationId": "listQuestions", "summary": "自测的全部问题",
                "responses": {"200": _json({"type": "object", "required": ["questions"],
                                            "properties": {"questions": {
                                                "type": "array", "items": _ref("Question")}}},
                                           "问题列表")}}},
            "/api/check": {"post": {
                "operationId": "check", "summary": "按回答算出每项政策符合、可能符合或不符合",
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": _ref("CheckRequest")}}},
                "responses": {
                    "200": _json(_ref("CheckResponse"), "结果和下一个问题"),
                    "400": _error("不是有效的 JSON"),
                    "413": _error("内容太大"),
                    "415": _error("不是 JSON"),
                    "422": _error("回答不对，errors 里说明每一项"),
                }}},
            "/api/applications": {"post": {
                "operationId": "submitApplication", "summary": "提交申请，得到申请编号",
                "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                                "schema": {"type": "string",
                                           "pattern": "^[A-Za-z0-9_-]{16,64}$"},
                                "description": "每份表单一个；重试时用同一个，不会重复申请"}],
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": _ref("ApplicationRequest")}}},
                "responses": {
                    "201": _json(_ref("Receipt"), "已收到（重试时返回同一份申请）"),
                    "400": _error("不是有效的 JSON，或提交编号不对"),
                    "409": _error("同一个人已有一份办理中的同项申请；reference 是它的编号"),
                    "413": _error("内容太大"),
                    "415": _error("不是 JSON"),
                    "422": _error("有的项不对，errors 里说明每一项"),
                }}},
            "/api/applications/{reference}": {"get": {
                "operationId": "getApplication", "summary": "用申请编号和手机号查进度",
                "parameters": [
                    {"name": "reference", "in": "path", "required": True, "schema": str_},
                    {"name": "phone", "in": "query", "required": True, "schema": str_}],
                "responses": {
                    "200": _json(_ref("ApplicationStatus"), "办理进度"),
                    "404": _error("编号或手机号不对（两种情况回答一样）"),
                    "422": _error("编号或手机号的格式不对"),
                    "429": _error("试错太多次，Retry-After 秒后再试"),
                }}},
            "/api/openapi.json": {"get": {
                "operationId": "openapi", "summary": "本文档",
                "responses": {"200": {"description": "OpenAPI 文档",
                                      "content": {"application/json": {}}}}}},
        },
        "components": {"schemas": {
            "Source": source, "Program": program, "ProgramDetail": detail,
            "Question": question, "CheckRequest": check_request,
            "CheckResponse": check_response, "Error": error,
            "ApplicationRequest": application_request, "Receipt": receipt,
            "ApplicationStatus": application_status,
        }},
    }
