"""Where texts go: one adapter per SMS provider, chosen by SMS_PROVIDER (service/config.py).

- ``log`` (the default): writes the text to the service log with the phone masked
  (138****8000). Nothing leaves the machine; staff can see what would have been sent.
- ``tencent``: Tencent Cloud SMS, the SendSms action of API 3.0 (version 2021-01-11), signed
  with TC3-HMAC-SHA256, over plain HTTPS (httpx2) to SMS_ENDPOINT. The text is the bureau's
  approved template (SMS_TEMPLATE_ID) filled with four values, under its approved signature
  (SMS_SIGN); the README says what to apply for.

An adapter raises ``SmsError`` when the text was not accepted; ``permanent`` when sending it
again cannot help (a number the provider refuses), so the outbox gives up at once instead of
retrying. Its reason is the provider's error code, never its message (which may quote the
phone number).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx2

from .identity import mask_phone

log = logging.getLogger("service.sms")


class SmsError(Exception):
    def __init__(self, reason: str, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason[:200]
        self.permanent = permanent


@dataclass(frozen=True)
class Text:
    """One text to send: to whom, what (the whole text, and the template's values), and the
    outbox row's key (the provider echoes it back with delivery reports)."""

    phone: str  # 11 digits, mainland China
    text: str
    params: list[str]
    key: str


class Provider(Protocol):
    name: str

    async def send(self, text: Text) -> str:
        """Hand the text to the provider; returns its reference for it."""

    async def close(self) -> None: ...


class LogProvider:
    name = "log"

    async def send(self, text: Text) -> str:
        log.info("sms to %s [%s]: %s", mask_phone(text.phone), text.key, text.text)
        return f"log:{text.key}"

    async def close(self) -> None:
        return None


# Codes for which another try cannot succeed: the number itself is refused.
PERMANENT = frozenset({
    "InvalidParameterValue.IncorrectPhoneNumber",
    "FailedOperation.PhoneNumberInBlacklist",
    "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber",
    "FailedOperation.PhoneNumberParseFail",
})


def tc3_headers(*, secret_id: str, secret_key: str, host: str, service: str, action: str,
                version: str, region: str, body: bytes, timestamp: int) -> dict[str, str]:
    """The headers of a signed Tencent Cloud API 3.0 POST (TC3-HMAC-SHA256): the canonical
    request over content-type, host and x-tc-action, the string to sign with the date's
    credential scope, and the key derived from the secret through date, service and
    ``tc3_request``."""
    content_type = "application/json; charset=utf-8"
    day = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
    signed = "content-type;host;x-tc-action"
    canonical = "\n".join([
        "POST", "/", "",
        f"content-type:{content_type}\nhost:{host}\nx-tc-action:{action.lower()}\n",
        signed, hashlib.sha256(body).hexdigest()])
    scope = f"{day}/{service}/tc3_request"
    to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])

    def _h(key: bytes, msg: str) -> bytes:
        return hmac.digest(key, msg.encode(), "sha256")

    signing = _h(_h(_h(("TC3" + secret_key).encode(), day), service), "tc3_request")
    signature = hmac.new(signing, to_sign.encode(), "sha256").hexdigest()
    return {
        "Authorization": (f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
                          f"SignedHeaders={signed}, Signature={signature}"),
        "Content-Type": content_type,
        "Host": host,
        "X-TC-Action": action,
        "X-TC-Timestamp": str(timestamp),
        "X-TC-Version": version,
        "X-TC-Region": region,
    }


class TencentProvider:
    """Tencent Cloud SMS, SendSms (API 3.0, 2021-01-11)."""

    name = "tencent"
    VERSION = "2021-01-11"
    ACTION = "SendSms"

    def __init__(self, settings: Any, transport: httpx2.AsyncBaseTransport | None = None,
                 timeout: float = 10.0) -> None:
        self.endpoint = settings.sms_endpoint.rstrip("/") + "/"
        self.host = urlsplit(self.endpoint).netloc
        self.settings = settings
        self.client = httpx2.AsyncClient(timeout=timeout, transport=transport,
                                         follow_redirects=False)

    def request(self, text: Text, timestamp: int) -> tuple[bytes, dict[str, str]]:
        """The body and headers of the SendSms request for ``text``."""
        s = self.settings
        body = json.dumps({
            "PhoneNumberSet": ["+86" + text.phone],
            "SmsSdkAppId": s.sms_app_id,
            "SignName": s.sms_sign,
            "TemplateId": s.sms_template_id,
            "TemplateParamSet": text.params,
            "SessionContext": text.key,
        }, ensure_ascii=False, separators=(",", ":")).encode()
        return body, tc3_headers(
            secret_id=s.sms_secret_id, secret_key=s.sms_secret_key, host=self.host,
            service="sms", action=self.ACTION, version=self.VERSION, region=s.sms_region,
            body=body, timestamp=timestamp)

    async def send(self, text: Text) -> str:
        from . import clock

        body, headers = self.request(text, int(clock.now().timestamp()))
        try:
            r = await self.client.post(self.endpoint, content=body, headers=headers)
        except httpx2.HTTPError as e:
            raise SmsError(f"network: {type(e).__name__}") from None
        if r.status_code != 200:
            raise SmsError(f"HTTP {r.status_code}")
        try:
            answer = r.json()["Response"]
            if "Error" in answer:
                code = str(answer["Error"].get("Code", "unknown"))
                raise SmsError(code, permanent=code in PERMANENT)
            [status] = answer["SendStatusSet"]
            code = str(status.get("Code", ""))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise SmsError("unreadable answer") from None
        if code != "Ok":
            raise SmsError(code or "no code", permanent=code in PERMANENT)
        return str(status.get("SerialNo", ""))[:64]

    async def close(self) -> None:
        await self.client.aclose()


def from_settings(settings: Any) -> Provider:
    if settings.sms_provider == "tencent":
        return TencentProvider(settings)
    return LogProvider()
