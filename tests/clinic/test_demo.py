import pytest
from django.core.management import CommandError, call_command

from clinic import roles
from clinic.demo import DEMO_PASSWORD, MANAGER_EMAIL, load_demo
from bookings.models import Appointment
from clinic.models import Client, Location, Practitioner, Room, User
from treatments.models import Service, ServiceCategory

pytestmark = pytest.mark.django_db


def counts():
    return tuple(m.objects.count() for m in (Location, Room, Practitioner, Client, User, Service.rooms.through))


def test_demo_has_a_studio_three_practitioners_and_clients():
    load_demo()
    assert Location.objects.get().rooms.count() == 3
    practitioners = Practitioner.objects.prefetch_related("services")
    assert practitioners.count() == 3
    offered = {service.category for p in practitioners for service in p.services.all()}
    assert offered == set(ServiceCategory.values)
    assert all(p.user.groups.filter(name=roles.PRACTITIONER).exists() and p.user.is_staff for p in practitioners)
    assert Client.objects.count() >= 3


def test_demo_reflexology_keeps_to_the_foot_care_lounge():
    load_demo()
    for service in Service.objects.all():
        listed = [room.name for room in service.rooms.all()]
        assert listed == (["Foot care lounge"] if service.category == ServiceCategory.REFLEXOLOGY else []), service
    booked = Appointment.objects.filter(service__category=ServiceCategory.REFLEXOLOGY)
    assert booked.exists() and set(booked.values_list("room__name", flat=True)) == {"Foot care lounge"}


def test_demo_manager_can_sign_in():
    load_demo()
    manager = User.objects.get(email=MANAGER_EMAIL)
    assert manager.check_password(DEMO_PASSWORD)
    assert manager.groups.filter(name=roles.MANAGER).exists()


def test_loading_twice_adds_nothing():
    load_demo()
    before = counts()
    load_demo()
    assert counts() == before


def test_command_prints_the_login(settings, capsys):
    settings.DEBUG = True
    call_command("load_demo")
    out = capsys.readouterr().out
    assert MANAGER_EMAIL in out and DEMO_PASSWORD in out


def test_command_refuses_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("load_demo")
    assert not User.objects.filter(email=MANAGER_EMAIL).exists()


def test_demo_has_two_weeks_behind_it_for_the_reports_and_records():
    """Past visits closed every way a visit ends, with their messages gone
    out, and the signed note on a session that took place."""
    from bookings.models import AppointmentStatus, Notification
    from django.utils import timezone
    from treatments.models import SessionNote

    load_demo()
    past = Appointment.objects.filter(start__lt=timezone.now() - timezone.timedelta(days=1))
    assert past.filter(status=AppointmentStatus.COMPLETED).count() >= 10
    assert past.filter(status=AppointmentStatus.NO_SHOW).exists()
    assert past.filter(status=AppointmentStatus.CANCELLED, late_cancellation=True).exists()
    assert past.exclude(client_confirmed_at=None).exists()
    assert Notification.objects.filter(kind=Notification.Kind.REMINDER, state=Notification.State.SENT).exists()
    assert SessionNote.objects.get().appointment.status == AppointmentStatus.COMPLETED
