"""Call-back requests over HTTP: POST /api/callbacks (anyone), GET /api/staff/callbacks and
POST /api/staff/callbacks/{id}/done (staff who may see personal data).

The work is service/callbacks.py; here: the Idempotency-Key header, the per-client limit
(the service's one limiter, as for applications), the session and CSRF token, the codes.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from .. import bodies, callbacks
from ..bodies import CallbackDone, CallbackRequest
from ..errors import ApiError
from ..responses import JSON
from ..throttle import client_of
from ._body import decode_object, json_bytes
from .applications import IDEMPOTENCY_KEY
from .staff import changing, session_of


async def submit(request: Request) -> Response:
    state = request.app.state
    key = request.headers.get("idempotency-key")
    if key is not None and not IDEMPOTENCY_KEY.match(key):
        raise ApiError(400, "invalid_idempotency_key", "提交编号不对，请刷新页面后重新提交。",
                       [{"field": "Idempotency-Key",
                         "message": "应该是16到64位的字母、数字、-或_。"}])
    await state.callback_limit.hit(client_of(request, state.vault))
    data = decode_object(await json_bytes(request))
    form, errors = callbacks.validate(data, state.catalog)
    if form is None:
        raise bodies.refuse(CallbackRequest, errors)
    sent = await callbacks.submit(form, key, state.vault)
    body = callbacks.receipt(sent.callback, state.catalog, form.phone)
    return JSON(body, 201, headers={"Idempotent-Replayed": "true"} if sent.replayed else None)


async def list_callbacks(request: Request) -> Response:
    session = await session_of(request)
    state = request.app.state
    query = callbacks.parse_query(request.query_params)
    return JSON(await callbacks.listing(session, query, state.catalog, state.vault))


async def done(request: Request) -> Response:
    session = await changing(request)
    req = bodies.decode(CallbackDone, decode_object(await json_bytes(request)))
    row = await callbacks.find(session, request.path_params["id"])
    row = await callbacks.mark_done(session, row, req.note)
    return JSON(callbacks.staff_row(row, request.app.state.catalog, request.app.state.vault))
