"""Writes to people: a client signing up, a client changing their details."""

from __future__ import annotations

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clinic.errors import ClinicError
from clinic.models import Client

# What a client may change about themselves (the email is the login's).
PROFILE_FIELDS = (
    "full_name",
    "phone",
    "date_of_birth",
    "preferred_language",
    "email_reminders",
    "sms_reminders",
    "emergency_contact_name",
    "emergency_contact_phone",
)


def register_client(*, full_name: str, email: str, phone: str, password: str, **profile) -> Client:
    """Create a login and its client record together, or neither.

    Raises ``ClinicError``: the password fails the password rules, the email
    is taken, or the profile breaks a model rule.
    """
    User = get_user_model()
    email = User.objects.normalize_email(email).strip().lower()
    unknown = set(profile) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    user = User(email=email)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ClinicError("weak_password", fields={"password": error.messages}) from error
    if User.objects.filter(email__iexact=email).exists():
        raise ClinicError("email_taken", field="email")
    client = Client(full_name=full_name, email=email, phone=phone, **profile)
    _check_profile(client)
    try:
        with transaction.atomic():
            user.set_password(password)
            user.save()
            client.user = user
            client.save()
    except IntegrityError as error:  # a sign-up with the same email won the race
        raise ClinicError("email_taken", field="email") from error
    return client


def update_client_profile(*, client: Client, **changes) -> Client:
    """Change the client's own details; the email stays the login's."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = Client.objects.select_for_update().get(pk=client.pk)
        for name, value in changes.items():
            setattr(locked, name, value)
        _check_profile(locked)
        locked.save()
    return locked


def _check_profile(client: Client) -> None:
    try:
        client.full_clean(exclude=["user"])
    except ValidationError as error:
        raise ClinicError.from_validation("invalid_profile", error) from error


def set_staff_roles(*, account, roles) -> None:
    """Give ``account`` exactly these role groups; staff status (signing in
    to the panel) follows from holding a role, or from being a superuser."""
    with transaction.atomic():
        account.groups.set(roles)
        is_staff = account.is_superuser or bool(list(roles))
        if account.is_staff != is_staff:
            account.is_staff = is_staff
            account.save(update_fields=["is_staff"])
