"""The OpenAPI 3.1 document for /api: the paths and their words, written here; every schema
generated from the Structs the service decodes with (service/bodies.py) and answers with
(service/schemas.py), so the description cannot drift from the checks. The fuzzer
(tests/test_fuzz.py) holds real answers to it."""

from __future__ import annotations

from typing import Any

import msgspec

from . import bodies, schemas
from .catalog import AUDIENCES
from .facts import FACTS, Fact, year_bounds

Op = dict[str, Any]
REF = "#/components/schemas/{name}"
STR = {"type": "string"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(name=name)}


def _json(name_or_schema: str | dict[str, Any], description: str) -> Op:
    schema = _ref(name_or_schema) if isinstance(name_or_schema, str) else name_or_schema
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> Op:
    return _json("Error", description)


def _param(name: str, where: str = "query", required: bool = False, **schema: Any) -> Op:
    return {"name": name, "in": where, "required": required, "schema": schema or STR}


BODY_ERRORS = {"400": _error("不是有效的 JSON"), "413": _error("内容太大"),
               "415": _error("不是 JSON（Content-Type 不对）"),
               "422": _error("内容不对，errors 里说明每一项")}
DENIED = {"401": _error("没有登录或登录已过期"), "403": _error("没有权限，或 CSRF 不对")}
CSRF = {**_param("X-CSRF-Token", "header", True), "description": "登录时返回的 csrf_token"}
REFERENCE = _param("reference", "path", True)


def op(op_id: str, summary: str, ok: Op, *, params: list[Op] = (),  # type: ignore[assignment]
       body: str | None = None, staff: bool = False, changes: bool = False,
       errors: dict[str, str] | None = None) -> Op:
    """One operation: its answers, the body it takes (a component), who may call it."""
    out: Op = {"operationId": op_id, "summary": summary,
               "parameters": [*params, *([CSRF] if changes else [])],
               "responses": {**ok, **{k: _error(v) for k, v in (errors or {}).items()}}}
    if staff:
        out["security"] = [{"staffSession": []}]
        out["responses"] = {**out["responses"], **DENIED}
    if body:
        out["requestBody"] = {"required": True,
                              "content": {"application/json": {"schema": _ref(body)}}}
        out["responses"] = {**BODY_ERRORS, **out["responses"]}
    return out


def _query(kind: type[bodies.Body], leave_out: tuple[str, ...] = ()) -> list[Op]:
    """The query parameters a Struct of service/bodies.py reads, each with its schema
    (type, range, pattern) and description, generated like the request bodies."""
    _, defs = msgspec.json.schema_components([kind], ref_template=REF)
    out = []
    for name, schema in defs[kind.__name__]["properties"].items():
        if name in leave_out:
            continue
        schema = dict(schema)
        description = schema.pop("description", "")
        param = _param(name, **schema)
        if description:
            param["description"] = description
        out.append(param)
    return out


FILTERS = _query(bodies.QueueQuery, leave_out=("full",))
ANY = {"200": _json({"type": "object"}, "")}

PATHS: dict[str, dict[str, Op]] = {
    "/api/programs": {"get": op("listPrograms", "政策目录", {"200": _json("Programs", "政策列表")},
                                params=[_param("audience", enum=list(AUDIENCES))],
                                errors={"422": "人群分类不对"})},
    "/api/programs/{slug}": {"get": op(
        "getProgram", "一项政策：条件和依据、数字和日期、执行时间",
        {"200": _json("ProgramDetail", "政策详情")}, params=[_param("slug", "path", True)],
        errors={"404": "没有这项政策"})},
    "/api/questions": {"get": op("listQuestions", "自测的全部问题",
                                 {"200": _json("Questions", "问题列表")})},
    "/api/check": {"post": op("check", "按回答算出每项政策符合、可能符合或不符合，每条理由带依据",
                              {"200": _json("CheckResponse", "结果和下一个问题")},
                              body="CheckRequest")},
    "/api/applications": {"post": op(
        "submitApplication", "提交申请，得到申请编号",
        {"201": _json("Receipt", "已收到（重试时返回同一份申请）")}, body="ApplicationRequest",
        params=[{**_param("Idempotency-Key", "header", pattern="^[A-Za-z0-9_-]{16,64}$"),
                 "description": "每份表单一个；重试时用同一个，不会重复申请"}],
        errors={"400": "不是有效的 JSON，或提交编号不对", "403": "压力测试的请求，而服务器没有开压力测试",
                "409": "同一个人已有一份办理中的同项申请；reference 是它的编号",
                "429": "这个地址提交得太多了，Retry-After 秒后再试"})},
    "/api/applications/{reference}": {"get": op(
        "getApplication", "用申请编号和手机号查进度",
        {"200": _json("ApplicationStatus", "办理进度")},
        params=[REFERENCE, _param("phone", required=True)],
        errors={"404": "编号或手机号不对（两种情况回答一样）", "422": "编号或手机号的格式不对",
                "429": "试错太多次，Retry-After 秒后再试"})},
    "/api/callbacks": {"post": op(
        "submitCallback", "请工作人员联系我：留下称呼、手机号、想问的政策和方便的时间",
        {"201": _json("CallbackReceipt", "已收到（重试或刚才已经请求过：返回同一个请求）")},
        body="CallbackRequest",
        params=[{**_param("Idempotency-Key", "header", pattern="^[A-Za-z0-9_-]{16,64}$"),
                 "description": "每张表单一个；重试时用同一个，不会重复请求"}],
        errors={"400": "不是有效的 JSON，或提交编号不对",
                "422": "有一项不对，或没有勾选同意；errors 里说明每一项",
                "429": "这个地址提交得太多了，Retry-After 秒后再试"})},
    "/api/applications/{reference}/received": {"post": op(
        "answerReceived", "到账了吗：审核通过以后，告诉我们钱或服务到了没有（同一个回答可以重复发）",
        {"200": _json("ApplicationStatus", "办理进度，带上这次的回答")},
        params=[REFERENCE], body="ReceivedRequest",
        errors={"404": "编号或手机号不对（两种情况回答一样）", "409": "还没有审核通过",
                "429": "试错太多次，Retry-After 秒后再试"})},
    "/api/applications/{reference}/documents": {"post": {
        **op("addDocument", "给申请补一张材料照片（手机号要和申请时的一样）",
             {"201": _json("UploadReceipt", "已收到（重试时返回同一张）")},
             params=[REFERENCE, {**_param("Idempotency-Key", "header",
                                          pattern="^[A-Za-z0-9_-]{16,64}$"),
                                 "description": "每张照片一个；重试时用同一个，不会存两张"}],
             errors={"400": "表单不完整，或上传编号不对",
                     "404": "编号或手机号不对（两种情况回答一样）",
                     "409": "申请已经办完，或这一项的照片已经够多",
                     "413": "照片太大（MAX_UPLOAD_BYTES，默认5MB）",
                     "415": "不是 multipart/form-data",
                     "422": "不是照片、清单里没有这一项、手机号或编号格式不对",
                     "429": "试错太多次，Retry-After 秒后再试"}),
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file", "document", "phone"],
            "properties": {
                "file": {"type": "string", "format": "binary",
                         "description": "照片（JPG、PNG 或 WebP）；服务器按内容判断，重新压缩，去掉 EXIF"},
                "document": {"type": "string", "maxLength": 32,
                             "description": "材料清单里的一项（checklist 的 id）"},
                "phone": {"type": "string", "maxLength": 40, "description": "申请时填的手机号"}}},
            "encoding": {"file": {"contentType": "image/jpeg, image/png, image/webp"}}}}}}},
    "/api/staff/applications/{reference}/photos/{photo}": {"get": op(
        "staffPhoto", "看一张材料照片（JPEG；会记录；别的区的申请回答 404，也会记录）",
        {"200": {"description": "JPEG", "content": {"image/jpeg": {}}}},
        params=[REFERENCE, _param("photo", "path", True, type="integer")], staff=True,
        errors={"404": "没有，或不在你的区（市）"})},
    "/api/staff/login": {"post": op(
        "staffLogin", "工作人员登录（设置会话 cookie）", {"200": _json("Me", "已登录")},
        body="LoginRequest", errors={"401": "用户名、密码或验证码不对（几种情况回答一样）",
                                     "403": "从别的网站发来的登录",
                                     "429": "试错太多次，暂时锁定"})},
    "/api/staff/logout": {"post": op("staffLogout", "退出", ANY, staff=True, changes=True)},
    "/api/staff/me": {"get": op("staffMe", "当前登录的人", {"200": _json("Me", "")}, staff=True)},
    "/api/staff/summary": {"get": op("staffSummary", "按政策、区（市）、状态的人数", ANY, staff=True)},
    "/api/staff/applications": {"get": op(
        "staffApplications", "申请列表（最新的在前，每页50条）；q 按编号、手机号、身份证号或姓名找",
        {"200": _json("Page", "一页申请")},
        params=FILTERS, staff=True, errors={"422": "筛选条件不对"})},
    "/api/staff/applications.csv": {"get": op(
        "staffExport", "导出 CSV（UTF-8 带 BOM；full=1 含完整身份证号，仅管理员，会记录）",
        {"200": {"description": "CSV", "content": {"text/csv": {}}}},
        params=_query(bodies.QueueQuery), staff=True,
        errors={"422": "筛选条件不对"})},
    "/api/staff/applications/{reference}": {"get": op(
        "staffApplication", "一份申请的全部内容（身份证号打码）",
        {"200": _json("StaffApplication", "申请")}, params=[REFERENCE], staff=True,
        errors={"404": "没有，或不在你的区（市）"})},
    "/api/staff/applications/{reference}/status": {"post": op(
        "staffSetStatus", "改状态，并给申请人留言", {"200": _json("StaffApplication", "改好了")},
        params=[REFERENCE], body="StatusChange", staff=True, changes=True,
        errors={"404": "没有，或不在你的区（市）", "409": "不能这样改，或刚被别人改过",
                "422": "缺留言或状态不对"})},
    "/api/staff/applications/{reference}/reveal": {"post": op(
        "staffReveal", "看完整身份证号（会记录）", {"200": _json("Revealed", "")},
        params=[REFERENCE], staff=True, changes=True,
        errors={"404": "没有，或不在你的区（市）"})},
    "/api/staff/audit": {"get": op("staffAudit", "操作记录（仅管理员）", {"200": _json("Entries", "")},
                                   params=_query(bodies.AuditQuery), staff=True,
                                   errors={"422": "页码或筛选条件不对"})},
    "/api/staff/accounts": {
        "get": op("staffAccounts", "工作人员账号（仅管理员）", {"200": _json("Accounts", "")},
                  staff=True),
        "post": op("staffCreateAccount", "开通账号（仅管理员；弱密码会被拒绝）",
                   {"201": _json({"type": "object"}, "已开通；管理员账号另附 second_factor"
                                 "（uri 与 recovery_codes，只给这一次）")},
                   body="AccountRequest",
                   staff=True, changes=True, errors={"422": "用户名、密码或角色不对"})},
    "/api/staff/accounts/{username}/disable": {"post": op(
        "staffDisableAccount", "停用账号（仅管理员）", ANY, params=[_param("username", "path", True)],
        staff=True, changes=True, errors={"404": "没有这个账号", "422": "不能停用自己"})},
    "/api/staff/accounts/{username}/unlock": {"post": op(
        "staffUnlockAccount", "解除登录锁定（仅管理员，会记录）", ANY,
        params=[_param("username", "path", True)], staff=True, changes=True,
        errors={"404": "地址不对"})},
    "/api/staff/callbacks": {"get": op(
        "staffCallbacks", "回电请求（最新的在前，每页50条；经办人员只看自己的区（市））",
        {"200": _json("Callbacks", "一页回电请求")}, params=_query(bodies.CallbackQuery),
        staff=True, errors={"422": "筛选条件不对"})},
    "/api/staff/callbacks/{id}/done": {"post": op(
        "staffCallbackDone", "回过电话了：标记完成，写下结果（会记录）",
        {"200": _json("StaffCallback", "已标记")}, params=[_param("id", "path", True)],
        body="CallbackDone", staff=True, changes=True,
        errors={"404": "没有，或不在你的区（市）", "409": "已经有人标记过了"})},
    "/api/staff/campaigns": {
        "get": op("staffCampaigns", "二维码活动和效果：扫码、开始自测、申请、结果；按区（市）和类型汇总",
                  {"200": _json("Campaigns", "活动列表")}, staff=True),
        "post": op("staffCreateCampaign", "新建活动（仅管理员）",
                   {"201": _json({"type": "object"}, "已新建")}, body="CampaignRequest",
                   staff=True, changes=True, errors={"422": "名称、类型、日期或指向的页面不对"})},
    "/api/staff/campaigns/{code}": {"get": op(
        "staffCampaign", "一个活动：按天、按钟点的效果", ANY, params=[_param("code", "path", True)],
        staff=True, errors={"404": "没有这个活动"})},
    "/api/staff/campaigns/{code}/retire": {"post": op(
        "staffRetireCampaign", "停用活动（以后扫码到首页；仅管理员）", ANY,
        params=[_param("code", "path", True)], staff=True, changes=True,
        errors={"404": "没有这个活动"})},
    "/api/openapi.json": {"get": op("openapi", "本文档", {"200": {
        "description": "OpenAPI 文档", "content": {"application/json": {}}}})},
}


def _answer_schema(fact: Fact, this_year: int) -> Op:
    """One answer: its type and range, or null (not answered yet)."""
    if fact.type == "bool":
        s: Op = {"type": "boolean"}
    elif fact.type in ("int", "year"):
        lo, hi = year_bounds(fact, this_year) if fact.type == "year" else (fact.min, fact.max)
        s = {"type": "integer", "minimum": lo, "maximum": hi}
    elif fact.type == "enum":
        s = {"type": "string", "enum": [o.value for o in fact.options]}
    else:
        s = {"type": "array", "description": "重复的选项合并为一个",
             "items": {"type": "string", "enum": [o.value for o in fact.options]}}
    return {"anyOf": [s, {"type": "null"}], "description": fact.question}


def document(this_year: int, program_slugs: list[str] | None = None) -> dict[str, Any]:
    _, components = msgspec.json.schema_components(
        [*bodies.REQUESTS, *schemas.RESPONSES], ref_template=REF)
    answers = {"type": "object", "additionalProperties": False,
               "properties": {f.id: _answer_schema(f, this_year) for f in FACTS}}
    for body in ("CheckRequest", "ApplicationRequest"):  # answers depend on this year
        components[body]["properties"]["answers"] = answers
    if program_slugs:
        components["CheckRequest"]["properties"]["focus"] = {
            "anyOf": [{"type": "string", "enum": program_slugs}, {"type": "null"}]}
        components["CallbackRequest"]["properties"]["program"] = {
            **components["CallbackRequest"]["properties"]["program"], "enum": program_slugs}
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "就业通 API", "version": "1",
                 "description": "枣庄就业补贴与服务：政策目录、资格自测、在线申请和查进度。"},
        "paths": {path: {m: dict(o) for m, o in ops.items()} for path, ops in PATHS.items()},
        "components": {"schemas": components, "securitySchemes": {"staffSession": {
            "type": "apiKey", "in": "cookie", "name": "jy_staff",
            "description": "POST /api/staff/login 设置；改动类请求还要带 X-CSRF-Token"}}},
    }
    # Anything that touches the database may find it away for a moment.
    for path, operations in doc["paths"].items():
        if path.startswith(("/api/applications", "/api/callbacks", "/api/staff/")):
            for operation in operations.values():
                operation["responses"] = {**operation["responses"],
                                          "503": _error("数据库暂时连不上，稍后再试")}
    return doc
