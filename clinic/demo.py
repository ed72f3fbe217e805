"""Demo data for a local run: one studio, its rooms, its staff and a few
clients. Idempotent: running it again changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from clinic import roles
from clinic.models import Client, Location, Practitioner, Room
from treatments.models import Service

DEMO_PASSWORD = "demo-clinic-2026"
MANAGER_EMAIL = "manager@demo.clinic"
RECEPTIONIST_EMAIL = "reception@demo.clinic"

PRACTITIONERS = [
    ("meena@demo.clinic", "Meena R.", "Twelve years of back and neck work; calm, firm pressure.",
     ["back-massage-30", "back-massage-60", "neck-back-acupressure-45"]),
    ("arjun@demo.clinic", "Arjun K.", "Acupressure and reflexology, trained in Chennai and Kerala.",
     ["neck-back-acupressure-45", "foot-reflexology-60", "foot-reflexology-30"]),
    ("divya@demo.clinic", "Divya S.", "Reflexology and relaxing back massage for long working weeks.",
     ["back-massage-30", "back-massage-60", "foot-reflexology-60", "foot-reflexology-30"]),
]

CLIENTS = [
    ("Lakshmi Narayanan", "+919840012345", "lakshmi@example.com", True, True),
    ("Rahul Menon", "+919884054321", "rahul@example.com", True, False),
    ("Fatima Sheikh", "+919962011122", "", False, True),
    ("Karthik Subramanian", "", "karthik@example.com", True, False),
]


@dataclass(frozen=True)
class DemoLogins:
    manager: str
    receptionist: str
    password: str


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
        defaults={"address": "2nd Avenue, Anna Nagar, Chennai 600040", "time_zone": "Asia/Kolkata"},
    )
    for room_name in ("Room 1", "Room 2", "Foot care lounge"):
        Room.objects.get_or_create(location=location, name=room_name)

    _staff_user(MANAGER_EMAIL, "Priya", roles.MANAGER)
    _staff_user(RECEPTIONIST_EMAIL, "Sathya", roles.RECEPTIONIST)
    for email, display_name, bio, service_slugs in PRACTITIONERS:
        user = _staff_user(email, display_name.split()[0], roles.PRACTITIONER)
        practitioner, _ = Practitioner.objects.get_or_create(
            user=user, defaults={"display_name": display_name, "bio": bio}
        )
        practitioner.services.set(Service.objects.filter(slug__in=service_slugs))

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
    return DemoLogins(manager=MANAGER_EMAIL, receptionist=RECEPTIONIST_EMAIL, password=DEMO_PASSWORD)
