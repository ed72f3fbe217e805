"""The logging filter named in ``settings.LOGGING``."""

import logging


class QuietClientErrors(logging.Filter):
    """A request answered 4xx (bad input, not signed in, forbidden, not
    found) is the app working, not failing: the access log's line for it is
    enough. Django's own line for it is dropped, so a PermissionDenied or an
    Http404 raised in a view prints no traceback; any other record about a
    4xx (a refused Host header, a failed CSRF check) keeps its one line but
    not the traceback. 5xx records pass whole."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is None or status >= 500:
            return True
        if record.name == "django.request":
            return False
        record.exc_info = record.exc_text = None
        return True
