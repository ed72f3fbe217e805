"""Reads of the clinical records, with what each read prefetches, so a
record costs a fixed number of queries whatever its length. Who may read
which rows is ``treatments.policies``.

Flags: a client's latest intake, held against the active contraindication
rules and the client's clearances. ``flags_for_clients`` costs the same six
queries for one client or a page of them, whatever the number of rules (one
query when none of them has an intake).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Avg, Count, F, FloatField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Appointment, AppointmentStatus
from clinic.models import Client
from treatments.models import (
    AcupressurePoint,
    Amendment,
    BodyRegion,
    Clearance,
    ContraindicationRule,
    CorrectionRequest,
    FlagTier,
    HomeCareAssignment,
    HomeCareStep,
    Intake,
    IntakeAnswer,
    NotePoint,
    NoteStatus,
    NoteTechnique,
    PainCheckIn,
    RecordAccess,
    SessionNote,
)

# Strongest first: flags are listed in this order.
TIER_ORDER = {tier: rank for rank, tier in enumerate(FlagTier.values)}


@dataclass(frozen=True)
class Flag:
    """One rule a client's latest answers meet."""

    rule_id: int
    rule: str
    tier: str
    reason: str  # names the answer that raised it
    advice: str
    regions: tuple[str, ...]  # the rule's, the injured and the painful regions
    service_ids: tuple[int, ...]  # empty: every service
    technique_ids: tuple[int, ...]
    point_codes: tuple[str, ...]
    cleared_until: date | None  # a clearance lifts it until then (inclusive)
    intake_version: int

    @property
    def tier_label(self) -> str:
        return str(FlagTier(self.tier).label)

    @property
    def cleared(self) -> bool:
        return self.cleared_until is not None

    @property
    def region_labels(self) -> list[str]:
        return [str(BodyRegion(region).label) if region in BodyRegion.values else region for region in self.regions]

    def affects(self, service_id: int) -> bool:
        """A rule that lists no service affects every one."""
        return not self.service_ids or service_id in self.service_ids


def latest_intakes(client_ids: Iterable[int]) -> QuerySet[Intake]:
    """Each client's newest intake version: one query."""
    newest = Intake.objects.filter(client_id=OuterRef("client_id")).order_by("-version").values("version")[:1]
    return Intake.objects.filter(client_id__in=list(client_ids), version=Subquery(newest))


def latest_intake(client: Client | int) -> Intake | None:
    client_id = client if isinstance(client, int) else client.pk
    return Intake.objects.filter(client_id=client_id).order_by("-version").first()


def intake_versions(client: Client | int) -> QuerySet[Intake]:
    client_id = client if isinstance(client, int) else client.pk
    return Intake.objects.filter(client_id=client_id).select_related("recorded_by").order_by("-version")


def active_rules() -> QuerySet[ContraindicationRule]:
    """The active rules with what each affects: four queries, however many."""
    return ContraindicationRule.objects.filter(active=True).prefetch_related(
        Prefetch("services", to_attr="service_list"),
        Prefetch("techniques", to_attr="technique_list"),
        Prefetch("points", queryset=AcupressurePoint.objects.only("pk", "code"), to_attr="point_list"),
    )


def _region_label(region: str) -> str:
    return str(BodyRegion(region).label).lower() if region in BodyRegion.values else region


def _match(rule: ContraindicationRule, intake: Intake) -> tuple[str, list[str]] | None:
    """Why ``intake`` meets ``rule`` (the answer, in words) and the regions
    the answer itself names; ``None`` when it does not."""
    answer = rule.answer
    if answer == IntakeAnswer.PREGNANT and intake.pregnant:
        if intake.pregnancy_trimester:
            return _("Pregnant, trimester %(trimester)s") % {"trimester": intake.pregnancy_trimester}, []
        return _("Pregnant"), []
    if answer == IntakeAnswer.BLOOD_THINNERS and intake.takes_blood_thinners:
        return _("Takes blood thinners"), []
    if answer == IntakeAnswer.RECENT_INJURY and intake.recent_injury_or_surgery:
        words = _("Recent injury or surgery")
        if intake.injury_region:
            words += f": {_region_label(intake.injury_region)}"
        if intake.injury_details:
            words += f" ({intake.injury_details})"
        if intake.injury_date:
            words += " " + _("on %(day)s") % {"day": intake.injury_date.isoformat()}
        return words, []
    if answer == IntakeAnswer.SKIN and intake.skin_condition_or_infection:
        return _("Skin condition or infection"), []
    if answer == IntakeAnswer.FEVER and intake.fever:
        return _("Fever"), []
    if answer == IntakeAnswer.PAIN and rule.min_intensity is not None:
        painful = [area for area in intake.pain_areas if area["intensity"] >= rule.min_intensity]
        if painful:
            parts = ", ".join(f"{_region_label(area['region'])} {area['intensity']}/10" for area in painful)
            return _("Pain of %(threshold)s/10 or more: %(areas)s") % {
                "threshold": rule.min_intensity, "areas": parts}, [area["region"] for area in painful]
        return None
    if answer == IntakeAnswer.CONDITION and rule.keyword:
        keyword = rule.keyword.casefold()
        if keyword in intake.conditions.casefold():
            return _("Conditions mention “%(word)s”") % {"word": rule.keyword}, []
        if keyword in intake.medications.casefold():
            return _("Medications mention “%(word)s”") % {"word": rule.keyword}, []
    return None


def _flags(intake: Intake, rules: list[ContraindicationRule], cleared: dict[int, date]) -> list[Flag]:
    flags = []
    for rule in rules:
        matched = _match(rule, intake)
        if matched is None:
            continue
        reason, answer_regions = matched
        regions = list(rule.regions)
        if rule.affects_injury_area and intake.injury_region:
            regions.append(intake.injury_region)
        regions += answer_regions
        flags.append(Flag(
            rule_id=rule.pk,
            rule=rule.name,
            tier=rule.tier,
            reason=reason,
            advice=rule.advice,
            regions=tuple(dict.fromkeys(regions)),
            service_ids=tuple(sorted(service.pk for service in rule.service_list)),
            technique_ids=tuple(sorted(technique.pk for technique in rule.technique_list)),
            point_codes=tuple(sorted(point.code for point in rule.point_list)),
            cleared_until=cleared.get(rule.pk),
            intake_version=intake.version,
        ))
    flags.sort(key=lambda flag: (TIER_ORDER.get(flag.tier, len(TIER_ORDER)), flag.rule))
    return flags


def flags_for_clients(client_ids: Iterable[int], *, on: date | None = None) -> dict[int, list[Flag]]:
    """The flags of each client (every id given is a key; no intake, no
    flags). A clearance counts when ``on`` (default: today on the clinic's
    clocks) falls between its issue date and its last day, inclusive."""
    ids = list(dict.fromkeys(client_ids))
    result: dict[int, list[Flag]] = {client_id: [] for client_id in ids}
    intakes = list(latest_intakes(ids))
    if not intakes:
        return result
    on = on or timezone.localdate()
    rules = list(active_rules())
    cleared: dict[int, dict[int, date]] = defaultdict(dict)
    for client_id, rule_id, valid_until in Clearance.objects.filter(
        client_id__in=[intake.client_id for intake in intakes], issued_on__lte=on, valid_until__gte=on
    ).values_list("client_id", "rule_id", "valid_until"):
        known = cleared[client_id].get(rule_id)
        cleared[client_id][rule_id] = max(valid_until, known) if known else valid_until
    for intake in intakes:
        result[intake.client_id] = _flags(intake, rules, cleared[intake.client_id])
    return result


def flags_for(client: Client | int, *, on: date | None = None) -> list[Flag]:
    client_id = client if isinstance(client, int) else client.pk
    return flags_for_clients([client_id], on=on)[client_id]


# == The client's record page, the access log, data rights and outcomes ======
# Reads for ``treatments.admin.records``, ``treatments.api.records`` and
# ``treatments.services.rights``. Each costs a fixed number of queries
# however many notes, appointments or log rows it returns.


def notes_with_content(queryset: QuerySet[SessionNote] | None = None) -> QuerySet[SessionNote]:
    """Notes with everything a full view shows: the session, techniques,
    points, home care and amendments, oldest session first."""
    queryset = SessionNote.objects.all() if queryset is None else queryset
    return (
        queryset.select_related("appointment__service", "appointment__location", "practitioner", "signed_by")
        .prefetch_related(
            Prefetch("techniques", queryset=NoteTechnique.objects.select_related("technique").order_by("pk")),
            Prefetch("points", queryset=NotePoint.objects.select_related("point").order_by("pk")),
            Prefetch("home_care", queryset=HomeCareAssignment.objects.select_related("routine").order_by("pk")),
            Prefetch("amendments", queryset=Amendment.objects.select_related("author").order_by("created_at", "pk")),
        )
        .order_by("appointment__start", "pk")
    )


@dataclass
class ClientRecord:
    """What the client's record page shows. Without content (a reader who
    may see only that notes exist) the intake is left unread and the notes
    carry no prefetched content."""

    client: Client
    latest_intake: Intake | None
    intake_versions: int
    appointments: list[Appointment]
    notes: list[SessionNote]
    home_care: list[HomeCareAssignment]
    check_ins: list[PainCheckIn]  # the client's own pain answers, oldest first; read only with content


def pain_check_ins(client: Client | int) -> QuerySet[PainCheckIn]:
    """A client's check-in answers with the session each follows, oldest first."""
    client_id = client if isinstance(client, int) else client.pk
    return (PainCheckIn.objects.filter(client_id=client_id)
            .select_related("appointment__service", "appointment__practitioner", "appointment__location")
            .order_by("answered_at", "pk"))


def client_record(client: Client, *, with_content: bool,
                  appointments: QuerySet[Appointment] | None = None) -> ClientRecord:
    """The record of ``client``; ``appointments``: the part of their
    appointments the reader may see (``bookings.policies``), all by default."""
    appointments = list(
        (Appointment.objects.all() if appointments is None else appointments).filter(client=client)
        .select_related("service", "practitioner", "location", "room")
        .order_by("-start", "-pk")
    )
    notes_of_client = SessionNote.objects.filter(client=client)
    if with_content:
        notes = list(notes_with_content(notes_of_client))
        intakes = Intake.objects.filter(client=client)
        latest_intake = intakes.order_by("-version").first()
        versions = intakes.count() if latest_intake is not None else 0
    else:
        notes = list(notes_of_client.select_related("appointment__location", "practitioner")
                     .order_by("appointment__start", "pk"))
        latest_intake, versions = None, 0
    home_care = list(
        HomeCareAssignment.objects.filter(client=client).select_related("routine", "assigned_by")
        .order_by("-active", "-assigned_on", "pk")
    )
    check_ins = list(pain_check_ins(client)) if with_content else []
    return ClientRecord(client, latest_intake, versions, appointments, notes, home_care, check_ins)


def access_log(queryset: QuerySet[RecordAccess] | None = None) -> QuerySet[RecordAccess]:
    """The access log, newest first, with the client of each row."""
    queryset = RecordAccess.objects.all() if queryset is None else queryset
    return queryset.select_related("client").order_by("-at", "-pk")


def client_access_log(client: Client) -> QuerySet[RecordAccess]:
    return RecordAccess.objects.filter(client=client).order_by("-at", "-pk")


def client_home_care(client: Client) -> QuerySet[HomeCareAssignment]:
    """The routines shared with ``client`` and still running, newest first,
    with their steps in order: what the client sees (the API and the
    account page alike)."""
    steps = Prefetch("routine__steps", queryset=HomeCareStep.objects.order_by("position"))
    return (
        HomeCareAssignment.objects.filter(client=client, active=True)
        .select_related("routine", "assigned_by")
        .prefetch_related(steps)
        .order_by("-assigned_on", "pk")
    )


@dataclass
class ClientHoldings:
    """Everything the clinic holds about one client (data rights)."""

    client: Client
    intakes: list[Intake]
    clearances: list[Clearance]
    appointments: list[Appointment]
    notes: list[SessionNote]
    home_care: list[HomeCareAssignment]
    access_log: list[RecordAccess]
    correction_requests: list[CorrectionRequest]
    check_ins: list[PainCheckIn]


def client_holdings(client: Client) -> ClientHoldings:
    return ClientHoldings(
        client=client,
        intakes=list(Intake.objects.filter(client=client).select_related("recorded_by").order_by("version")),
        clearances=list(Clearance.objects.filter(client=client).select_related("rule").order_by("issued_on", "pk")),
        appointments=list(
            Appointment.objects.filter(client=client).select_related("service", "practitioner", "location", "room")
            .order_by("start", "pk")
        ),
        notes=list(notes_with_content(SessionNote.objects.filter(client=client))),
        home_care=list(
            HomeCareAssignment.objects.filter(client=client).select_related("routine", "assigned_by")
            .order_by("assigned_on", "pk")
        ),
        access_log=list(RecordAccess.objects.filter(client=client).order_by("at", "pk")),
        correction_requests=list(
            CorrectionRequest.objects.filter(client=client).select_related("recorded_by")
            .order_by("received_on", "pk")
        ),
        check_ins=list(pain_check_ins(client)),
    )


@dataclass(frozen=True)
class Outcome:
    """The average fall in pain over the sessions that used one technique
    or point (``pain_before - pain_after``; positive: less pain after)."""

    name: str
    sessions: int
    average_reduction: float


def _reduction_per(model, name_fields: tuple[str, ...], *, since: datetime, until: datetime) -> list[Outcome]:
    rows = (
        model.objects.filter(
            note__status=NoteStatus.SIGNED,
            note__pain_before__isnull=False,
            note__pain_after__isnull=False,
            note__appointment__start__gte=since,
            note__appointment__start__lt=until,
        )
        .values(*name_fields)
        .annotate(
            sessions=Count("note", distinct=True),
            average=Avg(Cast(F("note__pain_before") - F("note__pain_after"), FloatField())),
        )
        .order_by(*name_fields)
    )
    return [Outcome(" ".join(row[name] for name in name_fields), row["sessions"], float(row["average"]))
            for row in rows]


def outcomes(*, since: datetime, until: datetime) -> tuple[list[Outcome], list[Outcome]]:
    """Per technique and per acupressure point, over signed notes with both
    pain scores whose session started in [since, until): two queries."""
    techniques = _reduction_per(NoteTechnique, ("technique__name",), since=since, until=until)
    points = _reduction_per(NotePoint, ("point__code", "point__name"), since=since, until=until)
    return techniques, points


# -- session notes ----------------------------------------------------------------


def notes_with_parts() -> QuerySet[SessionNote]:
    """Notes with everything a full view of one shows, in a fixed number of queries."""
    return SessionNote.objects.select_related("appointment__location", "client", "practitioner").prefetch_related(
        Prefetch("techniques", NoteTechnique.objects.select_related("technique")),
        Prefetch("points", NotePoint.objects.select_related("point")),
        "home_care__routine",
        Prefetch("amendments", Amendment.objects.select_related("author")),
    )


def note_of_appointment(appointment_id: int) -> SessionNote | None:
    return notes_with_parts().filter(appointment_id=appointment_id).first()


def last_signed_notes(client_ids: Iterable[int]) -> dict[int, SessionNote]:
    """Each client's most recently signed note."""
    latest: dict[int, SessionNote] = {}
    signed = SessionNote.objects.filter(client_id__in=list(client_ids), status=NoteStatus.SIGNED)
    for note in signed.order_by("client_id", "-signed_at", "-pk"):
        latest.setdefault(note.client_id, note)
    return latest


def day_of(practitioner_id: int, now: datetime | None = None) -> list[Appointment]:
    """A practitioner's appointments (not cancelled) on today's date at each
    appointment's location, in time order. Today differs between zones, so
    the query takes the widest day and each row is kept on its own clocks."""
    now = now or timezone.now()
    around = Appointment.objects.filter(
        practitioner_id=practitioner_id, start__gte=now - timedelta(hours=38), start__lt=now + timedelta(hours=38),
    ).exclude(status=AppointmentStatus.CANCELLED).select_related("client", "service", "location", "session_note")
    return [
        appointment for appointment in around.order_by("start", "pk")
        if timezone.localtime(appointment.start, appointment.location.time_zone).date()
        == timezone.localtime(now, appointment.location.time_zone).date()
    ]
