"""GET availability/: the answer the view writes itself is, byte for byte,
what the serializer path wrote before it (each slot's times through
``local_iso`` in its location's zone, rendered by the JSON renderer), on a
daylight-saving day and in a half-hour zone; and it asks the database
nothing beyond the query's lookups and the calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from bookings import selectors
from bookings.api import AvailabilityQuery, local_iso, local_texts, slots_json
from bookings.availability import offset_changes
from bookings.models import WorkingHours
from clinic.models import Location, Practitioner
from clinic.rest import StrictSerializer
from tests.clinic.factories import LocationFactory, PractitionerFactory
from tests.scenario import MONDAY, NOW, next_tuesday
from tests.treatments.factories import ServiceFactory
from treatments.models.catalogue import Service

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
SPRING_SUNDAY = date(2027, 3, 28)  # London's clocks go from 01:00 to 02:00
AUTUMN_SUNDAY = date(2027, 10, 31)  # and from 02:00 back to 01:00


def as_before(slots) -> bytes:
    """The answer as the view wrote it before: a dict per slot, each time
    shown through ``local_iso`` in the zone read from the location's row."""
    zones = dict(Location.objects.filter(pk__in={slot.location_id for slot in slots}).values_list("pk", "time_zone"))
    rows = [
        {
            "start": local_iso(slot.start, zones[slot.location_id]),
            "end": local_iso(slot.end, zones[slot.location_id]),
            "practitioner": slot.practitioner_id,
            "location": slot.location_id,
        }
        for slot in slots
    ]
    return JSONRenderer().render({"slots": rows})


def hours(practitioner, location, spans) -> None:
    WorkingHours.objects.bulk_create(
        WorkingHours(practitioner=practitioner, location=location, weekday=weekday, starts_at=start, ends_at=end)
        for weekday in range(7)
        for start, end in spans
    )


@pytest.fixture
def london(studio):
    """A London studio where two of the studio's colleagues and a third work
    across the night of the clock change, beside the Chennai studio."""
    location = LocationFactory(name="London studio", time_zone="Europe/London")
    team = [studio.practitioner, PractitionerFactory(), PractitionerFactory()]
    for practitioner in team:
        practitioner.services.add(studio.service)
        hours(practitioner, location, [(time(0), time(4)), (time(9), time(12, 30))])
    location.rooms.create(name="Front room")
    return location


def ask(monkeypatch, now: datetime, **query):
    monkeypatch.setattr(timezone, "now", lambda: now)
    return APIClient().get("/api/v1/availability/", query)


@pytest.mark.parametrize("day", [SPRING_SUNDAY, AUTUMN_SUNDAY], ids=["spring", "autumn"])
def test_a_clock_change_and_a_half_hour_zone_read_as_before(day, studio, london, monkeypatch):
    now = datetime.combine(day - timedelta(days=3), time(8), tzinfo=LONDON)
    first, last = day - timedelta(days=1), day + timedelta(days=1)
    response = ask(monkeypatch, now, service=studio.service.pk, start=str(first), end=str(last))
    assert response.status_code == 200

    slots = selectors.free_slots(service=studio.service, first_day=first, last_day=last, now=now)
    assert response.content == as_before(slots)
    shown = response.json()["slots"]
    offsets = {row["start"][-6:] for row in shown}
    assert {"+00:00", "+01:00", "+05:30"} <= offsets  # both sides of the change, and Chennai
    assert {row["location"] for row in shown} == {studio.location.pk, london.pk}
    # Practitioners free at the same time share the instant, written alike.
    starts = [row["start"] for row in shown]
    assert len(set(starts)) < len(starts)


def test_one_practitioner_in_kolkata_reads_as_before(studio, monkeypatch):
    first, last = MONDAY, MONDAY + timedelta(days=6)
    response = ask(monkeypatch, NOW, service=studio.service.pk, start=str(first), end=str(last),
                   practitioner=studio.practitioner.pk)
    slots = selectors.free_slots(service=studio.service, first_day=first, last_day=last,
                                 practitioner=studio.practitioner, now=NOW)
    assert slots and response.content == as_before(slots)
    assert response.json()["slots"][0]["start"].endswith("+05:30")


def test_no_slot_is_an_empty_list(studio, monkeypatch):
    studio.service.practitioners.clear()
    response = ask(monkeypatch, NOW, service=studio.service.pk, start=str(MONDAY), end=str(MONDAY))
    assert response.content == as_before([]) == b'{"slots":[]}'


def test_the_rows_are_written_once_per_distinct_time_yet_in_full(studio, london):
    now = datetime.combine(SPRING_SUNDAY - timedelta(days=3), time(8), tzinfo=LONDON)
    runs, zones = selectors.free_runs_and_zones(service=studio.service, first_day=SPRING_SUNDAY,
                                                last_day=SPRING_SUNDAY, now=now)
    assert zones == {london.pk: LONDON, studio.location.pk: ZoneInfo("Asia/Kolkata")}
    slots = selectors.free_slots(service=studio.service, first_day=SPRING_SUNDAY, last_day=SPRING_SUNDAY, now=now)
    duration = timedelta(minutes=studio.service.duration_minutes)
    assert slots_json(runs, zones, duration).encode() == as_before(slots)


def test_the_zones_cost_no_query(studio, london, monkeypatch, django_assert_num_queries):
    """The lookups of the query (service, practitioner) and the calendar's
    statements, nothing more: the zones come with the working hours."""
    now = datetime.combine(SPRING_SUNDAY - timedelta(days=3), time(8), tzinfo=LONDON)
    monkeypatch.setattr(timezone, "now", lambda: now)
    arguments = dict(service=studio.service, first_day=SPRING_SUNDAY, last_day=SPRING_SUNDAY + timedelta(days=6))
    with django_assert_num_queries(7) as calendar:  # weekly and dated hours, bookings, time off, closures, rooms, rooms' bookings
        selectors.free_slots(**arguments)
    query = {"service": studio.service.pk, "start": str(arguments["first_day"]), "end": str(arguments["last_day"])}
    with django_assert_num_queries(1 + len(calendar.captured_queries)):
        assert APIClient().get("/api/v1/availability/", query).json()["slots"]
    with django_assert_num_queries(2 + len(calendar.captured_queries)):
        assert APIClient().get("/api/v1/availability/", {**query, "practitioner": studio.practitioner.pk}).json()["slots"]


# Around each zone's 2026 changes: whole hours (London, New York), half an
# hour (Lord Howe), 45-minute offsets (Chatham, Kathmandu), none (Kolkata),
# and Morocco's change before Ramadan and its undoing five weeks later.
ZONE_RANGES = [
    ("Europe/London", datetime(2026, 3, 27, tzinfo=UTC), datetime(2026, 4, 2, tzinfo=UTC)),
    ("America/New_York", datetime(2026, 10, 30, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC)),
    ("Australia/Lord_Howe", datetime(2026, 10, 2, tzinfo=UTC), datetime(2026, 10, 5, tzinfo=UTC)),
    ("Pacific/Chatham", datetime(2026, 4, 3, tzinfo=UTC), datetime(2026, 4, 6, tzinfo=UTC)),
    ("Asia/Kathmandu", datetime(2026, 12, 6, tzinfo=UTC), datetime(2026, 12, 9, tzinfo=UTC)),
    ("Asia/Kolkata", datetime(2026, 12, 6, tzinfo=UTC), datetime(2026, 12, 9, tzinfo=UTC)),
    ("Africa/Casablanca", datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC)),
]


@pytest.mark.parametrize(("name", "first", "last"), ZONE_RANGES, ids=[name for name, _, _ in ZONE_RANGES])
def test_each_instant_reads_as_local_iso_writes_it(name, first, last):
    """``local_texts`` writes an instant as ``local_iso`` does, on both
    sides of every change of offset, whatever the order and repeats of the
    instants it is given; odd seconds and microseconds are kept."""
    zone = ZoneInfo(name)
    instants = []
    moment = first
    while moment < last:
        instants.append(moment)
        moment += timedelta(minutes=7, seconds=13, microseconds=250)
    given = instants[::-1] + instants[::3]
    texts = local_texts(given, zone)
    assert texts == {instant: local_iso(instant, zone) for instant in instants}
    offsets = [texts[instant][-6:] for instant in instants]
    moves = sum(earlier != later for earlier, later in zip(offsets, offsets[1:]))
    assert moves == len(offset_changes(first, last, zone))


def test_offset_changes_are_found_over_a_month_and_more():
    """A range is looked at a day at a time: Morocco's offset changes before
    Ramadan and back after it, and the ends of the range alone agree."""
    zone = ZoneInfo("Africa/Casablanca")
    first, last = datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC)
    assert first.astimezone(zone).utcoffset() == last.astimezone(zone).utcoffset()
    changes = offset_changes(first, last, zone)
    assert len(changes) == 2
    for change in changes:
        before, after = change - timedelta(seconds=1), change
        assert before.astimezone(zone).utcoffset() != after.astimezone(zone).utcoffset()
    assert offset_changes(first, first, zone) == []


def test_the_front_desk_is_shown_the_times_inside_the_notice_it_may_book(settings, studio, receptionist):
    """Clients and visitors are not shown a time they could not book; the
    front desk, which may book inside the notice (the policy), is."""
    day = next_tuesday()  # a working day, 7 to 13 days ahead
    settings.BOOKING_MIN_NOTICE_MINUTES = 15 * 24 * 60
    query = {"service": studio.service.pk, "start": day.isoformat(), "end": day.isoformat()}
    assert APIClient().get("/api/v1/availability/", query).json()["slots"] == []
    desk = APIClient()
    desk.force_authenticate(receptionist)
    assert desk.get("/api/v1/availability/", query).json()["slots"]


class _AsTheQuerysetReadsIt(StrictSerializer):
    """The availability query's two ids as DRF's own field reads them: the
    oracle for ``FoundByIdField``."""

    service = serializers.PrimaryKeyRelatedField(queryset=Service.objects.active())
    practitioner = serializers.PrimaryKeyRelatedField(queryset=Practitioner.objects.filter(active=True),
                                                      required=False)


def _read(serializer_class, data) -> tuple:
    query = serializer_class(data=data)
    if query.is_valid():
        return "valid", {name: value.pk for name, value in query.validated_data.items() if hasattr(value, "pk")}
    return "invalid", {name: query.errors[name] for name in ("service", "practitioner") if name in query.errors}


@pytest.mark.parametrize("given", ["own", "4242", "gone", "abc", "1.5", "", " own ", "-1", "0", "true"])
def test_the_query_reads_its_ids_as_the_queryset_field_does(studio, given):
    """The two ids are found by hand-written statements; every answer and
    error is what ``PrimaryKeyRelatedField`` gives for the same text."""
    gone = PractitionerFactory(active=False)
    gone_service = ServiceFactory(active=False)
    texts = {"own": (studio.service.pk, studio.practitioner.pk), " own ": (f" {studio.service.pk} ",
             f" {studio.practitioner.pk} "), "gone": (gone_service.pk, gone.pk)}
    service, practitioner = texts.get(given, (given, given))
    data = {"service": service, "practitioner": practitioner, "start": "2027-01-04", "end": "2027-01-05"}
    ours = _read(AvailabilityQuery, data)
    assert ours == _read(_AsTheQuerysetReadsIt, {"service": service, "practitioner": practitioner})
    assert ours[0] == ("valid" if given.strip() == "own" else "invalid")


@pytest.mark.parametrize("flags", [(True, False), (False, True)], ids=["room", "back to back"])
def test_the_service_is_loaded_with_what_listing_reads(db, flags):
    requires_room, back_to_back = flags
    service = ServiceFactory(requires_room=requires_room, back_to_back=back_to_back, duration_minutes=45,
                             buffer_minutes=10)
    found = selectors.active_service(service.pk)
    assert [getattr(found, name) for name in selectors.LISTING_SERVICE_FIELDS] == \
        [service.pk, 45, 10, requires_room, back_to_back]
    assert type(found.requires_room) is bool and type(found.back_to_back) is bool
    assert found.name == service.name  # a field left out loads when read
    service.active = False
    service.save()
    assert selectors.active_service(service.pk) is None
    assert selectors.active_service(2**63) is None and selectors.active_service(0) is None
