"""Command line: ``python -m service <command>``. Run with ``--help`` for the list."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TypeVar

from .config import ConfigError, Settings

if TYPE_CHECKING:  # the commands import what they use when run: `--help` stays quick
    import datetime as dt
    from collections.abc import Awaitable, Callable

    from .models import Staff

T = TypeVar("T")


def cmd_check_content(args: argparse.Namespace, settings: Settings) -> int:
    from .catalog import load_catalog
    from .contentcheck import due_for_reverification, run

    problems = run(settings.content_dir)
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        print(f"check-content: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    catalog = load_catalog(settings.content_dir)
    due = due_for_reverification(catalog)
    for line in due:
        print(f"due for re-verification: {line}")
    print(f"check-content: {len(catalog.programs)} guides OK"
          + (f"; {len(due)} item(s) last checked more than a year ago" if due else ""))
    return 0


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    """Walk the self-check as a person would: their answers in, every result and reason out."""
    import json

    from . import clock, selfcheck
    from .catalog import load_catalog
    from .facts import validate_answers

    catalog = load_catalog(settings.content_dir)
    on, problem = clock.read_day(args.date or "")
    if problem:
        print(f"check: --date: {problem}", file=sys.stderr)
        return 2
    on = on or clock.today()
    try:
        raw = json.loads(args.answers)
    except json.JSONDecodeError as e:
        print(f"check: --answers is not JSON: {e}", file=sys.stderr)
        return 2
    answers, errors = validate_answers(raw, on.year)
    if errors or (args.program and args.program not in catalog.by_slug):
        for err in errors:
            print(f"check: {err['field']}: {err['message']}", file=sys.stderr)
        if args.program and args.program not in catalog.by_slug:
            print(f"check: no program “{args.program}”", file=sys.stderr)
        return 2
    data = json.loads(selfcheck.check(catalog, answers, on, focus=args.program).raw)
    marks = {True: "✔", False: "✘", None: "？"}
    zh = {"eligible": "符合", "maybe": "可能符合", "ineligible": "不符合"}
    for r in data["results"]:
        if args.program and r["slug"] != args.program and not args.all:
            continue
        print(f"【{zh[r['status']]}】{r['title']} ({r['slug']})")
        for x in r["reasons"]:
            basis = f"（依据：{x['basis']}）" if x["basis"] else ""
            print(f"   {marks[x['met']]} {x['text']}{basis}")
        if r["gets"]:
            note = f"（{r['gets']['note']}）" if r["gets"].get("note") else ""
            label = "这项政策给的是" if r["status"] == "ineligible" else "能得到"
            print(f"   {label}：{r['gets']['text']}{note}")
        for n in r.get("notes", []):
            print(f"   另外：{n}")
    q = data["next_question"]
    print(f"下一个问题：{q['text'] if q else '（没有了）'}（按{on.isoformat()}算）")
    return 0


def cmd_build_pages(args: argparse.Namespace, settings: Settings) -> int:
    from .catalog import CatalogError, load_catalog
    from .pages import build_pages

    try:
        catalog = load_catalog(settings.content_dir)
    except CatalogError as e:
        for line in e.problems:
            print(line, file=sys.stderr)
        return 1
    written = build_pages(catalog, settings.content_dir, settings.public_base_url,
                          settings.retention_days)
    print(f"build-pages: wrote {len(written)} files")
    _warn_public_url("build-pages", settings, "每页指南上的二维码",
                     "给群众用的网站，要设好以后再 make site。")
    return 0


def cmd_precompress(args: argparse.Namespace, settings: Settings) -> int:
    from .static import precompress

    files, raw, packed = precompress(settings.site_dir)
    print(f"precompress: {files} files, {raw // 1024} KB -> {packed // 1024} KB gzip")
    return 0


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from .db import migrate

    migrate(settings)
    return 0


def cmd_new_key(args: argparse.Namespace, settings: Settings) -> int:
    from .pii import new_key

    print(new_key())
    return 0


def cmd_rotate_keys(args: argparse.Namespace, settings: Settings) -> int:
    from .db import rotate_keys
    from .pii import Vault

    rotated, unreadable = _with_db(settings, lambda: rotate_keys(Vault.from_settings(settings)))
    print(f"rotate-keys: re-encrypted {rotated} sealed item(s) (applications, photos of "
          "documents, second factors) under the newest key")
    if unreadable:
        print(f"rotate-keys: {unreadable} sealed item(s) fit none of DATA_KEYS; "
              "put the old key back at the end of DATA_KEYS and run again", file=sys.stderr)
        return 1
    return 0


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, round(n / 1024))} KB"


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from .backup import BackupError, backup

    try:
        made = backup(settings, Path(args.out))
    except BackupError as e:
        print(f"backup: {e}", file=sys.stderr)
        return 1
    print(f"backup: wrote {made.file} ({_size(made.size)}, {made.applications} application(s), "
          f"migrations up to {made.migration})")
    print("backup: the keys are not in it: keep DATA_KEYS and LOOKUP_KEY apart from the "
          "backups, or it cannot be read", file=sys.stderr)
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from .backup import BackupError, restore

    try:
        put = restore(settings, Path(args.file))
    except BackupError as e:
        print(f"restore: {e}", file=sys.stderr)
        return 1
    print(f"restore: {put.applications} application(s) restored from {put.file} "
          f"(migrations up to {put.migration})")
    print("restore: now run `python -m service migrate`, and serve with the DATA_KEYS and "
          "LOOKUP_KEY the backup was made under", file=sys.stderr)
    return 0


def _with_db(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work()`` (a coroutine function) with the ORM connected, then disconnect."""
    import asyncio

    from tortoise import Tortoise

    async def run() -> T:
        await Tortoise.init(config=settings.tortoise_config())
        try:
            return await work()
        finally:
            await Tortoise.close_connections()

    return asyncio.run(run())


def _print_second_factor(username: str, uri: str, codes: list[str]) -> None:
    print(f"  second factor for {username}: add this to an authenticator app (scan it as a QR "
          "code, or type the secret in it):")
    print(f"  {uri}")
    print("  recovery codes (each works once, instead of a code; keep them apart from the "
          "phone):")
    print("  " + "  ".join(codes))


def _ask_password(username: str, tries: int = 3) -> str | None:
    """The new account's password, typed twice without echo: the rules first, a typed
    password that breaks one is said why and asked again; None when the two differ or no
    try was good (nothing is made then)."""
    import getpass

    from .staff import PASSWORD_RULES, password_problem

    print(f"create-staff: 请给 {username} 设密码。{PASSWORD_RULES}", file=sys.stderr)
    for _ in range(tries):
        password = getpass.getpass("密码（输入时不显示）：")
        problem = password_problem(password, username.strip().lower())
        if problem:
            print(f"create-staff: {problem}请再输一个。", file=sys.stderr)
            continue
        if getpass.getpass("再输一遍密码：") != password:
            print("create-staff: 两次输入的密码不一样，账号没有开通。请重新运行这个命令。",
                  file=sys.stderr)
            return None
        return password
    print("create-staff: 密码不合要求，账号没有开通。", file=sys.stderr)
    return None


def cmd_create_staff(args: argparse.Namespace, settings: Settings) -> int:
    from .pii import Vault
    from .staff import AccountError, open_account

    password = args.password or _ask_password(args.username)
    if not password:
        return 1

    async def work() -> tuple[Staff, tuple[str, list[str]] | None]:
        return await open_account("cli", args.username, password, args.role,
                                  args.district or "", Vault.from_settings(settings))

    try:
        made, factor = _with_db(settings, work)
    except AccountError as e:
        print(f"create-staff: {e}", file=sys.stderr)
        return 1
    where = f", district {made.district}" if made.district else ""
    print(f"create-staff: {made.username} ({made.role}{where}) created")
    if factor:
        _print_second_factor(made.username, *factor)
    return 0


def cmd_set_up_totp(args: argparse.Namespace, settings: Settings) -> int:
    """A new second factor for an account (the first administrator's, or after a lost
    phone): the old one stops working at once."""
    from .pii import Vault
    from .staff import reset_second_factor

    factor = _with_db(settings, lambda: reset_second_factor(args.username,
                                                            Vault.from_settings(settings)))
    if factor is None:
        print(f"set-up-totp: no account {args.username!r}", file=sys.stderr)
        return 1
    print(f"set-up-totp: {args.username}: the old second factor no longer works")
    _print_second_factor(args.username, *factor)
    return 0


def parse_age(text: str) -> dt.timedelta:
    """'730d', '24m' (30-day months) or '2y' (365-day years)."""
    import datetime as dt
    import re

    m = re.fullmatch(r"(\d+)\s*([dmy])", text.strip().lower())
    if not m:
        raise ValueError(f"--older-than takes e.g. 730d, 24m or 2y, not {text!r}")
    days = int(m.group(1)) * {"d": 1, "m": 30, "y": 365}[m.group(2)]
    return dt.timedelta(days=days)


def cmd_purge(args: argparse.Namespace, settings: Settings) -> int:
    import datetime as dt

    from .review import purge

    try:
        age = parse_age(args.older_than) if args.older_than else dt.timedelta(
            days=settings.retention_days)
    except ValueError as e:
        print(f"purge: {e}", file=sys.stderr)
        return 2
    from . import callbacks

    n = _with_db(settings, lambda: purge(age, "cli"))
    print(f"purge: deleted the personal data of {n} application(s) closed more than "
          f"{age.days} days ago (the rows stay, anonymous, for the figures)")
    calls = _with_db(settings, lambda: callbacks.purge(actor="cli"))
    print(f"purge: deleted the name and phone of {calls} call-back request(s) made more than "
          f"{callbacks.KEEP_DAYS} days ago")
    return 0


def cmd_campaign(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from . import campaigns, clock, qr
    from .catalog import load_catalog
    from .models import Campaign
    from .printables import labels_html, poster_html

    catalog = load_catalog(settings.content_dir)
    base = settings.public_base_url
    if args.action == "list":
        rows = _with_db(settings, lambda: Campaign.all().order_by("-created_at"))
        for c in rows:
            state = "" if c.active else "  (retired)"
            print(f"{c.code}  {campaigns.short_link(base, c.code)}  {c.kind:8} {c.name}{state}")
        _warn_public_url("campaign", settings, "上面这些链接",
                         "设好以后，这些链接和工作台里的海报就会用新网址。")
        return 0
    dates: list[dt.date | None] = []
    for option, typed in (("--starts-on", args.starts_on), ("--ends-on", args.ends_on)):
        day, problem = clock.read_day(typed or "")
        if problem:
            print(f"campaign: {option}: {problem}", file=sys.stderr)
            return 2
        dates.append(day)
    try:
        made = _with_db(settings, lambda: campaigns.create(
            args.name, args.kind, args.target, catalog, district=args.district or "",
            place=args.place or "", starts_on=dates[0], ends_on=dates[1], created_by="cli"))
    except campaigns.CampaignError as e:
        print(f"campaign: {e}", file=sys.stderr)
        return 1
    link = campaigns.short_link(base, made.code)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    files = {
        f"{made.code}.svg": qr.svg(link).encode(),
        f"{made.code}.png": qr.png(link),
        f"{made.code}-poster.html": poster_html(made, base, catalog, True).encode(),
        f"{made.code}-labels.html": labels_html(made, base, catalog, True).encode(),
    }
    for name, data in files.items():
        (out / name).write_bytes(data)
    print(link)
    print(f"campaign: {made.code} created; wrote {', '.join(files)} to {out} "
          "(open the poster in a browser and print it on A4)", file=sys.stderr)
    _warn_public_url("campaign", settings, "刚生成的二维码、海报和标签",
                     "设好以后，在工作台打开这个活动的海报再打印（二维码会换成新网址，不用重新创建活动）。")
    return 0


def _warn_public_url(command: str, settings: Settings, what: str, then: str) -> None:
    """Says, last, when ``what`` (QR codes or links just made) leads nowhere
    (config.public_url_problem), and ``then``: what to do once PUBLIC_BASE_URL is set."""
    problem = settings.public_url_problem
    if problem:
        print(f"{command}: 注意：{what}，群众扫了打不开。{problem}{then}", file=sys.stderr)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from .server import serve

    return serve(settings, host=args.host, port=args.port, workers=args.workers)


def cmd_nginx_site(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from .catalog import load_catalog
    from .deploy import NginxSite

    try:
        text = NginxSite(
            site_dir=Path(args.site_dir) if args.site_dir else settings.site_dir,
            upstreams=args.upstream or ["127.0.0.1:8000"], listen=args.listen,
            server_names=args.server_name or ["_"], access_log=args.access_log,
            hsts=args.hsts, moved=load_catalog(settings.content_dir).moved).render()
    except ValueError as e:
        print(e, file=sys.stderr)
        return 2
    if args.out == "-":
        sys.stdout.write(text)
    else:
        Path(args.out).write_text(text, "utf-8")
        print(f"wrote {args.out}: check it with `nginx -t`, then `nginx -s reload`")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service", description="就业通 Jiuyetong")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="migrate the database, then serve the site and the API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.set_defaults(func=cmd_serve)

    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    p = sub.add_parser("backup", help="copy the database to a file, safe while serving "
                       "(SQLite: online backup; PostgreSQL: pg_dump)")
    p.add_argument("--out", required=True, help="the backup file (written whole or not at all)")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="restore a backup into the empty database DATABASE_URL "
                       "names")
    p.add_argument("file", help="a file written by `backup`")
    p.set_defaults(func=cmd_restore)
    sub.add_parser("new-key", help="print a new data key for DATA_KEYS").set_defaults(
        func=cmd_new_key)
    sub.add_parser("rotate-keys", help="re-encrypt personal data under the first of DATA_KEYS"
                   ).set_defaults(func=cmd_rotate_keys)
    p = sub.add_parser("create-staff", help="create a staff account")
    p.add_argument("--username", required=True)
    p.add_argument("--password", help="asked for twice when left out (keeps it out of shell "
                   "history); at least 12 characters of three kinds, 6 different, without the "
                   "username or a common password")
    p.add_argument("--role", required=True, choices=["admin", "reviewer", "viewer"])
    p.add_argument("--district", help="a reviewer's district, e.g. tengzhou")
    p.set_defaults(func=cmd_create_staff)
    p = sub.add_parser("set-up-totp", help="a new second factor (TOTP) for a staff account")
    p.add_argument("--username", required=True)
    p.set_defaults(func=cmd_set_up_totp)
    p = sub.add_parser("purge", help="delete personal data of applications closed long ago, "
                       "and of call-back requests after 30 days")
    p.add_argument("--older-than", help="e.g. 730d, 24m or 2y (default: RETENTION_DAYS)")
    p.set_defaults(func=cmd_purge)
    p = sub.add_parser("campaign", help="QR campaigns: create (with QR, poster, labels) or list")
    p.add_argument("action", choices=["create", "list"])
    p.add_argument("--name", help="e.g. 2027春风行动·滕州专场")
    p.add_argument("--kind", choices=["job_fair", "village", "office", "online"])
    p.add_argument("--district")
    p.add_argument("--place")
    p.add_argument("--starts-on", help="the first day, e.g. 2027-03-01 (or 2027/3/1, 2027年3月1日)")
    p.add_argument("--ends-on", help="the last day; none: an open-ended campaign (长期)")
    p.add_argument("--target", default="/check/",
                   help="the page the code opens: /, /check/ or /guides/<slug>/")
    p.add_argument("--out", default="out/campaigns", help="where to write the QR and poster")
    p.set_defaults(func=cmd_campaign)
    p = sub.add_parser("nginx-site", help="render deploy/nginx/jiuyetong.conf.in for this "
                       "build (again after every `make site`: the CSP names its inline scripts)")
    p.add_argument("--out", default="-", help="the file to write (default: standard output)")
    p.add_argument("--upstream", action="append",
                   help="a worker address, host:port (repeatable; default 127.0.0.1:8000)")
    p.add_argument("--listen", default="80", help='e.g. 80, or "443 ssl" with --hsts')
    p.add_argument("--server-name", action="append", help="e.g. jy.example.gov.cn")
    p.add_argument("--site-dir", help="the built site (default: SITE_DIR)")
    p.add_argument("--access-log", default="/var/log/nginx/jiuyetong.log")
    p.add_argument("--hsts", action="store_true", help="send Strict-Transport-Security")
    p.set_defaults(func=cmd_nginx_site)
    sub.add_parser("precompress", help="write .gz beside the built site's files").set_defaults(
        func=cmd_precompress)
    p = sub.add_parser("check", help="run the self-check for some answers and print every "
                       "result with its reasons (e.g. --answers '{\"age\": 48}')")
    p.add_argument("--answers", required=True, help="the answers, as a JSON object")
    p.add_argument("--date", help="as of this day (YYYY-MM-DD; default today)")
    p.add_argument("--program", help="only this program (the guide a person came from)")
    p.add_argument("--all", action="store_true", help="with --program: every program anyway")
    p.set_defaults(func=cmd_check)
    sub.add_parser("check-content", help="check every guide").set_defaults(
        func=cmd_check_content)
    sub.add_parser("build-pages", help="write the pages derived from the catalog").set_defaults(
        func=cmd_build_pages)

    args = parser.parse_args(argv)
    if getattr(args, "action", None) == "create" and not (args.name and args.kind):
        parser.error("campaign create needs --name and --kind")
    try:
        settings = Settings.from_env().validate()
        code: int = args.func(args, settings)
        return code
    except ConfigError as e:
        print(f"configuration error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
