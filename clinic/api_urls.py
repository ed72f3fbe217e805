"""Everything under /api/v1/."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from bookings.api import AppointmentViewSet, AvailabilityView
from clinic.api import MeView, RefreshView, RegisterView, TokenView
from treatments.api import HomeCareList, PractitionerList, ServiceList

router = SimpleRouter()
router.register("appointments", AppointmentViewSet, basename="appointment")

urlpatterns = [
    path("auth/register/", RegisterView.as_view(), name="register"),
    path("auth/token/", TokenView.as_view(), name="token"),
    path("auth/token/refresh/", RefreshView.as_view(), name="token-refresh"),
    path("me/", MeView.as_view(), name="me"),
    path("me/home-care/", HomeCareList.as_view(), name="home-care"),
    path("services/", ServiceList.as_view(), name="services"),
    path("practitioners/", PractitionerList.as_view(), name="practitioners"),
    path("availability/", AvailabilityView.as_view(), name="availability"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
]
