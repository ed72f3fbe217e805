"""Reads of the clinical records, with what each read prefetches, so a
record costs a fixed number of queries whatever its length. Who may read
which rows is ``treatments.policies``."""

from __future__ import annotations


# == The client's record page, the access log, data rights and outcomes ======
# Reads for ``treatments.admin.records``, ``treatments.api.records`` and
# ``treatments.services.rights``. Each costs a fixed number of queries
# however many notes, appointments or log rows it returns.

from dataclasses import dataclass  # noqa: E402
from datetime import datetime  # noqa: E402

from django.db.models import Avg, Count, F, FloatField, Prefetch, QuerySet  # noqa: E402
from django.db.models.functions import Cast  # noqa: E402

from bookings.models import Appointment  # noqa: E402
from clinic.models import Client  # noqa: E402
from treatments.models import (  # noqa: E402
    Amendment,
    Clearance,
    CorrectionRequest,
    HomeCareAssignment,
    Intake,
    NotePoint,
    NoteStatus,
    NoteTechnique,
    RecordAccess,
    SessionNote,
)


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


def client_record(client: Client, *, with_content: bool) -> ClientRecord:
    appointments = list(
        Appointment.objects.filter(client=client)
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
    return ClientRecord(client, latest_intake, versions, appointments, notes, home_care)


def access_log(queryset: QuerySet[RecordAccess] | None = None) -> QuerySet[RecordAccess]:
    """The access log, newest first, with the client of each row."""
    queryset = RecordAccess.objects.all() if queryset is None else queryset
    return queryset.select_related("client").order_by("-at", "-pk")


def client_access_log(client: Client) -> QuerySet[RecordAccess]:
    return RecordAccess.objects.filter(client=client).order_by("-at", "-pk")


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
