"""Writes to people: a client signing up, a client changing their details,
anyone changing or resetting their password and ending their sessions."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.http import urlsafe_base64_decode

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
    "whatsapp_reminders",
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


# -- passwords and sessions ------------------------------------------------------


def end_sessions(user) -> int:
    """Revoke every refresh token ``user`` holds (every signed-in app); the
    access tokens already issued stop working once the password changes,
    as each carries a digest of the password it was issued under."""
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

    outstanding = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
    return len(BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    ))


def _set_password(user, new_password: str, *, field: str) -> None:
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as error:
        raise ClinicError("weak_password", fields={field: error.messages}) from error
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        end_sessions(user)


def change_password(*, user, old_password: str, new_password: str) -> None:
    """A signed-in person changes their password; every earlier session ends."""
    if not user.check_password(old_password):
        raise ClinicError("wrong_password", field="old_password")
    _set_password(user, new_password, field="new_password")


def reset_password(*, uid: str, token: str, new_password: str) -> None:
    """Set a new password from the link a reset email carried; every
    earlier session ends, and the link with it (its token is made from the
    password it replaces)."""
    User = get_user_model()
    try:
        user = User.objects.get(pk=int(urlsafe_base64_decode(uid).decode()), is_active=True)
    except (ValueError, UnicodeDecodeError, OverflowError, User.DoesNotExist):
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        raise ClinicError("reset_link_invalid", field="token")
    _set_password(user, new_password, field="new_password")


def send_password_reset(*, email: str, request) -> None:
    """Mail a link to set a new password to the active account with this
    email, if there is one. The caller learns nothing either way, and an
    address gets at most ``PASSWORD_RESET_MAILS_PER_HOUR`` such mails."""
    key = f"password-reset-mails:{email.strip().lower()}"
    cache.add(key, 0, timeout=3600)
    try:
        sent = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, sent := 1, timeout=3600)
    if sent > settings.PASSWORD_RESET_MAILS_PER_HOUR:
        return
    form = PasswordResetForm({"email": email})
    if form.is_valid():
        form.save(
            request=request,
            use_https=request.is_secure(),
            extra_email_context={"valid_hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)},
        )
