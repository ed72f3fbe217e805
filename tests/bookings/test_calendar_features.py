"""What a clinic can now say about its calendar, end to end through the
database and the booking service: a late shift to midnight or past it,
hours on one date, and back-to-back sessions."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError

from bookings import selectors, services
from bookings.errors import BookingError
from bookings.models import DatedHours, Source, WorkingHours
from tests.scenario import MONDAY, NOW, TUESDAY, local

pytestmark = pytest.mark.django_db
SUNDAY = MONDAY + timedelta(days=6)


def listed(studio, day, practitioner=None) -> list[str]:
    slots = selectors.free_slots(service=studio.service, first_day=day, last_day=day, now=NOW,
                                 practitioner=practitioner or studio.practitioner)
    return [slot.start.astimezone(studio.location.time_zone).strftime("%a %H:%M") for slot in slots]


def book(studio, start):
    return services.book_appointment(client=studio.client, practitioner=studio.practitioner, service=studio.service,
                                     start=start, source=Source.STAFF, actor=None, now=NOW)


@pytest.fixture
def hourly(studio, settings):
    settings.BOOKING_GRID_MINUTES = 60
    studio.service.buffer_minutes = 0
    studio.service.save()
    return studio


class TestLateShifts:
    def test_a_shift_to_midnight_keeps_its_last_slot(self, hourly):
        WorkingHours.objects.create(practitioner=hourly.practitioner, location=hourly.location,
                                    weekday=TUESDAY.weekday(), starts_at=time(20), ends_at=time(0))
        assert listed(hourly, TUESDAY)[-2:] == ["Tue 22:00", "Tue 23:00"]
        assert book(hourly, local(TUESDAY, 23)).end == local(TUESDAY + timedelta(days=1), 0)

    def test_a_shift_past_midnight_is_booked_after_midnight(self, hourly):
        WorkingHours.objects.create(practitioner=hourly.practitioner, location=hourly.location,
                                    weekday=TUESDAY.weekday(), starts_at=time(22), ends_at=time(2))
        assert listed(hourly, TUESDAY)[-4:] == ["Tue 22:00", "Tue 23:00", "Wed 00:00", "Wed 01:00"]
        wednesday = TUESDAY + timedelta(days=1)
        assert book(hourly, local(wednesday, 1)).start == local(wednesday, 1)
        with pytest.raises(BookingError) as refused:
            book(hourly, local(wednesday, 2))
        assert refused.value.code == "outside_working_hours"

    def test_spans_that_overlap_across_midnight_are_refused(self, studio):
        WorkingHours.objects.create(practitioner=studio.practitioner, location=studio.location, weekday=6,
                                    starts_at=time(22), ends_at=time(2))
        overlapping = WorkingHours(practitioner=studio.practitioner, location=studio.location, weekday=6,
                                   starts_at=time(23), ends_at=time(1))
        with pytest.raises(ValidationError, match="overlaps"):
            overlapping.full_clean()
        with pytest.raises(ValidationError, match="must not end when they start"):
            WorkingHours(practitioner=studio.practitioner, location=studio.location, weekday=6,
                         starts_at=time(9), ends_at=time(9)).full_clean()


class TestHoursOnADate:
    def test_a_sunday_camp_opens_a_closed_day(self, hourly):
        DatedHours.objects.create(practitioner=hourly.practitioner, location=hourly.location, day=SUNDAY,
                                  starts_at=time(9), ends_at=time(12), reason="Back-care camp")
        assert listed(hourly, SUNDAY) == ["Sun 09:00", "Sun 10:00", "Sun 11:00"]
        assert book(hourly, local(SUNDAY, 10)).start == local(SUNDAY, 10)
        assert listed(hourly, SUNDAY + timedelta(days=7)) == []

    def test_a_shorter_day_replaces_the_week(self, hourly):
        DatedHours.objects.create(practitioner=hourly.practitioner, location=hourly.location, day=TUESDAY,
                                  starts_at=time(9), ends_at=time(11), replaces_weekly=True, reason="Festival")
        assert listed(hourly, TUESDAY) == ["Tue 09:00", "Tue 10:00"]
        with pytest.raises(BookingError) as refused:
            book(hourly, local(TUESDAY, 15))
        assert refused.value.code == "outside_working_hours"
        assert listed(hourly, TUESDAY, practitioner=hourly.other_practitioner)[-1] == "Tue 18:00"

    def test_a_late_evening_adds_to_the_week(self, hourly):
        DatedHours.objects.create(practitioner=hourly.practitioner, location=hourly.location, day=TUESDAY,
                                  starts_at=time(19), ends_at=time(21), reason="Before Pongal")
        assert listed(hourly, TUESDAY)[-3:] == ["Tue 18:00", "Tue 19:00", "Tue 20:00"]


class TestBackToBack:
    def test_sessions_follow_each_other_from_the_start_of_each_shift(self, studio):
        studio.service.duration_minutes, studio.service.buffer_minutes = 75, 15
        studio.service.back_to_back = True
        studio.service.save()
        # Shifts 09:00-13:00 and 14:00-19:00: 75 minutes + 15 of clean-up.
        assert listed(studio, TUESDAY) == ["Tue 09:00", "Tue 10:30", "Tue 14:00", "Tue 15:30", "Tue 17:00"]
        assert book(studio, local(TUESDAY, 10, 30)).start == local(TUESDAY, 10, 30)
        with pytest.raises(BookingError) as refused:
            book(studio, local(TUESDAY, 15))
        assert refused.value.code == "off_grid"

    def test_a_step_over_four_hours_is_refused_by_the_database(self, studio):
        from django.db import IntegrityError, transaction

        studio.service.duration_minutes, studio.service.buffer_minutes = 240, 15
        studio.service.save()  # fine on the clinic's grid
        studio.service.back_to_back = True
        with pytest.raises(IntegrityError), transaction.atomic():
            studio.service.save()


def test_the_app_is_told_which_services_run_back_to_back(studio):
    from rest_framework.test import APIClient

    studio.service.back_to_back = True
    studio.service.save()
    services_listed = APIClient().get("/api/v1/services/").json()["results"]
    assert {row["id"]: row["back_to_back"] for row in services_listed}[studio.service.pk] is True
