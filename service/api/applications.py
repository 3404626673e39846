"""Applications over HTTP: POST /api/applications and GET /api/applications/{reference}?phone=…

The work is service/applications.py; here: the Idempotency-Key header, the load-test
marker, the per-client limits, and the status codes.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import replace

from starlette.requests import Request
from starlette.responses import Response

from .. import applications, bodies, campaigns, clock
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
    sent = await applications.submit(form, key, state.vault, state.catalog)
    body = applications.receipt(sent.app, sent.program)
    if sent.replayed:
        return JSON(body, 201, headers={"Idempotent-Replayed": "true"})
    return JSON(body, 201, headers={"Location": f"/api/applications/{sent.app.reference}"})


async def _applicants(request: Request, raw_phone: str | None) -> Application:
    """The application at this reference, for the phone it was sent with; the status
    lookup's checks and throttles (a wrong phone counts as a failed lookup, whichever
    operation it came with)."""
    state = request.app.state
    client = client_of(request, state.vault)
    await state.lookup_throttle.check(client)
    phone, problem = clean_phone(raw_phone)
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
    app = await _applicants(request, request.query_params.get("phone"))
    return JSON(await applications.status(app, request.app.state.catalog))


async def received(request: Request) -> Response:
    """到账了吗: POST /api/applications/{reference}/received with phone and received."""
    req = bodies.decode(bodies.ReceivedRequest, decode_object(await json_bytes(request)))
    app = await _applicants(request, req.phone)
    app = await applications.answer_received(app, req.received)
    return JSON(await applications.status(app, request.app.state.catalog))
