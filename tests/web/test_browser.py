"""End-to-end in a real browser: Debian's Chromium driven by Playwright, against the web app
served by a real server process (with the outbox relay beside it) on its own PostgreSQL
database, as ``bin/run`` serves it.

Without Chromium (``/usr/bin/chromium``) or Playwright these tests are skipped, except with
``CI=true``, where that fails the run. Screenshots of every main page, at 390 px (a phone) and
1280 px (a desk), are written to ``var/screenshots/`` (not committed).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from accounts.demo import DEMO_PASSWORD
from tests.support import ROOT

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(settings.VAR_DIR) / "screenshots"
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
VILLAGE, OTHER_VILLAGE, TOWNSHIP, COUNTY = "420506101201", "420506101202", "420506101000", "420506"
ITEM = "SX-0020"
MISSING = "家庭经济状况核对授权书"
NOTICE = "户口簿"
#: An agent's page on a phone: first load under 300 KB over the wire (issue #12).
PAGE_BUDGET = 300_000

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - the dev extra installs it
    sync_playwright = None


def _need_browser() -> None:
    missing = []
    if sync_playwright is None:
        missing.append("the playwright package")
    if not Path(CHROMIUM).exists():
        missing.append(CHROMIUM)
    if missing:
        message = f"browser tests need {' and '.join(missing)} (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_env(name: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env["PYTHONPATH"] = str(ROOT)
    env["DEBUG"] = "0"
    env["SECRET_KEY"] = "browser-tests-only"
    if settings.EMBEDDED_DATABASE:
        env["EMBEDDED_DB_NAME"] = name
    else:
        env["DATABASE_URL"] = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + name
    return env


def _drop_database(name: str) -> None:
    import psycopg

    db = settings.DATABASES["default"]
    params = {"dbname": "postgres", "user": db.get("USER") or "postgres", "host": db.get("HOST")}
    if db.get("PORT"):
        params["port"] = db["PORT"]
    if db.get("PASSWORD"):
        params["password"] = db["PASSWORD"]
    with psycopg.connect(**params, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Server:
    """The app as bin/run serves it: migrated, the sample dictionary and the demo network
    loaded, the relay and the web server running, each a process of its own."""

    def __init__(self) -> None:
        base = os.environ.get("TEST_DATABASE_NAME") or "test_network"
        self.db = f"{base}_browser"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.logs = Path(settings.VAR_DIR) / "log"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.processes: list[subprocess.Popen] = []

    def manage(self, *args: str) -> None:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout}\n{done.stderr}"

    def spawn(self, name: str, *args: str) -> None:
        log = (self.logs / f"browser-{name}.log").open("w")
        self.processes.append(
            subprocess.Popen(
                [sys.executable, *args],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    def start(self) -> Server:
        _drop_database(self.db)
        self.env = _server_env(self.db)
        self.manage("migrate", "--verbosity", "0")
        self.manage("import_dictionary", "sample")
        self.manage("provision_network", "demo")
        self.manage("seed_demo_users")
        self.manage("collectstatic", "--noinput", "--verbosity", "0")
        self.spawn("relay", "manage.py", "relay")
        self.spawn(  # the production server, as bin/run starts it (core/supervisor.py)
            "web", "-m", "gunicorn", "core.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
            "--workers", "2", "--access-logfile", "-", "--error-logfile", "-",
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.3)
        raise AssertionError((self.logs / "browser-web.log").read_text()[-3000:])

    def stop(self) -> None:
        import signal

        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        _drop_database(self.db)


@pytest.fixture(scope="module")
def server():
    _need_browser()
    running = Server().start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def browser(server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


class Person:
    """One user in their own browser context (cookies, viewport, language)."""

    def __init__(self, browser, server: Server, viewport: dict, label: str) -> None:
        self.context = browser.new_context(viewport=viewport, locale="zh-CN")
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.server, self.viewport, self.label = server, viewport, label

    def go(self, path: str):
        response = self.page.goto(self.server.url + path)
        return response

    def login(self, username: str) -> None:
        self.go("/login/")
        self.page.fill("[name=username]", username)
        self.page.fill("[name=password]", DEMO_PASSWORD)
        self.page.click("form button[type=submit].primary")
        self.page.wait_for_load_state()
        assert "/login/" not in self.page.url, self.page.content()[:2000]

    def english(self) -> None:
        self.page.click("[data-testid=language]")
        self.page.wait_for_load_state()
        assert self.page.get_attribute("html", "lang") == "en"

    def shoot(self, name: str) -> None:
        """Screenshots of the page at a phone's and a desk's width; nothing wider than the
        viewport at 390 px (no sideways scrolling)."""
        unlabelled = self.page.evaluate(
            "() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]"
            ".filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))"
            ".map(e => e.name || e.id)"
        )
        assert not unlabelled, f"{name}: inputs without a label: {unlabelled}"
        for label, size in (("390", PHONE), ("1280", DESK)):
            self.page.set_viewport_size(size)
            if label == "390":
                overflow = self.page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                assert overflow <= 0, f"{name} overflows by {overflow}px at 390 px"
            self.page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
        self.page.set_viewport_size(self.viewport)

    def transferred(self) -> int:
        """Bytes this page's first load brought over the network (document and every resource;
        a fresh context, so nothing came from a cache); noted in var/screenshots/weights.txt."""
        size = self.page.evaluate(
            "() => performance.getEntriesByType('navigation').concat("
            "performance.getEntriesByType('resource'))"
            ".reduce((sum, e) => sum + (e.transferSize || e.encodedBodySize || 0), 0)"
        )
        with (SHOTS / "weights.txt").open("a") as notes:
            notes.write(f"{self.page.url} {size} bytes\n")
        return size

    def act(self, action: str, **fields: str) -> None:
        form = self.page.locator(f"form[action$='/{action}/']")
        for name, value in fields.items():
            form.locator(f"[name={name}]").fill(value)
        form.locator("button[type=submit]").click()
        self.page.wait_for_load_state()

    def wait_for(self, path: str, selector: str, timeout: float = 20) -> None:
        """Reload ``path`` until ``selector`` is on it (a message travelling the chain)."""
        deadline = time.monotonic() + timeout
        while True:
            self.go(path)
            if self.page.locator(selector).count():
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{selector} never appeared on {path}")
            time.sleep(0.5)

    def close(self) -> None:
        self.context.close()


def carry_a_case(browser, server: Server, lang: str) -> None:
    en = lang == "en"
    shots = "" if not en else "en-"
    agent = Person(browser, server, PHONE, "agent")
    if en:
        agent.go("/login/")
        agent.english()
    agent.login("agent.420506101201")
    assert agent.page.url.endswith(f"/c/{VILLAGE}/register/")
    assert agent.transferred() < PAGE_BUDGET, agent.transferred()
    agent.shoot(f"{shots}agent-register")

    # The wizard: find the item, fill in the applicant, one material missing.
    agent.page.click(f"a[href$='/c/{VILLAGE}/cases/new/']")
    agent.page.fill("#q", "最低生活保障")
    agent.page.click("form[role=search] button[type=submit]")
    agent.page.wait_for_selector(f"a[href*='item={ITEM}']")
    agent.shoot(f"{shots}agent-new-item")
    agent.page.click(f"a[href*='item={ITEM}']")
    agent.page.wait_for_selector("#new-case")
    assert agent.transferred() < PAGE_BUDGET, agent.transferred()
    agent.page.fill("[name=applicant_name]", "刘桂兰")
    agent.page.fill("[name=applicant_id_number]", "420581199001010012")  # wrong check digit
    agent.page.wait_for_selector("#id-check.error", state="visible")  # checked as typed
    agent.page.fill("[name=applicant_id_number]", "420581199001010011")
    agent.page.wait_for_selector("#id-check.ok-text", state="visible")
    agent.page.fill("[name=applicant_phone]", "13907171234")
    boxes = agent.page.locator("[name=materials]")
    for i in range(boxes.count()):
        if boxes.nth(i).get_attribute("value") != MISSING:
            boxes.nth(i).check()
    agent.page.wait_for_function(
        "m => document.getElementById('missing').textContent.includes(m)", arg=MISSING
    )
    agent.page.click("button[value=forward]")
    agent.page.wait_for_load_state()
    error = agent.page.locator("[data-testid=materials] .error")
    assert MISSING in error.inner_text()  # stopped, beside the checklist
    agent.shoot(f"{shots}agent-new-stopped")
    agent.page.check(f"[name=materials][value={MISSING}]")
    agent.page.click("button[value=forward]")
    agent.page.wait_for_load_state()
    number = agent.page.inner_text("[data-testid=tracking-no]").strip()
    assert re.fullmatch(rf"{VILLAGE}-\d{{8}}-\d{{5}}", number)
    agent.shoot(f"{shots}agent-case-forwarded")
    agent.page.click("a[href$='/receipt/']")
    code = agent.page.inner_text("[data-testid=receipt-code]").strip()
    assert agent.page.inner_text("[data-testid=receipt-no]").strip() == number
    agent.shoot(f"{shots}receipt")

    # The township: a one-time notice.
    town = Person(browser, server, DESK, "township")
    if en:
        town.go("/login/")
        town.english()
    town.login("staff.420506101000")
    town.wait_for(f"/c/{TOWNSHIP}/worklist/", f"a[href$='/cases/{number}/']")
    town.shoot(f"{shots}township-worklist")
    town.go(f"/c/{TOWNSHIP}/cases/{number}/")
    if (
        town.page.locator("form[action$='/accept/']").count()
        and not town.page.locator("form[action$='/request_supplement/']").count()
    ):
        town.act("accept")  # today's rule: the notice follows acceptance
    town.page.click("form[action$='/request_supplement/'] >> xpath=.. >> summary")
    town.page.check(f"form[action$='/request_supplement/'] [name=materials][value={NOTICE}]")
    town.page.fill("form[action$='/request_supplement/'] [name=note]", "户口簿复印件不清晰")
    town.shoot(f"{shots}township-case")
    town.page.click("form[action$='/request_supplement/'] button[type=submit]")
    town.page.wait_for_load_state()
    town.go(f"/c/{TOWNSHIP}/cases/{number}/notice/")
    assert NOTICE in town.page.inner_text("[data-testid=notice-paper]")
    town.shoot(f"{shots}notice")

    # The agent sees the notice in full and supplies.
    agent.wait_for(f"/c/{VILLAGE}/cases/{number}/", "[data-testid=notice]")
    assert NOTICE in agent.page.inner_text("[data-testid=notice]")
    agent.shoot(f"{shots}agent-case-notice")
    agent.page.click("[data-testid=supply] button[type=submit]")
    agent.page.wait_for_load_state()

    # The township accepts (if the supplement did not already) and escalates.
    town.wait_for(
        f"/c/{TOWNSHIP}/cases/{number}/", "form[action$='/escalate/'], form[action$='/accept/']"
    )
    if town.page.locator("form[action$='/accept/']").count():
        town.act("accept")
    assert not town.page.locator("form[action$='/approve/']").count()  # the county decides
    town.act("escalate", note="县级审批事项")

    # The county approves.
    county = Person(browser, server, DESK, "county")
    if en:
        county.go("/login/")
        county.english()
    county.login("staff.420506")
    county.wait_for(f"/c/{COUNTY}/cases/{number}/", "form[action$='/accept/']")
    county.act("accept")
    county.act("start_review")
    county.shoot(f"{shots}county-case")
    county.act("approve", note="经审核，符合条件")
    county.go(f"/c/{COUNTY}/cases/{number}/decision/")
    county.shoot(f"{shots}decision")

    # Back at the village: approved, handed over, rated.
    agent.wait_for(f"/c/{VILLAGE}/cases/{number}/", "form[action$='/deliver/']")
    state = agent.page.inner_text("[data-testid=state]")
    assert state == ("Approved" if en else "准予许可"), state
    agent.shoot(f"{shots}agent-case-approved")
    agent.act("deliver", note="已电话告知，送达证件")
    agent.page.check("form[action$='/rate/'] [name=rating][value='5']")
    agent.page.click("form[action$='/rate/'] button[type=submit]")
    agent.page.wait_for_load_state()

    # The citizen tracks it with the receipt's number and code.
    citizen = Person(browser, server, PHONE, "citizen")
    citizen.go("/")
    if en:
        citizen.english()
    citizen.shoot(f"{shots}home")
    citizen.page.fill("[name=tracking_no]", number)
    citizen.page.fill("[name=query_code]", code)
    citizen.page.click("form[action$='/track/'] button[type=submit]")
    citizen.page.wait_for_selector("[data-testid=chain]")
    assert citizen.page.inner_text("[data-testid=state]") == ("Delivered" if en else "已送达")
    citizen.shoot(f"{shots}track")
    for person in (agent, town, county, citizen):
        person.close()


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_a_case_from_the_village_to_the_county_and_back(browser, server, lang):
    carry_a_case(browser, server, lang)


def test_a_session_at_one_village_is_refused_at_another(browser, server):
    agent = Person(browser, server, PHONE, "agent")
    agent.login("agent.420506101201")
    response = agent.go(f"/c/{OTHER_VILLAGE}/register/")
    assert response.status == 403
    assert agent.page.locator("[data-code=not_member]").count() == 1
    agent.shoot("forbidden")
    agent.close()


def test_a_form_without_csrf_token_is_refused(browser, server):
    agent = Person(browser, server, PHONE, "agent")
    agent.login("agent.420506101201")
    response = agent.page.request.post(
        f"{server.url}/c/{VILLAGE}/cases/new/", form={"item_code": ITEM, "submit": "log"}
    )
    assert response.status == 403
    agent.close()


def _fill_request(agent: Person, name: str) -> None:
    agent.go(f"/c/{VILLAGE}/cases/new/?item={ITEM}")
    agent.page.fill("[name=applicant_name]", name)
    agent.page.fill("[name=applicant_id_number]", "420581199001010011")


def _cases_of(agent: Person, name: str) -> int:
    agent.go(f"/c/{VILLAGE}/register/?state=submitted")
    return agent.page.locator("[data-testid=cases] li", has_text=name).count()


def test_a_double_submitted_form_creates_one_case(browser, server):
    agent = Person(browser, server, PHONE, "agent")
    agent.login("agent.420506101201")
    _fill_request(agent, "张双击")
    body = agent.page.evaluate(
        "() => { const f = document.getElementById('new-case');"
        " const d = new URLSearchParams(new FormData(f)); d.set('submit', 'log');"
        " return d.toString(); }"
    )
    url = f"{server.url}/c/{VILLAGE}/cases/new/"
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Referer": url}
    first = agent.page.request.post(url, data=body, headers=headers, max_redirects=0)
    second = agent.page.request.post(url, data=body, headers=headers, max_redirects=0)
    assert first.status == second.status == 302
    assert first.headers["location"].split("?")[0] == second.headers["location"].split("?")[0]
    assert _cases_of(agent, "张双击") == 1
    agent.close()


def test_a_request_typed_offline_is_sent_once_when_back_online(browser, server):
    agent = Person(browser, server, PHONE, "agent")
    agent.login("agent.420506101201")
    _fill_request(agent, "李断网")
    agent.context.set_offline(True)
    agent.page.click("button[value=log]")
    agent.page.wait_for_selector("#offline", state="visible")
    assert "/cases/new/" in agent.page.url  # nothing was sent
    agent.shoot("agent-new-offline")
    agent.context.set_offline(False)
    try:
        agent.page.wait_for_selector("[data-testid=tracking-no]")
    except Exception as exc:
        online = agent.page.evaluate("navigator.onLine")
        raise AssertionError(
            f"{agent.page.url} online={online} {agent.page.inner_text('main')[:1500]}"
        ) from exc
    assert _cases_of(agent, "李断网") == 1
    agent.close()


def test_a_draft_survives_a_reload(browser, server):
    agent = Person(browser, server, PHONE, "agent")
    agent.login("agent.420506101201")
    _fill_request(agent, "王草稿")
    key = agent.page.input_value("[name=idempotency_key]")
    agent.go(f"/c/{VILLAGE}/cases/new/?item={ITEM}")  # the page again, e.g. after a lost connection
    assert agent.page.input_value("[name=applicant_name]") == "王草稿"
    assert agent.page.input_value("[name=idempotency_key]") == key  # the same submission
    agent.close()


def test_login_page_looks_right_and_works_by_keyboard(browser, server):
    person = Person(browser, server, PHONE, "anon")
    person.go("/login/")
    person.shoot("login")
    for _ in range(20):  # Tab from the top of the page to the username field
        person.page.keyboard.press("Tab")
        if person.page.evaluate("document.activeElement.name") == "username":
            break
    else:
        raise AssertionError("the username field is not reachable by Tab")
    person.page.keyboard.type("agent.420506101201")
    person.page.keyboard.press("Tab")
    person.page.keyboard.type(DEMO_PASSWORD)
    person.page.keyboard.press("Enter")
    person.page.wait_for_url(f"**/c/{VILLAGE}/register/")
    person.close()


@pytest.fixture(autouse=True, scope="module")
def _no_stale_shots():
    if SHOTS.exists():
        shutil.rmtree(SHOTS, ignore_errors=True)
    yield
