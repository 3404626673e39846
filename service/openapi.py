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
        s = {"type": "array", "description": "重复的选项合并为一个",
             "items": {"type": "string", "enum": [o.value for o in fact.options]}}
    return {"anyOf": [s, {"type": "null"}], "description": fact.question}


def _body_errors() -> dict[str, Any]:
    """What every operation with a JSON body may answer to a body it cannot read."""
    return {"400": _error("不是有效的 JSON"), "413": _error("内容太大"),
            "415": _error("不是 JSON（Content-Type 不对）"), "422": _error("内容不对，errors 里说明每一项")}


def _staff_paths(str_: dict[str, str]) -> dict[str, Any]:
    """The staff API: every operation needs the session cookie; changes need X-CSRF-Token."""
    csrf = {"name": "X-CSRF-Token", "in": "header", "required": True, "schema": str_,
            "description": "登录时返回的 csrf_token"}
    ref = {"name": "reference", "in": "path", "required": True, "schema": str_}
    filters = [{"name": n, "in": "query", "required": False, "schema": str_}
               for n in ("program", "status", "district", "campaign", "from", "to", "page")]
    auth = {"security": [{"staffSession": []}]}
    denied = {"401": _error("没有登录或登录已过期"), "403": _error("没有权限，或 CSRF 不对")}

    def op(op_id: str, summary: str, ok: dict[str, Any], *, params=(), body=None,
           changes=False, extra=None) -> dict[str, Any]:
        out: dict[str, Any] = {"operationId": op_id, "summary": summary, **auth,
                               "parameters": [*params, *([csrf] if changes else [])],
                               "responses": {**ok, **denied, **(extra or {})}}
        if body is not None:
            out["requestBody"] = {"required": True,
                                  "content": {"application/json": {"schema": body}}}
            out["responses"] = {**_body_errors(), **out["responses"]}
        return out

    obj = {"type": "object"}
    return {
        "/api/staff/login": {"post": {
            "operationId": "staffLogin", "summary": "工作人员登录（设置会话 cookie）",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["username", "password"],
                "additionalProperties": False,
                "properties": {"username": str_, "password": str_}}}}},
            "responses": {"200": _json(_ref("Me"), "已登录"), **_body_errors(),
                          "401": _error("用户名或密码不对（两种情况回答一样）"),
                          "429": _error("试错太多次，暂时锁定")}}},
        "/api/staff/logout": {"post": op("staffLogout", "退出", {"200": _json(obj, "已退出")},
                                         changes=True)},
        "/api/staff/me": {"get": op("staffMe", "当前登录的人", {"200": _json(_ref("Me"), "")})},
        "/api/staff/summary": {"get": op("staffSummary", "按政策、区（市）、状态的人数",
                                         {"200": _json(obj, "只有人数")})},
        "/api/staff/applications": {"get": op(
            "staffApplications", "申请列表（最新的在前，每页50条）",
            {"200": _json({"type": "object", "required": ["applications", "total"],
                           "properties": {"applications": {"type": "array",
                                                           "items": _ref("StaffApplication")},
                                          "page": {"type": "integer"},
                                          "per_page": {"type": "integer"},
                                          "total": {"type": "integer"}}}, "一页申请")},
            params=filters, extra={"422": _error("筛选条件不对")})},
        "/api/staff/applications.csv": {"get": op(
            "staffExport", "导出 CSV（UTF-8 带 BOM；full=1 含完整身份证号，仅管理员，会记录）",
            {"200": {"description": "CSV", "content": {"text/csv": {}}}},
            params=[*filters, {"name": "full", "in": "query", "required": False,
                               "schema": {"enum": ["0", "1"]}}],
            extra={"422": _error("筛选条件不对")})},
        "/api/staff/applications/{reference}": {"get": op(
            "staffApplication", "一份申请的全部内容（身份证号打码）",
            {"200": _json(_ref("StaffApplication"), "申请")}, params=[ref],
            extra={"404": _error("没有，或不在你的区（市）")})},
        "/api/staff/applications/{reference}/status": {"post": op(
            "staffSetStatus", "改状态，并给申请人留言",
            {"200": _json(_ref("StaffApplication"), "改好了")}, params=[ref], changes=True,
            body={"type": "object", "required": ["status"], "additionalProperties": False,
                  "properties": {"status": {"enum": list(workflow.STATUSES)},
                                 "note": {"type": "string", "maxLength": 500}}},
            extra={"404": _error("没有，或不在你的区（市）"),
                   "409": _error("不能这样改，或刚被别人改过"),
                   "422": _error("缺留言或状态不对")})},
        "/api/staff/applications/{reference}/reveal": {"post": op(
            "staffReveal", "看完整身份证号（会记录）",
            {"200": _json({"type": "object", "required": ["reference", "id_number"],
                           "properties": {"reference": str_, "id_number": str_}}, "")},
            params=[ref], changes=True, extra={"404": _error("没有，或不在你的区（市）")})},
        "/api/staff/audit": {"get": op(
            "staffAudit", "操作记录（仅管理员）",
            {"200": _json({"type": "object", "required": ["entries"],
                           "properties": {"entries": {"type": "array", "items": obj}}}, "")},
            params=[{"name": "page", "in": "query", "required": False, "schema": str_},
                    {"name": "action", "in": "query", "required": False, "schema": str_}])},
        "/api/staff/accounts": {
            "get": op("staffAccounts", "工作人员账号（仅管理员）",
                      {"200": _json({"type": "object", "required": ["accounts"]}, "")}),
            "post": op("staffCreateAccount", "开通账号（仅管理员；弱密码会被拒绝）",
                       {"201": _json(obj, "已开通")}, changes=True,
                       body={"type": "object", "additionalProperties": False,
                             "required": ["username", "password", "role"],
                             "properties": {"username": str_, "password": str_,
                                            "role": {"enum": ["admin", "reviewer", "viewer"]},
                                            "district": str_}},
                       extra={"422": _error("用户名、密码或角色不对")})},
        "/api/staff/campaigns": {
            "get": op("staffCampaigns", "二维码活动和效果：扫码、开始自测、申请、结果；按区（市）和类型汇总",
                      {"200": _json({"type": "object", "required": ["campaigns", "by_district",
                                                                    "by_kind"],
                                     "properties": {"campaigns": {"type": "array", "items": {
                                         "type": "object", "required": [
                                             "code", "name", "scans", "checks", "applications",
                                             "approved"]}}}}, "活动列表")}),
            "post": op("staffCreateCampaign", "新建活动（仅管理员）", {"201": _json(obj, "已新建")},
                       changes=True,
                       body={"type": "object", "additionalProperties": False,
                             "required": ["name", "kind"],
                             "properties": {"name": str_, "kind": {"enum": [
                                 "job_fair", "village", "office", "online"]},
                                 "target": str_, "district": str_, "place": str_,
                                 "starts_on": str_, "ends_on": str_}},
                       extra={"422": _error("名称、类型、日期或指向的页面不对")})},
        "/api/staff/campaigns/{code}": {"get": op(
            "staffCampaign", "一个活动：按天、按钟点的效果", {"200": _json(obj, "活动")},
            params=[{"name": "code", "in": "path", "required": True, "schema": str_}],
            extra={"404": _error("没有这个活动")})},
        "/api/staff/campaigns/{code}/retire": {"post": op(
            "staffRetireCampaign", "停用活动（以后扫码到首页；仅管理员）", {"200": _json(obj, "已停用")},
            params=[{"name": "code", "in": "path", "required": True, "schema": str_}],
            changes=True, extra={"404": _error("没有这个活动")})},
        "/api/staff/accounts/{username}/disable": {"post": op(
            "staffDisableAccount", "停用账号（仅管理员）", {"200": _json(obj, "已停用")},
            params=[{"name": "username", "in": "path", "required": True, "schema": str_}],
            changes=True, extra={"404": _error("没有这个账号"),
                                 "422": _error("不能停用自己")})},
    }


def document(this_year: int, program_slugs: list[str] | None = None) -> dict[str, Any]:
    str_ = {"type": "string"}
    source = {
        "type": "object",
        "required": ["id", "title", "issuer", "date", "grade"],
        "properties": {k: str_ for k in
                       ("id", "title", "issuer", "date", "number", "section", "url")}
        | {"grade": {"type": "string", "enum": ["A", "B", "C"]}},
    }
    nullable_str = {"type": ["string", "null"]}
    state = {"type": "string", "enum": ["current", "ended", "not_yet", "no_stated_end"],
             "description": "在这一天：执行中、文件写明已到期、还没开始、文件没写截止时间"}
    in_force = {
        "type": "object", "required": ["valid_from", "valid_until", "state"],
        "properties": {"valid_from": nullable_str, "valid_until": nullable_str, "state": state,
                       "source": str_, "notice": str_},
    }
    basis = {
        "type": ["object", "null"], "required": ["source", "section", "cite"],
        "description": "这一条依据的文件和条款",
        "properties": {"source": str_, "section": str_, "cite": str_, "quote": str_},
    }
    program = {
        "type": "object",
        "required": ["slug", "title", "summary", "audiences", "url", "sources",
                     "applicant", "applies_online", "last_reviewed", "in_force"],
        "properties": {
            "slug": str_, "title": str_, "summary": str_, "url": str_, "last_reviewed": str_,
            "verified_on": str_, "weight": {"type": "integer", "minimum": 1, "maximum": 3},
            "in_force": in_force,
            "applicant": {"type": "string", "enum": ["person", "employer", "both"]},
            "applies_online": {"type": "boolean"},
            "audiences": {"type": "array", "items": {"type": "string", "enum": list(AUDIENCES)}},
            "sources": {"type": "array", "items": _ref("Source")},
        },
    }
    detail = {
        "allOf": [_ref("Program"), {"type": "object", "properties": {
            "facts": {"type": "array", "items": {"type": "object", "required": [
                "id", "label", "value", "source", "verified", "valid_from", "valid_until",
                "state"], "properties": {
                    "valid_from": nullable_str, "valid_until": nullable_str,
                    "verified_on": nullable_str, "state": state, "notice": str_}}},
            "rules": {"type": "array", "items": {
                "type": "object", "required": ["label", "basis"],
                "properties": {"label": str_, "basis": basis}}},
            "notes": {"type": "array", "items": str_},
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
            "campaign": {"anyOf": [{"type": "string", "pattern": "^[A-Za-z0-9_-]{1,32}$"},
                                   {"type": "null"}],
                         "description": "二维码活动编号（来自扫码链接）"},
            "skip": {"type": "array", "maxItems": len(FACTS),
                     "items": {"type": "string", "enum": [f.id for f in FACTS]},
                     "description": "回答“不知道”的问题，不再问"},
            "focus": {"anyOf": [{"type": "string", **({"enum": program_slugs}
                                                     if program_slugs else {})},
                                {"type": "null"}],
                      "description": "从某项政策页面来：先问这项政策需要的问题，结果排第一"},
            "date": {"anyOf": [{"type": "string", "format": "date",
                                "pattern": r"^20\d{2}-\d{2}-\d{2}$"}, {"type": "null"}],
                     "description": "按哪一天算（YYYY-MM-DD，2000—2099年；不填就是今天）"},
            "brief": {"type": "boolean",
                      "description": "还有问题要问时，不返回每项结果（只返回统计和下一题）"},
        },
    }
    status = {"type": "string", "enum": ["eligible", "maybe", "ineligible"]}
    check_response = {
        "type": "object",
        "required": ["results", "brief", "counts", "next_question", "focus", "date"],
        "properties": {
            "results": {"type": "array", "items": {
                "type": "object",
                "required": ["slug", "title", "status", "reasons", "url", "missing", "gets"],
                "properties": {
                    "slug": str_, "title": str_, "summary": str_, "url": str_, "status": status,
                    "applies_online": {"type": "boolean"},
                    "missing": {"type": "array", "items": str_},
                    "reasons": {"type": "array", "items": {
                        "type": "object", "required": ["text", "met", "basis"],
                        "properties": {
                            "text": str_, "met": {"type": ["boolean", "null"]},
                            "basis": {"type": ["string", "null"],
                                      "description": "这一条依据的文件和条款"},
                            "step": {"type": ["object", "null"], "required": ["text", "url"],
                                     "description": "还差一步：先去办这件事（没有就不给）",
                                     "properties": {"text": str_, "url": nullable_str}}}}},
                    "gets": {"type": ["object", "null"], "required": ["text"],
                             "description": "能得到什么（一句话）；note：参考标准、已到期等说明",
                             "properties": {"text": str_, "note": str_, "basis": str_}},
                    "notes": {"type": "array", "items": str_},
                }}},
            "brief": {"type": "boolean", "description": "是否省去了每项结果（还有问题要问）"},
            "focus": nullable_str,
            "date": str_,
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
    doc = {
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
                    "403": _error("压力测试的请求，而服务器没有开压力测试"),
                    "429": _error("这个地址提交得太多了，Retry-After 秒后再试"),
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
            **_staff_paths(str_),
            "/api/openapi.json": {"get": {
                "operationId": "openapi", "summary": "本文档",
                "responses": {"200": {"description": "OpenAPI 文档",
                                      "content": {"application/json": {}}}}}},
        },
        "components": {"securitySchemes": {
            "staffSession": {"type": "apiKey", "in": "cookie", "name": "jy_staff",
                             "description": "POST /api/staff/login 设置；改动类请求还要带 X-CSRF-Token"}},
        "schemas": {
            "Source": source, "Program": program, "ProgramDetail": detail,
            "Question": question, "CheckRequest": check_request,
            "CheckResponse": check_response, "Error": error,
            "ApplicationRequest": application_request, "Receipt": receipt,
            "ApplicationStatus": application_status,
            "StaffApplication": {"type": "object", "required": [
                "reference", "program", "district", "status", "name", "id_number_masked",
                "submitted_at"], "properties": {
                    "reference": str_, "reference_display": str_, "program": str_,
                    "program_title": str_, "district": str_, "district_label": str_,
                    "status": app_status, "status_text": str_, "name": str_,
                    "id_number_masked": str_, "phone_masked": str_, "campaign": str_,
                    "submitted_at": str_, "updated_at": str_}},
            "Me": {"type": "object", "required": ["username", "role", "csrf_token"],
                   "properties": {"username": str_, "role": {"enum": ["admin", "reviewer",
                                                                     "viewer"]},
                                  "role_text": str_, "district": str_, "csrf_token": str_}},
        }},
    }
    # Anything that touches the database may find it away for a moment.
    for path, operations in doc["paths"].items():
        if path.startswith(("/api/applications", "/api/staff/")):
            for operation in operations.values():
                operation["responses"].setdefault("503", _error("数据库暂时连不上，稍后再试"))
    return doc
