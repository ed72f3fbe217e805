"""The staff calendar: the day with a column per practitioner, the week, the
day by room, and the move a drag asks for.

Who sees which columns and appointments, and who may move what, is asked
of ``bookings.policies``; the grid is laid out by ``bookings.calendar``;
a move goes through ``bookings.services.reschedule_appointment``, so a
drag obeys the same rules as every other way of moving; a drop on a
colleague's column hands the client over (the front desk's act,
``Act.REASSIGN``), with the same rules for the colleague. Every action
works without the script: each block links to its appointment and to a
page to move it, each worked hour of the day view to the booking form
(the week's columns link to their day instead; there the script books
from a click).

Pages (served under the panel's login check, ``clinic.admin_site``):
``calendar/`` (the day), ``calendar/week/``, ``calendar/rooms/`` and
``calendar/move/`` (POST only, CSRF-checked; JSON for the script, a
redirect with a message otherwise).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from html import escape as _html_escape
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings import calendar, policies, services
from bookings.errors import BookingError
from bookings.models import AppointmentStatus
from bookings.policies import Act
from clinic import inputs
from clinic.clock import read_wall_clock, wall_clock
from clinic.models import Location, Practitioner
from clinic.signin import client_address
from treatments import policies as record_policies
from treatments.services.intake import read_flags_of_clients

VIEWS = {"day": "admin:bookings_calendar", "week": "admin:bookings_calendar_week",
         "rooms": "admin:bookings_calendar_rooms"}
TEMPLATE = "admin/bookings/calendar/grid.html"
ID_MARK = "appointment-id"
NUMERIC_MARK = 987654321  # for a route that takes only digits


class BadQuery(Exception):
    """A query string the calendar cannot read; its message says why."""


def _day(request, location: Location) -> date:
    text = request.GET.get("date", "")
    if not text:
        return calendar.today_at(location, timezone.now())
    try:
        inputs.refuse_control_characters(text)
        day = date.fromisoformat(text)
        inputs.within_bounds(day)
    except (ValueError, ValidationError):
        raise BadQuery(_("Give the date as YYYY-MM-DD, between %(earliest)s and %(latest)s.") % {
            "earliest": inputs.EARLIEST.isoformat(), "latest": inputs.LATEST.isoformat()}) from None
    return day


def _ids(request, name: str) -> list[int]:
    values = request.GET.getlist(name)
    if not all(value.isascii() and value.isdigit() and len(value) < 10 for value in values):
        raise BadQuery(_("That is not a choice of %(what)s the calendar knows.") % {"what": name})
    return [int(value) for value in values]


def _location(request, locations: list[Location]) -> Location:
    ids = _ids(request, "location")
    if not ids:
        if not locations:
            raise Http404(_("No open location to show."))
        return locations[0]
    found = next((location for location in locations if location.pk == ids[0]), None)
    if found is None:
        raise Http404(_("No such location."))
    return found


def _url_for_each(name: str) -> str | None:
    """The address of ``name`` for an appointment, with ``ID_MARK`` where its
    id goes (reversed once, filled in per block), or ``None`` when the panel
    has no such page."""
    for mark in (ID_MARK, NUMERIC_MARK):
        try:
            return reverse(name, args=[mark]).replace(str(mark), ID_MARK)
        except NoReverseMatch:
            continue
    return None


def _move_url() -> str:
    """Where a block's "move" link goes: the page that offers free times
    when the panel has one, else the appointment's own form."""
    return _url_for_each("admin:bookings_appointment_reschedule") or _url_for_each(
        "admin:bookings_appointment_change")


def _flags(request, grid: calendar.Grid) -> None:
    """Give each block its client's health flags, for those allowed to read
    them (each read logged, as everywhere): the same route as the
    appointment's page (``bookings.admin.flags``). Others see none."""
    client_ids = {block.appointment.client_id for column in grid.columns for block in column.blocks}
    if not client_ids:
        return
    flags = read_flags_of_clients(actor=request.user, client_ids=client_ids, address=client_address(request))
    for column in grid.columns:
        for block in column.blocks:
            block.flags = flags.get(block.appointment.client_id, [])


def escape(value) -> str:
    """What ``django.utils.html.escape`` writes (the same five characters
    replaced), without its care for lazy strings: a week calls it a
    thousand times, and a lazy label passed to Django's stays lazy, so it
    was translated and escaped again at every block."""
    return _html_escape(str(value))


class _Statements:
    """The words every block may carry, translated and escaped once a page
    (not once a column: a week has seventy)."""

    def __init__(self):
        self.confirmed, self.review, self.cleared, self.move, self.now = (escape(text) for text in (
            _("client confirmed"), _("held for review"), _("cleared"), _("move"), _("Now")))
        self.statuses = {value: escape(label) for value, label in AppointmentStatus.choices}


def _decorate(request, grid: calendar.Grid, view: str) -> None:
    """What each block and column offers this user: links, and whether
    the block may be dragged. The day's columns link each working hour to
    the booking form; the week's (seventy columns) do not: its column heads
    link to their day, and the script books from a click on an hour worked
    (``data-book``), so the page carries one address per column, not one
    per hour."""
    user = request.user
    may_book = policies.may_book(user)
    add = reverse("admin:bookings_appointment_add")
    change, move = _url_for_each("admin:bookings_appointment_change"), _move_url()
    now = timezone.now()
    zone = grid.zone
    words = _Statements()
    hourly = view != "week"
    book_with, book_at = _("Book with %(who)s at %(at)s"), _("Book at %(at)s")
    # The hours of a day's columns are the same instants: read the clocks
    # once a day, not once a column.
    hours_of: dict[datetime, tuple[str, list[tuple]]] = {}
    for column in grid.columns:
        if column.origin not in hours_of:
            readings = []
            for mark in grid.hours:
                local = (column.origin + timedelta(minutes=mark.top)).astimezone(zone)
                start = f"{local:%Y-%m-%dT%H:%M}"
                readings.append((mark.top, min(60, column.length - mark.top), local, start,
                                 f"{add}?{urlencode({'start': start})}"))
            hours_of[column.origin] = (",".join(f"{top}={start}" for top, _height, _local, start, _url in readings),
                                       readings)
        column.marks, readings = hours_of[column.origin]
        column.slots = []
        who = column.practitioner.display_name if column.practitioner else None
        name = who or (column.room.name if column.room else _("No room"))
        column.label = f"{name}, {column.day:%a %d %b %Y}"
        if may_book and not hourly and who:
            column.book_url = f"{add}?{urlencode({'practitioner': column.practitioner.pk})}"
        whose = f"&{urlencode({'practitioner': column.practitioner.pk})}" if who else ""
        for top, height, local, start, url in readings if hourly and may_book else ():
            # Only where someone works: the booking rules refuse the rest.
            if who and not column.works_during(top, height):
                continue
            at = f"{local:%a %d %b, %H:%M}"
            column.slots.append({
                "top": top, "height": height, "local": local, "start": start, "url": url + whose,
                "label": book_with % {"who": who, "at": at} if who else book_at % {"at": at},
            })
        for block in column.blocks:
            appointment = block.appointment
            block.url = change.replace(ID_MARK, str(appointment.pk))
            # Who may move it (the policy), and whether it can move at all
            # (the service: not once it is over, cancelled or missed).
            block.movable = (policies.may(user, Act.RESCHEDULE, appointment, now)
                             and services.movable(appointment.status))
            block.move_url = move.replace(ID_MARK, str(appointment.pk)) if block.movable else ""
        column.html = column_html(column, by_room=grid.by_room, words=words, narrow=not hourly)


def column_html(column: calendar.Column, *, by_room: bool, words: _Statements | None = None,
                narrow: bool = False) -> SafeString:
    """What is inside a column: the shaded spans, the links from empty
    hours, the "now" line and the blocks. Written here rather than by
    template tags: a week of ten practitioners holds hundreds of them, and
    the template language took ten times as long to write the same markup.
    Every value from the database goes through ``escape``. In a ``narrow``
    column (the week's) a block's move link is an arrow, its word said to
    screen readers and on hover, so the times beside it stay readable."""
    words = words or _Statements()
    out = []
    for shade in column.shades:
        label = escape(shade.label)
        title = f' title="{label}"' if label else ""
        inner = f'<span class="shade-label">{label}</span>' if label and shade.kind != "work" else ""
        out.append(f'<div class="shade {shade.kind}" style="--top:{shade.top};--height:{shade.height}"{title}>'
                   f"{inner}</div>")
    for slot in column.slots:
        out.append(f'<a class="slot" href="{escape(slot["url"])}" data-start="{slot["start"]}" style="--top:'
                   f'{slot["top"]};--height:{slot["height"]}" data-testid="slot"><span class="visually-hidden">'
                   f'{escape(slot["label"])}</span></a>')
    if column.now is not None:
        out.append(f'<div class="now" style="--top:{column.now}" data-testid="now"><span class="visually-hidden">'
                   f'{words.now}</span></div>')
    for block in column.blocks:
        appointment = block.appointment
        client = escape(appointment.client_name)
        if by_room:
            where = f" · {escape(appointment.practitioner_name)}"
        else:
            where = f" · {escape(appointment.room_name)}" if appointment.room_id else ""
        marks = []
        if appointment.client_confirmed_at:
            marks.append(f'<span class="block-confirmed">✓ {words.confirmed}</span>')
        if appointment.review_reason:
            marks.append(f'<span class="block-review" title="{escape(appointment.review_reason)}">{words.review}'
                         "</span>")
        for flag in block.flags:
            lifted = f" ({words.cleared})" if flag.cleared else ""
            marks.append(f'<span class="block-flag flag-{escape(flag.tier)}" title="{escape(flag.tier_label)}: '
                         f'{escape(flag.rule)}{lifted}">⚑ {escape(flag.rule)}</span>')
        moving = ""
        if block.move_url:
            # Narrow: an arrow, the word on hover and for screen readers.
            title, shown, said = ((f' title="{words.move}"', '<span aria-hidden="true">↕</span>', f"{words.move} ")
                                  if narrow else ("", words.move, " "))
            moving = (f'<a class="block-move" href="{escape(block.move_url)}"{title}>{shown}<span '
                      f'class="visually-hidden">{said}{client}, {block.starts}</span></a>')
        # A lane of one is the stylesheet's default: most blocks say only where they are.
        lanes = f";--lane:{block.lane};--lanes:{block.lanes}" if block.lanes > 1 else ""
        out.append(
            f'<article class="block status-{escape(appointment.status)}{" movable" if block.movable else ""}" '
            f'style="--top:{block.top};--height:{block.height}{lanes}" '
            f'data-appointment="{appointment.pk}" data-testid="block">'
            f'<a class="block-open" href="{escape(block.url)}"><span class="block-time">{block.starts}–{block.ends} '
            f'<span class="block-status">{words.statuses.get(appointment.status, "")}</span></span>'
            f'<strong class="block-client">{client}</strong>'
            f'<span class="block-service">{escape(appointment.service_name)}{where}</span></a>'
            f'<span class="block-marks">{"".join(marks)}</span>{moving}</article>'
        )
    return mark_safe("".join(out))  # noqa: S308  (every value above is escaped)


class _WithoutSidebar:
    """The admin site as ``AdminSite.each_context`` sees it, with no list of
    apps: that list (a permission check for every model, for the sidebar)
    cost the calendar about as much as its own queries, and the grid wants
    the width. Everything else of the frame (header, user links, messages)
    is the site's own."""

    def __init__(self, site):
        self._site = site

    def __getattr__(self, name):
        return getattr(self._site, name)

    def get_app_list(self, request, app_label=None):
        return []


def _frame(request) -> dict:
    # (``admin.site`` is a lazy stand-in; its ``__class__`` is the real site's.)
    frame = admin.site.__class__.each_context(_WithoutSidebar(admin.site), request)
    return {**frame, "is_nav_sidebar_enabled": False}


def grid_html(grid: calendar.Grid, view: str) -> tuple[SafeString, SafeString]:
    """The column heads and the columns, for the same reason as
    ``column_html``: a week has seventy of each, and the template language
    spent more time on their few attributes than on everything else."""
    per_day = len(grid.columns) // len(grid.days) if grid.days else 0
    week = view == "week"
    no_room = escape(_("No room"))
    heads, bodies = [], []
    for n, column in enumerate(grid.columns):
        start = " day-start" if week and per_day and n % per_day == 0 else ""
        if column.practitioner is not None:
            name = escape(column.practitioner.display_name)
            who = f' data-practitioner="{column.practitioner.pk}"'
        else:
            name, who = (escape(column.room.name) if column.room is not None else no_room), ""
        day = (f'<a class="calendar-day" href="{escape(column.day_url)}">{column.day:%a %d %b}</a>'
               if week else "")
        heads.append(f'<div class="calendar-colhead{start}">{day}{name}</div>')
        book = f' data-book="{escape(column.book_url)}"' if column.book_url else ""
        bodies.append(
            f'<section class="calendar-column{start}" data-column="{column.key}" data-marks="{column.marks}" '
            f'data-day="{column.day:%Y-%m-%d}"{who}{book} aria-label="{escape(column.label)}" '
            f'style="--length:{column.length}">{column.html}</section>')
    return mark_safe("".join(heads)), mark_safe("".join(bodies))  # noqa: S308  (every value above is escaped)


def _links(view: str, location: Location, day: date, step: timedelta, extra: dict) -> dict:
    def at(on: date) -> str:
        return f"{reverse(VIEWS[view])}?{urlencode({'location': location.pk, 'date': on.isoformat(), **extra}, doseq=True)}"

    today = calendar.today_at(location, timezone.now())
    return {"previous": at(day - step), "next": at(day + step), "today": at(today)}


def _page(request, view: str):
    locations = calendar.shown_locations()
    try:
        location = _location(request, locations)
        day = _day(request, location)
        chosen = _ids(request, "practitioner")
    except BadQuery as problem:
        context = {**_frame(request), "title": _("Calendar"), "problem": str(problem),
                   "today_url": reverse(VIEWS[view])}
        return render(request, TEMPLATE, context, status=400)
    now = timezone.now()
    everyone = policies.visible_schedules(request.user, Practitioner.objects.all())
    visible = everyone.filter(pk__in=chosen) if chosen else everyone
    appointments = policies.visible_appointments(request.user, calendar.appointments_for_grid())
    if view == "rooms":
        grid = calendar.room_grid(location=location, day=day, appointments=appointments, now=now)
    else:
        grid = calendar.practitioner_grid(
            location=location, day=day, practitioners=visible, appointments=appointments,
            time_off=policies.visible_time_off(request.user), now=now, week=view == "week")
    if record_policies.clinical_clients(request.user).exists():
        _flags(request, grid)
    _decorate(request, grid, view)
    extra = {"practitioner": chosen} if chosen else {}
    if view == "week":  # each column's day opens the day view: its hours link to the booking form
        day_view_url = reverse(VIEWS["day"])
        to_day = {on: f"{day_view_url}?{urlencode({'location': location.pk, 'date': on, **extra}, doseq=True)}"
                  for on in grid.days}
        for column in grid.columns:
            column.day_url = to_day[column.day]
    # One person's week (or day) at a time, for those who see several.
    team = [] if view == "rooms" else list(
        everyone.filter(active=True, working_hours__location=location).distinct().order_by("display_name", "pk"))
    base = reverse(VIEWS[view])
    only = [{"name": _("Everyone"), "url": f"{base}?{urlencode({'location': location.pk, 'date': day.isoformat()})}",
             "current": not chosen}] if len(team) > 1 else []
    only += [{"name": person.display_name, "current": chosen == [person.pk],
              "url": f"{base}?{urlencode({'location': location.pk, 'date': day.isoformat(), 'practitioner': person.pk})}"}
             for person in team] if len(team) > 1 else []
    step = timedelta(days=7 if view == "week" else 1)
    title = {
        "day": _("Calendar: %(day)s") % {"day": f"{day:%a %d %b %Y}"},
        "week": _("Calendar: week of %(day)s") % {"day": f"{grid.days[0]:%d %b %Y}"},
        "rooms": _("Rooms: %(day)s") % {"day": f"{day:%a %d %b %Y}"},
    }[view]
    context = {
        **_frame(request),
        "title": title,
        "view": view,
        "grid": grid,
        "day": day,
        "location": location,
        "locations": locations,
        "links": _links(view, location, day, step, extra),
        "views": {name: f"{reverse(url)}?{urlencode({'location': location.pk, 'date': day.isoformat()})}"
                  for name, url in VIEWS.items()},
        "practitioner_filter": chosen,
        # A practitioner sees their own bookings only: a room free here may not be.
        "only_own": view == "rooms" and not policies.sees_every_appointment(request.user),
        "only": only,
        "grid_minutes": settings.BOOKING_GRID_MINUTES,
        "move_url": reverse("admin:bookings_calendar_move"),
        "may_move_any": policies.may_ever(request.user, Act.RESCHEDULE),
        # The rooms' columns book nobody: only the day and the week offer empty times.
        "may_book": view != "rooms" and policies.may_book(request.user),
        "now_label": wall_clock(now, location.time_zone),
        "columns": grid_html(grid, view),
    }
    return render(request, TEMPLATE, context)


def day_view(request):
    return _page(request, "day")


def week_view(request):
    return _page(request, "week")


def rooms_view(request):
    return _page(request, "rooms")


# -- moving by drag ------------------------------------------------------------------


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _answer(request, *, ok: bool, message: str, status: int, code: str = "") -> JsonResponse | HttpResponseRedirect:
    if ok:  # the page the script reloads says it too
        messages.success(request, message)
    if _wants_json(request):
        body = {"ok": True, "detail": message} if ok else {"ok": False, "code": code, "detail": message}
        return JsonResponse(body, status=status)
    if not ok:
        messages.error(request, message)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse(VIEWS["day"])
    return HttpResponseRedirect(target)


@require_POST
def move_view(request):
    """Move an appointment to the start a drag dropped it on, through the
    booking service. One the caller cannot see is a 404; one they may not
    move a 403; the service's refusal (taken, outside hours, no room...)
    comes back with its own status and message, and nothing is written."""
    text = request.POST.get("appointment", "")
    if not (text.isascii() and text.isdigit() and len(text) < 10):
        raise Http404
    appointment = policies.visible_appointments(request.user, calendar.appointments_for_grid()).filter(
        pk=int(text)).first()
    if appointment is None:
        raise Http404
    try:
        policies.require(request.user, Act.RESCHEDULE, appointment)
    except BookingError as error:
        return _answer(request, ok=False, message=error.message, status=403, code=error.code)
    practitioner = None
    chosen = request.POST.get("practitioner", "")
    if chosen and chosen != str(appointment.practitioner_id):
        # Another column: the service asks whether the caller may hand the
        # client over (``Act.REASSIGN``) and whether that colleague is free.
        practitioner = (calendar.practitioner_by_id(int(chosen))
                        if chosen.isascii() and chosen.isdigit() and len(chosen) < 10 else None)
        if practitioner is None:
            return _answer(request, ok=False, code="practitioner_missing", status=400,
                           message=_("Choose a practitioner of the calendar."))
    zone = appointment.location.time_zone
    start_text = request.POST.get("start", "")
    try:
        inputs.refuse_control_characters(start_text)
        reading = datetime.fromisoformat(start_text)
        if reading.tzinfo is not None:
            raise ValueError("a reading of the wall clock has no offset")
        inputs.within_bounds(reading)
        start = read_wall_clock(reading, zone)
    except (ValueError, ValidationError):
        return _answer(request, ok=False, code="invalid_start", status=400, message=_(
            "Give the new start as a date and time on the clocks of %(location)s (%(zone)s), which show it once."
        ) % {"location": appointment.location, "zone": zone.key})
    try:
        moved = services.reschedule_appointment(appointment=appointment, start=start, practitioner=practitioner,
                                                actor=request.user)
    except BookingError as error:
        return _answer(request, ok=False, message=error.message, status=int(error.kind), code=error.code)
    return _answer(request, ok=True, status=200, message=_("%(client)s moved to %(start)s with %(practitioner)s.") % {
        "client": moved.client, "start": moved.local(moved.start), "practitioner": moved.practitioner})


admin.site.add_page("calendar/", day_view, "bookings_calendar")
admin.site.add_page("calendar/week/", week_view, "bookings_calendar_week")
admin.site.add_page("calendar/rooms/", rooms_view, "bookings_calendar_rooms")
admin.site.add_page("calendar/move/", move_view, "bookings_calendar_move")
