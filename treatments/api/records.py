"""API for the clinical records: the log of who accessed the caller's own
record."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated

from clinic.rest import error_responses
from clinic.selectors import require_client_of
from treatments import policies, selectors
from treatments.errors import RecordError
from treatments.models import RecordAccess


class RecordAccessSerializer(serializers.ModelSerializer):
    staff_member = serializers.CharField(source="actor_name", help_text="The name of whoever read or wrote.")
    role = serializers.CharField(help_text="Their role then: manager, practitioner, receptionist, client.")
    action_label = serializers.CharField(source="get_action_display")
    what = serializers.CharField(source="subject", help_text="What was read or written, e.g. 'session note 12'.")
    at = serializers.SerializerMethodField(help_text="When, on the clinic's clocks, with the UTC offset.")
    time_zone = serializers.SerializerMethodField(help_text="The clinic's time zone, e.g. Asia/Kolkata.")

    class Meta:
        model = RecordAccess
        fields = ["id", "role", "staff_member", "action", "action_label", "what", "at", "time_zone"]

    def get_at(self, entry: RecordAccess) -> str:
        return timezone.localtime(entry.at, timezone.get_default_timezone()).isoformat()

    def get_time_zone(self, entry: RecordAccess) -> str:
        return timezone.get_default_timezone_name()


@extend_schema(tags=["me"], responses={200: RecordAccessSerializer(many=True), **error_responses(401, 404)})
class RecordAccessList(generics.ListAPIView):
    """Who read or wrote the caller's clinical record, and when; newest first."""

    serializer_class = RecordAccessSerializer
    permission_classes = [IsAuthenticated]
    queryset = RecordAccess.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        client = require_client_of(self.request.user)
        if not policies.may_read_access_log(self.request.user, client):
            raise RecordError("permission_denied", action=_("read this log"))
        return selectors.client_access_log(client)
