"""The staff calendar in a real browser on the demo studio: the day view
at the front desk's 1280 px, a booking started from an empty time, a block
dragged to another time (and one dragged where the rules say no), the
week and the rooms, and the day on a phone. ``docs/screenshots/panel-calendar-
{day,week,rooms}.png`` are copies of the screenshots named so here (under
``var/screenshots/browser/test_panel_calendar/``); a run never writes to
``docs/``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings import services
from bookings.errors import BookingError
from bookings.models import Appointment, AppointmentStatus
from clinic.demo import load_demo
from clinic.models import User
from tests.browser.conftest import BLOCKING_IMPACTS, DEMO_MONDAY, LIVE, PHONE, ROOT, Problems, describe, slug

pytestmark = LIVE

DESK = {"width": 1280, "height": 900}
SCREENSHOTS = ROOT / "var" / "screenshots" / "browser" / "test_panel_calendar"
PASSWORD = "demo-clinic-2026"


@pytest.fixture
def demo(transactional_db, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: DEMO_MONDAY)
    return load_demo()


@pytest.fixture
def busy_day(demo):
    """The demo's Monday (its first day with appointments still to come), on the studio's clocks, and its appointments."""
    first = Appointment.objects.filter(status=AppointmentStatus.CONFIRMED).select_related("location").order_by(
        "start").first()
    zone = first.location.time_zone
    day = first.start.astimezone(zone).date()
    return day, [a for a in Appointment.objects.select_related("location", "service", "practitioner")
                 if a.start.astimezone(zone).date() == day]


def open_tab(browser, live_server, viewport) -> Iterator:
    context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="en-IN",
                                  timezone_id="Asia/Kolkata", is_mobile=viewport is PHONE, has_touch=viewport is PHONE)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    problems = Problems()
    tab.on("pageerror", lambda error: problems.script_errors.append(str(error)))
    # A refused move answers 4xx to the script's request: that is the rules speaking, not a broken file.
    tab.on("response", lambda response: problems.broken_files.append(f"{response.status} {response.url}")
           if response.status >= 400 and response.request.resource_type not in ("document", "fetch") else None)
    yield tab
    context.close()
    assert not problems.script_errors, f"script errors: {problems.script_errors}"
    assert not problems.broken_files, f"files that did not load: {problems.broken_files}"


@pytest.fixture
def desk(browser, live_server) -> Iterator:
    yield from open_tab(browser, live_server, DESK)


@pytest.fixture
def phone(browser, live_server) -> Iterator:
    yield from open_tab(browser, live_server, PHONE)


def sign_in(tab, email: str) -> None:
    tab.goto("/admin/login/")
    tab.fill("#id_username", email)
    tab.fill("#id_password", PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    expect(tab.locator("#user-tools")).to_be_visible()


def check(tab, axe_source: str, where: str) -> None:
    """axe-core on the page as it is now: no serious or critical violation."""
    if not tab.evaluate("() => typeof window.axe === 'object'"):
        tab.add_script_tag(content=axe_source)
    violations = tab.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe-core on {where}:\n" + describe(blocking)


def shoot(tab, request, step: str, keep: str | None = None) -> None:
    """A screenshot of the page under the test's folder; ``keep`` also
    saves it as that name in the module's folder, to copy into ``docs/``."""
    folder = SCREENSHOTS / slug(request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(folder / f"{slug(step)}.png"), full_page=True)
    if keep:
        tab.screenshot(path=str(SCREENSHOTS / keep), full_page=True)


def test_the_day_view_shows_the_demo_studio(desk, axe_source, busy_day, request):
    day, appointments = busy_day
    sign_in(desk, "reception@demo.clinic")
    desk.goto(f"/admin/calendar/?date={day.isoformat()}")
    expect(desk.get_by_test_id("calendar-zone")).to_contain_text("Asia/Kolkata (IST)")
    blocks = desk.get_by_test_id("block")
    expect(blocks).to_have_count(len([a for a in appointments if a.status != AppointmentStatus.CANCELLED]))
    first = appointments[0]
    block = desk.locator(f"[data-appointment='{first.pk}']")
    expect(block).to_contain_text(first.client.full_name)
    expect(block).to_contain_text(first.service.name)
    expect(block).to_contain_text(first.start.astimezone(first.location.time_zone).strftime("%H:%M"))
    # Sized by duration: an hour's block is twice a half hour's, whatever the scale.
    box = block.bounding_box()
    hour = desk.locator(".calendar-hours li").nth(1).bounding_box()["y"] - desk.locator(
        ".calendar-hours li").nth(0).bounding_box()["y"]
    assert abs(box["height"] + 2 - hour * first.service.duration_minutes / 60) < 3
    shoot(desk, request, "day", keep="panel-calendar-day.png")
    check(desk, axe_source, "the day view")
    # Without the script's help too: the block opens its appointment.
    block.locator("a.block-open").click()
    expect(desk).to_have_url(f"{desk.url.split('/admin/')[0]}/admin/bookings/appointment/{first.pk}/change/")


def test_today_marks_now(desk, demo):
    sign_in(desk, "reception@demo.clinic")
    desk.goto("/admin/calendar/")
    expect(desk.get_by_test_id("now").first).to_be_attached()  # 11:30, inside the day's hours
    expect(desk.get_by_test_id("calendar-zone")).to_contain_text("Now: Mon 07 Dec 2026, 11:30 IST")


def test_a_booking_starts_from_an_empty_time(desk, axe_source, busy_day, request):
    day, _ = busy_day
    sign_in(desk, "reception@demo.clinic")
    desk.goto(f"/admin/calendar/?date={day.isoformat()}")
    # 17:00 with whoever works then: the demo books mornings and early afternoons.
    slot = desk.locator("a.slot[data-start$='T17:00']").first
    practitioner = slot.locator("xpath=ancestor::section[1]").get_attribute("data-practitioner")
    slot.scroll_into_view_if_needed()
    box = slot.bounding_box()
    # A click a little past the half hour books at the half hour (the 15-minute grid).
    desk.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.55)
    expect(desk).to_have_url(re.compile(r"/admin/bookings/appointment/add/\?"))
    assert f"practitioner={practitioner}" in desk.url
    expect(desk.locator("#id_start_0")).to_have_value(day.isoformat())
    expect(desk.locator("#id_start_1")).to_have_value("17:30:00")
    expect(desk.locator("#id_practitioner")).to_have_value(practitioner)
    shoot(desk, request, "the add form, filled in")
    # The normal form books it: the client chosen, then a treatment the practitioner offers.
    client = Appointment.objects.first().client
    desk.evaluate("([id, name]) => { const s = document.getElementById('id_client');"
                  " s.appendChild(new Option(name, id, true, true)); }", [str(client.pk), client.full_name])
    offered = User.objects.get(practitioner__pk=practitioner).practitioner.services.order_by("pk").first()
    desk.select_option("#id_service", str(offered.pk))
    desk.get_by_role("button", name="Save", exact=True).click()
    expect(desk.locator(".messagelist")).to_contain_text("was added successfully")
    made = Appointment.objects.filter(practitioner_id=practitioner, client=client).order_by("-pk").first()
    assert made.start.astimezone(made.location.time_zone).strftime("%Y-%m-%dT%H:%M") == f"{day.isoformat()}T17:30"


def candidate_start(appointment: Appointment, minutes_later: list[int]) -> datetime | None:
    for minutes in minutes_later:
        start = appointment.start + timedelta(minutes=minutes)
        try:
            services.check_reschedule(appointment=appointment, start=start)
        except BookingError:
            continue
        return start
    return None


def drag(tab, block, minutes: int) -> None:
    scale = tab.evaluate("() => { const c = document.querySelector('.calendar-column');"
                         " return c.getBoundingClientRect().height / Number(c.style.getPropertyValue('--length')); }")
    block.scroll_into_view_if_needed()
    box = block.bounding_box()
    x, y = box["x"] + box["width"] * 0.5, box["y"] + 8
    tab.mouse.move(x, y)
    tab.mouse.down()
    tab.mouse.move(x, y + 10, steps=2)
    tab.mouse.move(x, y + minutes * scale, steps=8)
    tab.mouse.up()


def test_dragging_a_block_moves_it_through_the_booking_rules(desk, axe_source, busy_day, request):
    day, appointments = busy_day
    appointment = next(a for a in appointments if a.status == AppointmentStatus.CONFIRMED)
    start = candidate_start(appointment, [120, 180, 240, 300, 360, -120])
    assert start is not None, "the demo day has no free time to move to"
    minutes = int((start - appointment.start).total_seconds() // 60)
    sign_in(desk, "reception@demo.clinic")
    desk.goto(f"/admin/calendar/?date={day.isoformat()}")
    block = desk.locator(f"[data-appointment='{appointment.pk}']")
    drag(desk, block, minutes)
    expect(desk.locator(".messagelist")).to_contain_text("moved to")
    appointment.refresh_from_db()
    assert appointment.start == start
    moved = desk.locator(f"[data-appointment='{appointment.pk}']")
    expect(moved).to_contain_text(start.astimezone(appointment.location.time_zone).strftime("%H:%M"))
    shoot(desk, request, "moved")
    check(desk, axe_source, "the day after a move")

    # Into the night, where nobody works: the rules say no, the page says why, nothing moves.
    before = appointment.start
    local = before.astimezone(appointment.location.time_zone)
    drag(desk, desk.locator(f"[data-appointment='{appointment.pk}']"), (19 - local.hour) * 60 + 30 - local.minute)
    expect(desk.get_by_test_id("calendar-message")).to_contain_text("does not work at that time")
    shoot(desk, request, "refused")
    appointment.refresh_from_db()
    assert appointment.start == before


def test_the_week_and_the_rooms(desk, axe_source, busy_day, request):
    day, appointments = busy_day
    sign_in(desk, "manager@demo.clinic")
    desk.goto(f"/admin/calendar/week/?date={day.isoformat()}")
    expect(desk.get_by_test_id("calendar-grid")).to_be_visible()
    expect(desk.locator(f"[data-appointment='{appointments[0].pk}']")).to_be_visible()
    shoot(desk, request, "week")
    check(desk, axe_source, "the week")
    # In the week's narrow columns the "move" link leaves a block's times readable.
    hidden = desk.evaluate("""() => [...document.querySelectorAll('.block.movable')].filter(block => {
        const range = document.createRange();
        range.selectNodeContents(block.querySelector('.block-time').firstChild);
        const time = range.getBoundingClientRect(), move = block.querySelector('.block-move').getBoundingClientRect();
        return time.right > move.left + 1 && time.bottom > move.top + 1;
    }).map(block => block.dataset.appointment)""")
    assert not hidden, f"blocks whose times the move link covers: {hidden}"
    # One therapist's week fits the desk's screen whole.
    desk.get_by_role("navigation", name="Whose calendar").get_by_role("link", name="Meena R.").click()
    expect(desk.locator(".calendar-colhead")).to_have_count(7)
    shoot(desk, request, "meena's week", keep="panel-calendar-week.png")
    check(desk, axe_source, "one therapist's week")
    desk.get_by_role("navigation", name="Calendar").get_by_role("link", name="By room").click()
    expect(desk.locator(".calendar-colhead").first).to_be_visible()
    expect(desk.locator(".calendar-colhead")).to_contain_text(["Foot care lounge", "Room 1", "Room 2"])
    shoot(desk, request, "rooms", keep="panel-calendar-rooms.png")
    check(desk, axe_source, "the rooms")


def test_the_week_books_from_a_click_on_a_worked_hour_and_links_its_days(desk, busy_day):
    """The week has no link per hour: the script books from a click on an
    hour the practitioner works; without it, a column's day opens the day view."""
    day, _ = busy_day
    sign_in(desk, "reception@demo.clinic")
    desk.goto(f"/admin/calendar/week/?date={day.isoformat()}")
    expect(desk.locator("a.slot")).to_have_count(0)
    column = desk.locator(f"section[data-book][data-day='{day.isoformat()}']:has(.shade.work)").first
    practitioner = column.get_attribute("data-practitioner")
    worked = column.locator(".shade.work").last  # the afternoon: the demo books mornings
    worked.scroll_into_view_if_needed()
    box = worked.bounding_box()
    desk.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] - 5)
    expect(desk).to_have_url(re.compile(r"/admin/bookings/appointment/add/\?"))
    assert f"practitioner={practitioner}" in desk.url
    expect(desk.locator("#id_start_0")).to_have_value(day.isoformat())
    expect(desk.locator("#id_practitioner")).to_have_value(practitioner)
    desk.go_back()
    desk.locator(f"section[data-day='{day.isoformat()}']").first.scroll_into_view_if_needed()
    desk.get_by_role("link", name=f"{day:%a %d %b}").first.click()
    expect(desk).to_have_url(re.compile(rf"/admin/calendar/\?location=\d+&date={day.isoformat()}$"))
    expect(desk.locator("a.slot").first).to_be_attached()


def test_a_practitioner_sees_their_own_column(desk, busy_day):
    day, appointments = busy_day
    sign_in(desk, "meena@demo.clinic")
    desk.goto(f"/admin/calendar/?date={day.isoformat()}")
    expect(desk.locator(".calendar-colhead")).to_have_count(1)
    expect(desk.locator(".calendar-colhead")).to_contain_text("Meena")
    expect(desk.locator("a.slot")).to_have_count(0)  # practitioners do not book


def test_the_day_on_a_phone_scrolls_sideways_inside_the_grid(phone, axe_source, busy_day, request):
    day, _ = busy_day
    sign_in(phone, "reception@demo.clinic")
    phone.goto(f"/admin/calendar/?date={day.isoformat()}")
    expect(phone.get_by_test_id("calendar-grid")).to_be_visible()
    widths = phone.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth,"
                            " document.querySelector('.calendar-scroll').scrollWidth,"
                            " document.querySelector('.calendar-scroll').clientWidth]")
    page_width, window_width, grid_width, grid_box = widths
    assert page_width <= window_width + 1  # the page itself does not scroll sideways
    assert grid_width > grid_box  # the grid does
    shoot(phone, request, "day on a phone")
    check(phone, axe_source, "the day on a phone")
