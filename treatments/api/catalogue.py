"""API for the catalogue (treatments and who offers them) and the caller's
home-care plan."""

from __future__ import annotations

import django_filters
from django.conf import settings
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny, IsAuthenticated

from clinic.models import Practitioner
from clinic.rest import error_responses
from clinic.selectors import require_client_of
from treatments import selectors
from treatments.models import HomeCareAssignment, HomeCareStep, Service, ServiceCategory


class ServiceSerializer(serializers.ModelSerializer):
    currency = serializers.SerializerMethodField()

    class Meta:
        model = Service
        fields = [
            "id",
            "name",
            "slug",
            "category",
            "duration_minutes",
            "buffer_minutes",
            "price",
            "currency",
            "description",
            "contraindications",
            "requires_approval",
            "back_to_back",
        ]

    def get_currency(self, service: Service) -> str:
        return settings.CLINIC_CURRENCY


class ServiceFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=ServiceCategory.choices)

    class Meta:
        model = Service
        fields = ["category"]


@extend_schema(tags=["catalogue"], responses={200: ServiceSerializer(many=True), **error_responses(400, 404, 429)})
class ServiceList(generics.ListAPIView):
    """Treatments that can be booked."""

    serializer_class = ServiceSerializer
    permission_classes = [AllowAny]
    filterset_class = ServiceFilter
    queryset = Service.objects.active().order_by("position", "name", "pk")


class HomeCareStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = HomeCareStep
        fields = ["position", "instruction", "hold_seconds", "repetitions"]


class HomeCareAssignmentSerializer(serializers.ModelSerializer):
    routine = serializers.CharField(source="routine.name")
    equipment = serializers.CharField(source="routine.equipment")
    best_for = serializers.CharField(source="routine.best_for")
    times_per_day = serializers.IntegerField(source="routine.times_per_day")
    safety_note = serializers.CharField(source="routine.safety_note")
    assigned_by = serializers.CharField(source="assigned_by.display_name", default=None, allow_null=True)
    steps = HomeCareStepSerializer(source="routine.steps", many=True)

    class Meta:
        model = HomeCareAssignment
        fields = [
            "id", "routine", "equipment", "best_for", "times_per_day", "safety_note",
            "note", "assigned_on", "assigned_by", "steps",
        ]


@extend_schema(tags=["me"], responses={200: HomeCareAssignmentSerializer(many=True), **error_responses(401, 404)})
class HomeCareList(generics.ListAPIView):
    """The home-care routines the caller's therapists gave them, with steps."""

    serializer_class = HomeCareAssignmentSerializer
    permission_classes = [IsAuthenticated]

    queryset = HomeCareAssignment.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.client_home_care(require_client_of(self.request.user))


class PractitionerSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name")
    services = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Practitioner
        fields = ["id", "name", "bio", "services"]


class PractitionerFilter(django_filters.FilterSet):
    service = django_filters.ModelChoiceFilter(
        field_name="services", queryset=Service.objects.all(), help_text="Only those who offer this service id."
    )

    class Meta:
        model = Practitioner
        fields = ["service"]


@extend_schema(tags=["catalogue"], responses={200: PractitionerSerializer(many=True), **error_responses(400, 404, 429)})
class PractitionerList(generics.ListAPIView):
    """Practitioners taking bookings, with the services each offers."""

    serializer_class = PractitionerSerializer
    permission_classes = [AllowAny]
    filterset_class = PractitionerFilter

    def get_queryset(self):
        offered = Prefetch("services", queryset=Service.objects.filter(active=True).order_by("pk"))
        return Practitioner.objects.filter(active=True).prefetch_related(offered).order_by("display_name", "pk").distinct()
