"""A client's rights over the data the clinic holds about them (India's
Digital Personal Data Protection Act, 2023): a manager exports everything
held about one client, and records the client's requests to correct it
and what became of each.

The export is a read of the whole clinical record, so it is logged
(``export``) in the transaction that reads it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinic.locking import lock_row
from clinic.models import Client
from treatments import policies, selectors
from treatments.errors import RecordError
from treatments.models import AccessAction, CorrectionRequest, CorrectionState, SessionNote
from treatments.services.audit import record_access

EXPORT_FORMAT = "clinic-client-export/1"
EXPORT_SUBJECT = "everything held (data rights export)"


def _moment(value: datetime | None) -> str | None:
    """A moment in the clinic's zone, with its offset."""
    return None if value is None else timezone.localtime(value).isoformat()


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _person(user) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.email


def _note(note: SessionNote) -> dict[str, Any]:
    """A note as a manager reads it: every clinical field, and its amendments."""
    return {
        "id": note.pk,
        "appointment": note.appointment_id,
        "session_start": _moment(note.appointment.start),
        "service": note.appointment.service.name,
        "practitioner": note.practitioner.display_name,
        "status": note.status,
        "subjective": note.subjective,
        "objective": note.objective,
        "assessment": note.assessment,
        "plan": note.plan,
        "pressure": note.pressure,
        "pain_before": note.pain_before,
        "pain_after": note.pain_after,
        "client_response": note.client_response,
        "body_chart": note.body_chart,
        "techniques": [{"technique": used.technique.name, "minutes": used.minutes} for used in note.techniques.all()],
        "points": [{"code": used.point.code, "name": used.point.name} for used in note.points.all()],
        "home_care": [assignment.routine.name for assignment in note.home_care.all()],
        "shared_with_client": note.shared_with_client,
        "created_at": _moment(note.created_at),
        "signed_at": _moment(note.signed_at),
        "signed_by": _person(note.signed_by),
        "amendments": [
            {"text": amendment.text, "reason": amendment.reason, "author": _person(amendment.author),
             "created_at": _moment(amendment.created_at)}
            for amendment in note.amendments.all()
        ],
    }


def client_export_document(holdings: selectors.ClientHoldings, *, exported_by, at: datetime) -> dict[str, Any]:
    client = holdings.client
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _moment(at),
        "exported_by": _person(exported_by),
        "time_zone": timezone.get_default_timezone_name(),
        "profile": {
            "id": client.pk,
            "full_name": client.full_name,
            "phone": str(client.phone),
            "email": client.email,
            "date_of_birth": _day(client.date_of_birth),
            "preferred_language": client.preferred_language,
            "email_reminders": client.email_reminders,
            "sms_reminders": client.sms_reminders,
            "whatsapp_reminders": client.whatsapp_reminders,
            "emergency_contact_name": client.emergency_contact_name,
            "emergency_contact_phone": str(client.emergency_contact_phone),
            "staff_remarks": client.staff_remarks,
            "app_login": client.user.email if client.user_id else None,
            "created_at": _moment(client.created_at),
            "updated_at": _moment(client.updated_at),
        },
        "intake_versions": [
            {
                "version": intake.version,
                "source": intake.source,
                "conditions": intake.conditions,
                "medications": intake.medications,
                "takes_blood_thinners": intake.takes_blood_thinners,
                "pregnant": intake.pregnant,
                "pregnancy_trimester": intake.pregnancy_trimester,
                "recent_injury_or_surgery": intake.recent_injury_or_surgery,
                "injury_date": _day(intake.injury_date),
                "injury_region": intake.injury_region,
                "injury_details": intake.injury_details,
                "skin_condition_or_infection": intake.skin_condition_or_infection,
                "fever": intake.fever,
                "pain_areas": intake.pain_areas,
                "pressure_preference": intake.pressure_preference,
                "avoid_areas": intake.avoid_areas,
                "goals": intake.goals,
                "consent_given_at": _moment(intake.consent_given_at),
                "consent_method": intake.consent_method,
                "consent_text_version": intake.consent_text_version,
                "recorded_by": _person(intake.recorded_by),
                "created_at": _moment(intake.created_at),
            }
            for intake in holdings.intakes
        ],
        "clearances": [
            {"rule": clearance.rule.name, "doctor": clearance.doctor,
             "document_reference": clearance.document_reference, "issued_on": _day(clearance.issued_on),
             "valid_until": _day(clearance.valid_until)}
            for clearance in holdings.clearances
        ],
        "appointments": [
            {
                "id": appointment.pk,
                "start": _moment(appointment.start),
                "end": _moment(appointment.end),
                "service": appointment.service.name,
                "practitioner": appointment.practitioner.display_name,
                "location": appointment.location.name,
                "room": appointment.room.name if appointment.room_id else None,
                "status": appointment.status,
                "price": str(appointment.price),
                "source": appointment.source,
                "cancellation_reason": appointment.cancellation_reason,
                "late_cancellation": appointment.late_cancellation,
            }
            for appointment in holdings.appointments
        ],
        "session_notes": [_note(note) for note in holdings.notes],
        "pain_check_ins": [
            {"appointment": answer.appointment_id, "pain": answer.pain, "answered_at": _moment(answer.answered_at)}
            for answer in holdings.check_ins
        ],
        "home_care": [
            {"routine": assignment.routine.name, "assigned_on": _day(assignment.assigned_on),
             "assigned_by": assignment.assigned_by.display_name if assignment.assigned_by_id else None,
             "note": assignment.note, "active": assignment.active}
            for assignment in holdings.home_care
        ],
        "access_log": [
            {"at": _moment(entry.at), "staff_member": entry.actor_name, "role": entry.role, "action": entry.action,
             "what": entry.subject}
            for entry in holdings.access_log
        ],
        "correction_requests": [
            {"received_on": _day(correction.received_on), "request": correction.request, "state": correction.state,
             "outcome": correction.outcome, "recorded_by": _person(correction.recorded_by),
             "closed_at": _moment(correction.closed_at)}
            for correction in holdings.correction_requests
        ],
    }


def export_client(*, client: Client, actor, address: str | None = None) -> dict[str, Any]:
    """Everything held about ``client`` as one JSON-ready document; managers
    only. The export is logged in the transaction that reads it."""
    if not policies.may_export_client(actor):
        raise RecordError("permission_denied", action=_("export a client's data"))
    now = timezone.now()
    with transaction.atomic():
        document = client_export_document(selectors.client_holdings(client), exported_by=actor, at=now)
        record_access(actor=actor, client=client, action=AccessAction.EXPORT, subject=EXPORT_SUBJECT,
                      address=address, at=now)
    return document


# -- correction requests -----------------------------------------------------


def record_correction_request(*, client: Client, received_on: date, request: str, actor) -> CorrectionRequest:
    """Note a client's request to correct what the clinic holds; managers only."""
    if not policies.may_export_client(actor):
        raise RecordError("permission_denied", action=_("record a correction request"))
    if not request.strip():
        raise RecordError("correction_request_blank", field="request")
    with transaction.atomic():
        return CorrectionRequest.objects.create(
            client=client, received_on=received_on, request=request.strip(), recorded_by=actor
        )


CLOSED_STATES = (CorrectionState.CORRECTED, CorrectionState.DECLINED)


def close_correction_request(
    *, correction: CorrectionRequest, state: CorrectionState | str, outcome: str, actor
) -> CorrectionRequest:
    """Close an open request as corrected or declined, saying what was done.
    Closing it again the same way changes nothing; any other change to a
    closed request is refused."""
    if not policies.may_export_client(actor):
        raise RecordError("permission_denied", action=_("close a correction request"))
    if state not in CLOSED_STATES:
        raise RecordError("correction_state_invalid", field="state")
    outcome = outcome.strip()
    if not outcome:
        raise RecordError("correction_needs_outcome", field="outcome")
    with transaction.atomic():
        locked = lock_row(CorrectionRequest.objects.all(), correction.pk)
        if locked.state != CorrectionState.OPEN:
            if locked.state == state and locked.outcome == outcome:
                return locked
            raise RecordError("correction_closed")
        locked.state = state
        locked.outcome = outcome
        locked.closed_at = timezone.now()
        locked.save(update_fields=["state", "outcome", "closed_at"])
        return locked
