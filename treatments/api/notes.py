"""API for practitioners' phones: the day's appointments, and the session
note of each (start, read, edit the draft, sign, amend).

Views check the shape of the input, call one function of
``treatments.services.notes`` and render the result. How much of a note a
caller sees is ``treatments.policies.note_view``: everything, the shared
plan and home care, only that it exists, or nothing at all (a 404). Every
answer that shows clinical content leaves an access record in the same
transaction, with the caller's address.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings import policies as booking_policies
from bookings.models import Appointment
from clinic.inputs import LARGEST_ID
from clinic.rest import StrictSerializer, error_responses
from clinic.selectors import practitioner_of
from clinic.signin import client_address
from treatments import policies, selectors
from treatments.errors import RecordError
from treatments.models import Amendment, Pressure, SessionNote
from treatments.policies import NoteView
from treatments.api.intake import FlagSerializer
from treatments.services import intake, notes

SUMMARY_LENGTH = 280
APPOINTMENT_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The appointment's id.")


def _local(moment, appointment: Appointment) -> str | None:
    return None if moment is None else moment.astimezone(appointment.location.time_zone).isoformat()


def _trimmed(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1].rstrip() + "…"


# -- what a note looks like to each reader ---------------------------------------------------


class TechniqueUseSerializer(serializers.Serializer):
    technique = serializers.IntegerField(source="technique_id")
    name = serializers.CharField(source="technique.name")
    minutes = serializers.IntegerField()


class PointWorkedSerializer(serializers.Serializer):
    code = serializers.CharField(source="point.code")
    name = serializers.CharField(source="point.name")


class HomeCareGivenSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    routine = serializers.IntegerField(source="routine_id")
    routine_name = serializers.CharField(source="routine.name")
    assigned_on = serializers.DateField()
    active = serializers.BooleanField()


class AmendmentSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = Amendment
        fields = ["id", "text", "reason", "author_name", "created_at"]
        read_only_fields = fields

    def get_author_name(self, amendment: Amendment) -> str:
        return amendment.author.get_full_name() or amendment.author.email


class Says(serializers.ChoiceField):
    """A read-only field that always says ``value``: in the schema an enum of
    one, which tells the three views of a note apart."""

    def __init__(self, value: str):
        super().__init__(choices=[value], source="*", read_only=True)
        self.value = value

    def to_representation(self, instance) -> str:
        return self.value


class FullNoteSerializer(serializers.ModelSerializer):
    view = Says(NoteView.FULL.value)
    techniques = TechniqueUseSerializer(many=True, read_only=True)
    points = PointWorkedSerializer(many=True, read_only=True)
    home_care = HomeCareGivenSerializer(many=True, read_only=True)
    amendments = AmendmentSerializer(many=True, read_only=True)
    body_chart = serializers.JSONField(read_only=True)

    class Meta:
        model = SessionNote
        fields = [
            "view", "id", "appointment", "client", "practitioner", "status", "subjective", "objective", "assessment",
            "plan", "pressure", "pain_before", "pain_after", "client_response", "body_chart", "techniques", "points",
            "home_care", "shared_with_client", "created_at", "updated_at", "signed_at", "signed_by", "amendments",
        ]
        read_only_fields = fields


class SharedNoteSerializer(serializers.ModelSerializer):
    view = Says(NoteView.SHARED.value)
    home_care = HomeCareGivenSerializer(many=True, read_only=True)

    class Meta:
        model = SessionNote
        fields = ["view", "id", "appointment", "status", "plan", "home_care", "signed_at"]
        read_only_fields = fields


class NoteExistsSerializer(serializers.ModelSerializer):
    view = Says(NoteView.EXISTENCE.value)

    class Meta:
        model = SessionNote
        fields = ["view", "id", "appointment", "status", "created_at", "signed_at"]
        read_only_fields = fields


SERIALIZERS = {NoteView.FULL: FullNoteSerializer, NoteView.SHARED: SharedNoteSerializer,
               NoteView.EXISTENCE: NoteExistsSerializer}

NOTE_ANSWER = PolymorphicProxySerializer(
    component_name="SessionNoteAnswer",
    serializers=[FullNoteSerializer, SharedNoteSerializer, NoteExistsSerializer],
    resource_type_field_name="view",
)


# -- what a phone sends ----------------------------------------------------------------


class TechniqueUseInput(StrictSerializer):
    technique = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    minutes = serializers.IntegerField(min_value=1, max_value=notes.MAX_MINUTES)


def _text(limit: int) -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, max_length=limit, trim_whitespace=False)


class DraftInput(StrictSerializer):
    """A change to a draft: only what is sent changes; a list sent replaces
    the whole list."""

    subjective = _text(notes.MAX_SOAP_LENGTH)
    objective = _text(notes.MAX_SOAP_LENGTH)
    assessment = _text(notes.MAX_SOAP_LENGTH)
    plan = _text(notes.MAX_SOAP_LENGTH)
    pressure = serializers.ChoiceField(choices=Pressure.choices, allow_blank=True, required=False)
    pain_before = serializers.IntegerField(min_value=0, max_value=10, required=False, allow_null=True)
    pain_after = serializers.IntegerField(min_value=0, max_value=10, required=False, allow_null=True)
    client_response = _text(notes.MAX_RESPONSE_LENGTH)
    body_chart = serializers.JSONField(
        required=False,
        help_text='{"regions": [{"side": "front"|"back", "region": <body region>}], '
                  '"marks": [{"side", "x", "y" (0-1), "intensity" (0-10)}]}',
    )
    shared_with_client = serializers.BooleanField(required=False)
    techniques = TechniqueUseInput(many=True, required=False, max_length=notes.MAX_TECHNIQUES)
    points = serializers.ListField(child=serializers.CharField(max_length=8), required=False,
                                   max_length=notes.MAX_POINTS, help_text="Catalogue codes, e.g. GB20.")
    home_care = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
                                      required=False, max_length=notes.MAX_HOME_CARE,
                                      help_text="Ids of home-care routines given in this session.")


class AmendmentInput(StrictSerializer):
    text = serializers.CharField(max_length=notes.MAX_AMENDMENT_LENGTH)
    reason = serializers.CharField(max_length=notes.MAX_REASON_LENGTH)


# -- the views --------------------------------------------------------------------------------


class _NoteViewBase(APIView):
    permission_classes = [IsAuthenticated]

    def _note(self, request, pk: int) -> tuple[SessionNote, NoteView]:
        """The appointment's note and how much of it the caller sees; a 404
        when there is none, or none they may know of."""
        note = selectors.note_of_appointment(pk) if pk <= LARGEST_ID else None
        view = policies.note_view(request.user, note) if note is not None else None
        if view is None:
            raise RecordError("not_found")
        return note, view

    def _answer(self, request, note: SessionNote, *, code: int = status.HTTP_200_OK, read: bool = True) -> Response:
        """Render ``note`` as the caller sees it, logging the read of its
        clinical content (``read``: the answer is a read, not the echo of
        the caller's own write)."""
        fresh = selectors.notes_with_parts().get(pk=note.pk)
        view = policies.note_view(request.user, fresh)
        with transaction.atomic():
            data = SERIALIZERS[view](fresh).data
            if read and view in (NoteView.FULL, NoteView.SHARED):
                notes.record_read(actor=request.user, note=fresh, address=client_address(request))
        return Response(data, status=code)


@extend_schema(tags=["session notes"], parameters=[APPOINTMENT_ID])
class AppointmentNoteView(_NoteViewBase):
    """The session note of one appointment."""

    @extend_schema(
        request=None,
        responses={201: FullNoteSerializer, 200: FullNoteSerializer, **error_responses(401, 403, 404, 409, 503)},
        description="Start the note (the appointment's practitioner only). Starting it again returns it (200).",
    )
    def post(self, request, pk: int):
        appointment = booking_policies.visible_appointments(request.user).filter(pk=pk).first() if (
            pk <= LARGEST_ID) else None
        if appointment is None:
            raise RecordError("not_found")
        started = notes.start_note(actor=request.user, appointment=appointment, address=client_address(request))
        if started.created:
            return self._answer(request, started.note, code=status.HTTP_201_CREATED, read=False)
        return self._answer(request, started.note)

    @extend_schema(responses={200: NOTE_ANSWER, **error_responses(401, 404)})
    def get(self, request, pk: int):
        note, _ = self._note(request, pk)
        return self._answer(request, note)

    @extend_schema(request=DraftInput, responses={200: FullNoteSerializer, **error_responses(400, 401, 403, 404, 409,
                                                                                             503)})
    def patch(self, request, pk: int):
        note, _ = self._note(request, pk)
        form = DraftInput(data=request.data)
        form.is_valid(raise_exception=True)
        changes = dict(form.validated_data)
        if "techniques" in changes:
            changes["techniques"] = [(use["technique"], use["minutes"]) for use in changes["techniques"]]
        notes.update_draft(actor=request.user, note=note, address=client_address(request), **changes)
        return self._answer(request, note, read=False)


@extend_schema(tags=["session notes"], parameters=[APPOINTMENT_ID])
class SignNoteView(_NoteViewBase):
    @extend_schema(request=None, responses={200: FullNoteSerializer, **error_responses(400, 401, 403, 404, 503)})
    def post(self, request, pk: int):
        """Sign the draft: from now on it changes only by amendments."""
        note, _ = self._note(request, pk)
        notes.sign_note(actor=request.user, note=note, address=client_address(request))
        return self._answer(request, note, read=False)


@extend_schema(tags=["session notes"], parameters=[APPOINTMENT_ID])
class AmendNoteView(_NoteViewBase):
    @extend_schema(request=AmendmentInput,
                   responses={201: AmendmentSerializer, **error_responses(400, 401, 403, 404, 409, 503)})
    def post(self, request, pk: int):
        """Add a correction to a signed note (its author or a manager)."""
        note, _ = self._note(request, pk)
        form = AmendmentInput(data=request.data)
        form.is_valid(raise_exception=True)
        amendment = notes.amend_note(actor=request.user, note=note, address=client_address(request),
                                     **form.validated_data)
        return Response(AmendmentSerializer(amendment).data, status=status.HTTP_201_CREATED)


# -- the practitioner's day ---------------------------------------------------------------------


class LastNoteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    signed_at = serializers.DateTimeField()
    assessment = serializers.CharField(help_text=f"Trimmed to {SUMMARY_LENGTH} characters.")
    plan = serializers.CharField(help_text=f"Trimmed to {SUMMARY_LENGTH} characters.")


class NoteStateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class TodaySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text="The appointment's status, as in the appointments list.")
    start = serializers.DateTimeField(help_text="On the location's clocks, with its offset.")
    end = serializers.DateTimeField(help_text="On the location's clocks, with its offset.")
    time_zone = serializers.CharField()
    location_name = serializers.CharField()
    client = serializers.IntegerField()
    client_name = serializers.CharField()
    service_name = serializers.CharField()
    note = NoteStateSerializer(allow_null=True, help_text="This appointment's note, if it was started.")
    last_signed_note = LastNoteSerializer(allow_null=True, help_text="The client's most recently signed note.")
    flags = FlagSerializer(many=True, help_text="The client's health flags, for those who read their record.")


@extend_schema(tags=["session notes"], responses={200: TodaySerializer(many=True), **error_responses(401, 403)})
class PractitionerTodayView(APIView):
    """The caller's appointments today (on each location's clocks), with
    what to know before each: the client's last signed note, in short."""

    permission_classes = [IsAuthenticated]

    def get(self, request):
        practitioner = practitioner_of(request.user)
        if practitioner is None:
            raise RecordError("permission_denied", action=gettext("see a practitioner's day"))
        day = selectors.day_of(practitioner.pk)
        readable = set(policies.clinical_clients(request.user).filter(
            pk__in={appointment.client_id for appointment in day}).values_list("pk", flat=True))
        last = selectors.last_signed_notes(readable)
        rows = []
        with transaction.atomic():
            flags = intake.read_flags_of_clients(actor=request.user, client_ids=readable,
                                                 address=client_address(request))
            for appointment in day:
                summary = last.get(appointment.client_id)
                own = getattr(appointment, "session_note", None)
                rows.append({
                    "id": appointment.pk,
                    "status": appointment.status,
                    "start": _local(appointment.start, appointment),
                    "end": _local(appointment.end, appointment),
                    "time_zone": appointment.location.time_zone.key,
                    "location_name": appointment.location.name,
                    "client": appointment.client_id,
                    "client_name": appointment.client.full_name,
                    "service_name": appointment.service.name,
                    "note": {"id": own.pk, "status": own.status} if own is not None else None,
                    "last_signed_note": None if summary is None else {
                        "id": summary.pk, "signed_at": summary.signed_at.isoformat(),
                        "assessment": _trimmed(summary.assessment), "plan": _trimmed(summary.plan),
                    },
                    "flags": FlagSerializer(flags.get(appointment.client_id, []), many=True).data,
                })
            for summary in {note.pk: note for note in last.values()}.values():
                notes.record_read(actor=request.user, note=summary, address=client_address(request))
        return Response(rows)
