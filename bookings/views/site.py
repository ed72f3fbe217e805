"""What every client page's frame (``site/base.html``) shows: the studio's
name in the header and its phone number in the footer. A context
processor, so pages that have no other use for the location (the account
pages) name the studio like the booking pages do; a view that passes its
own ``location`` keeps it. Read only when a template asks."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from bookings import selectors


def public_site(request) -> dict:
    return {"location": SimpleLazyObject(selectors.public_location)}
