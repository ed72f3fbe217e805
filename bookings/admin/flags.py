"""The client's health flags on the panel pages where staff meet the client
or the appointment (the appointment's and the client's change pages).

Only those ``treatments.policies.may_read_clinical`` allows see them, and
each page that shows them logs the read (``treatments.services.intake.read_flags``).
A receptionist sees no flags: only an appointment's "held for review" reason.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from clinic.models import Client
from clinic.signin import client_address
from treatments import policies as record_policies
from treatments.services.intake import read_flags


class ShowsClinicalFlags:
    """For a ModelAdmin whose change page concerns one client."""

    change_form_template = "admin/bookings/clinical_flags_change_form.html"

    def flags_client(self, obj) -> Client:
        raise NotImplementedError

    def flags_day(self, obj) -> date | None:
        """The day clearances are judged on; ``None``: today."""
        return None

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            client = self.flags_client(obj)
            if record_policies.may_read_clinical(request.user, client):
                context["clinical_flags"] = read_flags(
                    actor=request.user, client=client, on=self.flags_day(obj), address=client_address(request))
                context["shows_clinical_flags"] = True
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)


class AppointmentFlags(ShowsClinicalFlags):
    def flags_client(self, obj) -> Client:
        return obj.client

    def flags_day(self, obj) -> date:
        return timezone.localtime(obj.start, obj.location.time_zone).date()


class ClientFlags(ShowsClinicalFlags):
    def flags_client(self, obj) -> Client:
        return obj
