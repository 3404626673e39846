"""Settings, read from environment variables with safe defaults for local use.

Every setting is documented in the README's configuration table.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-only-insecure-secret-key-change-me"


class ConfigError(Exception):
    """The configuration is unsafe or invalid; the message says what to set."""


def _bool(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Settings:
    env: str = "development"  # JY_ENV: development | production
    secret_key: str = DEV_SECRET
    database_url: str = f"sqlite://{ROOT / 'data' / 'jiuyetong.sqlite3'}"
    public_base_url: str = "http://127.0.0.1:8000"
    content_dir: Path = ROOT / "content"
    site_dir: Path = ROOT / "build" / "site"
    max_json_body: int = 8 * 1024
    # A photo of a document as sent (MAX_UPLOAD_BYTES): the page shrinks photos to a few
    # hundred KB first, so this only refuses what did not come through the page.
    max_upload_bytes: int = 5 * 1024 * 1024
    log_level: str = "info"
    # Fernet keys for personal data at rest, newest first (DATA_KEYS, comma-separated): the
    # first encrypts, all decrypt, so a new key can be put in front and old rows rotated.
    data_keys: tuple[str, ...] = ()
    # The key for the keyed hashes (HMAC) of phone and ID numbers (LOOKUP_KEY). Unlike the
    # data keys it cannot rotate without losing lookups: keep it as long as the data.
    lookup_key: str = ""
    # How long closed applications keep their personal data (RETENTION_DAYS); the privacy
    # notice (content/privacy.md) states it: change both together.
    retention_days: int = 730
    # Load tests (LOADTEST_KEY): requests carrying ``X-Load-Test: <key>`` are accepted and
    # their applications marked as campaign "loadtest". Unset (always in production), any
    # request carrying the header is refused, so a rehearsal cannot write into real data.
    load_test_key: str = ""
    # Proxies whose X-Forwarded-For is believed (TRUSTED_PROXIES, comma-separated, for
    # uvicorn's forwarded_allow_ips). Throttles count the client address this yields.
    trusted_proxies: str = "127.0.0.1"
    # Redis for rate limits shared by every worker (REDIS_URL); without it each worker
    # counts on its own.
    redis_url: str = ""
    # Applications one client may send per window (SUBMIT_LIMIT, "count/seconds"): generous,
    # because a job fair's Wi-Fi puts hundreds of phones behind one address.
    submit_limit: str = "120/600"
    # Host names requests may carry besides PUBLIC_BASE_URL's and the machine's own
    # (ALLOWED_HOSTS, comma-separated). Checked in production; others get 400.
    allowed_hosts: tuple[str, ...] = ()
    # Open connections and tasks one worker takes before it answers 503 (CONCURRENCY_LIMIT):
    # a flood of slow clients then costs a 503, not the worker.
    concurrency_limit: int = 1000
    # Texts to applicants on each status change, for those who asked (service/sms.py):
    # SMS_PROVIDER "log" writes them to the log with the phone masked; "tencent" sends them
    # through Tencent Cloud SMS (SendSms, API 3.0) with the bureau's approved signature
    # (SMS_SIGN) and template (SMS_TEMPLATE_ID) under SMS_APP_ID, signed with
    # SMS_SECRET_ID/SMS_SECRET_KEY, at SMS_ENDPOINT in SMS_REGION.
    sms_provider: str = "log"
    sms_endpoint: str = "https://sms.tencentcloudapi.com"
    sms_region: str = "ap-guangzhou"
    sms_secret_id: str = ""
    sms_secret_key: str = ""
    sms_app_id: str = ""
    sms_sign: str = ""
    sms_template_id: str = ""
    # Seconds between the sender's passes over the outbox (SMS_INTERVAL), in each worker.
    sms_interval: float = 2.0

    @property
    def hosts(self) -> list[str]:
        """The Host headers production answers: the public address's, the machine's own
        (nginx's default upstream Host, health checks), and ALLOWED_HOSTS."""
        public = urlsplit(self.public_base_url).hostname or ""
        return sorted({public, "127.0.0.1", "localhost", "::1", *self.allowed_hosts} - {""})

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    @property
    def sqlite_file(self) -> str:
        """The SQLite database's path as DATABASE_URL gives it (":memory:" for none); "" on
        PostgreSQL."""
        if not self.is_sqlite:
            return ""
        return self.database_url.split("://", 1)[1].split("?", 1)[0]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        e = os.environ if environ is None else environ
        base = cls()
        s = replace(
            base,
            env=e.get("JY_ENV", base.env).strip().lower(),
            secret_key=e.get("SECRET_KEY", base.secret_key),
            database_url=e.get("DATABASE_URL", base.database_url),
            public_base_url=e.get("PUBLIC_BASE_URL", base.public_base_url).rstrip("/"),
            content_dir=Path(e.get("CONTENT_DIR", base.content_dir)),
            site_dir=Path(e.get("SITE_DIR", base.site_dir)),
            max_json_body=_whole(e, "MAX_JSON_BODY", base.max_json_body),
            max_upload_bytes=_whole(e, "MAX_UPLOAD_BYTES", base.max_upload_bytes),
            log_level=e.get("LOG_LEVEL", base.log_level).lower(),
            data_keys=tuple(k.strip() for k in e.get("DATA_KEYS", "").split(",") if k.strip()),
            lookup_key=e.get("LOOKUP_KEY", "").strip(),
            retention_days=_whole(e, "RETENTION_DAYS", base.retention_days),
            concurrency_limit=_whole(e, "CONCURRENCY_LIMIT", base.concurrency_limit),
            load_test_key=e.get("LOADTEST_KEY", "").strip(),
            trusted_proxies=e.get("TRUSTED_PROXIES", base.trusted_proxies).strip(),
            redis_url=e.get("REDIS_URL", "").strip(),
            allowed_hosts=tuple(h.strip().lower() for h in e.get("ALLOWED_HOSTS", "").split(",")
                                if h.strip()),
            submit_limit=e.get("SUBMIT_LIMIT", base.submit_limit).strip(),
            sms_provider=e.get("SMS_PROVIDER", base.sms_provider).strip().lower(),
            sms_endpoint=e.get("SMS_ENDPOINT", base.sms_endpoint).strip().rstrip("/"),
            sms_region=e.get("SMS_REGION", base.sms_region).strip(),
            sms_secret_id=e.get("SMS_SECRET_ID", "").strip(),
            sms_secret_key=e.get("SMS_SECRET_KEY", "").strip(),
            sms_app_id=e.get("SMS_APP_ID", "").strip(),
            sms_sign=e.get("SMS_SIGN", "").strip(),
            sms_template_id=e.get("SMS_TEMPLATE_ID", "").strip(),
            sms_interval=_seconds(e, "SMS_INTERVAL", base.sms_interval),
        )
        return replace(s, **overrides)

    def validate(self) -> Settings:
        if self.env not in ("development", "production"):
            raise ConfigError(f"JY_ENV must be development or production, not {self.env!r}")
        if self.production:
            if self.secret_key == DEV_SECRET or len(self.secret_key) < 32:
                raise ConfigError(
                    "Refusing to start in production without a real SECRET_KEY "
                    "(at least 32 random characters, e.g. `python -c \"import secrets; "
                    "print(secrets.token_urlsafe(48))\"`)."
                )
            if not self.public_base_url.startswith("https://"):
                raise ConfigError("In production PUBLIC_BASE_URL must be an https:// address.")
            if not self.data_keys or len(self.lookup_key) < 32:
                raise ConfigError(
                    "In production set DATA_KEYS (Fernet keys, newest first: "
                    "`python -m service new-key`) and LOOKUP_KEY (at least 32 random "
                    "characters) for the personal data of applications.")
            if self.load_test_key:
                raise ConfigError("LOADTEST_KEY is for rehearsals on a scratch database; "
                                  "unset it in production.")
        if not re.fullmatch(r"\d+/\d+", self.submit_limit):
            raise ConfigError("SUBMIT_LIMIT is count/seconds, e.g. 120/600")
        from .pii import check_keys

        problem = check_keys(self.data_keys)
        if problem:
            raise ConfigError(problem)
        if self.sms_provider not in ("log", "tencent"):
            raise ConfigError(f"SMS_PROVIDER must be log or tencent, not {self.sms_provider!r}")
        if self.sms_provider == "tencent":
            missing = [name for name, value in (
                ("SMS_SECRET_ID", self.sms_secret_id), ("SMS_SECRET_KEY", self.sms_secret_key),
                ("SMS_APP_ID", self.sms_app_id), ("SMS_SIGN", self.sms_sign),
                ("SMS_TEMPLATE_ID", self.sms_template_id), ("SMS_REGION", self.sms_region))
                if not value]
            if missing:
                raise ConfigError("SMS_PROVIDER=tencent needs " + ", ".join(missing)
                                  + " (the bureau's approved signature and template: README)")
            if not self.sms_endpoint.startswith("https://" if self.production
                                                else ("https://", "http://")):
                raise ConfigError("SMS_ENDPOINT must be an https:// address (http:// only "
                                  "outside production, for a local stand-in)")
        if self.database_url.split("://", 1)[0] not in ("sqlite", "postgres", "postgresql"):
            raise ConfigError("DATABASE_URL must start with sqlite://, postgres:// or postgresql://")
        return self

    def tortoise_config(self, serving: bool = False) -> dict[str, Any]:
        """The ORM's configuration; ``serving``: as the app's workers use it (on
        PostgreSQL, a pool that keeps sessions as they are: ``keep_session``)."""
        return tortoise_config(self.database_url, serving)

    @property
    def public_url_problem(self) -> str:
        return public_url_problem(self.public_base_url)


# Names that only a local network resolves (mDNS, home routers, company DNS).
_LAN_SUFFIXES = (".local", ".lan", ".home", ".internal", ".intranet", ".corp", ".home.arpa")


def public_url_problem(url: str) -> str:
    """Why people's phones could not open a link or QR code made from ``url`` (the
    PUBLIC_BASE_URL), in Chinese with what to set ("" when nothing is wrong with it); each
    caller adds what to do once it is set.

    Posters and labels outlive the machine they were made on: a code printed with
    http://127.0.0.1:8000 leads nowhere for everyone who scans it. Said by the console on
    the campaign pages and on the printable sheets, and by the CLI when it makes QR codes."""
    import ipaddress

    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:  # http://[not-an-address
        parts, host = urlsplit(""), ""
    reason = ""
    if parts.scheme not in ("http", "https") or not host:
        reason = "这不是一个完整的网址（要像 https://jy.example.gov.cn 这样）。"
    else:
        try:
            ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(host)
        except ValueError:
            ip = None
        if host == "localhost" or host.endswith(".localhost") or (
                ip is not None and (ip.is_loopback or ip.is_unspecified)):
            reason = "这是本机地址，只有这台电脑自己打得开，别人的手机扫码打不开。"
        elif ip is not None and not ip.is_global:
            reason = "这是内网地址，用移动网络或别处 Wi-Fi 的手机扫码打不开。"
        elif ip is None and ("." not in host or host.endswith(_LAN_SUFFIXES)):
            reason = "这是内网里的机器名，外面的手机扫码打不开。"
        elif parts.scheme == "http":
            reason = ("这是 http:// 地址：正式上线的服务只用 https://，印出去的 http 地址以后可能"
                      "打不开，微信也会提示“不安全”。")
    if not reason:
        return ""
    return (f"PUBLIC_BASE_URL 现在是 {url}，{reason}"
            "请把 PUBLIC_BASE_URL 设成群众手机能打开的 https:// 网址（比如 "
            "https://jy.example.gov.cn）。")


def _whole(environ: Mapping[str, str], name: str, default: int) -> int:
    """A whole number > 0 from the environment, or a ConfigError naming the variable."""
    text = environ.get(name, "").strip()
    if not text:
        return default
    if not text.isascii() or not text.isdigit() or int(text) == 0:
        raise ConfigError(f"{name} must be a whole number above 0, not {text!r}")
    return int(text)


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    """A number of seconds > 0 from the environment, or a ConfigError naming the variable."""
    text = environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < 86400:
        raise ConfigError(f"{name} must be a number of seconds above 0, not {text!r}")
    return value


def durable(database_url: str) -> str:
    """SQLite with every commit on disk before it is acknowledged: WAL (Tortoise's default)
    with synchronous=FULL, so that a 201 survives a crash or a power cut, not only a killed
    process. An explicit ``synchronous=`` in DATABASE_URL wins."""
    if not database_url.startswith("sqlite:") or "synchronous=" in database_url:
        return database_url
    return database_url + ("&" if "?" in database_url else "?") + "synchronous=FULL"


# Times are stored in UTC on every database (service/clock.py turns them into Beijing time
# for people). On SQLite, where a time is text and compared as text, one zone for every
# row is what makes "since 15 minutes ago" right: with "Asia/Shanghai" Tortoise wrote new
# rows as +08:00 text but compared with, and updated to, UTC text, so a throttle counted
# events up to 8 hours old (migration 0011 rewrites rows stored that way).
DB_TIMEZONE = "UTC"


async def keep_session(connection: Any) -> None:
    """asyncpg's pool calls this before a connection goes back to the pool, in place of its
    default reset, after rolling back any transaction left open (asyncpg does that first,
    whatever is configured here).

    The default then sends ``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
    RESET ALL``: a round trip per query outside a transaction, measured at 9-11% of a
    submission's CPU in the worker (40 µs of 370) and work for the database besides. There
    is nothing for it to undo: the service never sets a session variable (``SET``; ``SET
    LOCAL`` ends with its transaction), listens, keeps a cursor past a transaction or takes
    an advisory lock. Code that ever does must go back to asyncpg's default reset here."""
    return None


def _serving_pool(database_url: str) -> str | dict[str, Any]:
    if database_url.split("://", 1)[0] not in ("postgres", "postgresql"):
        return database_url
    from tortoise.backends.base.config_generator import expand_db_url

    config = expand_db_url(database_url)
    config["credentials"]["reset"] = keep_session  # passed on to asyncpg.create_pool
    return config


def tortoise_config(database_url: str, serving: bool = False) -> dict[str, Any]:
    return {
        "connections": {"default": _serving_pool(durable(database_url)) if serving
                        else durable(database_url)},
        "apps": {
            "models": {
                "models": ["service.models"],
                "migrations": "service.migrations",
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": DB_TIMEZONE,
    }
