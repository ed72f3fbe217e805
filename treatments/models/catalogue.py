"""The catalogue: what the clinic offers and the knowledge its therapists draw on."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

MAX_SERVICE_MINUTES = 480


class ServiceQuerySet(models.QuerySet):
    def active(self) -> ServiceQuerySet:
        return self.filter(active=True)


class ServiceCategory(models.TextChoices):
    BACK_MASSAGE = "back_massage", _("Back massage")
    REFLEXOLOGY = "reflexology", _("Reflexology")
    ACUPRESSURE = "acupressure", _("Acupressure")


class Service(models.Model):
    """A bookable treatment with its length, clean-up time and price."""

    Category = ServiceCategory

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    category = models.CharField(max_length=20, choices=Category.choices)
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(5), MaxValueValidator(MAX_SERVICE_MINUTES)],
        help_text=_("Time with the client."),
    )
    buffer_minutes = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(120)],
        help_text=_("Time after the session to reset the room before the next client."),
    )
    price = models.DecimalField(max_digits=8, decimal_places=2, validators=[MinValueValidator(0)])
    active = models.BooleanField(default=True)
    description = models.TextField(help_text=_("Shown to clients when they choose a treatment."))
    contraindications = models.TextField(
        blank=True, help_text=_("When the treatment should not be given, or only with care.")
    )
    requires_room = models.BooleanField(
        default=True, help_text=_("Booking it takes one of the location's rooms for the session and its buffer.")
    )
    requires_approval = models.BooleanField(
        default=False, help_text=_("Bookings wait as pending until staff approve them.")
    )
    position = models.PositiveSmallIntegerField(default=0, help_text=_("Order on the booking pages."))
    back_to_back = models.BooleanField(
        default=False,
        help_text=_("Start times follow each other in the session's length plus its clean-up time, from the "
                    "start of each shift (60 minutes with 15 of clean-up: 10:00, 11:15, 12:30), instead of the "
                    "clinic's grid."),
    )
    rooms = models.ManyToManyField(
        "clinic.Room",
        blank=True,
        related_name="services",
        help_text=_(
            "The rooms that suit it. A location where none of its rooms is listed lets it use any of them."
        ),
    )

    objects = ServiceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "duration_minutes"],
                name="service_name_duration_unique",
                violation_error_message=_("A service with this name and length already exists."),
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=MAX_SERVICE_MINUTES),
                name="service_duration_in_range",
            ),
            models.CheckConstraint(condition=Q(buffer_minutes__lte=120), name="service_buffer_in_range"),
            models.CheckConstraint(
                condition=Q(back_to_back=False) | Q(duration_minutes__lte=240 - F("buffer_minutes")),
                name="service_back_to_back_step_in_range",
                violation_error_message=_("Back to back, length and clean-up together may take at most 4 hours."),
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="service_price_not_negative"),
            models.CheckConstraint(
                condition=Q(category__in=ServiceCategory.values), name="service_category_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.duration_minutes} min)"


class Technique(models.Model):
    """A hands-on technique a therapist may use and record in session notes."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField()
    applied_with = models.CharField(max_length=160, help_text=_("Which part of the hand or body applies it."))
    typical_minutes_min = models.PositiveSmallIntegerField(null=True, blank=True)
    typical_minutes_max = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(typical_minutes_min__isnull=True)
                | Q(typical_minutes_max__isnull=True)
                | Q(typical_minutes_min__lte=F("typical_minutes_max")),
                name="technique_typical_minutes_ordered",
                violation_error_message=_("The shortest typical time cannot exceed the longest."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Meridian(models.TextChoices):
    GALLBLADDER = "GB", _("Gallbladder")
    BLADDER = "BL", _("Bladder")
    GOVERNING_VESSEL = "GV", _("Governing vessel")
    SMALL_INTESTINE = "SI", _("Small intestine")
    LARGE_INTESTINE = "LI", _("Large intestine")
    TRIPLE_ENERGIZER = "TE", _("Triple energizer")
    KIDNEY = "KI", _("Kidney")
    LIVER = "LR", _("Liver")
    SPLEEN = "SP", _("Spleen")
    STOMACH = "ST", _("Stomach")


class BodyRegion(models.TextChoices):
    HEAD = "head", _("Head")
    NECK = "neck", _("Neck")
    SHOULDER = "shoulder", _("Shoulder")
    UPPER_BACK = "upper_back", _("Upper back")
    LOWER_BACK = "lower_back", _("Lower back")
    CHEST = "chest", _("Chest")
    ABDOMEN = "abdomen", _("Abdomen")
    ARM = "arm", _("Arm")
    HAND = "hand", _("Hand")
    HIP = "hip", _("Hip and buttock")
    LEG = "leg", _("Leg")
    FOOT = "foot", _("Foot")


class AcupressurePoint(models.Model):
    """A named point on a meridian, used in acupressure and recorded in session notes."""

    code = models.CharField(
        max_length=8,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2}\d{1,2}$", _("Use the standard code, e.g. GB20."))],
    )
    name = models.CharField(max_length=120)
    meridian = models.CharField(max_length=2, choices=Meridian.choices)
    body_region = models.CharField(max_length=20, choices=BodyRegion.choices)
    location_description = models.TextField(help_text=_("How to find the point."))
    used_for = models.TextField()

    class Meta:
        ordering = ["meridian", "code"]
        verbose_name = _("acupressure point")
        constraints = [
            models.CheckConstraint(
                condition=Q(meridian__in=Meridian.values), name="acupressure_point_meridian_valid"
            ),
            models.CheckConstraint(
                condition=Q(body_region__in=BodyRegion.values), name="acupressure_point_region_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class HomeCareRoutine(models.Model):
    """A self-massage routine a therapist can give a client to do at home."""

    class Equipment(models.TextChoices):
        HANDS = "hands", _("Hands only")
        MASSAGE_BALLS = "massage_balls", _("Massage balls")
        FOAM_ROLLER = "foam_roller", _("Foam roller")

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    equipment = models.CharField(max_length=20, choices=Equipment.choices)
    best_for = models.CharField(max_length=200)
    times_per_day = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(10)], help_text=_("How often a day, at most.")
    )
    safety_note = models.TextField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("home-care routine")
        constraints = [
            models.CheckConstraint(
                condition=Q(times_per_day__gte=1, times_per_day__lte=10), name="routine_times_per_day_in_range"
            ),
            models.CheckConstraint(condition=~Q(safety_note=""), name="routine_has_safety_note"),
        ]

    def __str__(self) -> str:
        return self.name


class HomeCareStep(models.Model):
    routine = models.ForeignKey(HomeCareRoutine, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    instruction = models.TextField()
    hold_seconds = models.PositiveSmallIntegerField(null=True, blank=True)
    repetitions = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["routine", "position"]
        verbose_name = _("home-care step")
        constraints = [
            models.UniqueConstraint(
                fields=["routine", "position"],
                name="routine_step_position_unique",
                violation_error_message=_("This routine already has a step at that position."),
            ),
            models.CheckConstraint(condition=Q(position__gte=1), name="routine_step_position_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.routine} — step {self.position}"


class HomeCareAssignment(models.Model):
    """A routine a therapist gave a client to do at home."""

    client = models.ForeignKey("clinic.Client", on_delete=models.CASCADE, related_name="home_care")
    routine = models.ForeignKey(HomeCareRoutine, on_delete=models.PROTECT, related_name="assignments")
    assigned_by = models.ForeignKey(
        "clinic.Practitioner", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_on = models.DateField()
    note = models.TextField(blank=True, help_text=_("Personal advice shown to the client with the routine."))
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-assigned_on", "routine__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "routine"],
                condition=Q(active=True),
                name="home_care_one_active_per_routine",
                violation_error_message=_("This routine is already assigned to the client."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.routine} for {self.client}"
