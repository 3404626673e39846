"""Made-up people for tests: self-check personas, and applicants with valid 身份证号 computed
here, independently of the service."""

from __future__ import annotations

import random
import uuid

import httpx2

from service.facts import FACTS_BY_ID

_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def with_check(first17: str) -> str:
    """A 身份证号 with its right check character (GB 11643)."""
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, _W, strict=True)) % 11]


def make_id(born: str | None = None, serial: int | None = None, region: str = "370481") -> str:
    """A valid 身份证号, random unless ``born`` (and ``serial``) are given."""
    if born is None:
        born = f"{random.randint(1960, 2004)}{random.randint(1, 12):02d}{random.randint(1, 28):02d}"
    serial = random.randint(0, 999) if serial is None else serial
    return with_check(f"{region}{born}{serial:03d}")


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


# The `people` fixture's admin signs in with this second factor.
ADMIN_TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


async def code_for(username: str) -> str:
    """The admin's authenticator code for now; "" for the others. Each code works once, so
    the account's last used step is set back first (tests sign in many times a minute)."""
    if username != "admin":
        return ""
    import pyotp

    from service import clock
    from service.models import Staff

    await Staff.filter(username=username).update(totp_step=0)
    return pyotp.TOTP(ADMIN_TOTP).at(clock.now())


async def call_raw(app, receive, path: str = "/api/applications",
                   headers: tuple[tuple[bytes, bytes], ...] = ()) -> list[dict]:
    """A POST straight into the ASGI app, the body supplied by ``receive`` as a phone on a
    weak signal would send it (or not); returns the messages the app sent back."""
    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    await app({"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
               "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
               "query_string": b"", "root_path": "",
               "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"),
                           *headers],
               "client": ("10.0.0.1", 1000), "server": ("testserver", 80), "state": {}},
              receive, send)
    return sent


async def signed_in(app, username: str) -> tuple[httpx2.AsyncClient, dict[str, str]]:
    c = new_client(app)
    r = await c.post("/api/staff/login", json={"username": username, "password": PASSWORD,
                                               "totp": await code_for(username)})
    assert r.status_code == 200, r.text
    return c, {"X-CSRF-Token": r.json()["csrf_token"]}


def persona(rng: random.Random, year: int = 2026) -> dict:
    """A random but coherent person (or employer), every fact known."""
    employer = rng.random() < 0.1
    groups = [o.value for o in FACTS_BY_ID["groups"].options if rng.random() < 0.15]
    student = "student" in groups
    status = "student" if student else rng.choice(
        ["employed", "platform", "flexible", "self_employed", "business_owner", "unemployed",
         "unemployed"])
    return {
        "is_employer": employer,
        "residence": rng.choice(["hukou", "hukou", "hukou", "resident", "outside"]),
        "work_status": status,
        "age": rng.randint(16, 64),
        "groups": groups,
        "graduation_year": rng.randint(2010, year + 2),
        "starting_business": rng.random() < 0.25,
        "ui_years": rng.choice([0, 0, 1, 3, 6, 12]),
        "job_loss_involuntary": rng.random() < 0.5,
        "unemployment_registered": rng.random() < 0.3,
        "skill_certificate": rng.choice(["none", "none", "level5", "level4", "level3", "level2"]),
        "work_problems": [x for x in ("wages_owed", "dispute", "discrimination")
                          if rng.random() < 0.1],
        "gender": rng.choice(["female", "male"]),
        "employer_sme": rng.random() < 0.7,
    }
