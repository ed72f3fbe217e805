from datetime import time

import factory

from bookings.models import Closure, TimeOff, WorkingHours
from tests.clinic.factories import LocationFactory, PractitionerFactory


class WorkingHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkingHours

    practitioner = factory.SubFactory(PractitionerFactory)
    location = factory.SubFactory(LocationFactory)
    weekday = 0
    starts_at = time(9)
    ends_at = time(13)


class TimeOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeOff

    practitioner = factory.SubFactory(PractitionerFactory)
    reason = "Leave"


class ClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Closure

    location = factory.SubFactory(LocationFactory)
    reason = "Holiday"
