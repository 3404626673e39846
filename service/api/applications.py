"""Applications over HTTP: POST /api/applications, GET /api/applications/{reference}?phone=…
and POST /api/applications/{reference}/documents (a photo of one checklist item).

The work is service/applications.py; here: the Idempotency-Key header, the load-test
marker, the per-client limits, and the status codes.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import replace
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response

from .. import applications, bodies, campaigns, clock, documents
from ..errors import ApiError
from ..identity import clean_phone
from ..models import Application
from ..reference import normalize
from ..responses import JSON
from ..throttle import client_of
from ._body import decode_object, json_bytes

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def load_test_marker(request: Request) -> bool:
    """True for a load-test request the server is configured to accept (see LOADTEST_KEY);
    403 for one it is not, so a rehearsal aimed at the wrong server writes nothing."""
    marker = request.headers.get("x-load-test")
    if marker is None:
        return False
    expected = request.app.state.settings.load_test_key
    if not expected or not hmac.compare_digest(marker.encode(), expected.encode()):
        raise ApiError(403, "load_test_refused", "这个服务器不接受压力测试的数据。")
    return True


async def submit(request: Request) -> Response:
    state = request.app.state
    key = request.headers.get("idempotency-key")
    if key is not None and not IDEMPOTENCY_KEY.match(key):
        raise ApiError(400, "invalid_idempotency_key", "提交编号不对，请刷新页面后重新提交。",
                       [{"field": "Idempotency-Key",
                         "message": "应该是16到64位的字母、数字、-或_。"}])
    load_test = load_test_marker(request)
    if not load_test:  # a rehearsal sends thousands from one machine, on purpose
        await state.submit_limit.hit(client_of(request, state.vault))
    data = decode_object(await json_bytes(request))
    form, errors = applications.validate_form(data, state.catalog, clock.today())
    if form is None:
        raise bodies.refuse(bodies.ApplicationRequest, errors)
    if load_test:
        form = replace(form, campaign=applications.LOAD_TEST_CAMPAIGN)
    elif form.campaign:  # only a real, active campaign is kept with it
        code = await state.campaigns.known(form.campaign)
        form = replace(form, campaign="" if code == campaigns.UNKNOWN else code)
    sent = await applications.submit(form, key, state.vault, state.catalog,
                                     state.application_rows)
    body = applications.receipt(sent)
    if sent.replayed:
        return JSON(body, 201, headers={"Idempotent-Replayed": "true"})
    return JSON(body, 201, headers={"Location": f"/api/applications/{sent.reference}"})


async def _client(request: Request) -> str:
    """The client, once it may still look an application up (before reading anything)."""
    state = request.app.state
    client = client_of(request, state.vault)
    await state.lookup_throttle.check(client)
    return client


async def _applicant(request: Request, client: str, raw_phone: Any) -> Application:
    """The application at this path, if ``raw_phone`` is the phone it was sent with; else
    the same 404 whether the reference or the phone is wrong, counted by the throttles
    (the client's lookups were checked by the caller, before reading anything)."""
    state = request.app.state
    phone, problem = clean_phone(raw_phone if isinstance(raw_phone, str) else None)
    if problem:
        raise ApiError(422, "invalid_phone", problem, [{"field": "phone", "message": problem}])
    reference, problem = normalize(request.path_params["reference"])
    if problem:
        await state.lookup_throttle.add(client)
        raise ApiError(422, "invalid_reference", problem,
                       [{"field": "reference", "message": problem}])
    assert phone is not None and reference is not None  # no problem: both were cleaned
    # Guessing the phone for one reference is limited apart from the client's other lookups.
    this = state.vault.digest("lookup", client, reference)
    await state.lookup_ref_throttle.check(this)
    app = await applications.find(reference, phone, state.vault)
    if app is None:
        await state.lookup_throttle.add(client)
        await state.lookup_ref_throttle.add(this)
        raise ApiError(404, "application_not_found",
                       "没有找到这份申请。请核对申请编号和手机号（要用申请时填的手机号）。")
    return app


async def lookup(request: Request) -> Response:
    client = await _client(request)
    app = await _applicant(request, client, request.query_params.get("phone"))
    return JSON(await applications.status(app, request.app.state.catalog))


async def received(request: Request) -> Response:
    """到账了吗: POST /api/applications/{reference}/received with phone and received."""
    client = await _client(request)
    req = bodies.decode(bodies.ReceivedRequest, decode_object(await json_bytes(request)))
    app = await _applicant(request, client, req.phone)
    app = await applications.answer_received(app, req.received)
    return JSON(await applications.status(app, request.app.state.catalog))


async def add_document(request: Request) -> Response:
    """POST /api/applications/{reference}/documents: a photo of one checklist item, as
    multipart ``file``, ``document`` and ``phone``; the phone is checked as for a lookup."""
    state = request.app.state
    key = request.headers.get("idempotency-key")
    if key is not None and not IDEMPOTENCY_KEY.match(key):
        raise ApiError(400, "invalid_idempotency_key", "上传编号不对，请刷新页面后重新上传。",
                       [{"field": "Idempotency-Key",
                         "message": "应该是16到64位的字母、数字、-或_。"}])
    client = await _client(request)  # before reading a byte of the photo
    limit = state.settings.max_upload_bytes
    form = await multipart(request, limit)
    try:
        app = await _applicant(request, client, form.get("phone"))
        document, upload = form.get("document"), form.get("file")
        if not isinstance(upload, UploadFile):
            raise ApiError(422, "no_file", "没有收到照片，请再拍一次。",
                           [{"field": "file", "message": "请拍一张照片。"}])
        if not isinstance(document, str) or not document:
            raise ApiError(422, "unknown_document", "请从材料清单里选要拍的那一项。",
                           [{"field": "document", "message": "应该是材料清单里的一项。"}])
        raw = await upload.read(limit + 1)
        if len(raw) > limit:
            raise ApiError(413, "body_too_large", documents.too_big(limit))
        program = state.catalog.by_slug.get(app.program)
        if program is None:
            raise ApiError(422, "unknown_document", "材料清单里没有这一项。",
                           [{"field": "document", "message": "应该是材料清单里的一项。"}])
        added = await documents.add(app, program, document, raw, key, state.vault)
    finally:
        await form.close()
    body = {"reference": app.reference, "document": added.photo.document,
            "document_name": documents.photo_item(program, added.photo.document),
            "photo": documents.photo_json({"id": added.photo.id, "document": added.photo.document,
                                           "size": added.photo.size, "width": added.photo.width,
                                           "height": added.photo.height,
                                           "created_at": added.photo.created_at}),
            "checklist": await documents.checklist(app, program)}
    if added.replayed:
        return JSON(body, 201, headers={"Idempotent-Replayed": "true"})
    return JSON(body, 201)


async def multipart(request: Request, limit: int) -> FormData:
    """The request's multipart form: one file and a few short fields (415 for any other
    content type, 400 for a broken form)."""
    ctype = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if ctype != "multipart/form-data":
        raise ApiError(415, "unsupported_media_type",
                       "请用表单上传照片（Content-Type: multipart/form-data）。")
    try:
        return await request.form(max_files=1, max_fields=4, max_part_size=4096)
    except MultiPartException:
        raise ApiError(400, "invalid_form", "上传的内容不完整，请再试一次。") from None
