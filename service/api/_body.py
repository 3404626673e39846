"""Reading a JSON request body: the content type, the size (see the app's body limit), JSON."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request

from ..errors import ApiError

_DECODER = msgspec.json.Decoder()


async def json_bytes(request: Request) -> bytes:
    """The raw body of a JSON request (415 for any other content type)."""
    ctype = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if ctype != "application/json":
        raise ApiError(415, "unsupported_media_type",
                       "请用 JSON 格式提交（Content-Type: application/json）。")
    return await request.body()


def decode_object(raw: bytes) -> dict[str, Any]:
    """A JSON object from raw bytes: 400 for broken JSON, 422 for anything but an object."""
    try:
        data = _DECODER.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError):  # broken JSON, or not UTF-8
        raise ApiError(400, "invalid_json", "提交的内容不是有效的 JSON。") from None
    except RecursionError:  # thousands of nested brackets: nobody's form looks like that
        raise ApiError(400, "invalid_json", "提交的内容嵌套太深，不是有效的表单。") from None
    if not isinstance(data, dict):
        raise ApiError(422, "invalid_body", "提交的内容应该是一个 JSON 对象。",
                       [{"field": "(body)", "message": "应该是一个 JSON 对象。"}])
    return data
