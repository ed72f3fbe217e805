"""The panel's home page: the day each role starts from.

- The receptionist lands on today: arrivals in order, who is checked in,
  who is late, and the gaps a walk-in could still take.
- A practitioner sees their own day, with each client's health flags and
  the summary of their last signed note, when
  ``treatments.policies`` lets them read that client's record (the reads
  are logged, as the API's ``practitioner/today/`` logs them).
- A manager sees today as the desk does, and the week's figures.

Registered as the site's ``index`` (the panel's own pages come before
Django's), so it replaces the stock list of apps; that list stays below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib import admin
from django.db import transaction
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings import policies, selectors, services
from bookings.models import Appointment, AppointmentStatus
from bookings.policies import Act
from clinic import roles
from clinic.clock import wall_clock
from clinic.selectors import practitioner_of
from clinic.signin import client_address
from treatments import policies as record_policies
from treatments import selectors as record_selectors
from treatments.services import intake, notes

SUMMARY_LENGTH = 280
# The acts the desk does from a row of the day, in the order they come.
ROW_ACTS = (Act.APPROVE, Act.CHECK_IN, Act.COMPLETE, Act.NO_SHOW)
WAITING = (AppointmentStatus.PENDING, AppointmentStatus.CONFIRMED)


def _trimmed(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1].rstrip() + "…"




@dataclass
class Row:
    """One appointment of the day as the home page shows it."""

    appointment: Appointment
    starts: str
    ends: str
    late: bool
    acts: list[tuple[str, str]]  # (act, label) the viewer may do now
    flags: list = field(default_factory=list)
    reads_record: bool = False
    last_note: dict | None = None


ACT_BUTTONS = {
    Act.APPROVE: _("Approve"),
    Act.CHECK_IN: _("Check in"),
    Act.COMPLETE: _("Complete"),
    Act.NO_SHOW: _("No-show"),
}


def row_acts(user, appointment: Appointment, now: datetime) -> list[tuple[str, str]]:
    """The life-cycle buttons to show on ``appointment``: those the policy
    allows ``user`` and the appointment can take now (the booking service's
    ``life_cycle_open``: no check-in the day before, no no-show before the start)."""
    allowed = policies.acts_on(user, appointment, now) & services.life_cycle_open(appointment, now)
    return [(act.value, str(ACT_BUTTONS[act])) for act in ROW_ACTS if act in allowed]


def _rows(user, day: list[Appointment], now: datetime) -> list[Row]:
    return [
        Row(
            appointment=appointment,
            starts=timezone.localtime(appointment.start, appointment.location.time_zone).strftime("%H:%M"),
            ends=timezone.localtime(appointment.end, appointment.location.time_zone).strftime("%H:%M"),
            late=appointment.status in WAITING and appointment.start <= now,
            acts=row_acts(user, appointment, now),
        )
        for appointment in day
    ]


def _with_records(request, rows: list[Row]) -> None:
    """Give each row the client's flags and last signed note, for the
    clients whose records the viewer reads; every read is logged."""
    client_ids = {row.appointment.client_id for row in rows}
    readable = set(record_policies.clinical_clients(request.user).filter(pk__in=client_ids)
                   .values_list("pk", flat=True))
    if not readable:
        return
    address = client_address(request)
    last = record_selectors.last_signed_notes(readable)
    with transaction.atomic():
        flags = intake.read_flags_of_clients(actor=request.user, client_ids=readable, address=address)
        for summary in {note.pk: note for note in last.values()}.values():
            notes.record_read(actor=request.user, note=summary, address=address)
    for row in rows:
        client_id = row.appointment.client_id
        if client_id not in readable:
            continue
        row.reads_record = True
        row.flags = flags.get(client_id, [])
        summary = last.get(client_id)
        if summary is not None:
            row.last_note = {"signed": summary.signed_at, "assessment": _trimmed(summary.assessment),
                             "plan": _trimmed(summary.plan)}


def _role(user) -> str:
    """Which home the user gets: ``manager``, ``reception``, ``practitioner``
    or ``other`` (staff with no role here: the list of apps only)."""
    if getattr(user, "is_superuser", False) or roles.MANAGER in roles.role_names(user):
        return "manager"
    if roles.is_front_desk(user):
        return "reception"
    if practitioner_of(user) is not None:
        return "practitioner"
    return "other"


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def home_view(request):
    """The panel's index page for the signed-in staff member."""
    now = timezone.now()
    zone = selectors.desk_zone()
    today = timezone.localtime(now, zone).date()
    role = _role(request.user)
    context = {
        **admin.site.each_context(request),
        "title": _("Today"),
        "subtitle": None,
        "app_list": admin.site.get_app_list(request),
        "role": role,
        "today": today,
        "zone": zone.key,
        "now_shown": wall_clock(now, zone),
        "calendar_url": reverse("admin:bookings_calendar"),
        "reports_url": reverse("admin:reports") if policies.may_see_reports(request.user) else None,
        "appointments_url": reverse("admin:bookings_appointment_changelist"),
    }
    if role in ("reception", "manager"):
        rows = _rows(request.user, selectors.desk_day(today), now)
        found = selectors.gaps_on(today, now=now)
        names = selectors.practitioner_names(gap.practitioner_id for gap in found) if found else {}
        gaps = [{"name": names.get(gap.practitioner_id, ""), "first": gap.first.astimezone(zone).strftime("%H:%M"),
                 "last": gap.last.astimezone(zone).strftime("%H:%M")} for gap in found]
        context.update({
            "arrivals": [row for row in rows if row.appointment.status in WAITING],
            "checked_in": [row for row in rows if row.appointment.status == AppointmentStatus.CHECKED_IN],
            "done": [row for row in rows if row.appointment.status not in
                     (*WAITING, AppointmentStatus.CHECKED_IN)],
            "late_count": sum(row.late for row in rows),
            "gaps": gaps,
            "walk_in_url": reverse("admin:walk_in") if policies.may_book(request.user) else None,
        })
    if role == "manager":
        first_day = _week_start(today)
        context["week"] = selectors.week_figures(first_day)
    if role == "practitioner":
        practitioner = practitioner_of(request.user)
        rows = _rows(request.user, selectors.desk_day(today, practitioner_id=practitioner.pk), now)
        _with_records(request, rows)
        context.update({"own_day": rows, "practitioner": practitioner})
    request.current_app = admin.site.name
    return TemplateResponse(request, "admin/bookings/home/index.html", context)


admin.site.add_page("", home_view, "index")
