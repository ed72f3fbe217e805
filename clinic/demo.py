"""Demo data for a local run: one studio, its rooms, its staff and a few
clients. Idempotent: running it again changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from bookings.errors import BookingError
from bookings.models import Appointment, AppointmentStatus, Closure, DatedHours, Notification, Source, TimeOff, WorkingHours
from bookings.selectors import free_slots, on_local_days
from bookings.services import (
    approve_appointment,
    book_appointment,
    cancel_appointment,
    check_in,
    complete,
    confirm_attendance,
    mark_no_show,
)
from clinic import roles
from clinic.models import Client, Location, Practitioner, Room
from treatments.models import (
    ContraindicationRule,
    CorrectionRequest,
    HomeCareAssignment,
    HomeCareRoutine,
    Intake,
    PainCheckIn,
    RecordAccess,
    Service,
    SessionNote,
)
from treatments.services import notes, rights
from treatments.services.check_ins import record_check_in
from treatments.services.intake import record_clearance, record_intake

DEMO_PASSWORD = "demo-clinic-2026"
MANAGER_EMAIL = "manager@demo.clinic"
RECEPTIONIST_EMAIL = "reception@demo.clinic"

MORNING_AND_EVENING = [(time(9), time(13)), (time(14), time(19))]
LATE_SHIFT = [(time(11), time(15)), (time(16), time(20))]

# email, name, bio, services, weekdays worked (0 = Monday), daily spans
PRACTITIONERS = [
    ("meena@demo.clinic", "Meena R.", "Twelve years of back and neck work; calm, firm pressure.",
     ["back-massage-30", "back-massage-60", "neck-back-acupressure-45"], range(0, 6), MORNING_AND_EVENING),
    ("arjun@demo.clinic", "Arjun K.", "Acupressure and reflexology, trained in Chennai and Kerala.",
     ["neck-back-acupressure-45", "foot-reflexology-60", "foot-reflexology-30"], range(1, 7), LATE_SHIFT),
    ("divya@demo.clinic", "Divya S.", "Reflexology and relaxing back massage for long working weeks.",
     ["back-massage-30", "back-massage-60", "foot-reflexology-60", "foot-reflexology-30"],
     (0, 1, 2, 4, 5, 6), MORNING_AND_EVENING),
]

CLIENTS = [
    ("Lakshmi Narayanan", "+919840012345", "lakshmi@example.com", True, True),
    ("Rahul Menon", "+919884054321", "rahul@example.com", True, False),
    ("Fatima Sheikh", "+919962011122", "", False, True),
    ("Karthik Subramanian", "", "karthik@example.com", True, False),
    # Lakshmi's husband uses her number: the desk is warned, not refused.
    ("Suresh Narayanan", "+919840012345", "", False, False),
    ("Deepa Iyer", "+919444012345", "", False, True),
    ("Mohammed Rafi", "+919841098765", "rafi@example.com", True, False),
]


CLIENT_EMAIL = "lakshmi@example.com"


@dataclass(frozen=True)
class DemoLogins:
    manager: str
    receptionist: str
    client: str
    password: str
    practitioners: tuple[str, ...] = ()


def _staff_user(email: str, first_name: str, role: str):
    User = get_user_model()
    user, created = User.objects.get_or_create(email=email, defaults={"first_name": first_name, "is_staff": True})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get(name=role))
    return user


@transaction.atomic
def load_demo() -> DemoLogins:
    location, _ = Location.objects.get_or_create(
        name="Anna Nagar studio",
        defaults={
            "address": "2nd Avenue, Anna Nagar, Chennai 600040", "time_zone": "Asia/Kolkata",
            "cancellation_policy": "Please cancel or move a visit at least 24 hours ahead, so another client can "
                                   "have the time. Later cancellations and missed visits may be charged half the "
                                   "treatment's price.",
        },
    )
    for room_name in ("Room 1", "Room 2", "Foot care lounge"):
        Room.objects.get_or_create(location=location, name=room_name)
    lounge = Room.objects.get(location=location, name="Foot care lounge")
    for service in Service.objects.filter(category=Service.Category.REFLEXOLOGY):
        service.rooms.add(lounge)  # the reclining chairs are there; the other rooms suit everything else

    _staff_user(MANAGER_EMAIL, "Priya", roles.MANAGER)
    _staff_user(RECEPTIONIST_EMAIL, "Sathya", roles.RECEPTIONIST)
    for email, display_name, bio, service_slugs, weekdays, spans in PRACTITIONERS:
        user = _staff_user(email, display_name.split()[0], roles.PRACTITIONER)
        practitioner, _ = Practitioner.objects.get_or_create(
            user=user, defaults={"display_name": display_name, "bio": bio}
        )
        practitioner.services.set(Service.objects.filter(slug__in=service_slugs))
        for weekday in weekdays:
            for starts_at, ends_at in spans:
                WorkingHours.objects.get_or_create(
                    practitioner=practitioner,
                    location=location,
                    weekday=weekday,
                    starts_at=starts_at,
                    defaults={"ends_at": ends_at},
                )

    _demo_calendar(location)

    for full_name, phone, email, email_reminders, sms_reminders in CLIENTS:
        Client.objects.get_or_create(
            full_name=full_name,
            defaults={
                "phone": phone,
                "email": email,
                "email_reminders": email_reminders,
                "sms_reminders": sms_reminders,
            },
        )
    _demo_client_login()
    _demo_history()
    _demo_appointments()
    _demo_today()
    _demo_health_answers()
    _demo_past_session()
    _demo_session_note()
    _demo_data_rights()
    _demo_messages()
    return DemoLogins(
        manager=MANAGER_EMAIL, receptionist=RECEPTIONIST_EMAIL, client=CLIENT_EMAIL, password=DEMO_PASSWORD,
        practitioners=tuple(email for email, *_rest in PRACTITIONERS),
    )


def _demo_client_login() -> None:
    """A client who uses the app, with a home-care routine from her therapist."""
    client = Client.objects.get(email=CLIENT_EMAIL)
    if client.user is None:
        User = get_user_model()
        user = User.objects.filter(email=CLIENT_EMAIL).first() or User.objects.create_user(CLIENT_EMAIL, DEMO_PASSWORD)
        client.user = user
        client.save(update_fields=["user"])
    HomeCareAssignment.objects.get_or_create(
        client=client,
        routine=HomeCareRoutine.objects.get(slug="hands-upper-back-points"),
        active=True,
        defaults={
            "assigned_by": Practitioner.objects.get(user__email="meena@demo.clinic"),
            "assigned_on": timezone.localdate(),
            "note": "Gently, on the tight spot beside the left shoulder blade.",
        },
    )


def _demo_data_rights() -> None:
    """The demo client asked to have her phone number corrected, and it
    was; the manager exported her data for her once."""
    client = Client.objects.get(email=CLIENT_EMAIL)
    manager = get_user_model().objects.get(email=MANAGER_EMAIL)
    if not CorrectionRequest.objects.filter(client=client).exists():
        correction = rights.record_correction_request(
            client=client, received_on=timezone.localdate() - timedelta(days=3),
            request="My old phone number is still on file.", actor=manager)
        rights.close_correction_request(correction=correction, state="corrected",
                                        outcome="Updated the phone number and told her so.", actor=manager)
    if not RecordAccess.objects.filter(client=client).exists():
        rights.export_client(client=client, actor=manager)


def _demo_calendar(location: Location) -> None:
    """A public holiday, a training afternoon and a Sunday camp, relative to today."""
    today = timezone.localdate(timezone=location.time_zone)
    republic_day = date(today.year if (today.month, today.day) <= (1, 26) else today.year + 1, 1, 26)
    Closure.objects.get_or_create(
        location=location, first_day=republic_day, last_day=republic_day, defaults={"reason": "Republic Day"}
    )
    arjun = Practitioner.objects.get(user__email="arjun@demo.clinic")
    next_wednesday = today + timedelta(days=(2 - today.weekday()) % 7 or 7)
    starts = datetime.combine(next_wednesday, time(16), tzinfo=location.time_zone)
    TimeOff.objects.get_or_create(
        practitioner=arjun, start=starts, defaults={"end": starts + timedelta(hours=4), "reason": "Training"}
    )
    # The studio is shut on Sundays; Meena opens the next one for a back-care camp.
    meena = Practitioner.objects.get(user__email="meena@demo.clinic")
    next_sunday = today + timedelta(days=(6 - today.weekday()) % 7 or 7)
    DatedHours.objects.get_or_create(
        practitioner=meena, location=location, day=next_sunday,
        defaults={"starts_at": time(9), "ends_at": time(13), "reason": "Back-care camp"},
    )


# The last two weeks, day by day (0 = 14 days ago): which of the day's
# visits ended how. Most were completed; a few clients did not come, one
# cancelled late and one in good time, and a few said they were coming
# when the reminder asked.
HISTORY_DAYS = 14
HISTORY_VISITS_A_DAY = 2
NO_SHOWS = {(3, 1), (9, 0)}
LATE_CANCELS = {(6, 0)}
CANCELS = {(11, 1)}
CONFIRMED = {(1, 0), (2, 1), (4, 1), (8, 0), (10, 1), (12, 0)}


def _demo_history() -> None:
    """Two weeks of visits before today, booked, run and closed through the
    services at the times they happened, so the reports, the client
    records and last week's calendar have something to show. Idempotent:
    nothing is added once the studio has a past."""
    location = Location.objects.get(name="Anna Nagar studio")
    today = timezone.localdate(timezone=location.time_zone)
    first_day = today - timedelta(days=HISTORY_DAYS)
    if on_local_days(Appointment.objects.all(), first_day, today - timedelta(days=1)).exists():
        return
    services = list(Service.objects.filter(slug__in=["back-massage-60", "neck-back-acupressure-45",
                                                      "foot-reflexology-60"]).order_by("position"))
    clients = list(Client.objects.exclude(email=CLIENT_EMAIL).order_by("pk"))
    turn = 0
    for number in range(HISTORY_DAYS):
        day = first_day + timedelta(days=number)
        booked_at = timezone.make_aware(datetime.combine(day - timedelta(days=3), time(10)), location.time_zone)
        for visit in range(HISTORY_VISITS_A_DAY):
            service = services[(number + visit) % len(services)]
            slots = free_slots(service=service, first_day=day, last_day=day, now=booked_at)
            if not slots:
                continue  # the studio was shut, or the day was full
            slot = slots[(visit * 7 + number) % len(slots)]
            client = clients[turn % len(clients)]
            turn += 1
            try:
                appointment = book_appointment(
                    client=client, practitioner=Practitioner.objects.get(pk=slot.practitioner_id), service=service,
                    start=slot.start, source=Source.STAFF, actor=None, now=booked_at,
                )
            except BookingError:
                continue  # that client already had a visit then
            if appointment.status == AppointmentStatus.PENDING:
                approve_appointment(appointment=appointment, now=booked_at)
            _close(appointment, (number, visit))


def _close(appointment: Appointment, key: tuple[int, int]) -> None:
    """How one past visit ended (``HISTORY_*`` above say which)."""
    start = appointment.start
    if key in CONFIRMED:
        confirm_attendance(appointment=appointment, now=start - timedelta(hours=20))
    if key in LATE_CANCELS:
        cancel_appointment(appointment=appointment, reason="Stuck at work", now=start - timedelta(hours=3))
    elif key in CANCELS:
        cancel_appointment(appointment=appointment, reason="Travelling that week", now=start - timedelta(days=2))
    elif key in NO_SHOWS:
        mark_no_show(appointment=appointment, now=start + timedelta(minutes=40))
    else:
        check_in(appointment=appointment, now=start - timedelta(minutes=5))
        complete(appointment=appointment, now=appointment.end)


def _demo_appointments() -> None:
    """A few bookings over the next days, so the calendar is not empty."""
    today = timezone.localdate()
    if Appointment.objects.filter(start__date__gt=today).exists():
        return
    clients = list(Client.objects.order_by("pk"))
    services = list(Service.objects.filter(slug__in=["back-massage-60", "neck-back-acupressure-45",
                                                      "foot-reflexology-60"]).order_by("position"))
    for offset, (client, service) in enumerate(zip(clients, services * 2, strict=False)):
        slots = free_slots(service=service, first_day=today + timedelta(days=1), last_day=today + timedelta(days=7))
        if not slots:
            continue
        slot = slots[min(offset * 3, len(slots) - 1)]
        book_appointment(
            client=client,
            practitioner=Practitioner.objects.get(pk=slot.practitioner_id),
            service=service,
            start=slot.start,
            source=Source.STAFF,
            actor=None,
        )


def _demo_today() -> None:
    """Today's diary, so the front desk's home page has a day to run: a few
    visits booked yesterday, those already over completed, one under way
    checked in, one client who has not come in yet (late), and the rest
    still to come. On a day the studio is shut there is nothing, as in life."""
    location = Location.objects.get(name="Anna Nagar studio")
    today = timezone.localdate(timezone=location.time_zone)
    if on_local_days(Appointment.objects.all(), today, today).exists():
        return
    now = timezone.now()
    yesterday = now - timedelta(days=1)
    service = Service.objects.get(slug="back-massage-30")
    slots = sorted(free_slots(service=service, first_day=today, last_day=today, now=yesterday))
    def one_each(found):  # one slot per practitioner, so they do not overlap
        return list({slot.practitioner_id: slot for slot in found}.values())[:2]

    over = one_each(slot for slot in slots if slot.end <= now - timedelta(minutes=30))
    under_way = one_each(slot for slot in slots if now - timedelta(minutes=25) <= slot.start <= now < slot.end)
    ahead = list({slot.start: slot for slot in reversed(slots) if slot.start > now + timedelta(minutes=30)}
                 .values())[::-1]
    ahead = ahead[:: max(1, len(ahead) // 4)][: 6 - len(over) - len(under_way)]
    visitors = Client.objects.exclude(email=CLIENT_EMAIL).order_by("pk")
    for client, slot in zip(visitors, [*over, *under_way, *ahead], strict=False):
        try:
            appointment = book_appointment(
                client=client, practitioner=Practitioner.objects.get(pk=slot.practitioner_id), service=service,
                start=slot.start, source=Source.STAFF, actor=None, now=yesterday,
            )
        except BookingError:
            continue  # taken by a visit chosen before it (same practitioner or room)
        if appointment.status == AppointmentStatus.PENDING:
            approve_appointment(appointment=appointment, now=yesterday)
        if slot in over:
            check_in(appointment=appointment, now=slot.start)
            complete(appointment=appointment, now=slot.end)
        elif slot == (under_way[0] if under_way else None):
            check_in(appointment=appointment, now=slot.start)
        # a second visit under way stays unchecked: that client is late


def _demo_health_answers() -> None:
    """The app's client filled in her health questionnaire: strong lower-back
    pain, so a doctor's clearance is on file (recorded by the manager)."""
    client = Client.objects.get(email=CLIENT_EMAIL)
    if Intake.objects.filter(client=client).exists():
        return
    record_intake(
        actor=client.user, client=client, consent_method="online", consent_text_version="2026-01",
        conditions="Mild asthma", pain_areas=[{"region": "lower_back", "intensity": 7}],
        avoid_areas=["neck"], goals="Sit through a working day without back pain.",
    )
    rule = ContraindicationRule.objects.filter(answer="pain", active=True).order_by("pk").first()
    if rule is None:  # a manager has retired the pain rules
        return
    today = timezone.localdate()
    record_clearance(
        actor=get_user_model().objects.get(email=MANAGER_EMAIL), client=client, rule=rule,
        doctor="Dr. K. Raman", document_reference="Letter in the paper file, drawer 2",
        issued_on=today, valid_until=today + timedelta(days=90),
    )
def _demo_session_note() -> None:
    """One signed session note, written as a practitioner writes it after
    the app's client's last completed session, so the records pages have
    something to show."""
    if SessionNote.objects.exists():
        return
    appointment = Appointment.objects.select_related("practitioner__user").filter(
        client__email=CLIENT_EMAIL, status=AppointmentStatus.COMPLETED).order_by("-start", "pk").first()
    if appointment is None or appointment.practitioner.user is None:
        return
    author = appointment.practitioner.user
    note = notes.start_note(actor=author, appointment=appointment).note
    notes.update_draft(
        actor=author, note=note,
        subjective="Ache between the shoulder blades after long days at a laptop.",
        objective="Tender, tight band along the right upper back; full range of movement.",
        assessment="Muscle tension from posture; nothing that needs a doctor.",
        plan="Another session in two weeks; a short break from the screen every hour.",
        pressure="medium", pain_before=5, pain_after=2, client_response="Relaxed; less ache when turning the head.",
        body_chart={"regions": [{"side": "back", "region": "upper_back"}],
                    "marks": [{"side": "back", "x": 0.58, "y": 0.3, "intensity": 5}]},
        points=["GB21"], shared_with_client=True,
    )
    notes.sign_note(actor=author, note=note)


def _demo_past_session() -> None:
    """Last week's session of the app's client, completed, and her answer to
    the pain check-in that followed: booked, run and answered through the
    services, at the times they happened."""
    if PainCheckIn.objects.exists():
        return
    client = Client.objects.get(email=CLIENT_EMAIL)
    service = Service.objects.get(slug="back-massage-60")
    then = timezone.now() - timedelta(days=8)
    first_day = timezone.localdate(then) + timedelta(days=1)
    slots = free_slots(service=service, first_day=first_day, last_day=first_day + timedelta(days=2), now=then)
    if not slots:
        return
    slot = slots[0]
    appointment = book_appointment(
        client=client, practitioner=Practitioner.objects.get(pk=slot.practitioner_id), service=service,
        start=slot.start, source=Source.APP, actor=None, now=then,
    )
    if appointment.status == AppointmentStatus.PENDING:  # held for her flags, and looked at
        approve_appointment(appointment=appointment, now=then)
    check_in(appointment=appointment, now=slot.start)
    complete(appointment=appointment, now=appointment.end)
    message = appointment.notifications.filter(kind=Notification.Kind.CHECK_IN).first()
    if message is not None:
        record_check_in(notification=message, pain=3, now=message.due_at + timedelta(hours=3))


def _demo_messages() -> None:
    """What the dispatcher would have done by now: the messages already due
    were sent, but one failed (the SMS gateway did not answer), so the
    panel's "Failed" list has a row to send again. Written directly: the
    dispatcher is not part of the demo's start."""
    due = Notification.objects.filter(state=Notification.State.PENDING, due_at__lte=timezone.now())
    gone_out = (Notification.State.SENT, Notification.State.FAILED)
    if Notification.objects.filter(state__in=gone_out).exists() or not due.exists():
        return
    failing = due.filter(channel=Notification.Channel.SMS).order_by("-due_at", "pk").first() or due.first()
    Notification.objects.filter(pk=failing.pk).update(
        state=Notification.State.FAILED, attempts=3, last_error="SMS gateway did not answer in time (3 tries)")
    due.exclude(pk=failing.pk).update(state=Notification.State.SENT, sent_at=F("due_at"))
