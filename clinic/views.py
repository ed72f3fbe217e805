"""Pages outside the panel and the API: error pages (the API answers in its
JSON error shape, the rest in HTML), password reset by email, and the page
shown while sign-in is paused."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.generic import RedirectView

from clinic import services
from clinic.errors import ClinicError
from clinic.rest import error_body


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse(error_body("not_found", _("Not found.")), status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse(error_body("server_error", _("Something went wrong on our side.")), status=500)
    return defaults.server_error(request)


class PanelPage:
    """A page outside the panel's own URLs drawn in the panel's frame."""

    def get_context_data(self, **kwargs):
        from django.contrib import admin

        return {**super().get_context_data(**kwargs), **admin.site.each_context(self.request)}


class PasswordResetView(PanelPage, auth_views.PasswordResetView):
    """Ask for a reset link by email: staff from the panel's sign-in page,
    clients from the link the app opens. Mailing goes through the service,
    which caps how often one address is sent a link."""

    def form_valid(self, form):
        services.send_password_reset(email=form.cleaned_data["email"], request=self.request)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(PanelPage, auth_views.PasswordResetConfirmView):
    """Set a new password from the emailed link. Every earlier session ends:
    the panel's by Django's session check, the app's tokens because each
    carries a digest of the password it was issued under."""


class PasswordResetDoneView(PanelPage, auth_views.PasswordResetDoneView):
    pass


class PasswordResetCompleteView(PanelPage, auth_views.PasswordResetCompleteView):
    pass


def locked_out(request, response, credentials):
    """What django-axes answers once sign-in is paused for an account or an
    address (``LOCKOUT_FAILURES``, ``LOCKOUT_MINUTES``)."""
    error = ClinicError("locked_out", minutes=settings.LOCKOUT_MINUTES)
    if _is_api(request):
        return JsonResponse(error_body(error.code, error.message), status=int(error.kind))
    if request.path.startswith("/account/"):  # the client pages' sign-in, in their frame
        return render(request, "site/locked_out.html", {"message": error.message}, status=int(error.kind))
    from django.contrib import admin

    context = {**admin.site.each_context(request), "message": error.message}
    return render(request, "registration/locked_out.html", context, status=int(error.kind))


class FaviconView(RedirectView):
    """``/favicon.ico``, which browsers ask for on their own: a temporary
    redirect to the icon the pages link, as its stored name changes with
    its content."""

    permanent = False

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("site/icon.svg")
