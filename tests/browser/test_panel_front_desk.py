"""The receptionist's morning in a browser, at the desk's 1280 px: the
home page of the demo studio, a late client checked in from it, an
appointment moved by choosing a free slot, and a walk-in found by a phone
typed with its leading 0; then the lists and each role's home as they
look, at 1280 px and on a phone.

The clock is the demo's Monday at 11:30 in Chennai (``DEMO_MONDAY``), so
the day has sessions done, one under way, one client late and more to
come, whatever the day the tests run. Screenshots go under
``var/screenshots/browser/test_panel_front_desk/``; those kept for the
docs are copied to ``docs/screenshots/`` by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Appointment, AppointmentEvent, AppointmentStatus
from clinic.demo import DEMO_PASSWORD, RECEPTIONIST_EMAIL, load_demo
from clinic.models import Client
from tests.browser.conftest import BLOCKING_IMPACTS, DEMO_MONDAY, PHONE, SCREENSHOTS, Problems, describe

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DESK = {"width": 1280, "height": 900}


@pytest.fixture
def demo_day(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: DEMO_MONDAY)
    return load_demo()


@pytest.fixture
def open_tab(browser, live_server, axe_source, request) -> Iterator:
    """``open_tab(login, viewport)``: a signed-in tab; each page it shows is
    saved with ``shot(tab, name)`` and checked by axe-core; a script error
    or a file that does not load fails the test."""
    folder = SCREENSHOTS / "test_panel_front_desk" / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    contexts, problems = [], Problems()

    def open_(login: str, viewport=DESK):
        context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="en-IN",
                                      timezone_id="Asia/Kolkata")
        context.set_default_timeout(10_000)
        contexts.append(context)
        tab = context.new_page()
        tab.on("pageerror", lambda error: problems.script_errors.append(str(error)))
        tab.on("response", lambda response: problems.broken_files.append(f"{response.status} {response.url}")
               if response.status >= 400 and response.request.resource_type != "document" else None)
        tab.goto("/admin/login/")
        tab.fill("#id_username", login)
        tab.fill("#id_password", DEMO_PASSWORD)
        tab.click("input[type=submit]")
        expect(tab.locator("#user-tools")).to_be_visible()
        return tab

    def shot(tab, name: str) -> None:
        tab.screenshot(path=str(folder / f"{name}.png"), full_page=True)
        if not tab.evaluate("() => typeof window.axe === 'object'"):
            tab.add_script_tag(content=axe_source)
        results = tab.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        blocking = [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]
        assert not blocking, f"axe-core on {name} ({tab.url}):\n" + describe(blocking)

    open_.shot = shot
    yield open_
    for context in contexts:
        context.close()
    assert not problems.script_errors, f"script errors: {problems.script_errors}"
    assert not problems.broken_files, f"files that did not load: {problems.broken_files}"


def test_the_receptionist_runs_the_morning(demo_day, open_tab):
    late = Appointment.objects.get(client__full_name="Suresh Narayanan", start=DEMO_MONDAY)
    tab = open_tab(RECEPTIONIST_EMAIL)
    tab.goto("/admin/")
    row = tab.get_by_test_id(f"row-{late.pk}")
    expect(row).to_contain_text("Late")
    expect(tab.get_by_text("Karthik Subramanian")).to_be_visible()  # in a session now
    open_tab.shot(tab, "panel-home-reception")

    # The late client arrives: checked in from the home page.
    tab.get_by_test_id(f"check_in-{late.pk}").click()
    expect(tab.locator(".messagelist")).to_contain_text("Checked in")
    late.refresh_from_db()
    assert late.status == AppointmentStatus.CHECKED_IN

    # Deepa phones to come tomorrow instead: moved by choosing a free slot.
    deepa = Appointment.objects.get(client__full_name="Deepa Iyer", start__date=DEMO_MONDAY.date())
    tab.goto(f"/admin/bookings/appointment/{deepa.pk}/change/")
    tab.get_by_test_id("act-reschedule").click()
    expect(tab.get_by_text("Asia/Kolkata")).to_be_visible()
    open_tab.shot(tab, "panel-reschedule")
    tuesday = tab.locator("section.module").filter(has_text="Tuesday 8 December")
    chosen = tuesday.get_by_test_id("slot").first
    wanted = chosen.get_attribute("value")
    chosen.click()
    expect(tab.locator(".messagelist")).to_contain_text("Moved")
    deepa.refresh_from_db()
    assert deepa.start == datetime.fromisoformat(wanted)

    # A walk-in: Lakshmi's phone typed as people say it finds her and her
    # husband; the new client is someone else of the family.
    tab.goto("/admin/")
    tab.get_by_test_id("walk-in").click()
    tab.fill("#find-phone", "098400 12345")
    tab.get_by_test_id("find").click()
    expect(tab.get_by_text("Lakshmi Narayanan")).to_be_visible()
    expect(tab.get_by_text("Suresh Narayanan")).to_be_visible()
    tab.get_by_test_id("client-new").check()
    tab.fill("#id_full_name", "Anita Narayanan")
    tab.select_option("#id_service", label="Back massage (30 min)")
    tab.get_by_label("The next free slot").check()
    open_tab.shot(tab, "panel-walk-in")
    tab.get_by_test_id("book").click()
    expect(tab.locator(".messagelist")).to_contain_text("Booked")
    expect(tab.locator(".messagelist")).to_contain_text("Lakshmi Narayanan")  # the shared phone's warning
    anita = Client.objects.get(full_name="Anita Narayanan")
    assert str(anita.phone) == "+919840012345"
    booked = anita.appointments.get()
    assert booked.start >= DEMO_MONDAY
    assert AppointmentEvent.objects.filter(appointment=booked, action="booked").exists()


def test_the_lists_and_every_home_as_they_look(demo_day, open_tab):
    desk = open_tab(RECEPTIONIST_EMAIL)
    desk.goto("/admin/bookings/appointment/")
    expect(desk.locator("#result_list")).to_contain_text("Suresh Narayanan")
    assert desk.evaluate("() => document.documentElement.scrollWidth") <= DESK["width"]  # nothing cut off
    for column in ("When", "Client", "Service", "Practitioner", "Status", "Price"):
        expect(desk.locator("#result_list thead")).to_contain_text(column, ignore_case=True)
    open_tab.shot(desk, "panel-appointments")

    phone = open_tab(RECEPTIONIST_EMAIL, PHONE)
    phone.goto("/admin/bookings/appointment/")
    table = phone.locator("#result_list")
    box = table.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"]  # the list fits the phone's width
    for column in ("field-when", "field-client", "field-status_shown"):
        expect(table.locator(f"tbody .{column}").first).to_be_visible()
    open_tab.shot(phone, "panel-appointments-phone")

    practitioner = open_tab("meena@demo.clinic")
    practitioner.goto("/admin/")
    expect(practitioner.get_by_text("Before you start")).to_be_visible()
    open_tab.shot(practitioner, "panel-home-practitioner")

    manager = open_tab("manager@demo.clinic")
    manager.goto("/admin/")
    expect(manager.get_by_test_id("week-figures")).to_contain_text("₹")
    open_tab.shot(manager, "panel-home-manager")
