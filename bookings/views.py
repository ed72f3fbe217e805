"""The pages a client reaches from a message's link (built in #11 by the
reply-links work: placeholder until then)."""

from django.http import Http404


def reply(request, token: str):
    raise Http404
