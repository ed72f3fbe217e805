"""Guards that run before any view."""

from __future__ import annotations

from django.http import HttpResponseBadRequest, JsonResponse

from clinic.rest import error_body

NUL = "\x00"


def _holds_nul(query) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in query.lists())


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
        if NUL in request.path or _holds_nul(request.GET) or (form and _holds_nul(request.POST)):
            message = "The request holds a NUL character, which no field accepts."
            if api:
                return JsonResponse(error_body("invalid", message), status=400)
            return HttpResponseBadRequest(message)
        return self.get_response(request)
