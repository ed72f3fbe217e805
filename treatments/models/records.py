"""The clinical records: what a client told the clinic about their health
(intake, versioned), the contraindication rules that turn answers into
flags, doctors' clearances, the note of each session (draft, then signed
and locked, corrected only by amendments), the signature chain that proves
a signed record was not altered, and the log of every access.

Records refer to appointments by name ("bookings.Appointment"): this
module imports nothing from the booking core.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from treatments.models.catalogue import AcupressurePoint, BodyRegion, HomeCareAssignment, Service, Technique

PAIN_SCALE = [MinValueValidator(0), MaxValueValidator(10)]


def _pain_in_scale(field: str) -> Q:
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": 0, f"{field}__lte": 10})


class Pressure(models.TextChoices):
    LIGHT = "light", _("Light")
    MEDIUM = "medium", _("Medium")
    FIRM = "firm", _("Firm")


class ConsentMethod(models.TextChoices):
    ONLINE = "online", _("Online form")
    PAPER = "paper", _("Signed paper form")
    VERBAL = "verbal", _("Verbal, recorded by staff")


class Intake(models.Model):
    """One version of a client's health questionnaire. A new answer set is a
    new row with the next version number; no version is ever changed or
    removed (``treatments.services`` writes them; the database refuses two
    rows with one version).

    ``pain_areas`` is a list of ``{"region": <BodyRegion>, "intensity": 0-10}``;
    ``avoid_areas`` a list of ``BodyRegion`` values."""

    class Source(models.TextChoices):
        QUESTIONNAIRE = "questionnaire", _("Full questionnaire")
        RECHECK = "recheck", _("Health re-check before a visit")

    client = models.ForeignKey("clinic.Client", on_delete=models.PROTECT, related_name="intakes")
    version = models.PositiveIntegerField()
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.QUESTIONNAIRE)
    conditions = models.TextField(blank=True, help_text=_("Diagnosed conditions, e.g. diabetes, osteoporosis."))
    medications = models.TextField(blank=True)
    takes_blood_thinners = models.BooleanField(default=False)
    pregnant = models.BooleanField(default=False)
    pregnancy_trimester = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    recent_injury_or_surgery = models.BooleanField(default=False, help_text=_("In the last three months."))
    injury_date = models.DateField(null=True, blank=True)
    injury_region = models.CharField(max_length=20, choices=BodyRegion.choices, blank=True)
    injury_details = models.CharField(max_length=300, blank=True)
    skin_condition_or_infection = models.BooleanField(default=False)
    fever = models.BooleanField(default=False)
    pain_areas = models.JSONField(default=list, blank=True)
    pressure_preference = models.CharField(max_length=8, choices=Pressure.choices, default=Pressure.MEDIUM)
    avoid_areas = models.JSONField(default=list, blank=True)
    goals = models.TextField(blank=True)
    consent_given_at = models.DateTimeField()
    consent_method = models.CharField(max_length=8, choices=ConsentMethod.choices)
    consent_text_version = models.CharField(max_length=20)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["client", "-version"]
        verbose_name = _("intake")
        constraints = [
            models.UniqueConstraint(fields=["client", "version"], name="intake_one_row_per_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="intake_version_positive"),
            models.CheckConstraint(
                condition=Q(pregnant=False, pregnancy_trimester__isnull=True)
                | Q(pregnant=True, pregnancy_trimester__gte=1, pregnancy_trimester__lte=3),
                name="intake_trimester_when_pregnant",
                violation_error_message=_("Give the trimester for a pregnancy, and only then."),
            ),
            models.CheckConstraint(
                condition=Q(recent_injury_or_surgery=True) | Q(injury_date__isnull=True, injury_region=""),
                name="intake_injury_details_need_injury",
            ),
            models.CheckConstraint(condition=Q(pressure_preference__in=Pressure.values), name="intake_pressure_valid"),
            models.CheckConstraint(condition=Q(consent_method__in=ConsentMethod.values), name="intake_consent_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.client} — intake v{self.version}"


class IntakeAnswer(models.TextChoices):
    """The answers a contraindication rule can test."""

    PREGNANT = "pregnant", _("Pregnant")
    BLOOD_THINNERS = "blood_thinners", _("Takes blood thinners")
    RECENT_INJURY = "recent_injury", _("Recent injury or surgery")
    SKIN = "skin", _("Skin condition or infection")
    FEVER = "fever", _("Fever")
    PAIN = "pain", _("Pain at or above an intensity")
    CONDITION = "condition", _("A condition named in the answers")


class FlagTier(models.TextChoices):
    """How strongly a flag limits treatment, strongest first."""

    DO_NOT_TREAT = "do_not_treat", _("Do not treat")
    NEEDS_CLEARANCE = "needs_clearance", _("Needs a doctor's clearance")
    AVOID_AREA = "avoid_area", _("Treat, but avoid an area")
    ADAPT = "adapt", _("Adapt pressure or position")


class ContraindicationRule(models.Model):
    """Turns an intake answer into a flag, and says what the flag affects.

    The answer tested is ``answer`` (for ``pain``, an intensity of at least
    ``min_intensity``; for ``condition``, ``keyword`` appearing in the
    client's conditions or medications). A flag affects the services,
    techniques, points and body regions listed; ``affects_injury_area``
    adds the region the client named for their injury. A rule with no
    service listed affects every service."""

    name = models.CharField(max_length=120, unique=True)
    answer = models.CharField(max_length=16, choices=IntakeAnswer.choices)
    min_intensity = models.PositiveSmallIntegerField(null=True, blank=True, validators=PAIN_SCALE)
    keyword = models.CharField(max_length=60, blank=True)
    tier = models.CharField(max_length=16, choices=FlagTier.choices)
    advice = models.TextField(help_text=_("What the practitioner should do, shown with the flag."))
    services = models.ManyToManyField(Service, blank=True, related_name="contraindication_rules")
    techniques = models.ManyToManyField(Technique, blank=True, related_name="contraindication_rules")
    points = models.ManyToManyField(AcupressurePoint, blank=True, related_name="contraindication_rules")
    regions = models.JSONField(default=list, blank=True, help_text=_("Body regions the flag affects."))
    affects_injury_area = models.BooleanField(default=False)
    active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("contraindication rule")
        constraints = [
            models.CheckConstraint(condition=Q(answer__in=IntakeAnswer.values), name="rule_answer_valid"),
            models.CheckConstraint(condition=Q(tier__in=FlagTier.values), name="rule_tier_valid"),
            models.CheckConstraint(
                condition=~Q(answer=IntakeAnswer.PAIN) | Q(min_intensity__isnull=False),
                name="rule_pain_has_intensity",
                violation_error_message=_("A pain rule needs the intensity it starts at."),
            ),
            models.CheckConstraint(
                condition=~Q(answer=IntakeAnswer.CONDITION) | ~Q(keyword=""),
                name="rule_condition_has_keyword",
                violation_error_message=_("A condition rule needs the word to look for."),
            ),
            models.CheckConstraint(condition=_pain_in_scale("min_intensity"), name="rule_intensity_in_scale"),
        ]

    def __str__(self) -> str:
        return self.name


class Clearance(models.Model):
    """A doctor's clearance that lifts one rule's flag for a client until a
    date (inclusive)."""

    client = models.ForeignKey("clinic.Client", on_delete=models.PROTECT, related_name="clearances")
    rule = models.ForeignKey(ContraindicationRule, on_delete=models.PROTECT, related_name="clearances")
    doctor = models.CharField(max_length=150)
    document_reference = models.CharField(max_length=200, help_text=_("Where the signed letter is kept."))
    issued_on = models.DateField()
    valid_until = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["client", "-valid_until"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("issued_on")),
                name="clearance_valid_after_issue",
                violation_error_message=_("A clearance cannot end before it was issued."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} cleared for {self.client} until {self.valid_until}"


class NoteStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed")


class SessionNote(models.Model):
    """What a practitioner wrote about one session, in SOAP form.

    A draft is written and changed by the appointment's practitioner;
    signing locks it for good (``treatments.services``; on PostgreSQL a
    trigger refuses any UPDATE or DELETE of a signed row). ``body_chart`` is
    ``{"regions": [{"side": "front"|"back", "region": <BodyRegion>}],
    "marks": [{"side", "x", "y" (0-1 on the outline), "intensity": 0-10}]}``.
    ``shared_with_client`` lets the client read the plan and home care."""

    appointment = models.OneToOneField("bookings.Appointment", on_delete=models.PROTECT, related_name="session_note")
    client = models.ForeignKey("clinic.Client", on_delete=models.PROTECT, related_name="session_notes")
    practitioner = models.ForeignKey("clinic.Practitioner", on_delete=models.PROTECT, related_name="session_notes")
    status = models.CharField(max_length=8, choices=NoteStatus.choices, default=NoteStatus.DRAFT)
    subjective = models.TextField(blank=True, help_text=_("What the client reports."))
    objective = models.TextField(blank=True, help_text=_("What the practitioner found."))
    assessment = models.TextField(blank=True)
    plan = models.TextField(blank=True)
    pressure = models.CharField(max_length=8, choices=Pressure.choices, blank=True)
    pain_before = models.PositiveSmallIntegerField(null=True, blank=True, validators=PAIN_SCALE)
    pain_after = models.PositiveSmallIntegerField(null=True, blank=True, validators=PAIN_SCALE)
    client_response = models.TextField(blank=True)
    body_chart = models.JSONField(default=dict, blank=True)
    home_care = models.ManyToManyField(
        HomeCareAssignment, blank=True, related_name="session_notes", help_text=_("Routines given in this session.")
    )
    shared_with_client = models.BooleanField(
        default=False, help_text=_("The client sees the plan and the home care on their pages.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("session note")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=NoteStatus.values), name="note_status_valid"),
            models.CheckConstraint(
                condition=Q(status=NoteStatus.DRAFT, signed_at__isnull=True, signed_by__isnull=True)
                | Q(status=NoteStatus.SIGNED, signed_at__isnull=False, signed_by__isnull=False),
                name="note_signature_matches_status",
            ),
            models.CheckConstraint(condition=_pain_in_scale("pain_before"), name="note_pain_before_in_scale"),
            models.CheckConstraint(condition=_pain_in_scale("pain_after"), name="note_pain_after_in_scale"),
            models.CheckConstraint(condition=Q(pressure__in=["", *Pressure.values]), name="note_pressure_valid"),
        ]
        indexes = [models.Index(fields=["client", "created_at"], name="note_client_idx")]

    def __str__(self) -> str:
        return f"Session note for {self.client} ({self.get_status_display()})"

    @property
    def is_signed(self) -> bool:
        return self.status == NoteStatus.SIGNED


class NoteTechnique(models.Model):
    """A technique used in the session, and for how long."""

    note = models.ForeignKey(SessionNote, on_delete=models.CASCADE, related_name="techniques")
    technique = models.ForeignKey(Technique, on_delete=models.PROTECT, related_name="+")
    minutes = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(240)])

    class Meta:
        ordering = ["note", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["note", "technique"], name="note_technique_once"),
            models.CheckConstraint(condition=Q(minutes__gte=1, minutes__lte=240), name="note_technique_minutes"),
        ]

    def __str__(self) -> str:
        return f"{self.technique} ({self.minutes} min)"


class NotePoint(models.Model):
    """An acupressure point worked in the session."""

    note = models.ForeignKey(SessionNote, on_delete=models.CASCADE, related_name="points")
    point = models.ForeignKey(AcupressurePoint, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["note", "pk"]
        constraints = [models.UniqueConstraint(fields=["note", "point"], name="note_point_once")]

    def __str__(self) -> str:
        return str(self.point)


class Amendment(models.Model):
    """A correction to a signed note: the note stays as it was signed, and
    this is read beside it. Written and signed in one step."""

    note = models.ForeignKey(SessionNote, on_delete=models.PROTECT, related_name="amendments")
    text = models.TextField()
    reason = models.CharField(max_length=300)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["note", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="amendment_has_text"),
            models.CheckConstraint(condition=~Q(reason=""), name="amendment_has_reason"),
        ]

    def __str__(self) -> str:
        return f"Amendment to {self.note} on {self.created_at:%Y-%m-%d}"


class RecordSignature(models.Model):
    """One link of a client's signature chain: the SHA-256 of a signed
    record's canonical content together with the previous link's hash.
    ``python manage.py verify_records`` recomputes every link."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Session note")
        AMENDMENT = "amendment", _("Amendment")

    client = models.ForeignKey("clinic.Client", on_delete=models.PROTECT, related_name="record_signatures")
    sequence = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    note = models.ForeignKey(SessionNote, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    amendment = models.OneToOneField(
        Amendment, on_delete=models.PROTECT, null=True, blank=True, related_name="signature"
    )
    previous_hash = models.CharField(max_length=64, blank=True)
    content_hash = models.CharField(max_length=64)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["client", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["client", "sequence"], name="signature_one_per_place_in_chain"),
            models.UniqueConstraint(
                fields=["note"], condition=Q(kind="note"), name="signature_one_per_note"
            ),
            models.CheckConstraint(
                condition=Q(kind="note", note__isnull=False, amendment__isnull=True)
                | Q(kind="amendment", note__isnull=True, amendment__isnull=False),
                name="signature_signs_one_record",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} #{self.sequence} {self.content_hash[:12]}"


class AccessAction(models.TextChoices):
    READ = "read", _("Read")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    SIGN = "sign", _("Signed")
    AMEND = "amend", _("Amended")
    EXPORT = "export", _("Exported")


class RecordAccess(models.Model):
    """Who read or wrote a client's clinical record, written in the same
    transaction as the read or write. Never changed or removed (on
    PostgreSQL a trigger refuses it).

    ``actor`` is empty only for the client's own answers given on the
    booking pages before they had a login: the first questionnaire a
    visitor fills in with their first booking. The row then names the
    client, in the role ``client``; a constraint allows no other
    author-less row."""

    client = models.ForeignKey("clinic.Client", on_delete=models.PROTECT, related_name="record_accesses")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    actor_name = models.CharField(max_length=150)
    role = models.CharField(max_length=20)
    action = models.CharField(max_length=8, choices=AccessAction.choices)
    subject = models.CharField(max_length=120, help_text=_("What was read or written, e.g. 'session note 12'."))
    address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("record access")
        verbose_name_plural = _("record accesses")
        constraints = [
            models.CheckConstraint(condition=Q(action__in=AccessAction.values), name="access_action_valid"),
            models.CheckConstraint(condition=Q(actor__isnull=False) | Q(role="client"),
                                   name="access_author_less_only_the_client"),
        ]
        indexes = [models.Index(fields=["client", "at"], name="access_client_idx")]

    def __str__(self) -> str:
        return f"{self.actor_name} ({self.role}) {self.get_action_display().lower()} {self.subject}"


class CorrectionState(models.TextChoices):
    OPEN = "open", _("Open")
    CORRECTED = "corrected", _("Corrected")
    DECLINED = "declined", _("Declined, with reasons")


class CorrectionRequest(models.Model):
    """A client's request to correct what the clinic holds about them
    (India's DPDP Act, 2023), and what became of it."""

    client = models.ForeignKey("clinic.Client", on_delete=models.PROTECT, related_name="correction_requests")
    received_on = models.DateField()
    request = models.TextField()
    state = models.CharField(max_length=10, choices=CorrectionState.choices, default=CorrectionState.OPEN)
    outcome = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=CorrectionState.values), name="correction_state_valid"),
            models.CheckConstraint(
                condition=Q(state="open") | ~Q(outcome=""),
                name="correction_closed_with_outcome",
                violation_error_message=_("Say what was done before closing the request."),
            ),
        ]

    def __str__(self) -> str:
        return f"Correction request from {self.client} ({self.received_on})"


class PainCheckIn(models.Model):
    """A client's answer, a couple of days after a session, to "how is the
    pain today, 0 to 10?": one more point on their pain chart."""

    client = models.ForeignKey("clinic.Client", on_delete=models.PROTECT, related_name="pain_check_ins")
    appointment = models.OneToOneField(
        "bookings.Appointment", on_delete=models.PROTECT, related_name="pain_check_in",
        error_messages={"unique": _("This session's check-in is already answered.")},
    )
    pain = models.PositiveSmallIntegerField(validators=PAIN_SCALE)
    answered_at = models.DateTimeField()

    class Meta:
        ordering = ["-answered_at"]
        constraints = [
            models.CheckConstraint(condition=Q(pain__gte=0, pain__lte=10), name="pain_check_in_in_scale"),
        ]

    def __str__(self) -> str:
        return f"Pain {self.pain}/10 from {self.client} after appointment {self.appointment_id}"
