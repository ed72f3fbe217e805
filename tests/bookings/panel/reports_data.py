"""A small clinic week whose every report figure is worked out by hand,
for ``test_reports.py`` and ``test_reports_page.py``.

The Adyar studio in Chennai (Asia/Kolkata), the week of Monday 1 to Sunday 7
February 2027. Two practitioners:

Asha (A): Monday to Friday 09:00-13:00 and 14:00-18:00 (480 minutes a day);
  Thursday 4 Feb has its own hours, 09:00-12:00, instead (180);
  time off Tuesday 2 Feb 14:00-16:00 (-120).
Bala (B): Monday, Wednesday and Friday 10:00-16:00 (360 a day);
  Saturday 6 Feb, hours added for a camp, 10:00-12:00 (120).
The studio is closed on Friday 5 Feb.

Working minutes: A = Mon 480 + Tue 360 + Wed 480 + Thu 180 + Fri 0 = 1500;
                 B = Mon 360 + Wed 360 + Fri 0 + Sat 120 = 840.

Treatments: Back rub (60 min, list price 1500), Foot rub (45 min, 1200).
Clients X, Y, Z.

 #  when (IST)         who  treatment  status            client  price
 1  Mon 1 Feb 09:00    A    back       completed         X       1500
 2  Mon 1 Feb 11:00    A    foot       completed         Y       1200
 3  Tue 2 Feb 09:00    A    back       no-show           Z       1500
 4  Wed 3 Feb 10:00    A    back       cancelled, late   X       1500
 5  Wed 3 Feb 14:00    A    foot       cancelled early   Y       1200
 6  Thu 4 Feb 09:00    A    back       confirmed         Z       1500
 7  Mon 1 Feb 10:00    B    back       completed         Z       1400 (a price agreed when booked)
 8  Wed 3 Feb 12:00    B    foot       completed         X       1200
 9  Sat 6 Feb 10:00    B    foot       checked in        Y       1200
10  Sun 7 Feb 23:30    B    foot       no-show           X       1200  (the last half hour of the period)
11  Mon 8 Feb 00:00    B    back       no-show           Y       1500  (after it: 18:30 UTC on the 7th)
12  Sun 31 Jan 23:30   A    back       completed         Y       1500  (before it: 18:00 UTC on the 31st)
Elsewhere (the Bengaluru studio): 13 Wed 20 Jan 10:00 A back completed Z 1500;
                                  14 Tue 2 Feb 16:00  A back completed X 9999.

Booked minutes (pending, confirmed, checked in, completed, no-show; session only):
  A = 60 (#1) + 45 (#2) + 60 (#3) + 60 (#6) = 225 of 1500 -> 15.0%, 4 appointments
  B = 60 (#7) + 45 (#8) + 45 (#9) + 45 (#10) = 195 of 840 -> 23.2%, 4 appointments
Revenue (completed: #1, #2, #7, #8):
  Back rub 2 appointments 2900; Foot rub 2, 2400; total 5300
  Asha 2, 2700; Bala 2, 2600
New and returning (completed in the period: X #1 #8, Y #2, Z #7):
  X's first completed appointment ever is #1: new (1 client, 2 visits);
  Y's is #12 (31 Jan), Z's is #13 (elsewhere, 20 Jan): returning (2 clients, 2 visits)
Messages (state, sent at IST):
  N1  #1  reminder email     failed
  N2  #4  reminder email     sent Wed 3 Feb 08:00   <- the first reminder sent here
  N3  #8  reminder email     sent Wed 3 Feb 09:00   (X then confirmed)
  N4  #8  reminder SMS       failed
  N5  #9  reminder SMS       sent Fri 5 Feb 10:00   (Y confirmed)
  N6  #10 reminder WhatsApp  sent Sun 7 Feb 20:00
  N7  #9  reminder email     pending
  N8  #6  reminder email     skipped                (Z confirmed from the booking confirmation)
  N9  #11 reminder SMS       sent Sun 7 Feb 21:00   (outside the period)
  N10 #13 reminder email     sent Fri 1 Jan 09:00   (elsewhere)
  N11 #2  confirmation email sent Mon 25 Jan 09:00  (not a reminder)
Reminders started Wed 3 Feb 08:00 IST. Came due (completed, checked in,
no-show, late cancel): #1 #2 #3 #7 | #4 #8 #9 #10 = 8; no-shows #3 #10 = 2
(25%), late cancels #4 = 1 (12.5%).
  Before (start before 3 Feb 08:00): #1 #2 #3 #7 = 4, no-shows 1 (25%), late 0 (0%)
  Since: #4 #8 #9 #10 = 4, no-shows 1 (25%), late 1 (25%)
Delivery (sent / (sent + failed), appointments of the period):
  email 2 sent (N2, N3), 1 failed (N1) -> 66.7%; SMS 1 (N5), 1 (N4) -> 50%; WhatsApp 1, 0 -> 100%
Confirmation: appointments with a sent reminder #4 #8 #9 #10 = 4; confirmed #8 #9 = 2 -> 50%.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bookings.models import Appointment, AppointmentStatus, Closure, DatedHours, Notification, Source, TimeOff
from clinic.models import Client, Location, Practitioner
from tests.bookings.factories import WorkingHoursFactory
from tests.clinic.factories import ClientFactory, LocationFactory, PractitionerFactory
from tests.treatments.factories import ServiceFactory
from treatments.models import Service

KOLKATA = ZoneInfo("Asia/Kolkata")
FIRST_DAY = date(2027, 2, 1)
LAST_DAY = date(2027, 2, 7)


def ist(day: int, hour: int, minute: int = 0, month: int = 2) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=KOLKATA)


@dataclass
class Week:
    location: Location
    elsewhere: Location
    asha: Practitioner
    bala: Practitioner
    back: Service
    foot: Service
    x: Client
    y: Client
    z: Client
    appointments: dict[int, Appointment] = field(default_factory=dict)
    reminders_started: datetime = ist(3, 8)


def appointment(week: Week, *, practitioner, service, start, status, client, price=None, location=None,
                late=False) -> Appointment:
    end = start + timedelta(minutes=service.duration_minutes)
    return Appointment.objects.create(
        client=client, practitioner=practitioner, service=service, location=location or week.location,
        start=start, end=end, buffer_end=end + timedelta(minutes=service.buffer_minutes),
        price=service.price if price is None else Decimal(price), status=status, source=Source.STAFF,
        cancelled_at=start - timedelta(hours=1 if late else 48) if status == AppointmentStatus.CANCELLED else None,
        late_cancellation=late,
    )


def message(appointment_, kind, channel, state, sent_at=None, *, confirmed_at=None) -> Notification:
    due = sent_at or appointment_.start - timedelta(hours=20)
    note = Notification.objects.create(
        appointment=appointment_, kind=kind, channel=channel, state=state, due_at=due, for_start=appointment_.start,
        not_before=due, sent_at=sent_at, last_error="mailbox full" if state == Notification.State.FAILED else "",
        attempts=1 if state in (Notification.State.SENT, Notification.State.FAILED) else 0,
    )
    if confirmed_at is not None:
        Appointment.objects.filter(pk=appointment_.pk).update(client_confirmed_at=confirmed_at)
    return note


def build_week() -> Week:
    location = LocationFactory(name="Adyar studio", time_zone="Asia/Kolkata")
    elsewhere = LocationFactory(name="Bengaluru studio", time_zone="Asia/Kolkata")
    back = ServiceFactory(name="Back rub", duration_minutes=60, price=Decimal("1500"))
    foot = ServiceFactory(name="Foot rub", duration_minutes=45, price=Decimal("1200"))
    asha = PractitionerFactory(display_name="Asha")
    bala = PractitionerFactory(display_name="Bala")
    for practitioner in (asha, bala):
        practitioner.services.add(back, foot)
    for weekday in range(5):
        for starts, ends in ((time(9), time(13)), (time(14), time(18))):
            WorkingHoursFactory(practitioner=asha, location=location, weekday=weekday, starts_at=starts, ends_at=ends)
    for weekday in (0, 2, 4):
        WorkingHoursFactory(practitioner=bala, location=location, weekday=weekday, starts_at=time(10), ends_at=time(16))
    # Asha's hours elsewhere on Saturdays, which must not count here.
    WorkingHoursFactory(practitioner=asha, location=elsewhere, weekday=5, starts_at=time(9), ends_at=time(17))
    DatedHours.objects.create(practitioner=asha, location=location, day=date(2027, 2, 4), starts_at=time(9),
                              ends_at=time(12), replaces_weekly=True, reason="Short day")
    DatedHours.objects.create(practitioner=bala, location=location, day=date(2027, 2, 6), starts_at=time(10),
                              ends_at=time(12), reason="Back-care camp")
    TimeOff.objects.create(practitioner=asha, start=ist(2, 14), end=ist(2, 16), reason="Dentist")
    Closure.objects.create(location=location, first_day=date(2027, 2, 5), last_day=date(2027, 2, 5), reason="Festival")
    week = Week(location, elsewhere, asha, bala, back, foot, ClientFactory(full_name="Client X"),
                ClientFactory(full_name="Client Y"), ClientFactory(full_name="Client Z"))
    S = AppointmentStatus
    plan = {
        1: (asha, back, ist(1, 9), S.COMPLETED, week.x, None, None, False),
        2: (asha, foot, ist(1, 11), S.COMPLETED, week.y, None, None, False),
        3: (asha, back, ist(2, 9), S.NO_SHOW, week.z, None, None, False),
        4: (asha, back, ist(3, 10), S.CANCELLED, week.x, None, None, True),
        5: (asha, foot, ist(3, 14), S.CANCELLED, week.y, None, None, False),
        6: (asha, back, ist(4, 9), S.CONFIRMED, week.z, None, None, False),
        7: (bala, back, ist(1, 10), S.COMPLETED, week.z, "1400", None, False),
        8: (bala, foot, ist(3, 12), S.COMPLETED, week.x, None, None, False),
        9: (bala, foot, ist(6, 10), S.CHECKED_IN, week.y, None, None, False),
        10: (bala, foot, ist(7, 23, 30), S.NO_SHOW, week.x, None, None, False),
        11: (bala, back, ist(8, 0), S.NO_SHOW, week.y, None, None, False),
        12: (asha, back, ist(31, 23, 30, month=1), S.COMPLETED, week.y, None, None, False),
        13: (asha, back, ist(20, 10, month=1), S.COMPLETED, week.z, None, elsewhere, False),
        14: (asha, back, ist(2, 16), S.COMPLETED, week.x, "9999", elsewhere, False),
    }
    for number, (practitioner, service, start, status, client, price, place, late) in plan.items():
        week.appointments[number] = appointment(week, practitioner=practitioner, service=service, start=start,
                                                status=status, client=client, price=price, location=place, late=late)
    a, K, C, T = week.appointments, Notification.Kind, Notification.Channel, Notification.State
    message(a[1], K.REMINDER, C.EMAIL, T.FAILED)
    message(a[4], K.REMINDER, C.EMAIL, T.SENT, ist(3, 8))
    message(a[8], K.REMINDER, C.EMAIL, T.SENT, ist(3, 9), confirmed_at=ist(3, 9, 30))
    message(a[8], K.REMINDER, C.SMS, T.FAILED)
    message(a[9], K.REMINDER, C.SMS, T.SENT, ist(5, 10), confirmed_at=ist(5, 11))
    message(a[10], K.REMINDER, C.WHATSAPP, T.SENT, ist(7, 20))
    message(a[9], K.REMINDER, C.EMAIL, T.PENDING)
    message(a[6], K.REMINDER, C.EMAIL, T.SKIPPED, confirmed_at=ist(1, 12))
    message(a[11], K.REMINDER, C.SMS, T.SENT, ist(7, 21))
    message(a[13], K.REMINDER, C.EMAIL, T.SENT, ist(1, 9, month=1))
    message(a[2], K.CONFIRMATION, C.EMAIL, T.SENT, ist(25, 9, month=1))
    return week
