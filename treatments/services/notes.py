"""Session notes: started and written as a draft by the appointment's
practitioner, signed once, then corrected only by amendments.

Every write locks the note's row, re-reads it and refuses a signed note
(``note_signed``); every signature adds a link to the client's signature
chain under a lock on the client's row, and every write leaves its access
record, all in one transaction. On PostgreSQL, triggers refuse any change
to a signed note below the application too (migration 0010).

``address`` is where the request came from, for the access log.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from datetime import datetime
from typing import Any, Final

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Appointment, AppointmentStatus
from bookings.policies import home_care_signer
from clinic.locking import lock_ids, lock_row, lock_wait_as_busy
from clinic.models import Client
from treatments import policies, signing
from treatments.errors import RecordError, problem
from treatments.models import (
    AccessAction,
    AcupressurePoint,
    Amendment,
    BodyRegion,
    HomeCareAssignment,
    HomeCareRoutine,
    NotePoint,
    NoteStatus,
    NoteTechnique,
    Pressure,
    RecordSignature,
    SessionNote,
    Technique,
)
from treatments.services.audit import record_access


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Final = _Unchanged()
"""A draft's field left as it is (``update_draft`` changes only what it is given)."""

# Bounds on what one note holds.
MAX_SOAP_LENGTH = 10_000
MAX_RESPONSE_LENGTH = 2_000
MAX_AMENDMENT_LENGTH = 10_000
MAX_REASON_LENGTH = 300
MAX_CHART_REGIONS = 2 * len(BodyRegion.values)
MAX_CHART_MARKS = 200
MAX_TECHNIQUES = 30
MAX_POINTS = 60
MAX_HOME_CARE = 10
MAX_MINUTES = 240

SIDES = ("front", "back")
POINT_CODE = re.compile(r"[A-Z]{2}[0-9]{1,2}")  # as the catalogue writes them, e.g. GB20
NO_NOTE_STATUSES = frozenset({AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW})
SOAP_FIELDS = ("subjective", "objective", "assessment", "plan")


def subject(note: SessionNote) -> str:
    return f"session note {note.pk}"


# -- checking what a draft is given ----------------------------------------------


def _refused(code: str, field_name: str, name: str, **params) -> RecordError:
    return RecordError(code, field=field_name, problem=problem(name, **params))


def _text(value: Any, *, name: str, limit: int, required: bool = False) -> str:
    if not isinstance(value, str):
        raise RecordError("required" if value is None else "not_text", field=name)
    if "\x00" in value:
        raise RecordError("text_not_printable", field=name)
    value = value.strip()
    if required and not value:
        raise RecordError("required", field=name)
    if len(value) > limit:
        raise RecordError("text_too_long", field=name, limit=limit)
    return value


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _pain(value: Any, *, name: str) -> int | None:
    if value is None or _whole(value, 0, 10):
        return value
    raise RecordError("pain_out_of_scale", field=name)


def _pressure(value: Any) -> str:
    if value in ("", *Pressure.values):
        return value
    raise RecordError("not_a_choice", field="pressure", choices=", ".join(Pressure.values))


def _entries(value: Any, key: str, limit: int) -> list:
    if not isinstance(value, list):
        raise _chart("not_a_list", key=key)
    if len(value) > limit:
        raise _chart("too_many", key=key, limit=limit)
    return value


_chart = partial(_refused, "body_chart_invalid", "body_chart")


def _exact_keys(entry: Any, key: str, keys: tuple[str, ...]) -> None:
    if not isinstance(entry, dict) or set(entry) != set(keys):
        raise _chart("entry_not_an_object", key=key, keys=", ".join(keys))


def _coordinate(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or not 0 <= value <= 1:
        raise _chart("coordinate")
    return round(float(value), 4)


def clean_body_chart(chart: Any) -> dict:
    """``chart`` checked strictly and written in its one stored form:
    ``{"regions": [{"side", "region"}], "marks": [{"side", "x", "y",
    "intensity"}]}``, coordinates rounded to four places. An empty value is
    an empty chart."""
    if chart in (None, {}, ""):
        return {"regions": [], "marks": []}
    if not isinstance(chart, dict):
        raise _chart("not_an_object")
    unknown = set(chart) - {"regions", "marks"}
    if unknown:
        raise _chart("unknown_keys", keys=", ".join(sorted(map(str, unknown)))[:200])
    regions, marks = [], []
    for entry in _entries(chart.get("regions", []), "regions", MAX_CHART_REGIONS):
        _exact_keys(entry, "regions", ("side", "region"))
        if entry["side"] not in SIDES:
            raise _chart("side")
        if entry["region"] not in BodyRegion.values:
            raise _chart("region", choices=", ".join(BodyRegion.values))
        regions.append({"side": entry["side"], "region": entry["region"]})
    for entry in _entries(chart.get("marks", []), "marks", MAX_CHART_MARKS):
        _exact_keys(entry, "marks", ("side", "x", "y", "intensity"))
        if entry["side"] not in SIDES:
            raise _chart("side")
        if not _whole(entry["intensity"], 0, 10):
            raise _chart("intensity")
        marks.append({"side": entry["side"], "x": _coordinate(entry["x"]), "y": _coordinate(entry["y"]),
                      "intensity": entry["intensity"]})
    return {"regions": regions, "marks": marks}


def _id_list(value: Any, *, limit: int, refuse: Callable[..., RecordError], entry: str) -> list:
    if not isinstance(value, list | tuple) or len(value) > limit:
        raise refuse(entry)
    return list(value)


def _each_once_and_known(keys: list, fetch: Callable[[list], dict], *, refuse: Callable[..., RecordError],
                         unknown: str) -> dict:
    """The catalogue rows of ``keys`` (by ``fetch``, one query), refusing a
    key given twice and then the first one the catalogue does not hold."""
    repeated = next((key for key in keys if keys.count(key) > 1), None)
    if repeated is not None:
        raise refuse("repeated", value=repeated)
    known = fetch(keys)
    missing = next((key for key in keys if key not in known), None)
    if missing is not None:
        raise refuse(unknown, value=missing)
    return known


def clean_techniques(techniques: Any) -> list[tuple[Technique, int]]:
    """``[(technique id, minutes 1-240)]``, each technique once."""
    refuse = partial(_refused, "techniques_invalid", "techniques")
    entries = _id_list(techniques, limit=MAX_TECHNIQUES, refuse=refuse, entry="technique_entry")
    pairs = []
    for entry in entries:
        if not isinstance(entry, list | tuple) or len(entry) != 2 or not _whole(entry[0], 1, 2**31 - 1):
            raise refuse("technique_entry")
        if not _whole(entry[1], 1, MAX_MINUTES):
            raise refuse("minutes")
        pairs.append((entry[0], entry[1]))
    known = _each_once_and_known([technique_id for technique_id, _ in pairs], Technique.objects.in_bulk,
                                 refuse=refuse, unknown="unknown_technique")
    return [(known[technique_id], minutes) for technique_id, minutes in pairs]


def clean_points(codes: Any) -> list[AcupressurePoint]:
    """Catalogue codes (``GB20``), each once."""
    refuse = partial(_refused, "points_invalid", "points")
    entries = _id_list(codes, limit=MAX_POINTS, refuse=refuse, entry="point_entry")
    if not all(isinstance(code, str) and POINT_CODE.fullmatch(code) for code in entries):
        raise refuse("point_entry")
    known = _each_once_and_known(entries, partial(AcupressurePoint.objects.in_bulk, field_name="code"),
                                 refuse=refuse, unknown="unknown_point")
    return [known[code] for code in entries]


def clean_home_care(routine_ids: Any) -> list[HomeCareRoutine]:
    """Ids of active home-care routines, each once."""
    refuse = partial(_refused, "home_care_invalid", "home_care")
    entries = _id_list(routine_ids, limit=MAX_HOME_CARE, refuse=refuse, entry="routine_entry")
    if not all(_whole(routine_id, 1, 2**31 - 1) for routine_id in entries):
        raise refuse("routine_entry")
    known = _each_once_and_known(entries, HomeCareRoutine.objects.filter(active=True).in_bulk,
                                 refuse=refuse, unknown="unknown_routine")
    return [known[routine_id] for routine_id in entries]


# -- the signature chain ---------------------------------------------------------------


def note_content(note: SessionNote) -> dict:
    """What a note's signature covers, read from the rows as they are now."""
    return signing.note_content(
        note,
        techniques=NoteTechnique.objects.filter(note=note).values_list("technique_id", "minutes"),
        points=NotePoint.objects.filter(note=note).values_list("point_id", flat=True),
        home_care=SessionNote.home_care.through.objects.filter(sessionnote_id=note.pk).values_list(
            "homecareassignment_id", flat=True),
    )


def _add_link(*, client_id: int, kind: str, content: dict, signed_by, at: datetime, note=None, amendment=None
              ) -> RecordSignature:
    """Append a link to the client's chain, holding the client's row so two
    signatures cannot take the same place."""
    lock_ids(Client, [client_id])
    last = RecordSignature.objects.filter(client_id=client_id).order_by("-sequence").first()
    previous_hash = last.content_hash if last else ""
    return RecordSignature.objects.create(
        client_id=client_id, sequence=(last.sequence + 1) if last else 1, kind=kind, note=note, amendment=amendment,
        previous_hash=previous_hash, content_hash=signing.chain_hash(content, previous_hash), signed_by=signed_by,
        signed_at=at,
    )


# -- the writes ----------------------------------------------------------------------------


def _refuse_unless_author(actor, appointment: Appointment, action: str) -> None:
    if not policies.may_write_note(actor, appointment):
        raise RecordError("permission_denied", action=action)


def _locked_note(note: SessionNote) -> SessionNote:
    return lock_row(SessionNote.objects.select_related("appointment__location"), note.pk)


@dataclass(frozen=True)
class Started:
    note: SessionNote
    created: bool


def start_note(*, actor, appointment: Appointment, address: str | None = None) -> Started:
    """Start the note of ``appointment``: only its practitioner, one note
    per appointment, none for a cancelled appointment or a no-show.
    Starting a note that exists returns it (``created`` false), so a phone
    that retries never meets a conflict."""
    _refuse_unless_author(actor, appointment, _("write this session's note"))
    with lock_wait_as_busy(), transaction.atomic():
        current = lock_row(Appointment.objects, appointment.pk)
        existing = SessionNote.objects.filter(appointment=current).first()
        if existing is not None:
            return Started(existing, created=False)
        if current.status in NO_NOTE_STATUSES:
            raise RecordError("no_note_for_appointment", status=current.get_status_display().lower())
        try:
            with transaction.atomic():
                note = SessionNote.objects.create(
                    appointment=current, client_id=current.client_id, practitioner_id=current.practitioner_id,
                    body_chart={"regions": [], "marks": []},
                )
        except IntegrityError:  # the unique appointment: another start won
            return Started(SessionNote.objects.get(appointment=current), created=False)
        record_access(actor=actor, client=note.client_id, action=AccessAction.CREATE, subject=subject(note),
                      address=address)
    return Started(note, created=True)


@dataclass
class DraftChanges:
    """What ``update_draft`` was given, checked; ``UNCHANGED`` where not given."""

    fields: dict[str, Any] = field(default_factory=dict)
    techniques: list[tuple[Technique, int]] | None = None
    points: list[AcupressurePoint] | None = None
    home_care: list[HomeCareRoutine] | None = None


def check_draft(
    *,
    subjective: Any = UNCHANGED,
    objective: Any = UNCHANGED,
    assessment: Any = UNCHANGED,
    plan: Any = UNCHANGED,
    pressure: Any = UNCHANGED,
    pain_before: Any = UNCHANGED,
    pain_after: Any = UNCHANGED,
    client_response: Any = UNCHANGED,
    body_chart: Any = UNCHANGED,
    shared_with_client: Any = UNCHANGED,
    techniques: Any = UNCHANGED,
    points: Any = UNCHANGED,
    home_care: Any = UNCHANGED,
) -> DraftChanges:
    """Check what a draft is to be given, writing nothing: a form shows the
    refusal on its field before anything is saved; ``update_draft`` checks
    again with the same function."""
    given = {
        "subjective": subjective, "objective": objective, "assessment": assessment, "plan": plan,
        "client_response": client_response,
    }
    changes = DraftChanges()
    for name, value in given.items():
        if value is not UNCHANGED:
            limit = MAX_RESPONSE_LENGTH if name == "client_response" else MAX_SOAP_LENGTH
            changes.fields[name] = _text(value, name=name, limit=limit)
    if pressure is not UNCHANGED:
        changes.fields["pressure"] = _pressure(pressure)
    for name, value in (("pain_before", pain_before), ("pain_after", pain_after)):
        if value is not UNCHANGED:
            changes.fields[name] = _pain(value, name=name)
    if body_chart is not UNCHANGED:
        changes.fields["body_chart"] = clean_body_chart(body_chart)
    if shared_with_client is not UNCHANGED:
        if not isinstance(shared_with_client, bool):
            raise RecordError("not_a_yes_or_no", field="shared_with_client")
        changes.fields["shared_with_client"] = shared_with_client
    if techniques is not UNCHANGED:
        changes.techniques = clean_techniques(techniques)
    if points is not UNCHANGED:
        changes.points = clean_points(points)
    if home_care is not UNCHANGED:
        changes.home_care = clean_home_care(home_care)
    return changes


def _give_home_care(note: SessionNote, routines: Sequence[HomeCareRoutine], actor) -> None:
    """Link the note to an active assignment of each routine, making one
    signed by the practitioner where the client has none (a client holds
    one active assignment per routine). A routine taken off the draft is
    only unlinked: the assignment stays on the client's plan until someone
    ends it on its own page."""
    signer = home_care_signer(actor)
    if routines and signer is None:
        raise _refused("home_care_invalid", "home_care", "no_signer")
    given_on = timezone.localtime(note.appointment.start, note.appointment.location.time_zone).date()
    active = {assignment.routine_id: assignment for assignment in
              HomeCareAssignment.objects.filter(client_id=note.client_id, active=True,
                                                routine__in=[routine.pk for routine in routines])}
    assignments = []
    for routine in routines:
        assignment = active.get(routine.pk)
        if assignment is None:
            assignment = HomeCareAssignment.objects.create(client_id=note.client_id, routine=routine,
                                                           assigned_by=signer, assigned_on=given_on)
        assignments.append(assignment)
    note.home_care.set(assignments)


def update_draft(*, actor, note: SessionNote, address: str | None = None, **given: Any) -> SessionNote:
    """Change a draft: any of the SOAP fields, ``pressure``, ``pain_before``
    and ``pain_after`` (0-10 or ``None``), ``client_response``,
    ``body_chart``, ``shared_with_client``; ``techniques`` as [(technique
    id, minutes)], ``points`` as catalogue codes and ``home_care`` as
    routine ids each replace the whole list. What is not given stays."""
    _refuse_unless_author(actor, note.appointment, _("change this note"))
    changes = check_draft(**given)
    with lock_wait_as_busy(), transaction.atomic():
        current = _locked_note(note)
        if current.is_signed:
            raise RecordError("note_signed")
        for name, value in changes.fields.items():
            setattr(current, name, value)
        current.save()
        if changes.techniques is not None:
            NoteTechnique.objects.filter(note=current).delete()
            NoteTechnique.objects.bulk_create(
                NoteTechnique(note=current, technique=technique, minutes=minutes)
                for technique, minutes in changes.techniques
            )
        if changes.points is not None:
            NotePoint.objects.filter(note=current).delete()
            NotePoint.objects.bulk_create(NotePoint(note=current, point=point) for point in changes.points)
        if changes.home_care is not None:
            _give_home_care(current, changes.home_care, actor)
        record_access(actor=actor, client=current.client_id, action=AccessAction.UPDATE, subject=subject(current),
                      address=address)
    return current


def sign_note(*, actor, note: SessionNote, address: str | None = None, now: datetime | None = None) -> SessionNote:
    """Sign a draft: from now on it is never changed, and the client's
    signature chain holds its hash. Signing a signed note changes nothing."""
    _refuse_unless_author(actor, note.appointment, _("sign this note"))
    now = now or timezone.now()
    with lock_wait_as_busy(), transaction.atomic():
        current = _locked_note(note)
        if current.is_signed:
            return current
        if not any(getattr(current, name).strip() for name in SOAP_FIELDS):
            raise RecordError("note_empty")
        current.status, current.signed_at, current.signed_by = NoteStatus.SIGNED, now, actor
        current.save(update_fields=["status", "signed_at", "signed_by", "updated_at"])
        current.refresh_from_db()  # hash what was stored, as verify_records will read it
        _add_link(client_id=current.client_id, kind=RecordSignature.Kind.NOTE, content=note_content(current),
                  signed_by=actor, at=now, note=current)
        record_access(actor=actor, client=current.client_id, action=AccessAction.SIGN, subject=subject(current),
                      address=address, at=now)
    return current


def amend_note(*, actor, note: SessionNote, text: str, reason: str, address: str | None = None,
               now: datetime | None = None) -> Amendment:
    """Add a correction to a signed note, signed at once: its author or a
    manager. The note itself stays as it was signed."""
    text = _text(text, name="text", limit=MAX_AMENDMENT_LENGTH, required=True)
    reason = _text(reason, name="reason", limit=MAX_REASON_LENGTH, required=True)
    now = now or timezone.now()
    with lock_wait_as_busy(), transaction.atomic():
        current = _locked_note(note)
        if not current.is_signed:
            raise RecordError("note_not_signed")
        if not policies.may_amend(actor, current):
            raise RecordError("permission_denied", action=_("amend this note"))
        amendment = Amendment.objects.create(note=current, text=text, reason=reason, author=actor, created_at=now)
        amendment.refresh_from_db()
        _add_link(client_id=current.client_id, kind=RecordSignature.Kind.AMENDMENT,
                  content=signing.amendment_content(amendment), signed_by=actor, at=now, amendment=amendment)
        record_access(actor=actor, client=current.client_id, action=AccessAction.AMEND,
                      subject=f"amendment {amendment.pk} to {subject(current)}", address=address, at=now)
    return amendment


def record_read(*, actor, note: SessionNote, address: str | None = None) -> None:
    """Log that ``actor`` was shown the clinical content of ``note``; the
    caller holds the transaction of that read."""
    record_access(actor=actor, client=note.client_id, action=AccessAction.READ, subject=subject(note),
                  address=address)


# -- verifying the chains ------------------------------------------------------------


@dataclass(frozen=True)
class Mismatch:
    client_id: int
    record: str  # e.g. "session note 12", "amendment 3"
    sequence: int | None
    problem: str

    def __str__(self) -> str:
        place = f" (link #{self.sequence})" if self.sequence is not None else ""
        return f"client {self.client_id}: {self.record}{place}: {self.problem}"


@dataclass
class Verification:
    clients: int = 0
    links: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)


def _signatures() -> QuerySet[RecordSignature]:
    return RecordSignature.objects.select_related("note", "amendment__note").order_by("client_id", "sequence")


def verify_records() -> Verification:
    """Recompute every link of every client's chain from the rows as they
    are now: each record's content, each link's place and its hold on the
    one before. Also finds signed records that have no link at all."""
    result = Verification()
    previous: RecordSignature | None = None
    for link in _signatures().iterator(chunk_size=500):
        if previous is None or previous.client_id != link.client_id:
            result.clients += 1
            previous = None
        result.links += 1
        result.mismatches.extend(_check_link(link, previous))
        previous = link
    for note in SessionNote.objects.filter(status=NoteStatus.SIGNED).exclude(
            pk__in=RecordSignature.objects.filter(kind=RecordSignature.Kind.NOTE).values("note_id")):
        result.mismatches.append(Mismatch(note.client_id, subject(note), None, "signed, but not in the chain"))
    for amendment in Amendment.objects.filter(signature__isnull=True).select_related("note"):
        result.mismatches.append(Mismatch(amendment.note.client_id, f"amendment {amendment.pk}", None,
                                          "not in the chain"))
    for note in SessionNote.objects.filter(status=NoteStatus.DRAFT, pk__in=RecordSignature.objects.filter(
            kind=RecordSignature.Kind.NOTE).values("note_id")):
        result.mismatches.append(Mismatch(note.client_id, subject(note), None, "signed, but now a draft again"))
    return result


def _check_link(link: RecordSignature, previous: RecordSignature | None) -> Iterable[Mismatch]:
    if link.kind == RecordSignature.Kind.NOTE:
        record, content = subject(link.note), note_content(link.note)
        owner = link.note.client_id
    else:
        record, content = f"amendment {link.amendment.pk}", signing.amendment_content(link.amendment)
        owner = link.amendment.note.client_id
    expected_sequence = previous.sequence + 1 if previous else 1
    expected_previous = previous.content_hash if previous else ""
    if link.sequence != expected_sequence:
        yield Mismatch(link.client_id, record, link.sequence, f"out of place: expected link #{expected_sequence}")
    if link.previous_hash != expected_previous:
        yield Mismatch(link.client_id, record, link.sequence, "does not hold the hash of the link before it")
    if owner != link.client_id:
        yield Mismatch(link.client_id, record, link.sequence, f"belongs to client {owner}, not this chain's")
    if signing.chain_hash(content, link.previous_hash) != link.content_hash:
        yield Mismatch(link.client_id, record, link.sequence, "content no longer matches its signature")
