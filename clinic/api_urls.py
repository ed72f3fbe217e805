"""Everything under /api/v1/."""

from django.urls import path, reverse
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from bookings.api import AppointmentViewSet, AvailabilityView
from clinic.api import (
    MeView,
    PasswordChangeView,
    PasswordResetConfirmView,
    PasswordResetView,
    RefreshView,
    RegisterView,
    SignOutView,
    TokenView,
)
from clinic.rest import error_responses
from treatments.api import (
    AmendNoteView,
    AppointmentNoteView,
    ClientFlagsView,
    ClientIntakeView,
    HomeCareList,
    MyIntakeView,
    MyRecheckView,
    PractitionerList,
    PractitionerTodayView,
    RecordAccessList,
    ServiceList,
    SignNoteView,
)

router = SimpleRouter()
router.register("appointments", AppointmentViewSet, basename="appointment")

# The index's links: what a program starting at /api/v1/ needs to find.
INDEX_LINKS = {
    "docs": "api:docs",
    "schema": "api:schema",
    "register": "api:register",
    "token": "api:token",
    "token_refresh": "api:token-refresh",
    "logout": "api:logout",
    "password_change": "api:password-change",
    "password_reset": "api:password-reset",
    "password_reset_confirm": "api:password-reset-confirm",
    "me": "api:me",
    "my_intake": "api:my-intake",
    "record_access": "api:record-access",
    "services": "api:services",
    "practitioners": "api:practitioners",
    "availability": "api:availability",
    "appointments": "api:appointment-list",
}


@extend_schema(tags=["index"], responses={200: inline_serializer("ApiIndex", {
    "name": serializers.CharField(),
    "version": serializers.CharField(),
    "links": serializers.DictField(child=serializers.URLField(), help_text="Where each part of the API is."),
}), **error_responses(429)})
@api_view(["GET"])
@permission_classes([AllowAny])
def index(request):
    """The API's name, version and where its parts are."""
    return Response({
        "name": spectacular_settings.TITLE,
        "version": spectacular_settings.VERSION,
        "links": {name: request.build_absolute_uri(reverse(url_name)) for name, url_name in INDEX_LINKS.items()},
    })


urlpatterns = [
    path("", index, name="index"),
    path("auth/register/", RegisterView.as_view(), name="register"),
    path("auth/token/", TokenView.as_view(), name="token"),
    path("auth/token/refresh/", RefreshView.as_view(), name="token-refresh"),
    path("auth/logout/", SignOutView.as_view(), name="logout"),
    path("auth/password/change/", PasswordChangeView.as_view(), name="password-change"),
    path("auth/password/reset/", PasswordResetView.as_view(), name="password-reset"),
    path("auth/password/reset/confirm/", PasswordResetConfirmView.as_view(), name="password-reset-confirm"),
    path("me/", MeView.as_view(), name="me"),
    path("me/home-care/", HomeCareList.as_view(), name="home-care"),
    path("me/intake/", MyIntakeView.as_view(), name="my-intake"),
    path("me/intake/recheck/", MyRecheckView.as_view(), name="my-intake-recheck"),
    path("clients/<int:client_id>/intake/", ClientIntakeView.as_view(), name="client-intake"),
    path("clients/<int:client_id>/flags/", ClientFlagsView.as_view(), name="client-flags"),
    path("me/record-access/", RecordAccessList.as_view(), name="record-access"),
    path("services/", ServiceList.as_view(), name="services"),
    path("practitioners/", PractitionerList.as_view(), name="practitioners"),
    path("availability/", AvailabilityView.as_view(), name="availability"),
    path("practitioner/today/", PractitionerTodayView.as_view(), name="practitioner-today"),
    path("appointments/<int:pk>/note/", AppointmentNoteView.as_view(), name="appointment-note"),
    path("appointments/<int:pk>/note/sign/", SignNoteView.as_view(), name="appointment-note-sign"),
    path("appointments/<int:pk>/note/amendments/", AmendNoteView.as_view(), name="appointment-note-amendments"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
]
