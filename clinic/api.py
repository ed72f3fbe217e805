"""API for people: sign-up, sign-in, the caller's profile."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from clinic import services
from clinic.models import Client
from clinic.rest import StrictFields, StrictModelSerializer, StrictSerializer, error_responses
from clinic.selectors import require_client_of


class ClientProfileSerializer(StrictModelSerializer):
    phone = PhoneNumberField(required=False, allow_blank=True)
    emergency_contact_phone = PhoneNumberField(required=False, allow_blank=True)

    class Meta:
        model = Client
        fields = ["id", "email", *services.PROFILE_FIELDS]
        read_only_fields = ["id", "email"]


class RegistrationSerializer(StrictSerializer):
    full_name = serializers.CharField(max_length=150)
    email = serializers.EmailField(max_length=254)
    phone = PhoneNumberField(required=False, allow_blank=True, default="")
    password = serializers.CharField(write_only=True, trim_whitespace=False, style={"input_type": "password"})
    preferred_language = serializers.ChoiceField(Client.Language.choices, required=False)
    email_reminders = serializers.BooleanField(required=False)
    sms_reminders = serializers.BooleanField(required=False)


@extend_schema(tags=["auth"], responses={201: ClientProfileSerializer, **error_responses(400, 429)})
class RegisterView(generics.GenericAPIView):
    """A client signs up; the response is their new profile."""

    serializer_class = RegistrationSerializer
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_scope = "auth"

    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["phone"] = str(data.get("phone") or "")
        client = services.register_client(**data)
        return Response(ClientProfileSerializer(client).data, status=status.HTTP_201_CREATED)


class SignInSerializer(StrictFields, TokenObtainPairSerializer):
    pass


class RefreshSerializer(StrictFields, TokenRefreshSerializer):
    pass


@extend_schema(tags=["auth"], responses={200: inline_serializer("TokenPair", {
    "access": serializers.CharField(), "refresh": serializers.CharField()}), **error_responses(400, 401, 429)})
class TokenView(TokenObtainPairView):
    """Exchange email and password for an access and a refresh token."""

    serializer_class = SignInSerializer
    throttle_scope = "auth"


@extend_schema(tags=["auth"], responses={200: inline_serializer("AccessToken", {
    "access": serializers.CharField()}), **error_responses(400, 401, 429)})
class RefreshView(TokenRefreshView):
    serializer_class = RefreshSerializer
    throttle_scope = "auth"


@extend_schema(tags=["me"], responses={200: ClientProfileSerializer, **error_responses(400, 401, 404)})
class MeView(generics.GenericAPIView):
    """The caller's client profile: contact details and reminder consents."""

    serializer_class = ClientProfileSerializer
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response(self.get_serializer(require_client_of(request.user)).data)

    def patch(self, request):
        client = require_client_of(request.user)
        serializer = self.get_serializer(client, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = {
            name: str(value) if name.endswith("phone") and value is not None else value
            for name, value in serializer.validated_data.items()
        }
        client = services.update_client_profile(client=client, **changes)
        return Response(self.get_serializer(client).data)
