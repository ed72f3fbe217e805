"""The client pages in a real browser: Debian's Chromium, driven by
Playwright, opens them on a live server at a phone's size (390x844), saves
a screenshot of each step under ``var/screenshots/browser/`` and asks
axe-core about each page it reaches.

What they need, and where it comes from (``.ci/run`` installs both):

- Chromium: ``/usr/bin/chromium`` (``apt-get install chromium``), or the
  path in ``CHROMIUM``. Playwright never downloads a browser here.
- axe-core: ``node_modules/axe-core/axe.min.js``, installed by
  ``make browser-deps`` (``npm ci`` of the pinned ``package-lock.json``),
  or the file in ``AXE_CORE_JS``.

Without either, the tests are skipped with the reason; with ``CI=true``
they fail instead: in CI a missing browser must never look like a pass.

Every test here uses ``live_server`` and so the transactional database;
each module marks its tests ``LIVE`` (below): ``serialized_rollback``
gives each test back what the migrations load (the catalogue, the roles),
which an earlier transactional test flushed away.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots" / "browser"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE_CORE_JS = Path(os.environ.get("AXE_CORE_JS", ROOT / "node_modules" / "axe-core" / "axe.min.js"))
# No background traffic (the network is closed anyway), no updater.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu"]
PHONE = {"width": 390, "height": 844}
# What an accessibility check refuses; "moderate" and "minor" are printed, not failed.
BLOCKING_IMPACTS = ("serious", "critical")
LIVE = pytest.mark.django_db(transaction=True, serialized_rollback=True)
# The staff panel's tests run the demo on this clock (a Monday, 11:30 in
# Chennai; pages, services and the demo all read ``django.utils.timezone.now``),
# so the day has sessions done, one under way and more to come at whatever
# hour the tests run: at 19:00 on the real clock the day is all but over.
DEMO_MONDAY = datetime(2026, 12, 7, 11, 30, tzinfo=ZoneInfo("Asia/Kolkata"))

def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing_tools() -> list[str]:
    problems = []
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        problems.append(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)")
    if not AXE_CORE_JS.is_file():
        problems.append(f"no axe-core at {AXE_CORE_JS} (make browser-deps, or set AXE_CORE_JS)")
    return problems


@pytest.fixture(scope="package")
def browser() -> Iterator:
    """One Chromium for the package's tests (they all run together: each
    is transactional, which pytest-django orders last)."""
    problems = missing_tools()
    if problems:
        reason = "browser tests need: " + "; ".join(problems)
        if in_ci():
            pytest.fail(reason + " [CI=true: missing tools fail, never skip]", pytrace=False)
        pytest.skip(reason)
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's sync API leaves an asyncio loop marked as running in
    # this thread. Under a running loop Django (1) refuses ORM calls and
    # (2) looks connections up per context, not per thread, so the tests
    # would get fresh connections without the test run's state (the
    # serialized data that serialized_rollback restores). The tests' own
    # queries are plain synchronous code in this one thread: allow them,
    # and hand the context the thread's connections. Only while the
    # browser is up: the package scope ends it before other packages' tests.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    thread_connections = {alias: connections[alias] for alias in connections}
    playwright = sync_playwright().start()
    for alias, connection in thread_connections.items():
        connections[alias] = connection
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def axe_source(browser) -> str:
    return AXE_CORE_JS.read_text(encoding="utf-8")


@dataclass
class Problems:
    """What went wrong in the page beyond what a test asserts."""

    script_errors: list[str] = field(default_factory=list)
    broken_files: list[str] = field(default_factory=list)


@pytest.fixture
def page(browser, live_server) -> Iterator:
    """A fresh phone-sized tab on the live server (addresses relative to
    it: ``page.goto("/r/.../")``). A script error or a stylesheet, script
    or image that does not load fails the test."""
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True, locale="en-IN",
        timezone_id="Asia/Kolkata",
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    problems = Problems()
    tab.on("pageerror", lambda error: problems.script_errors.append(str(error)))
    tab.on("response", lambda response: problems.broken_files.append(f"{response.status} {response.url}")
           if response.status >= 400 and response.request.resource_type != "document" else None)
    yield tab
    context.close()
    assert not problems.script_errors, f"script errors: {problems.script_errors}"
    assert not problems.broken_files, f"files that did not load: {problems.broken_files}"


@pytest.fixture
def screenshot(page, request) -> Callable[[str], Path]:
    """``screenshot("confirm page")`` saves the whole page as
    ``var/screenshots/browser/<module>/<test>/01-confirm-page.png``,
    numbered in the order of the steps."""
    folder = SCREENSHOTS / request.node.path.stem / slug(request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    steps = iter(range(1, 1000))

    def save(step: str) -> Path:
        path = folder / f"{next(steps):02d}-{slug(step)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


@pytest.fixture
def axe(page, axe_source) -> Callable[[str], list[dict]]:
    """``axe("confirm page")`` runs axe-core on the page as it is now and
    fails on any serious or critical violation, listed readably; it
    returns every violation (milder ones included)."""

    def check(where: str) -> list[dict]:
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.add_script_tag(content=axe_source)
        results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        violations = results["violations"]
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
        assert not blocking, f"axe-core on {where} ({page.url}):\n" + describe(blocking)
        return violations

    return check


@pytest.fixture
def step(screenshot, axe) -> Callable[[str], list[dict]]:
    """A step of a flow: the screenshot, then the accessibility check."""

    def record(name: str) -> list[dict]:
        screenshot(name)
        return axe(name)

    return record


def tab_until(page, target, limit: int = 40) -> None:
    """Press Tab (or what ``target`` names, e.g. ``("Shift+Tab", locator)``)
    until the ``target`` locator has the focus: the keyboard's way to reach
    it, whatever the header holds before it."""
    key, locator = target if isinstance(target, tuple) else ("Tab", target)
    for _ in range(limit):
        page.keyboard.press(key)
        if locator.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{limit} presses of {key} never reached {locator} on {page.url}")


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:5]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " / ")
            if summary:
                lines.append(f"      {summary[:300]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    ... and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "step"
