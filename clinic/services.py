"""Writes to people: a client signing up, a client changing their details,
a client signing in with a one-time code, anyone changing or resetting
their password and ending their sessions."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import urlsafe_base64_decode

from clinic.errors import ClinicError
from clinic.models import Client, SignInCode
from clinic.selectors import client_of

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


def _hit(key: str, *, window: int) -> int:
    """Count one more hit on ``key`` in the shared cache (Redis when there
    is one); how many there were in the ``window`` seconds since the first."""
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def is_client_login(user) -> bool:
    """A login the client pages serve: a client's own, never a staff
    member's (they sign in at the staff panel)."""
    if user.is_staff or user.is_superuser or user.groups.exists():
        return False
    return client_of(user) is not None


class ClientResetForm(PasswordResetForm):
    """Django's reset form, with a link to the client pages' reset page for
    a client (staff get the panel's); with ``profile_language`` the mail is
    in the client's preferred language, else in the request's."""

    def __init__(self, *args, profile_language: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.profile_language = profile_language

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        user = context["user"]
        language = translation.get_language()
        if is_client_login(user):
            email_template_name = "registration/client_password_reset_email.html"
            if self.profile_language:
                language = user.client.preferred_language
        with translation.override(language):
            super().send_mail(subject_template_name, email_template_name, context, from_email, to_email,
                              html_email_template_name)


def send_password_reset(*, email: str, request, profile_language: bool = False) -> None:
    """Mail a link to set a new password to the active account with this
    email, if there is one. The caller learns nothing either way, and an
    address gets at most ``PASSWORD_RESET_MAILS_PER_HOUR`` such mails.
    The mail is in the request's language (the app sends the client's as
    Accept-Language), or with ``profile_language`` (the client pages,
    where the browser's language is the visitor's, not the account's) in
    the client's preferred one."""
    if _hit(f"password-reset-mails:{email.strip().lower()}", window=3600) > settings.PASSWORD_RESET_MAILS_PER_HOUR:
        return
    form = ClientResetForm({"email": email}, profile_language=profile_language)
    if form.is_valid():
        form.save(
            request=request,
            use_https=request.is_secure(),
            extra_email_context={"valid_hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)},
        )


# -- signing in with a code sent by SMS ------------------------------------------


@dataclass(frozen=True)
class IssuedCode:
    """A code to send: its digits exist only here, never in the database."""

    code: str
    client: Client
    key: str  # the idempotency key of the one message that carries it


def _code_hash(phone: str, code: str) -> str:
    return salted_hmac("clinic.sign-in-code", f"{phone}:{code}", algorithm="sha256").hexdigest()


def _tries_key(phone: str) -> str:
    return f"sign-in-code-tries:{phone}"


def issue_sign_in_code(*, phone: str, address: str, now: datetime) -> IssuedCode | None:
    """A new six-digit code for the one client login with this phone number
    (E.164), replacing any earlier code for it; ``None`` when no single
    client login has the number. Callers answer the same either way, so
    nobody learns whose number it is.

    Raises ``code_rate_limited`` after ``SIGN_IN_CODES_PER_PHONE_PER_HOUR``
    requests for one number, or ``SIGN_IN_CODES_PER_ADDRESS_PER_HOUR`` from
    one network address, whether or not the number is a client's.
    """
    if _hit(f"sign-in-code-address:{address}", window=3600) > settings.SIGN_IN_CODES_PER_ADDRESS_PER_HOUR:
        raise ClinicError("code_rate_limited")
    if _hit(f"sign-in-code-phone:{phone}", window=3600) > settings.SIGN_IN_CODES_PER_PHONE_PER_HOUR:
        raise ClinicError("code_rate_limited")
    cache.delete(_tries_key(phone))
    clients = list(
        Client.objects.filter(
            phone=phone, user__is_active=True, user__is_staff=False, user__is_superuser=False,
            user__groups__isnull=True,
        ).select_related("user")[:2]
    )
    if len(clients) != 1:  # nobody, or a number two logins share: no code
        return None
    client = clients[0]
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        SignInCode.objects.filter(phone=phone, used_at__isnull=True).update(used_at=now)
        row = SignInCode.objects.create(
            user=client.user, phone=phone, code_hash=_code_hash(phone, code), created_at=now,
            expires_at=now + timedelta(minutes=settings.SIGN_IN_CODE_MINUTES),
        )
    return IssuedCode(code=code, client=client, key=f"sign-in-code-{row.pk}")


def verify_sign_in_code(*, phone: str, code: str, now: datetime):
    """The login the code sent to ``phone`` signs in, using the code up.

    Raises ``code_invalid`` (wrong, run out, used, or never sent: one
    message for all, so it tells nothing about the number) and
    ``code_too_many_tries`` after ``SIGN_IN_CODE_TRIES`` tries on one code,
    which then stops working.
    """
    if _hit(_tries_key(phone), window=settings.SIGN_IN_CODE_MINUTES * 60) > settings.SIGN_IN_CODE_TRIES:
        raise ClinicError("code_too_many_tries")
    refusal = None
    with transaction.atomic():
        row = (
            SignInCode.objects.select_for_update()
            .filter(phone=phone, used_at__isnull=True, expires_at__gt=now)
            .select_related("user")
            .order_by("-created_at", "-pk")
            .first()
        )
        if row is None:
            refusal = "code_invalid"
        else:
            row.attempts += 1
            if not constant_time_compare(row.code_hash, _code_hash(phone, code.strip())):
                refusal = "code_invalid"
            # Right, or its last try spent (the row counts them, whatever the
            # cache remembers): the code works no more.
            if refusal is None or row.attempts >= settings.SIGN_IN_CODE_TRIES:
                row.used_at = now
            row.save(update_fields=["attempts", "used_at"])
    if refusal is None and not row.user.is_active:
        refusal = "code_invalid"
    if refusal is not None:
        raise ClinicError(refusal, field="code" if refusal == "code_invalid" else None)
    cache.delete(_tries_key(phone))
    return row.user
