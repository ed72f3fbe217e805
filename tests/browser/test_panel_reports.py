"""The managers' reports and a client's record in the staff panel, in a
browser at the front desk's width (1280 px), on the demo studio's data:
each page opens with its charts drawn, passes axe-core, and is kept as a
screenshot (``docs/screenshots/panel-reports.png``,
``panel-client-record.png`` are copies of these)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client as DjangoClient
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from clinic.demo import load_demo
from clinic.models import Client, Location, User
from tests.browser.conftest import LIVE, PHONE, SCREENSHOTS, describe

pytestmark = LIVE
DESK = {"width": 1280, "height": 900}


@pytest.fixture
def desk(browser, live_server, axe_source) -> Iterator:
    """A 1280-px tab signed in as the demo's manager, with script errors and
    files that fail to load collected for the test to refuse."""
    load_demo()
    signed_in = DjangoClient()
    signed_in.force_login(User.objects.get(email="manager@demo.clinic"))
    context = browser.new_context(base_url=live_server.url, viewport=DESK, locale="en-IN",
                                  timezone_id="Asia/Kolkata")
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": signed_in.cookies[settings.SESSION_COOKIE_NAME].value,
                          "url": live_server.url}])
    context.set_default_timeout(10_000)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(str(error)))
    tab.on("response", lambda response: problems.append(f"{response.status} {response.url}")
           if response.status >= 400 and response.request.resource_type != "document" else None)
    yield tab
    context.close()
    assert not problems, problems


def accessible(tab, axe_source: str, where: str) -> None:
    tab.add_script_tag(content=axe_source)
    violations = tab.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    blocking = [violation for violation in violations if violation["impact"] in ("serious", "critical")]
    assert not blocking, f"axe-core on {where}:\n" + describe(blocking)


def keep(tab, name: str) -> None:
    folder = SCREENSHOTS / "test_panel_reports"
    folder.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_a_manager_reads_the_reports_and_downloads_one(desk, axe_source):
    location = Location.objects.get(name="Anna Nagar studio")
    today = timezone.localdate(timezone=location.time_zone)
    query = f"?location={location.pk}&start={(today - timedelta(days=29)).isoformat()}&end={(today + timedelta(days=7)).isoformat()}"
    desk.goto(reverse("admin:reports") + query)
    expect(desk.get_by_role("heading", name="Utilisation per practitioner")).to_be_visible()
    expect(desk.locator("svg.bar-chart")).to_have_count(6)
    expect(desk.locator("#report-revenue-by-service tbody tr").first).to_contain_text("₹")
    # Every bar's label inside its chart: the longest treatment names were cut at the left edge.
    cut = desk.evaluate("() => [...document.querySelectorAll('svg.bar-chart g.bar')]"
                        ".map(g => g.querySelector('text')).filter(t => t.getBBox().x < 0).map(t => t.textContent)")
    assert not cut, f"labels cut at the chart's edge: {cut}"
    accessible(desk, axe_source, "the reports page")
    keep(desk, "panel-reports")
    desk.set_viewport_size(PHONE)
    accessible(desk, axe_source, "the reports page on a phone")
    keep(desk, "panel-reports-390")
    desk.set_viewport_size(DESK)
    with desk.expect_download() as download:
        desk.locator("#report-utilisation").get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename.startswith(f"utilisation-{location.pk}-")
    # A period that ends before it starts is answered on the form.
    desk.locator("#id_end").fill((today - timedelta(days=40)).isoformat())
    desk.get_by_role("button", name="Show").click()
    expect(desk.get_by_text("The period ends before it starts.")).to_be_visible()


def test_a_manager_opens_a_client_s_record(desk, axe_source):
    lakshmi = Client.objects.get(email="lakshmi@example.com")
    desk.goto(reverse("admin:clinic_client_record", args=[lakshmi.pk]))
    expect(desk.get_by_role("heading", name="Contact details and consents")).to_be_visible()
    expect(desk.locator("#appointments tbody tr").first).to_be_visible()
    expect(desk.locator("#messages")).to_be_visible()
    expect(desk.get_by_role("link", name="Book again")).to_be_visible()
    accessible(desk, axe_source, "the client record")
    keep(desk, "panel-client-record")
    # On a phone the wide tables scroll inside themselves; the page does not.
    desk.set_viewport_size(PHONE)
    assert desk.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    keep(desk, "panel-client-record-390")
    desk.set_viewport_size(DESK)
    desk.get_by_role("link", name="Book again").click()
    expect(desk.locator("#id_service")).not_to_have_value("")
