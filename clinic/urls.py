from django.contrib import admin
from django.urls import include, path

from bookings.views.account import set_language
from clinic import views
from clinic.health import healthz
from treatments.views import booking_intake, check_in, home_care, record_access

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page names: send them to the icon the pages link.
    path("favicon.ico", views.FaviconView.as_view(), name="favicon"),
    # Password reset by email, for staff and clients alike; the panel's
    # sign-in page links to the first one by its name.
    path("admin/password_reset/", views.PasswordResetView.as_view(), name="admin_password_reset"),
    path("admin/password_reset/done/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    # The language a visitor chose (a form on every client page posts here);
    # a signed-in client's choice is saved on their profile too.
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("clinic.api_urls", "api"), namespace="api")),
    path("r/<str:token>/pain/", check_in, name="check_in_reply"),
    # The booking pages' first-visit questionnaire is the records' page.
    path("book/health/", booking_intake, name="book_health"),
    # The client's account pages that show their records (the rest: bookings.urls).
    path("account/home-care/", home_care, name="account_home_care"),
    path("account/record-access/", record_access, name="account_record_access"),
    path("", include("bookings.urls")),
]

handler404 = "clinic.views.not_found"
handler500 = "clinic.views.server_error"
