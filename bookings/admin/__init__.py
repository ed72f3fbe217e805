"""The staff panel's booking side: schedules and appointments
(``schedule``), the calendar (``calendar``), the people pages whose access
depends on bookings (``people``: accounts, clients), the messages to
clients (``notifications``), the managers' reports (``reports``), the
panel's home page (``home``) and the front desk's own pages
(``front_desk``). Every "may they" is asked of ``bookings.policies``."""

from bookings.admin import (  # noqa: F401  (registers the pages)
    calendar,
    front_desk,
    home,
    notifications,
    people,
    reports,
    schedule,
)
