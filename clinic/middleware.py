"""Guards that run before any view."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import translation

from clinic.inputs import MESSAGES
from clinic.rest import error_body
from clinic.selectors import client_of

NUL = "\x00"


def _names_with_nul(query) -> list[str]:
    return [key for key, values in query.lists() if NUL in key or any(NUL in value for value in values)]


class RefuseNulCharacters:
    """PostgreSQL can neither store nor compare text holding a NUL
    character, so a path, query or form value with one is refused here with
    a 400, on every database alike, before a filter or a search reaches it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = request.path.startswith("/api/")
        # The API's bodies are JSON, read (and refused) by its own parser:
        # reading them here as a form would leave the API nothing to read.
        form = request.method == "POST" and not api
        names = _names_with_nul(request.GET) + (_names_with_nul(request.POST) if form else [])
        if NUL not in request.path and not names:
            return self.get_response(request)
        message = str(MESSAGES["control_character"])
        if api:
            fields = {name.replace(NUL, "") or "query": [message] for name in names}
            return JsonResponse(error_body("invalid", message, fields), status=400)
        return HttpResponseBadRequest(message)


class ClientLanguage:
    """A signed-in client's pages speak the language on their profile,
    whatever the browser asks for; everyone else gets what Django's
    ``LocaleMiddleware`` chose (the language cookie the header switch sets,
    then Accept-Language). The panel and the API choose their own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(("/admin/", "/api/")):
            language = _client_language(request)
            if language is not None:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)


def _client_language(request) -> str | None:
    client = client_of(getattr(request, "user", None))
    if client is None:
        return None
    language = client.preferred_language
    return language if language in dict(settings.LANGUAGES) else None


class StaffSessionIdle:
    """A staff login expires after ``STAFF_SESSION_IDLE_MINUTES`` without
    using the panel: each panel request of a signed-in staff member sets
    the session's expiry that far ahead again (the desk's screen may be
    left open). Once set, the expiry holds wherever the session is used;
    other sessions keep Django's own settings, and the API and the pages
    pay nothing for it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None) if request.path.startswith("/admin/") else None
        if user is not None and user.is_authenticated and user.is_staff:
            request.session.set_expiry(settings.STAFF_SESSION_IDLE_MINUTES * 60)
        return self.get_response(request)
