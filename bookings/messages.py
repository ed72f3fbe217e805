"""What a notification says, rendered for its channel at the moment it is
sent: email from templates (``bookings/messages/<kind>.txt`` and ``.html``),
SMS from one fixed text per kind with variables (as India's DLT
registration requires), WhatsApp as a pre-approved template's name and its
variables in order.

Times are the location's wall clock with the zone named ("10:00 IST"), and
a day is said relative to the moment of sending ("today", "tomorrow", or
the date), never relative to when the row was planned. Everything,
dates included, is rendered in the client's preferred language where the
site has a catalogue for it (``Client.message_language``), English
otherwise.

Nothing here reads the database or signs anything: the dispatcher loads
each batch with what it needs, the reply links included (``Context``), and
hands it in. ``Message`` is what a channel (``bookings.channels``) sends;
the two modules sit side by side and know each other only by that shape.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy as _, ngettext

from bookings import ics
from bookings.models import Appointment, Notification

Kind, Channel = Notification.Kind, Notification.Channel

SUBJECTS = {
    Kind.CONFIRMATION: _("Booked: {service} on {day}"),
    Kind.REMINDER: _("See you {when}: {service}"),
    Kind.RESCHEDULED: _("Moved: {service} is now {when}"),
    Kind.CANCELLED: _("Cancelled: {service} on {day}"),
    Kind.HOME_CARE: _("Your home-care routines after {service}"),
    Kind.CHECK_IN: _("How is the pain today?"),
}

# SMS: one fixed text per kind, registered with the operator as it stands
# (DLT); only the {names} vary. Keep each short: links are long already.
SMS_TEXTS = {
    Kind.CONFIRMATION: _("{location}: {service} with {practitioner} is booked {when}. "
                         "Address: {address}"),
    Kind.REMINDER: _("{location}: a reminder of {service} with {practitioner} {when}. "
                     "Coming? {confirm_url} Can't make it? {cancel_url}"),
    Kind.RESCHEDULED: _("{location}: {service} with {practitioner} has moved; it is now {when}."),
    Kind.CANCELLED: _("{location}: {service} on {day} is cancelled. Book again any time."),
    Kind.HOME_CARE: _("{location}: after your session, keep up at home with: {routines}."),
    Kind.CHECK_IN: _("{location}: since your session, how is the pain today, 0 to 10? Tell us here: {check_in_url}"),
}

# WhatsApp: the name of the template approved for each kind and the
# variables it takes, in the order the provider fills {{1}}, {{2}}...
WHATSAPP_TEMPLATES = {
    Kind.CONFIRMATION: ("appointment_booked", ("client", "service", "practitioner", "when", "location", "address")),
    Kind.REMINDER: ("appointment_reminder",
                    ("client", "service", "practitioner", "when", "location", "confirm_url", "cancel_url")),
    Kind.RESCHEDULED: ("appointment_moved", ("client", "service", "practitioner", "when", "location")),
    Kind.CANCELLED: ("appointment_cancelled", ("client", "service", "day", "location")),
    Kind.HOME_CARE: ("home_care_follow_up", ("client", "routines", "location")),
    Kind.CHECK_IN: ("pain_check_in", ("client", "location", "check_in_url")),
}

# Messages that carry the calendar file (by email).
WITH_CALENDAR = (Kind.CONFIRMATION, Kind.RESCHEDULED, Kind.CANCELLED)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: str
    mimetype: str


@dataclass(frozen=True)
class Message:
    """One message, rendered for one channel.

    ``text`` is what the client reads (the SMS text, the mail's plain part,
    WhatsApp's preview); SMS and WhatsApp providers that need a registered
    template are given ``template`` and its ``variables`` in order."""

    channel: str
    to: str
    subject: str
    text: str
    html: str = ""
    attachments: tuple[Attachment, ...] = ()
    template: str = ""
    variables: tuple[str, ...] = ()
    language: str = "en"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """What a batch's messages need beyond their rows."""

    routines: dict[int, list[str]] = field(default_factory=dict)  # notification id -> routine names
    sequences: dict[int, int] = field(default_factory=dict)  # appointment id -> moves so far
    links: dict[int, dict[str, str]] = field(default_factory=dict)  # notification id -> {"confirm_url": ...}


def when(start: datetime, zone, now: datetime) -> str:
    """``start`` as the client should read it at ``now``: "today at 10:00
    IST", "tomorrow at 10:00 IST", or the date."""
    local_start, local_now = start.astimezone(zone), now.astimezone(zone)
    clock = f"{local_start:%H:%M} {local_start.tzname()}"
    days = (local_start.date() - local_now.date()).days
    if days == 0:
        return gettext("today at %(time)s") % {"time": clock}
    if days == 1:
        return gettext("tomorrow at %(time)s") % {"time": clock}
    return gettext("on %(date)s at %(time)s") % {"date": date_format(local_start, "l j F Y"), "time": clock}


def cancellation_policy(location) -> str:
    if location.cancellation_policy.strip():
        return location.cancellation_policy.strip()
    hours = settings.CANCELLATION_WINDOW_HOURS
    return ngettext(
        "Plans change: cancel or move free of charge until %(hours)s hour before the start. "
        "A later cancellation is recorded as late.",
        "Plans change: cancel or move free of charge until %(hours)s hours before the start. "
        "A later cancellation is recorded as late.",
        hours,
    ) % {"hours": hours}


def _site_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def variables(notification: Notification, *, now: datetime, routines: list[str],
              links: dict[str, str]) -> dict[str, str]:
    appointment = notification.appointment
    location = appointment.location
    zone = location.time_zone
    values = {
        "client": appointment.client.full_name,
        "service": appointment.service.name,
        "practitioner": appointment.practitioner.display_name,
        "location": location.name,
        "address": " ".join(location.address.split()),
        "when": when(appointment.start, zone, now),
        "day": date_format(appointment.start.astimezone(zone), "l j F"),
        "policy": cancellation_policy(location),
        "routines": ", ".join(routines),
        "confirm_url": "",
        "cancel_url": "",
        "check_in_url": "",
        "manage_url": "",
    }
    values.update(links)
    return values


def appointment_calendar_file(appointment: Appointment, *, moves: int, cancelled: bool, now: datetime) -> bytes:
    """The appointment's calendar entry, the same from an email and from the
    manage page: one UID (the site's domain, so a client's calendar updates
    one entry), SEQUENCE the moves so far, and a cancellation above the last
    move it withdraws."""
    location = appointment.location
    return ics.appointment_calendar(
        uid=ics.event_uid(appointment.pk, _site_domain()),
        sequence=moves + (1 if cancelled else 0),
        start=appointment.start, end=appointment.end,
        summary=f"{appointment.service.name} ({appointment.practitioner.display_name})",
        location=f"{location.name}, {' '.join(location.address.split())}",
        description=cancellation_policy(location),
        cancelled=cancelled, stamp=now,
    )


def _calendar(notification: Notification, *, now: datetime, sequence: int) -> Attachment:
    cancelled = notification.kind == Kind.CANCELLED
    text = appointment_calendar_file(notification.appointment, moves=sequence, cancelled=cancelled, now=now)
    method = "CANCEL" if cancelled else "REQUEST"
    return Attachment("appointment.ics", text.decode(), f"text/calendar; method={method}; charset=utf-8")


def _address(notification: Notification) -> str:
    client = notification.appointment.client
    if notification.channel == Channel.EMAIL:
        return client.email
    return str(client.phone) if client.phone else ""


def _in_order(text: str) -> tuple[str, ...]:
    return tuple(name for _, name, _, _ in string.Formatter().parse(text) if name)


def render(notification: Notification, *, now: datetime, context: Context | None = None) -> Message:
    """``notification`` as it goes out at ``now`` on its channel."""
    context = context or Context()
    language = notification.appointment.client.message_language
    with translation.override(language):
        values = variables(notification, now=now, routines=context.routines.get(notification.pk, []),
                           links=context.links.get(notification.pk, {}))
        kind, channel = notification.kind, notification.channel
        subject = str(SUBJECTS[kind]).format(**values)
        sms_text = str(SMS_TEXTS[kind])
        if channel == Channel.EMAIL:
            page = {**values, "kind": kind, "language": language,
                    "routine_list": context.routines.get(notification.pk, [])}
            text = render_to_string(f"bookings/messages/{kind}.txt", page).strip() + "\n"
            html = render_to_string(f"bookings/messages/{kind}.html", page)
            attachments = ()
            if kind in WITH_CALENDAR:
                sequence = context.sequences.get(notification.appointment_id, 0)
                attachments = (_calendar(notification, now=now, sequence=sequence),)
            return Message(channel=channel, to=_address(notification), subject=subject, text=text, html=html,
                           attachments=attachments, language=language)
        if channel == Channel.SMS:
            return Message(channel=channel, to=_address(notification), subject=subject,
                           text=sms_text.format(**values), template=f"sms_{kind}",
                           variables=tuple(values[name] for name in _in_order(sms_text)), language=language)
        template, names = WHATSAPP_TEMPLATES[kind]
        return Message(channel=channel, to=_address(notification), subject=subject, text=sms_text.format(**values),
                       template=template, variables=tuple(values[name] for name in names), language=language)
