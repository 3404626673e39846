"""The Tencent Cloud SMS adapter against a local stand-in of the SendSms API (API 3.0).

The stand-in checks every request as Tencent's server would: the TC3-HMAC-SHA256 signature,
recomputed here from the documented steps (not with the service's code), the timestamp,
action, version and region headers, and the body's fields; then answers as the real API
does, with a SendStatusSet or an Error.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from service import clock
from service.config import ConfigError, Settings
from service.smsproviders import SmsError, TencentProvider, Text

SECRET_ID, SECRET_KEY = "AKIDstandinexample0000000000000000", "standin-secret-key-0000000000000"
PARAMS = ["失业保险金", "审核通过", "K7M-2X9-QPA", "请在就业通查进度，看下一步怎么办。"]
TEXT = Text(phone="13800138000", text="你申请的{}：{}。编号{}。{}".format(*PARAMS),
            params=PARAMS, key="0123456789abcdef0123456789abcdef")


def expected_signature(headers, body: bytes, secret_key: str) -> str:
    """TC3-HMAC-SHA256 as Tencent Cloud's API 3.0 documentation describes it."""
    timestamp = int(headers["X-TC-Timestamp"])
    date = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
    canonical_headers = (f"content-type:{headers['Content-Type']}\n"
                         f"host:{headers['Host']}\n"
                         f"x-tc-action:{headers['X-TC-Action'].lower()}\n")
    canonical_request = ("POST\n/\n\n" + canonical_headers + "\n"
                         + "content-type;host;x-tc-action\n" + hashlib.sha256(body).hexdigest())
    scope = f"{date}/sms/tc3_request"
    string_to_sign = (f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n"
                      + hashlib.sha256(canonical_request.encode()).hexdigest())
    k_date = hmac.new(("TC3" + secret_key).encode(), date.encode(), hashlib.sha256).digest()
    k_service = hmac.new(k_date, b"sms", hashlib.sha256).digest()
    k_signing = hmac.new(k_service, b"tc3_request", hashlib.sha256).digest()
    return hmac.new(k_signing, string_to_sign.encode(), hashlib.sha256).hexdigest()


class StandIn:
    """SendSms on 127.0.0.1. ``answer`` says how the next requests are answered."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.answer = "ok"  # ok | bad_number | http_500

    def handle(self, handler: BaseHTTPRequestHandler) -> tuple[int, dict]:
        body = handler.rfile.read(int(handler.headers["Content-Length"]))
        headers = handler.headers
        self.requests.append({"headers": dict(headers), "body": json.loads(body)})
        auth = headers.get("Authorization", "")
        now = int(clock.now().timestamp())
        if (not auth.startswith(f"TC3-HMAC-SHA256 Credential={SECRET_ID}/")
                or auth.rsplit("Signature=", 1)[-1] != expected_signature(headers, body, SECRET_KEY)
                or "SignedHeaders=content-type;host;x-tc-action," not in auth):
            return 200, {"Response": {"Error": {
                "Code": "AuthFailure.SignatureFailure",
                "Message": "The provided credentials could not be validated."}, "RequestId": "r-1"}}
        if abs(now - int(headers["X-TC-Timestamp"])) > 300:
            return 200, {"Response": {"Error": {"Code": "AuthFailure.SignatureExpire",
                                                "Message": "expired"}, "RequestId": "r-2"}}
        assert (headers["X-TC-Action"], headers["X-TC-Version"]) == ("SendSms", "2021-01-11")
        if self.answer == "http_500":
            return 500, {}
        p = json.loads(body)
        code = "InvalidParameterValue.IncorrectPhoneNumber" if self.answer == "bad_number" else "Ok"
        return 200, {"Response": {"SendStatusSet": [{
            "SerialNo": f"2028:standin-{len(self.requests)}", "PhoneNumber": p["PhoneNumberSet"][0],
            "Fee": 1, "SessionContext": p["SessionContext"], "Code": code,
            "Message": "send success" if code == "Ok" else f"{p['PhoneNumberSet'][0]} is wrong",
            "IsoCode": "CN"}], "RequestId": "r-3"}}


@contextlib.contextmanager
def stand_in():
    api = StandIn()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            status, answer = api.handle(self)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def tencent_settings(endpoint: str, secret_key: str = SECRET_KEY) -> Settings:
    return Settings.from_env({
        "SMS_PROVIDER": "tencent", "SMS_ENDPOINT": endpoint, "SMS_SECRET_ID": SECRET_ID,
        "SMS_SECRET_KEY": secret_key, "SMS_APP_ID": "1400006666", "SMS_SIGN": "枣庄就业通",
        "SMS_TEMPLATE_ID": "2188888", "SMS_REGION": "ap-guangzhou"}).validate()


async def test_a_text_goes_out_as_a_signed_sendsms_request_with_the_approved_template():
    with stand_in() as (api, endpoint):
        provider = TencentProvider(tencent_settings(endpoint))
        try:
            serial = await provider.send(TEXT)
        finally:
            await provider.close()
    assert serial == "2028:standin-1"
    [req] = api.requests
    assert req["body"] == {"PhoneNumberSet": ["+8613800138000"], "SmsSdkAppId": "1400006666",
                           "SignName": "枣庄就业通", "TemplateId": "2188888",
                           "TemplateParamSet": TEXT.params, "SessionContext": TEXT.key}
    assert req["headers"]["X-TC-Region"] == "ap-guangzhou"
    assert req["headers"]["Content-Type"] == "application/json; charset=utf-8"


async def test_a_wrong_secret_is_refused_by_the_provider_and_kept_for_another_try():
    with stand_in() as (api, endpoint):
        provider = TencentProvider(tencent_settings(endpoint, secret_key="not-the-right-one"))
        try:
            with pytest.raises(SmsError) as e:
                await provider.send(TEXT)
        finally:
            await provider.close()
    assert e.value.reason == "AuthFailure.SignatureFailure" and not e.value.permanent


async def test_a_refused_number_is_permanent_and_its_reason_names_no_phone():
    with stand_in() as (api, endpoint):
        api.answer = "bad_number"
        provider = TencentProvider(tencent_settings(endpoint))
        try:
            with pytest.raises(SmsError) as e:
                await provider.send(TEXT)
        finally:
            await provider.close()
    assert e.value.permanent and "13800138000" not in e.value.reason


async def test_a_server_error_or_no_server_is_a_failure_to_try_again():
    with stand_in() as (api, endpoint):
        api.answer = "http_500"
        provider = TencentProvider(tencent_settings(endpoint))
        try:
            with pytest.raises(SmsError) as e:
                await provider.send(TEXT)
        finally:
            await provider.close()
    assert e.value.reason == "HTTP 500" and not e.value.permanent
    gone = TencentProvider(tencent_settings(endpoint), timeout=2)  # the stand-in is down now
    try:
        with pytest.raises(SmsError) as e:
            await gone.send(TEXT)
    finally:
        await gone.close()
    assert e.value.reason.startswith("network:") and not e.value.permanent


async def test_the_outbox_delivers_through_tencent_once_per_status_change(app, client, people):
    from test_sms import PHONE, apply, move

    from service import sms
    from service.models import SmsMessage

    a = await apply(client, notify_sms=True)
    await move(app, a["reference"], "in_review", "approved")
    with stand_in() as (api, endpoint):
        sender = sms.Sender(TencentProvider(tencent_settings(endpoint)), app.state.vault)
        try:
            assert await sender.tick() == 2
            assert await sender.tick() == 0
        finally:
            await sender.provider.close()
    assert [r["body"]["TemplateParamSet"][1] for r in api.requests] == ["正在审核", "审核通过"]
    assert {r["body"]["PhoneNumberSet"][0] for r in api.requests} == {"+86" + PHONE}
    rows = await SmsMessage.all().order_by("id")
    assert [r.provider_ref for r in rows] == ["2028:standin-1", "2028:standin-2"]
    assert [r["body"]["SessionContext"] for r in api.requests] == [r.key for r in rows]


def test_tencent_needs_every_setting_and_names_the_missing_ones():
    with pytest.raises(ConfigError) as e:
        Settings.from_env({"SMS_PROVIDER": "tencent", "SMS_SECRET_ID": "x"}).validate()
    for name in ("SMS_SECRET_KEY", "SMS_APP_ID", "SMS_SIGN", "SMS_TEMPLATE_ID"):
        assert name in str(e.value)
    with pytest.raises(ConfigError):
        Settings.from_env({"SMS_PROVIDER": "aliyun"}).validate()
    with pytest.raises(ConfigError):
        Settings.from_env({"SMS_INTERVAL": "0"}).validate()
