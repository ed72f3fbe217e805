"""API for people: sign-up, sign-in and sign-out, passwords, the caller's
profile."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from clinic import services
from clinic.errors import ClinicError
from clinic.models import Client, User
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
    whatsapp_reminders = serializers.BooleanField(required=False)


class InputView(generics.GenericAPIView):
    """A view that reads one JSON body through its serializer."""

    def valid(self, request) -> dict:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class OpenView(InputView):
    """Open to anyone; a stale token in the header is not even read."""

    permission_classes = [AllowAny]
    authentication_classes: list = []


@extend_schema(tags=["auth"], responses={201: ClientProfileSerializer, **error_responses(400, 429)})
class RegisterView(OpenView):
    """A client signs up; the response is their new profile."""

    serializer_class = RegistrationSerializer
    throttle_scope = "signup"

    def post(self, request):
        data = dict(self.valid(request))
        data["phone"] = str(data.get("phone") or "")
        client = services.register_client(**data)
        return Response(ClientProfileSerializer(client).data, status=status.HTTP_201_CREATED)


class SignInSerializer(StrictFields, TokenObtainPairSerializer):
    pass


class RefreshSerializer(StrictFields, TokenRefreshSerializer):
    """A refresh token works until it is used (it is then replaced), the
    person signs out, or their password changes: each token carries a
    digest of the password it was issued under."""

    def validate(self, attrs):
        try:
            token = RefreshToken(attrs["refresh"])
        except TokenError:
            return super().validate(attrs)  # says why, in simplejwt's words
        user = User.objects.filter(pk=token.get(jwt_settings.USER_ID_CLAIM)).first()
        if user is None or token.get(jwt_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password):
            raise AuthenticationFailed(_("This session has ended; sign in again."), code="token_revoked")
        return super().validate(attrs)


def token_pair(user) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


TokenPair = inline_serializer("TokenPair", {"access": serializers.CharField(), "refresh": serializers.CharField()})


@extend_schema(tags=["auth"], responses={200: TokenPair, **error_responses(400, 401, 429)})
class TokenView(TokenObtainPairView):
    """Exchange email and password for an access and a refresh token. After
    ``LOCKOUT_FAILURES`` failed tries for one account, or from one address,
    sign-in is refused (429 ``locked_out``) for ``LOCKOUT_MINUTES``, even
    with the right password."""

    serializer_class = SignInSerializer
    throttle_scope = "auth"

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except AuthenticationFailed:
            if getattr(request, "axes_locked_out", False):  # set by django-axes as it refused
                raise ClinicError("locked_out", minutes=settings.LOCKOUT_MINUTES) from None
            raise
        # As a panel sign-in does: the lockout clears the account's failures,
        # and the login's last sign-in is recorded.
        user_logged_in.send(sender=type(serializer.user), request=request, user=serializer.user)
        return Response(serializer.validated_data)


@extend_schema(tags=["auth"], responses={200: TokenPair, **error_responses(400, 401, 429)})
class RefreshView(TokenRefreshView):
    """A new access token and a new refresh token; the refresh token sent is
    used up."""

    serializer_class = RefreshSerializer
    throttle_scope = "auth"


class SignOutSerializer(StrictSerializer):
    refresh = serializers.CharField()
    everywhere = serializers.BooleanField(default=False, help_text="End every session of this account, not just this one.")


@extend_schema(tags=["auth"], responses={204: None, **error_responses(400, 429)})
class SignOutView(OpenView):
    """Sign out: the refresh token stops working (with ``everywhere``, every
    refresh token of the account does). Access tokens already issued run out
    by themselves within ``JWT_ACCESS_MINUTES``. A token that no longer works
    has nothing left to end, so it is answered the same."""

    serializer_class = SignOutSerializer
    throttle_scope = "auth"

    def post(self, request):
        data = self.valid(request)
        try:
            token = RefreshToken(data["refresh"])
        except TokenError:
            return Response(status=status.HTTP_204_NO_CONTENT)
        token.blacklist()
        user = User.objects.filter(pk=token.get(jwt_settings.USER_ID_CLAIM)).first()
        if data["everywhere"] and user is not None:
            services.end_sessions(user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeSerializer(StrictSerializer):
    old_password = serializers.CharField(write_only=True, trim_whitespace=False, style={"input_type": "password"})
    new_password = serializers.CharField(write_only=True, trim_whitespace=False, style={"input_type": "password"})


@extend_schema(tags=["auth"], responses={200: TokenPair, **error_responses(400, 401, 429)})
class PasswordChangeView(InputView):
    """Change the caller's password. Every earlier session ends, on every
    device; the answer holds new tokens for this one."""

    serializer_class = PasswordChangeSerializer
    permission_classes = [IsAuthenticated]
    throttle_scope = "auth"

    def post(self, request):
        services.change_password(user=request.user, **self.valid(request))
        return Response(token_pair(request.user))


class PasswordResetSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)


@extend_schema(tags=["auth"], responses={202: inline_serializer("ResetRequested", {
    "detail": serializers.CharField()}), **error_responses(400, 429)})
class PasswordResetView(OpenView):
    """Ask for a link to set a new password, sent to the account's email.
    The answer is the same whether or not an account uses the address."""

    serializer_class = PasswordResetSerializer
    throttle_scope = "password_reset"

    def post(self, request):
        services.send_password_reset(email=self.valid(request)["email"], request=request._request)
        return Response({"detail": _("If an account uses this address, a link to set a new password is on its way.")},
                        status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmSerializer(StrictSerializer):
    uid = serializers.CharField(max_length=64, help_text="From the link in the email.")
    token = serializers.CharField(max_length=128, help_text="From the link in the email.")
    new_password = serializers.CharField(write_only=True, trim_whitespace=False, style={"input_type": "password"})


@extend_schema(tags=["auth"], responses={204: None, **error_responses(400, 429)})
class PasswordResetConfirmView(OpenView):
    """Set a new password with the ``uid`` and ``token`` of the emailed link
    (``/reset/<uid>/<token>/``). Every earlier session ends."""

    serializer_class = PasswordResetConfirmSerializer
    throttle_scope = "password_reset"

    def post(self, request):
        services.reset_password(**self.valid(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


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
