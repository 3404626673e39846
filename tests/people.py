"""Made-up applicants for tests: valid 身份证号 computed here, independently of the service."""

from __future__ import annotations

import random
import uuid

import httpx2

_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def make_id(born: str | None = None, region: str = "370481") -> str:
    """A valid 身份证号 (GB 11643 check character), random unless ``born`` is given."""
    if born is None:
        born = f"{random.randint(1960, 2004)}{random.randint(1, 12):02d}{random.randint(1, 28):02d}"
    first = f"{region}{born}{random.randint(0, 999):03d}"
    return first + "10X98765432"[sum(int(c) * w for c, w in zip(first, _W)) % 11]


def form(**over) -> dict:
    """An application body; ``field=None`` leaves a field out."""
    body = {"program": "startup-guarantee-loan", "name": "张三", "id_number": make_id(),
            "phone": "13800138000", "district": "tengzhou", "consent": True,
            "answers": {"age": 30, "residence": "hukou"}}
    body.update(over)
    return {k: v for k, v in body.items() if v is not None}


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


# Staff accounts made by the `people` fixture (conftest.py) all use this password.
PASSWORD = "Zz-review-2027!"


def new_client(app, ip: str = "127.0.0.1") -> httpx2.AsyncClient:
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app, client=(ip, 1000)),
                              base_url="http://testserver")


async def signed_in(app, username: str) -> tuple[httpx2.AsyncClient, dict[str, str]]:
    c = new_client(app)
    r = await c.post("/api/staff/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return c, {"X-CSRF-Token": r.json()["csrf_token"]}
