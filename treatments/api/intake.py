"""API for the intake questionnaire and the flags its answers raise.

A client reads and adds to their own intake (``me/intake/``) and answers
the short re-check before a visit (``me/intake/recheck/``). Staff whom
``treatments.policies`` allows read a client's intake and flags
(``clients/<id>/intake/``, ``clients/<id>/flags/``); to anyone else those
clients' records do not exist (404). Every read and write is logged by
``treatments.services.intake``.
"""

from __future__ import annotations

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.inputs import LARGEST_ID
from clinic.models import Client
from clinic.rest import SafeDateField, StrictSerializer, error_responses
from clinic.selectors import require_client_of
from clinic.signin import client_address
from treatments.errors import RecordError
from treatments.models import BodyRegion, ConsentMethod, FlagTier, Intake, Pressure
from treatments.services import intake as intake_service

TEXT = {"required": False, "allow_blank": True, "default": ""}
REGIONS_HELP = format_lazy("{}: {}.", _("A body region, one of"), ", ".join(BodyRegion.values))


@extend_schema_field(OpenApiTypes.STR)
class BodyRegionField(serializers.ChoiceField):
    """A body region. In the schema a plain string (the values are in its
    description), so that the one choice set is not named once per field."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", REGIONS_HELP)
        super().__init__(choices=BodyRegion.choices, **kwargs)


class PainAreaSerializer(StrictSerializer):
    region = BodyRegionField()
    intensity = serializers.IntegerField(min_value=0, max_value=10, help_text=_("0 (none) to 10 (the worst)."))


class IntakeSerializer(serializers.ModelSerializer):
    pain_areas = PainAreaSerializer(many=True, read_only=True)
    avoid_areas = serializers.ListField(child=BodyRegionField(), read_only=True)
    injury_region = BodyRegionField(read_only=True, allow_blank=True)
    source = serializers.CharField(read_only=True, help_text=_("questionnaire, or recheck (the short re-check)."))

    class Meta:
        model = Intake
        fields = [
            "id", "version", "source", "created_at", "conditions", "medications", "takes_blood_thinners",
            "pregnant", "pregnancy_trimester", "recent_injury_or_surgery", "injury_date", "injury_region",
            "injury_details", "skin_condition_or_infection", "fever", "pain_areas", "pressure_preference",
            "avoid_areas", "goals", "consent_given_at", "consent_method", "consent_text_version",
        ]
        read_only_fields = fields


class IntakeVersionSerializer(serializers.ModelSerializer):
    source = serializers.CharField(read_only=True, help_text=_("questionnaire, or recheck (the short re-check)."))

    class Meta:
        model = Intake
        fields = ["id", "version", "source", "created_at"]
        read_only_fields = fields


class IntakeHistorySerializer(serializers.Serializer):
    latest = IntakeSerializer(allow_null=True, help_text=_("The answers in force; null before the first."))
    versions = IntakeVersionSerializer(many=True, help_text=_("Every version, newest first."))


class _Answers(StrictSerializer):
    """The answers a re-check may change, each optional."""

    pregnant = serializers.BooleanField(required=False)
    pregnancy_trimester = serializers.IntegerField(min_value=1, max_value=3, required=False, allow_null=True)
    recent_injury_or_surgery = serializers.BooleanField(required=False)
    injury_date = SafeDateField(required=False, allow_null=True)
    injury_region = BodyRegionField(required=False, allow_blank=True)
    injury_details = serializers.CharField(max_length=300, required=False, allow_blank=True)
    fever = serializers.BooleanField(required=False)
    skin_condition_or_infection = serializers.BooleanField(required=False)
    pain_areas = PainAreaSerializer(many=True, required=False, max_length=len(BodyRegion.values))
    medications = serializers.CharField(max_length=intake_service.TEXT_LIMIT, required=False, allow_blank=True)
    takes_blood_thinners = serializers.BooleanField(required=False)


class IntakeAnswersSerializer(StrictSerializer):
    conditions = serializers.CharField(max_length=intake_service.TEXT_LIMIT, **TEXT)
    medications = serializers.CharField(max_length=intake_service.TEXT_LIMIT, **TEXT)
    takes_blood_thinners = serializers.BooleanField(default=False)
    pregnant = serializers.BooleanField(default=False)
    pregnancy_trimester = serializers.IntegerField(min_value=1, max_value=3, required=False, allow_null=True,
                                                   default=None, help_text=_("Only with a pregnancy: 1, 2 or 3."))
    recent_injury_or_surgery = serializers.BooleanField(default=False, help_text=_("In the last three months."))
    injury_date = SafeDateField(required=False, allow_null=True, default=None)
    injury_region = BodyRegionField(**TEXT)
    injury_details = serializers.CharField(max_length=300, **TEXT)
    skin_condition_or_infection = serializers.BooleanField(default=False)
    fever = serializers.BooleanField(default=False)
    pain_areas = PainAreaSerializer(many=True, required=False, default=list, max_length=len(BodyRegion.values))
    pressure_preference = serializers.ChoiceField(choices=Pressure.choices, default=Pressure.MEDIUM)
    avoid_areas = serializers.ListField(child=BodyRegionField(), default=list,
                                        max_length=len(BodyRegion.values))
    goals = serializers.CharField(max_length=intake_service.TEXT_LIMIT, **TEXT)
    consent = serializers.BooleanField(help_text=_("true: the client agrees to treatment on these answers."))
    consent_text_version = serializers.CharField(max_length=20, help_text=_("The consent text agreed to."))

    def validate_consent(self, value: bool) -> bool:
        if value is not True:
            raise serializers.ValidationError(_("Treatment needs your consent."))
        return value


class RecheckSerializer(_Answers):
    changed = serializers.BooleanField(help_text=_("Has anything changed since last time?"))


class FlagSerializer(serializers.Serializer):
    rule_id = serializers.IntegerField()
    rule = serializers.CharField()
    tier = serializers.ChoiceField(choices=FlagTier.choices)
    tier_label = serializers.CharField()
    reason = serializers.CharField(help_text=_("The answer that raised the flag."))
    advice = serializers.CharField()
    regions = serializers.ListField(child=BodyRegionField(), help_text=_("Body regions it affects."))
    service_ids = serializers.ListField(child=serializers.IntegerField(),
                                        help_text=_("Services it affects; empty: every service."))
    technique_ids = serializers.ListField(child=serializers.IntegerField())
    point_codes = serializers.ListField(child=serializers.CharField())
    cleared_until = serializers.DateField(allow_null=True, help_text=_("A doctor's clearance lifts it until then."))
    holds_bookings = serializers.SerializerMethodField(help_text=_("A booking it affects waits for review."))

    def get_holds_bookings(self, flag) -> bool:
        return flag.tier in intake_service.HOLDING_TIERS and not flag.cleared


class FlagsSerializer(serializers.Serializer):
    flags = FlagSerializer(many=True)


def _history(versions: list[Intake]) -> dict:
    return IntakeHistorySerializer({"latest": versions[0] if versions else None, "versions": versions}).data


CLIENT_ID = OpenApiParameter("client_id", int, OpenApiParameter.PATH, description="The client's id.")


def _client(client_id: int) -> Client:
    """A client by id, or 404; whether the caller may read them is the service's to say (also 404)."""
    client = Client.objects.filter(pk=client_id).first() if client_id <= LARGEST_ID else None
    if client is None:
        raise RecordError("not_found")
    return client


@extend_schema(tags=["me"])
class MyIntakeView(APIView):
    """The caller's health questionnaire: the answers in force and every
    version; posting a full questionnaire adds the next version."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: IntakeHistorySerializer, **error_responses(401, 404)})
    def get(self, request):
        client = require_client_of(request.user)
        versions = intake_service.read_intake(actor=request.user, client=client, address=client_address(request))
        return Response(_history(versions))

    @extend_schema(request=IntakeAnswersSerializer, responses={201: IntakeSerializer, **error_responses(400, 401, 404)})
    def post(self, request):
        client = require_client_of(request.user)
        form = IntakeAnswersSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        answers = dict(form.validated_data)
        answers.pop("consent")
        intake = intake_service.record_intake(
            actor=request.user, client=client, consent_method=ConsentMethod.ONLINE,
            address=client_address(request), **answers,
        )
        return Response(IntakeSerializer(intake).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["me"])
class MyRecheckView(APIView):
    """The short health re-check before a visit: ``changed: false`` confirms
    the answers in force (200); ``changed: true`` with what changed adds a
    version (201). 409 before any questionnaire."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=RecheckSerializer,
                   responses={200: IntakeSerializer, 201: IntakeSerializer, **error_responses(400, 401, 404, 409)})
    def post(self, request):
        client = require_client_of(request.user)
        form = RecheckSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        answers = dict(form.validated_data)
        changed = answers.pop("changed")
        recheck = intake_service.recheck_intake(
            actor=request.user, client=client, changed=changed, address=client_address(request), **answers
        )
        code = status.HTTP_201_CREATED if recheck.created else status.HTTP_200_OK
        return Response(IntakeSerializer(recheck.intake).data, status=code)


@extend_schema(tags=["records"], parameters=[CLIENT_ID])
class ClientIntakeView(APIView):
    """A client's intake versions, for those who may read them (their
    practitioners, managers, the client); 404 for anyone else."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: IntakeHistorySerializer, **error_responses(401, 404)})
    def get(self, request, client_id: int):
        versions = intake_service.read_intake(actor=request.user, client=_client(client_id),
                                              address=client_address(request))
        return Response(_history(versions))


@extend_schema(tags=["records"], parameters=[CLIENT_ID])
class ClientFlagsView(APIView):
    """The flags a client's latest answers raise, strongest first, for those
    who read their clinical content; 404 for anyone else."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: FlagsSerializer, **error_responses(401, 404)})
    def get(self, request, client_id: int):
        flags = intake_service.read_flags(actor=request.user, client=_client(client_id),
                                          address=client_address(request))
        return Response(FlagsSerializer({"flags": flags}).data)

