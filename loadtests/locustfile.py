"""Job-fair load test for 就业通 (Locust 2.x).

    locust -f loadtests/locustfile.py --headless -u 60 -r 20 -t 40s --host http://127.0.0.1:8000
    locust -f loadtests/locustfile.py,loadtests/jobfair_shape.py --headless --host URL  # a fair

User classes and weights (50 visitors : 1 reviewer):
- Visitor (weight 50): one person at the fair, from scan to status check. Each run of the
  task is a new person with a new phone, so every page's assets are fetched cold once per
  journey and cached within it: the scripts, stylesheets and eager images the HTML names,
  Material's search worker and index (the theme loads them on every cold page), and what the
  site's service worker keeps when it installs after the first page (/sw.js, the page
  shells, /api/programs), each named "(service worker)". The journey: scan the QR short link,
  /q/{code} on the poster or /q/{code}/{slug} on a guide's label (the redirect is not
  followed: its target is requested as its own entry; where /q/ answers 404 the visitor goes
  to the home page instead) -> the home page and the list of guides when the code lands
  there -> a guide -> the self-check page -> /api/questions -> /api/check, one question at a
  time -> the results -> about 25% of those with an online program apply (5% of them tap
  twice: the same Idempotency-Key must give the same application) -> the status page and
  /api/applications/{reference}.
- Reviewer (weight 1): an admin or reviewer working the "submitted" queue: open one, move it
  to in_review, then approve it or ask for documents or reject it. A 409 (someone else moved
  it first) is expected and counts as a success under its own name. Runs only when
  LOADTEST_STAFF_USER and LOADTEST_STAFF_PASSWORD are set.

Environment:
  LOADTEST_CAMPAIGN         the fair's campaign code (default "rehearsal", which no campaign
                            has: the scans then land on the home page)
  LOADTEST_KEY              sent as X-Load-Test on applications; the server must have the same
                            LOADTEST_KEY. Unset: visitors do not apply (nothing is written).
  LOADTEST_STAFF_USER, LOADTEST_STAFF_PASSWORD   the reviewers' account, or several
                            separated by commas (same password), taken in turn: an account
                            keeps at most 5 sessions, so a large crowd's reviewers need more
                            than one (each locust worker process starts at its own index,
                            LOADTEST_GENERATOR of LOADTEST_GENERATORS)
  LOADTEST_THINK            think-time factor (default 1 = people at a fair; 0.1 = ten times
                            faster, for short smoke runs)
  LOADTEST_MAX_FAILURE_RATIO (default 0.01), LOADTEST_MAX_P95_MS (default 300): on exit,
                            code 1 when the total failure ratio or the aggregated p95 exceeds
                            them (or the locustfile raised), else 0.

Standalone on purpose: nothing from service/ is imported (locust monkey-patches with gevent).
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
import random
import re
import secrets
import time
from urllib.parse import parse_qs, urljoin, urlsplit

import gevent
from locust import FastHttpUser, between, events, task
from locust.exception import StopUser
from locust.runners import WorkerRunner

CAMPAIGN = os.environ.get("LOADTEST_CAMPAIGN", "rehearsal")
LOADTEST_KEY = os.environ.get("LOADTEST_KEY", "")
STAFF_USERS = [u for u in os.environ.get("LOADTEST_STAFF_USER", "").split(",") if u]
STAFF_USER = STAFF_USERS[0] if STAFF_USERS else ""
STAFF_PASSWORD = os.environ.get("LOADTEST_STAFF_PASSWORD", "")
THINK = float(os.environ.get("LOADTEST_THINK", "1"))
MAX_FAILURE_RATIO = float(os.environ.get("LOADTEST_MAX_FAILURE_RATIO", "0.01"))
MAX_P95_MS = float(os.environ.get("LOADTEST_MAX_P95_MS", "300"))

LABEL_SHARE = 0.4  # scans of a guide's label on the campaign's sheet, not of the poster
LABEL_SLUGS = ("startup-guarantee-loan", "subsidized-skills-training", "unemployment-insurance",
               "gig-market", "unpaid-wages", "graduate-internship", "skills-upgrade-subsidy")
APPLY_SHARE = 0.25
RETRY_SHARE = 0.05
DISTRICTS = ("shizhong", "xuecheng", "yicheng", "taierzhuang", "shanting", "tengzhou", "gaoxin")
REGIONS = ("370402", "370403", "370404", "370405", "370406", "370481")  # Zaozhuang's 身份证 codes
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡杜"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红梅鹏飞宇浩然欣怡子涵"
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)

# What a cold page load fetches: scripts, stylesheets, icons and eager images named in the
# HTML (not lazy images nor data-src, loaded on demand; not links to other pages), plus
# Material's search worker and its index, named in the page's __config script.
TAG = re.compile(r"<(?:script|img|link)\b[^>]*>")
EAGER_URL = re.compile(r'\s(?:src|href)="(?!https?:|//|data:)([^"#]+)"')
MATERIAL_CONFIG = re.compile(r'"base": "([^"]*)".*?"search": "([^"]+)"')
# What the site's service worker (/sw.js, registered by every page in a secure context, as on
# the real site) keeps for offline use when it installs: page shells, and data.
SW_LIST = re.compile(r"var (SHELLS|DATA) = \[([^\]]*)\]")
HASHED = re.compile(r"\.[0-9a-f]{8}\.")
GUIDE_LINK = re.compile(r'href="([a-z0-9]+(?:-[a-z0-9]+)*)/"')  # on /guides/
GUIDE_PATH = re.compile(r"/guides/([a-z0-9-]+)/")

log = logging.getLogger("jobfair")


def think(low: float, high: float) -> None:
    """A person reading or typing (gevent-friendly: locust patches time.sleep)."""
    time.sleep(random.uniform(low, high) * THINK)


def pick_answer(q: dict, answers: dict, year: int):
    """A random but plausible answer to one /api/check question."""
    kind, qid = q["type"], q["id"]
    if kind == "bool":
        return random.random() < (0.1 if qid == "is_employer" else 0.5)
    if kind == "enum":
        values = [o["value"] for o in q["options"]]
        if qid == "residence" and len(values) == 3:  # hukou, resident, outside
            return random.choices(values, weights=[70, 25, 5])[0]
        return random.choice(values)
    if kind == "multi":
        values = [o["value"] for o in q["options"]]
        return random.sample(values, random.choice([0, 0, 1, 1, 1, 2]))
    low, high = q["min"], q["max"]
    age = answers.get("age", random.randint(18, 60))
    if qid == "age":
        value = age
    elif kind == "year":  # e.g. the graduation year: finished school at 18 to 24
        value = year - age + random.randint(18, 24)
    elif qid == "ui_years":
        value = random.randint(0, max(0, min(age - 18, 15)))
    else:
        value = random.randint(low, min(high, low + 10))
    return max(low, min(high, value))


def eager_assets(html: str) -> list[str]:
    """What a browser fetches while loading this page, as written (relative to the page)."""
    urls = []
    for tag in TAG.findall(html):
        lazy = 'loading="lazy"' in tag
        page_link = tag.startswith("<link") and not re.search(r'rel="(?:stylesheet|icon)"', tag)
        if not (lazy or page_link) and (m := EAGER_URL.search(tag)):
            urls.append(m.group(1))
    if m := MATERIAL_CONFIG.search(html):  # the theme's search worker and index
        urls += [m.group(2), m.group(1) + "/search/search_index.json"]
    return urls


def send(client, url: str, body: dict, name: str, headers: dict | None = None):
    """POST, for a with-block (catch_response). Like a browser (and the pages' retry), a POST
    whose kept-alive connection the server had just closed is sent again once, with the same
    Idempotency-Key; the dropped try is listed as "(connection dropped, sent again)"."""
    r = client.post(url, json=body, name=name, headers=headers, catch_response=True)
    if r.status_code == 0 and not r.text:
        with r:
            r.request_meta["name"] = f"{name} (connection dropped, sent again)"
            r.success()
        r = client.post(url, json=body, name=name, headers=headers, catch_response=True)
    return r


def id_number(age: int) -> str:
    """A valid 18-character 身份证号 (GB 11643 check character) for someone ``age`` years old."""
    born = dt.date.today() - dt.timedelta(days=int(age * 365.25) + random.randint(1, 360))
    first = f"{random.choice(REGIONS)}{born:%Y%m%d}{random.randint(0, 999):03d}"
    return first + "10X98765432"[sum(int(c) * w for c, w in zip(first, ID_WEIGHTS, strict=True)) % 11]


class Visitor(FastHttpUser):
    weight = 50
    max_retries = 1  # GETs on a connection the server closed meanwhile, as browsers do
    wait_time = between(1 * THINK, 5 * THINK)  # until the next person in the crowd steps up

    @task
    def journey(self) -> None:
        self.seen: set[str] = set()  # a new phone: nothing cached, no service worker yet
        self.worker: gevent.Greenlet | None = None
        landing, campaign = self.scan()
        path, focus = urlsplit(landing).path, None
        if not path.startswith("/check/"):
            if not GUIDE_PATH.fullmatch(path):  # the home page (say), then the list of guides
                if path != "/guides/":
                    self.page(landing, path)
                    think(2, 6)
                    landing = "/guides/"
                slugs = GUIDE_LINK.findall(self.page(landing, "/guides/"))
                think(3, 10)
                landing = f"/guides/{random.choice(slugs or ['startup-guarantee-loan'])}/"
            focus = GUIDE_PATH.fullmatch(urlsplit(landing).path).group(1)
            self.page(landing, "/guides/[slug]/")
            think(5, 20)  # reads the guide, then taps its self-check button
            landing = f"/check/?program={focus}"
        self.page(landing, "/check/")
        self.client.get("/api/questions")
        result, answers = self.self_check(campaign, focus)
        if result is not None:
            think(5, 15)  # reads the results
            self.maybe_apply(result["results"], campaign, focus, answers)
        if self.worker:
            self.worker.join()

    def scan(self) -> tuple[str, str | None]:
        """GET /q/{code} without following it: where it points, and the campaign code in
        that address (the pages keep it on the phone and send it with the check and the
        application; an unknown code sends people to the home page without one)."""
        url, name = f"/q/{CAMPAIGN}", "/q/[code]"
        if random.random() < LABEL_SHARE:
            url, name = f"{url}/{random.choice(LABEL_SLUGS)}", "/q/[code]/[slug]"
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as r:
            location = r.headers.get("location") if r.headers else None
            if r.status_code in (301, 302, 303, 307) and location:
                r.success()
            elif r.status_code == 404:  # /q/ not built yet: the visitor types the address
                r.request_meta["name"] = f"{name} (404: fallback to /)"
                r.success()
                return "/", None
            else:
                r.failure(f"expected a redirect, got {r.status_code}")
                return "/", None
        target = urlsplit(location)
        code = parse_qs(target.query).get("c", [None])[0]
        return target.path + (f"?{target.query}" if target.query else ""), code

    def page(self, path: str, name: str) -> str:
        """A page, then each of its assets this phone has not fetched yet."""
        self.seen.add(path)
        html = self.client.get(path, name=name).text or ""
        for url in (urljoin(path, u) for u in eager_assets(html)):
            if url not in self.seen:
                self.seen.add(url)
                self.client.get(url, name=HASHED.sub(".[hash].", url))
        if self.worker is None:  # it installs in the background while the person reads on
            self.worker = gevent.spawn(self.install_service_worker)
        return html

    def install_service_worker(self) -> None:
        """After the first page: /sw.js, then what it keeps (from the HTTP cache if there)."""
        r = self.client.get("/sw.js")
        lists = dict(SW_LIST.findall(r.text or "")) if r.status_code == 200 else {}
        for shell in re.findall(r'"([^"]+)"', lists.get("SHELLS", "")):
            if shell not in self.seen:
                self.page(shell, f"{shell} (service worker)")
        for url in re.findall(r'"([^"]+)"', lists.get("DATA", "")):
            self.client.get(url, name=f"{url} (service worker)")

    def self_check(self, campaign: str | None, focus: str | None) -> tuple[dict | None, dict]:
        """Answer /api/check's next question until there is none (or the person stops)."""
        answers: dict = {}
        skip: list[str] = []
        year = dt.date.today().year
        result = None
        think(1, 3)
        for _ in range(30):
            # as check.js sends it: brief between questions, every result once shown
            body = {"answers": answers, "skip": skip, "brief": True}
            if campaign:
                body["campaign"] = campaign
            if focus:
                body["focus"] = focus
            with send(self.client, "/api/check", body, "/api/check") as r:
                pass  # any status but 2xx is a failure
            if r.status_code != 200:
                return None, answers
            result = r.json()
            q = result["next_question"]
            if q is None:
                break  # done: the brief answer carries every result
            if len(answers) >= 3 and random.random() < 0.03:  # "直接看结果", then walks off
                body["brief"] = False
                with send(self.client, "/api/check", body, "/api/check") as r:
                    pass
                result = r.json() if r.status_code == 200 else None
                break
            think(2, 6)
            if random.random() < 0.05:
                skip.append(q["id"])  # "不知道，跳过"
            else:
                answers[q["id"]] = pick_answer(q, answers, year)
        return result, answers

    def maybe_apply(self, results: list[dict], campaign: str | None, focus: str | None,
                    answers: dict) -> None:
        online = [p["slug"] for p in results
                  if p["applies_online"] and p["status"] in ("eligible", "maybe")]
        if not (online and LOADTEST_KEY) or random.random() >= APPLY_SHARE:
            return
        program = focus if focus in online else random.choice(online[:3])
        self.page(f"/apply/?program={program}", "/apply/")
        think(30, 90)  # types a name, an ID number and a phone number on a phone keyboard
        phone = f"1{random.choice('3456789')}{random.randint(0, 10**9 - 1):09d}"
        form = {"program": program, "name": random.choice(SURNAMES) + "".join(
                    random.sample(GIVEN, random.choice([1, 2]))),
                "id_number": id_number(answers.get("age") or random.randint(18, 60)),
                "phone": phone, "district": random.choice(DISTRICTS), "consent": True,
                "answers": answers, "campaign": campaign or ""}
        headers = {"Idempotency-Key": secrets.token_urlsafe(24), "X-Load-Test": LOADTEST_KEY}
        receipt = self.submit(form, headers, "/api/applications")
        if receipt is None:
            return
        if random.random() < RETRY_SHARE:  # a double tap, or a retry after a timeout
            self.submit(form, headers, "/api/applications (retry, same key)", receipt["reference"])
        think(3, 8)  # reads the receipt, taps "查进度"
        self.page(receipt["status_url"], "/status/")
        think(5, 15)  # types the phone number
        self.client.get(f"/api/applications/{receipt['reference']}?phone={phone}",
                        name="/api/applications/[reference]?phone=")

    def submit(self, form: dict, headers: dict, name: str, retry_of: str | None = None
               ) -> dict | None:
        with send(self.client, "/api/applications", form, name, headers) as r:
            if r.status_code == 201:
                receipt = r.json()
                if retry_of and receipt["reference"] != retry_of:
                    r.failure("a retry with the same Idempotency-Key made a second application")
                return receipt
            if r.status_code == 409 and not retry_of:  # already has an open one: rare
                r.request_meta["name"] = f"{name} (409 duplicate)"
                r.success()
            else:
                r.failure(f"{r.status_code}: {(r.text or '')[:120]}")
        return None


_REVIEWER_TURN = itertools.count()


class Reviewer(FastHttpUser):
    weight = 1 if STAFF_USER and STAFF_PASSWORD else 0
    max_retries = 1
    wait_time = between(2 * THINK, 6 * THINK)

    def on_start(self) -> None:
        # in turn, across all locust processes: process g of n takes accounts g, g+n, g+2n ...
        n = int(os.environ.get("LOADTEST_GENERATORS", "1"))
        turn = next(_REVIEWER_TURN) * n + int(os.environ.get("LOADTEST_GENERATOR", "0"))
        user = STAFF_USERS[turn % len(STAFF_USERS)]
        r = self.client.post("/api/staff/login",
                             json={"username": user, "password": STAFF_PASSWORD})
        self.csrf = r.json()["csrf_token"] if r.status_code == 200 else None
        if self.csrf is None:
            log.error("reviewer: signing in as %r failed (%s); this reviewer stops",
                      user, r.status_code)

    @task
    def review_one(self) -> None:
        if self.csrf is None:
            raise StopUser()
        r = self.client.get("/api/staff/applications?status=submitted&page=1",
                            name="/api/staff/applications?status=submitted")
        queue = r.json()["applications"] if r.status_code == 200 else []
        if not queue:
            return
        ref = random.choice(queue[:5])["reference"]
        self.client.get(f"/api/staff/applications/{ref}", name="/api/staff/applications/[ref]")
        think(5, 20)  # reads the answers and the check result
        if not self.move(ref, "in_review", ""):
            return
        think(5, 20)  # calls the applicant, checks documents
        decision = random.choices(["approved", "need_info", "rejected"], [70, 15, 15])[0]
        self.move(ref, decision, "" if decision == "approved" else "请带身份证原件到窗口核对。")

    def move(self, ref: str, status: str, note: str) -> bool:
        name = f"/api/staff/applications/[ref]/status -> {status}"
        with send(self.client, f"/api/staff/applications/{ref}/status",
                  {"status": status, "note": note}, name, {"X-CSRF-Token": self.csrf}) as r:
            if r.status_code == 409:  # another reviewer moved it first
                r.request_meta["name"] = f"{name} (409 changed by someone else)"
                r.success()
            return r.status_code == 200


@events.init.add_listener
def explain(environment, **_) -> None:
    if not LOADTEST_KEY:
        log.warning("LOADTEST_KEY is not set: visitors will not apply (nothing is written)")
    if not Reviewer.weight:
        log.warning("LOADTEST_STAFF_USER/LOADTEST_STAFF_PASSWORD not set: no reviewer runs")


@events.quitting.add_listener
def slo_gate(environment, **_) -> None:
    """Exit code 1 when the run broke the thresholds; 0 otherwise (overrides locust's
    default of 1 on any failure, so the failure ratio is the gate)."""
    if isinstance(environment.runner, WorkerRunner):
        return
    total = environment.stats.total
    p95 = total.get_response_time_percentile(0.95) or 0
    problems = []
    if total.num_requests == 0:
        problems.append("no requests were made")
    if total.fail_ratio > MAX_FAILURE_RATIO:
        problems.append(f"failure ratio {total.fail_ratio:.2%} > {MAX_FAILURE_RATIO:.2%}")
    if p95 > MAX_P95_MS:
        problems.append(f"p95 {p95:.0f} ms > {MAX_P95_MS:.0f} ms")
    if environment.runner and environment.runner.exceptions:
        problems.append(f"{len(environment.runner.exceptions)} exception(s) in the locustfile")
    verdict = "FAIL: " + "; ".join(problems) if problems else "PASS"
    print(f"SLO gate: {total.num_requests} requests, failure ratio {total.fail_ratio:.2%} "
          f"(max {MAX_FAILURE_RATIO:.2%}), p95 {p95:.0f} ms (max {MAX_P95_MS:.0f} ms): {verdict}",
          flush=True)
    environment.process_exit_code = 1 if problems else 0
