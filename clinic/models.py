"""The people and places every app shares."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import get_supported_language_variant, gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords
from timezone_field import TimeZoneField


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not extra_fields["is_staff"] or not extra_fields["is_superuser"]:
            raise ValueError("A superuser must have is_staff and is_superuser set.")
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A login. Everyone signs in with their email address."""

    username = None
    email = models.EmailField(_("email address"), unique=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_unique_ignoring_case",
                violation_error_message=_("A login with this email address already exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()


def default_time_zone() -> str:
    return settings.TIME_ZONE


class Location(models.Model):
    """A clinic site. Its working hours and appointments are shown in its own
    time zone."""

    name = models.CharField(max_length=120, unique=True)
    address = models.TextField()
    phone = PhoneNumberField(blank=True)
    time_zone = TimeZoneField(default=default_time_zone, use_pytz=False)
    quiet_from = models.TimeField(
        default=time(21, 0), help_text=_("No message goes to clients from this local time ...")
    )
    quiet_until = models.TimeField(
        default=time(8, 0), help_text=_("... until this one. The same time for both means no quiet hours.")
    )
    cancellation_policy = models.TextField(
        blank=True, help_text=_("Shown to clients in confirmations and before they cancel late.")
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="location_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


class Room(models.Model):
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(max_length=80)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["location__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "name"],
                name="room_name_unique_per_location",
                violation_error_message=_("This location already has a room with that name."),
            ),
            models.CheckConstraint(condition=~Q(name=""), name="room_name_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.location})"


class Practitioner(models.Model):
    """A therapist who can be booked."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="practitioner",
        error_messages={"unique": _("This login already belongs to a practitioner.")},
    )
    display_name = models.CharField(max_length=120)
    bio = models.TextField(blank=True, help_text=_("Shown to clients on the booking pages."))
    services = models.ManyToManyField("treatments.Service", related_name="practitioners", blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.CheckConstraint(condition=~Q(display_name=""), name="practitioner_display_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.display_name


def client_logins() -> Q:
    """The logins a client record may be bound to: plain accounts, never a
    staff member's or a superuser's."""
    return Q(is_staff=False, is_superuser=False, groups__isnull=True)


class Client(models.Model):
    """Someone who receives treatment. A client may have no login at all: the
    receptionist books walk-ins and phone calls for them."""

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        TAMIL = "ta", _("Tamil")
        HINDI = "hi", _("Hindi")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="client",
        limit_choices_to=client_logins,
        error_messages={"unique": _("This login already belongs to a client record.")},
    )
    full_name = models.CharField(max_length=150)
    phone = PhoneNumberField(blank=True, help_text=_("Stored in international (E.164) form."))
    email = models.EmailField(blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    preferred_language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)
    email_reminders = models.BooleanField(
        default=False, help_text=_("The client agreed to appointment reminders by email.")
    )
    sms_reminders = models.BooleanField(
        _("SMS reminders"), default=False, help_text=_("The client agreed to appointment reminders by SMS.")
    )
    whatsapp_reminders = models.BooleanField(
        _("WhatsApp reminders"), default=False, help_text=_("The client agreed to appointment reminders by WhatsApp.")
    )
    emergency_contact_name = models.CharField(max_length=150, blank=True)
    emergency_contact_phone = PhoneNumberField(blank=True)
    staff_remarks = models.TextField(blank=True, help_text=_("For staff only; never shown to the client."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["full_name"]
        constraints = [
            models.CheckConstraint(condition=~Q(full_name=""), name="client_full_name_not_blank"),
            models.CheckConstraint(
                condition=~Q(phone="") | ~Q(email=""),
                name="client_has_phone_or_email",
                violation_error_message=_("Give a phone number or an email address so the clinic can reach the client."),
            ),
            models.CheckConstraint(
                condition=Q(email_reminders=False) | ~Q(email=""),
                name="client_email_reminders_need_email",
                violation_error_message=_("Email reminders need an email address."),
            ),
            models.CheckConstraint(
                condition=Q(sms_reminders=False) | ~Q(phone=""),
                name="client_sms_reminders_need_phone",
                violation_error_message=_("SMS reminders need a phone number."),
            ),
            models.CheckConstraint(
                condition=Q(whatsapp_reminders=False) | ~Q(phone=""),
                name="client_whatsapp_reminders_need_phone",
                violation_error_message=_("WhatsApp reminders need a phone number."),
            ),
        ]
        indexes = [
            models.Index(fields=["phone"], name="client_phone_idx"),
            models.Index(Lower("email"), name="client_email_lower_idx"),
        ]

    @property
    def message_language(self) -> str:
        """The language the clinic writes to this client in (messages, reply
        pages): their preference where the site has a catalogue
        (``LANGUAGES``), English otherwise. Hindi is recorded but answered in
        English, rather than in English words around Django's Hindi dates."""
        try:
            return get_supported_language_variant(self.preferred_language or settings.LANGUAGE_CODE)
        except LookupError:
            return settings.LANGUAGE_CODE

    def __str__(self) -> str:
        return self.full_name


class SignInCode(models.Model):
    """A one-time code sent by SMS so that a client can sign in with their
    phone. Only a keyed hash of the code is kept; a code works once, for
    ``SIGN_IN_CODE_MINUTES``, and for ``SIGN_IN_CODE_TRIES`` tries
    (``clinic.services.verify_sign_in_code``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    phone = PhoneNumberField()
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True, help_text=_("Used, or made void by a newer code."))

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")), name="sign_in_code_expires_later"),
        ]
        indexes = [models.Index(fields=["phone", "created_at"], name="sign_in_code_phone_idx")]

    def __str__(self) -> str:
        return f"sign-in code for {self.phone} at {self.created_at:%Y-%m-%d %H:%M}"
