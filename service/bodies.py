"""What the API accepts, declared once: each request body (and the staff queue's query) as a
msgspec Struct, with the Chinese message a person gets for each field.

``decode`` is the one place requests are read: it turns JSON (or a form, or a query
string) into one of these, and answers a bad field with 422, a stable code and a message
per field — every bad field at once. The OpenAPI document's request schemas are generated
from the same Structs (service/openapi.py), so the description cannot drift from the
checks. What a field means beyond its shape (a 身份证号's check character, a program that
takes applications online) is the domain modules' to check, with messages of their own.

A field's ``Meta(extra={...})`` may carry ``error`` (the message for a bad value), and
``code`` and ``title`` (the error's code and headline when it is the only bad field; the
Struct's ``CODE``/``TITLE`` otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, TypeAlias, TypeVar, cast

import msgspec
from msgspec import Meta

from .campaigns import KINDS
from .clock import DAY_FORMAT_ERROR, DAY_PATTERN
from .errors import ApiError
from .facts import DISTRICTS, FACTS
from .staff import ROLES
from .workflow import LABELS, STATUSES

S = TypeVar("S", bound="Body")
# When a call-back suits the person (POST /api/callbacks ``when``), as the page offers it.
WHEN = ("上午", "下午", "晚上", "都可以")

# Values from the server's tables. The type checker sees text; msgspec checks the value.
if TYPE_CHECKING:
    Status: TypeAlias = str
    Role: TypeAlias = str
    Kind: TypeAlias = str
    FactId: TypeAlias = str
    District: TypeAlias = str
    When: TypeAlias = str
else:
    Status = Literal[STATUSES]
    District = Literal[tuple(o.value for o in DISTRICTS)]
    Role = Literal[tuple(ROLES)]
    Kind = Literal[tuple(KINDS)]
    FactId = Literal[tuple(f.id for f in FACTS)]
    When = Literal[WHEN]
CAMPAIGN = r"^[A-Za-z0-9_-]{1,32}$"
STATUS_CHOICES = "状态只能是：" + "、".join(f"{s}（{LABELS[s]}）" for s in STATUSES) + "。"
UNKNOWN = "不认识这一项。"
# A day typed by staff, or nothing (clock.DAY_PATTERN); whether the day exists (2027-02-30)
# is clock.read_day's to say, where the field is used.
DAY = f"^(?:{DAY_PATTERN})?$"
DAY_DOC = "日期：年-月-日（2026-12-03，也可以写 2026/12/3、2026年12月3日、20261203），2000—2099年"


def _m(error: str, **kw: Any) -> Meta:
    extra: dict[str, Any] = {"error": error, **{k: kw.pop(k) for k in ("code", "title") if k in kw}}
    return Meta(extra=extra, **kw)


class Body(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    CODE: ClassVar[str] = "invalid_body"
    TITLE: ClassVar[str] = "提交的内容有几项不对，请按提示修改。"


class CheckRequest(Body):
    """POST /api/check: answers so far, and how to go on."""

    CODE: ClassVar[str] = "invalid_check"
    TITLE: ClassVar[str] = "提交的内容有几项不对。"

    answers: Annotated[dict[str, Any], _m("回答的格式不对，应该是一组“问题: 回答”。",
                                          code="invalid_answers", title="有的回答不对，请按提示改一下。",
                                          description="问题编号 → 回答（null 表示还没回答）")] = {}
    campaign: Annotated[Annotated[str, Meta(pattern=CAMPAIGN)] | None, _m(
        "活动编号只含字母、数字，最长32位。", code="invalid_campaign", title="二维码活动编号不对。",
        description="二维码活动编号（来自扫码链接）")] = None
    skip: Annotated[list[FactId], _m("应该是问题编号的列表。", code="invalid_skip",
                                     title="跳过的问题不对。", max_length=len(FACTS),
                                     description="回答“不知道”的问题，不再问")] = []
    focus: Annotated[str | None, _m(
        "没有这项政策。", code="unknown_program", title="没有这项政策。",
        description="从某项政策页面来：先问这项政策需要的问题，结果排第一")] = None
    date: Annotated[Annotated[str, Meta(pattern=r"^20\d{2}-\d{2}-\d{2}$",
                                        extra_json_schema={"format": "date"})] | None, _m(
        "日期写成 2026-12-01 这样，在2000年到2099年之间。", code="invalid_date", title="日期不对。",
        description="按哪一天算（YYYY-MM-DD，2000—2099年；不填就是今天）")] = None
    brief: Annotated[bool, _m("应该是 true 或 false。", code="invalid_brief",
                              title="brief 应该是 true 或 false。",
                              description="还有问题要问时，不返回每项结果（只返回统计和下一题）")] = False


class ApplicationRequest(Body):
    """POST /api/applications: one person's application for one program."""

    CODE: ClassVar[str] = "invalid_application"
    TITLE: ClassVar[str] = "有几项需要改一下，请按提示修改。"

    program: Annotated[str, _m("没有这项政策，请从办事指南里点“在线申请”进来。",
                               description="政策编号（能在网上申请的）")]
    name: Annotated[str, _m("请填身份证上的姓名。", max_length=60, description="身份证上的姓名")]
    id_number: Annotated[str, _m("请填写身份证号。", max_length=40,
                                 description="18位居民身份证号")]
    phone: Annotated[str, _m("请填写手机号。", max_length=40, description="大陆手机号，11位")]
    district: Annotated[District, _m("请选你所在的区（市）。")]
    consent: Annotated[Literal[True], _m("请先阅读个人信息说明，勾选“我同意”后才能提交。",
                                         description="同意个人信息说明")]
    answers: Annotated[dict[str, Any] | None, _m("回答的格式不对，应该是一组“问题: 回答”。")] = {}
    campaign: Annotated[Annotated[str, Meta(pattern=r"^$|" + CAMPAIGN)] | None,
                        _m("二维码活动编号不对。")] = ""
    note: Annotated[str | None, _m("备注应该是一段文字。", description="备注（最多200字）")] = ""
    notify_sms: Annotated[bool, _m("应该是 true 或 false。", code="invalid_notify_sms",
                                   title="notify_sms 应该是 true 或 false。",
                                   description="办理进度有变化时，给这个手机号发短信（免费）")] = False


class ReceivedRequest(Body):
    """POST /api/applications/{reference}/received: 到账了吗, answered after approval."""

    CODE: ClassVar[str] = "invalid_received"
    TITLE: ClassVar[str] = "请填申请时的手机号，再点“到了”或“还没到”。"

    phone: Annotated[str, _m("请填写手机号。", max_length=40, description="申请时填的手机号")]
    received: Annotated[bool, _m("请点“到了”或“还没到”。",
                                 description="钱或服务到了没有：true 到了，false 还没到")]


class CallbackRequest(Body):
    """POST /api/callbacks: a person asks to be phoned back about one program."""

    CODE: ClassVar[str] = "invalid_callback"
    TITLE: ClassVar[str] = "有几项需要改一下，请按提示修改。"

    name: Annotated[str, _m("请填写怎么称呼你，比如“王女士”。", max_length=60,
                            description="怎么称呼（如：王女士）")]
    phone: Annotated[str, _m("请填写手机号。", max_length=40, description="大陆手机号，11位")]
    program: Annotated[str, _m("没有这项政策。", max_length=64, description="想问的政策（政策编号）")]
    district: Annotated[District, _m("请选你所在的区（市）。")]
    when: Annotated[When, _m("请选什么时候打给你：" + "、".join(WHEN) + "。",
                             description="什么时候打来方便")]
    consent: Annotated[Literal[True], _m(
        "请勾选“同意”：工作人员要用你的手机号打电话给你。", code="consent_required",
        title="请勾选“同意”，工作人员才能打电话给你。", description="同意用手机号回电")]


class CallbackDone(Body):
    CODE: ClassVar[str] = "invalid_note"
    TITLE: ClassVar[str] = "备注是一段文字，最多200字。"

    note: Annotated[str, _m("备注是一段文字，最多200字。", max_length=200,
                            description="打电话的结果（只有工作人员能看到）")] = ""


class LoginRequest(Body):
    CODE: ClassVar[str] = "invalid_login"
    TITLE: ClassVar[str] = "请填写用户名和密码。"

    username: Annotated[str, _m("请填写用户名和密码。", min_length=1, max_length=64)]
    password: Annotated[str, _m("请填写用户名和密码。", min_length=1, max_length=256)]
    # the authenticator's 6 digits or a recovery code (administrators, and anyone who set
    # up a second factor)
    totp: Annotated[str, _m("验证码是手机验证器上的6位数字，或一个恢复码。", max_length=32)] = ""


class StatusChange(Body):
    CODE: ClassVar[str] = "invalid_status"
    TITLE: ClassVar[str] = "请选新的状态，留言是一段文字。"

    status: Annotated[Status, _m("请选新的状态。")]
    note: Annotated[str, _m("留言是一段文字，最多500字。", max_length=500)] = ""
    document: Annotated[str, _m("缺的材料要从清单里选。", max_length=32,
                                description="需要补充材料时：缺的是清单里的哪一项（id）")] = ""


class AccountRequest(Body):
    CODE: ClassVar[str] = "invalid_account"
    TITLE: ClassVar[str] = "请填写用户名、密码和角色。"

    username: Annotated[str, _m("请填写用户名。")]
    password: Annotated[str, _m("请填写密码。")]
    role: Annotated[Role, _m(f"角色只能是 {', '.join(ROLES)}。")]
    district: Annotated[str, _m("区（市）不对。")] = ""


class CampaignRequest(Body):
    CODE: ClassVar[str] = "invalid_campaign"
    TITLE: ClassVar[str] = "请填写活动名称、类型和二维码指向的页面。"

    name: Annotated[str, _m("请填写活动名称。")]
    kind: Annotated[Kind, _m(f"类型只能是：{'、'.join(KINDS)}。")]
    target: Annotated[str, _m("二维码指向的页面不对。")] = ""
    district: Annotated[str, _m("区（市）不对。")] = ""
    place: Annotated[str, _m("地点是一段文字。")] = ""
    starts_on: Annotated[str, _m(DAY_FORMAT_ERROR, pattern=DAY, max_length=32,
                                 description="开始日期（" + DAY_DOC + "）")] = ""
    ends_on: Annotated[str, _m(DAY_FORMAT_ERROR, pattern=DAY, max_length=32,
                               description="结束日期（" + DAY_DOC + "；不填就是长期）")] = ""


class QueueQuery(Body):
    """The staff queue's and the CSV export's filters (query parameters)."""

    CODE: ClassVar[str] = "invalid_filter"
    TITLE: ClassVar[str] = "筛选条件不对。"

    program: str = ""
    status: Annotated[Literal[("",) + STATUSES], _m(  # type: ignore[valid-type]
        STATUS_CHOICES)] = ""
    district: Annotated[str, _m("没有这个区（市）。")] = ""
    campaign: Annotated[str, _m("活动编号最长32位。", max_length=32)] = ""
    date_from: Annotated[str, _m(DAY_FORMAT_ERROR, pattern=DAY, max_length=32,
                                 description="提交日期从这一天起（" + DAY_DOC + "）")] = (
        msgspec.field(default="", name="from"))
    date_to: Annotated[str, _m(DAY_FORMAT_ERROR, pattern=DAY, max_length=32,
                               description="提交日期到这一天为止（" + DAY_DOC + "）")] = (
        msgspec.field(default="", name="to"))
    page: Annotated[int, _m("页码是正整数。", ge=1, le=99999)] = 1
    q: Annotated[str, _m("要找的内容最多40个字。", max_length=40, description=(
        "找申请：申请编号（大小写、带不带横线都行）、完整的11位手机号、完整的18位身份证号"
        "（只找得到还在办理中的），或姓名（在你能看的区（市）里）"))] = ""
    full: Annotated[Literal["0", "1"], _m("只能是 0 或 1。", code="invalid_filter",
                                          title="full 只能是 0 或 1。")] = "0"


class CallbackQuery(Body):
    """The call-back list's filters (query parameters)."""

    CODE: ClassVar[str] = "invalid_filter"
    TITLE: ClassVar[str] = "筛选条件不对。"

    status: Annotated[Literal["open", "done"], _m(
        "只能是 open（待回电）或 done（已回电）。", description="open 待回电，done 已回电")] = "open"
    district: Annotated[str, _m("没有这个区（市）。", max_length=16)] = ""
    page: Annotated[int, _m("页码是正整数。", ge=1, le=99999)] = 1


class AuditQuery(Body):
    """The audit log's page and filter (query parameters)."""

    CODE: ClassVar[str] = "invalid_filter"
    TITLE: ClassVar[str] = "筛选条件不对。"

    page: Annotated[int, _m("页码是正整数。", ge=1, le=99999)] = 1
    action: Annotated[str, _m("没有这种记录。", max_length=32)] = ""


class _Field(msgspec.Struct, frozen=True):
    name: str  # as the client writes it
    attr: str  # as the Struct holds it
    type: Any
    required: bool
    error: str
    code: str
    title: str


@cache
def _fields(kind: type[Body]) -> dict[str, _Field]:
    info = cast(msgspec.inspect.StructType, msgspec.inspect.type_info(kind))
    out: dict[str, _Field] = {}
    for f, hint in zip(info.fields, msgspec.structs.fields(kind), strict=True):
        extra = _extra(f.type)
        out[f.encode_name] = _Field(f.encode_name, f.name, hint.type, f.required,
                                    extra.get("error", "这一项不对。"), extra.get("code", ""),
                                    extra.get("title", ""))
    return out


def _extra(t: msgspec.inspect.Type) -> dict[str, Any]:
    if isinstance(t, msgspec.inspect.Metadata):
        return dict(t.extra or {})
    return {}


def _whole(kind: type[S], data: Mapping[str, Any], lax: bool) -> S | None:
    """The usual case, a good body: ``data`` as a ``kind`` in one conversion; None when a
    field is unknown or bad (then it is gone through field by field, to name each)."""
    if data.keys() - _fields(kind).keys():
        return None
    try:
        return msgspec.convert(data if isinstance(data, dict) else dict(data), kind,
                               strict=not lax)
    except msgspec.ValidationError:
        return None


def fields(kind: type[S], data: Mapping[str, Any], lax: bool = False
           ) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Each field of ``data`` checked against ``kind``: (the good values by attribute name,
    an error per bad, missing or unknown field). ``lax`` reads numbers from text (a query
    string, a form)."""
    spec = _fields(kind)
    whole = _whole(kind, data, lax)
    if whole is not None:
        return {f.attr: getattr(whole, f.attr) for name, f in spec.items() if name in data}, []
    errors = [{"field": k, "message": UNKNOWN} for k in sorted(set(data) - set(spec))]
    values: dict[str, Any] = {}
    for name, f in spec.items():
        if name not in data:
            if f.required:
                errors.append({"field": name, "message": f.error})
            continue
        try:
            values[f.attr] = msgspec.convert(data[name], f.type, strict=not lax)
        except msgspec.ValidationError:
            errors.append({"field": name, "message": f.error})
    return values, errors


def refuse(kind: type[Body], errors: list[dict[str, str]]) -> ApiError:
    """The 422 for these field errors: a field's own code when it is the only one."""
    spec = _fields(kind)
    unknown = [e for e in errors if e["message"] == UNKNOWN]
    if unknown:
        return ApiError(422, "unknown_field", "提交了不认识的内容。", unknown)
    if len(errors) == 1:  # one thing to fix: say what it is
        only = spec.get(errors[0]["field"])
        return ApiError(422, (only.code if only else "") or kind.CODE,
                        (only.title if only else "") or errors[0]["message"], errors)
    return ApiError(422, kind.CODE, kind.TITLE, errors)


def bad(kind: type[Body], field: str) -> ApiError:
    """The 422 for one field whose value is well formed but wrong (an unknown program …)."""
    return refuse(kind, [{"field": field, "message": _fields(kind)[field].error}])


def decode(kind: type[S], data: Mapping[str, Any], lax: bool = False) -> S:
    """``data`` (a decoded JSON object, a form, a query) as a ``kind``, or a 422 naming
    every bad field."""
    whole = _whole(kind, data, lax)
    if whole is not None:
        return whole
    values, errors = fields(kind, data, lax)
    if errors:
        raise refuse(kind, errors)
    return kind(**values)


REQUESTS: tuple[type[Body], ...] = (CheckRequest, ApplicationRequest, CallbackRequest,
                                    CallbackDone, LoginRequest, StatusChange, AccountRequest,
                                    CampaignRequest, ReceivedRequest)
