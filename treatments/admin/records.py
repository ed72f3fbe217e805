"""The clinical records in the staff panel: the client's record page (on
the client's own page, a "Client record" button), the data-rights export,
the access log, correction requests, and the outcomes report.

The record page is the one page per client for every member of staff who
may see the client: contact details and consents, the appointments and the
messages about them as ``bookings.policies`` lets the viewer see them,
home care, a quick rebook for those who book, and the clinical content
(flags, intake, notes, charts) only as ``treatments.policies`` allows: a
receptionist sees that notes exist, never what they say.

Who sees what is ``treatments.policies`` (clinical content) and
``bookings.policies`` (which clients a role reaches at all); reads go
through ``treatments.selectors``, writes through ``treatments.services``.
"""

from __future__ import annotations

import ipaddress
import json
from datetime import datetime, time, timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import DateFieldListFilter, RelatedOnlyFieldListFilter
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from bookings import policies as booking_policies
from bookings import selectors as booking_selectors
from bookings.admin.people import ClinicClientAdmin
from bookings.admin.reports import LocalDateField, csv_response
from bookings.models import Appointment, Notification
from clinic.models import Client
from clinic.signin import client_address
from treatments import charts, policies, selectors
from treatments.errors import RecordError
from treatments.models import (
    AccessAction,
    BodyRegion,
    CorrectionRequest,
    CorrectionState,
    NoteStatus,
    RecordAccess,
)
from treatments.services import rights
from treatments.services.audit import record_access

RECORD_SUBJECT = "clinical record"
OUTCOMES_DEFAULT_DAYS = 90
def _address(request) -> str | None:
    """The caller's address for the log, when it is one."""
    address = client_address(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


# -- the client's clinical record -------------------------------------------


def _body_chart_of(notes, views) -> tuple[object, object] | tuple[None, None]:
    """The latest note, among those read in full, that has a body chart."""
    for note in reversed(notes):
        if views.get(note.pk) == policies.NoteView.FULL and note.body_chart:
            return note, note.body_chart
    return None, None


def _listed(intake, name: str) -> list:
    value = getattr(intake, name, None) if intake is not None else None
    return value if isinstance(value, list) else []


def _pain_areas(intake, region_names) -> list[tuple[str, object]]:
    """The intake's pain areas by name, each with its intensity."""
    return [(str(region_names.get(area.get("region"), area.get("region"))), area.get("intensity"))
            for area in _listed(intake, "pain_areas") if isinstance(area, dict)]


def _check_in_points(check_ins) -> list[charts.CheckInPoint]:
    """Each answer on the day it was given, on the clocks of the session's location."""
    return [charts.CheckInPoint(answer.answered_at.astimezone(answer.appointment.location.time_zone).date(),
                                answer.pain) for answer in check_ins]


def _pain_points(notes, views) -> list[charts.PainPoint]:
    return [
        charts.PainPoint(note.appointment.start.astimezone(note.appointment.location.time_zone).date(),
                         note.pain_before, note.pain_after)
        for note in notes
        if views.get(note.pk) == policies.NoteView.FULL and note.status == NoteStatus.SIGNED
        and (note.pain_before is not None or note.pain_after is not None)
    ]


def _rebook_url(user, client: Client, appointments) -> str | None:
    """The booking form filled in with the client and, from their latest
    appointment, its treatment and practitioner; for those who book for
    clients in the panel (the front desk), nobody else."""
    if not (booking_policies.may_book(user) and user.has_perm("bookings.add_appointment")):
        return None
    query = {"client": client.pk}
    if appointments:
        latest = appointments[0]  # newest first
        query.update(service=latest.service_id, practitioner=latest.practitioner_id)
    return f"{reverse('admin:bookings_appointment_add')}?{urlencode(query)}"


class OutcomesForm(forms.Form):
    """A period of the clinic's local dates, both days included."""

    start = LocalDateField(label=_("From"))
    end = LocalDateField(label=_("To"))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The period ends before it starts."))
        return data


class ClinicalClientAdmin(ClinicClientAdmin):
    """The client's page, with their clinical record and, for managers, the
    data-rights export and the outcomes report."""

    change_form_template = "treatments/admin/client_change_form.html"
    change_list_template = "treatments/admin/client_change_list.html"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path("outcomes/", view(self.outcomes_view), name="%s_%s_outcomes" % info),
            path("<path:object_id>/record/", view(self.record_view), name="%s_%s_record" % info),
            path("<path:object_id>/export/", view(self.export_view), name="%s_%s_export" % info),
            *super().get_urls(),
        ]

    def _client(self, request, object_id: str) -> Client:
        client = self.get_object(request, unquote(object_id))
        if client is None or not self.has_view_permission(request, client):
            raise Http404(_("No such client."))
        return client

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["record_url"] = reverse("admin:clinic_client_record", args=[obj.pk])
            context["may_export"] = policies.may_export_client(request.user)
            context["export_url"] = reverse("admin:clinic_client_export", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changelist_view(self, request, extra_context=None):
        extra = {"outcomes_url": reverse("admin:clinic_client_outcomes")} if policies.is_manager(request.user) else {}
        return super().changelist_view(request, {**(extra_context or {}), **extra})

    def record_view(self, request, object_id):
        """The client's record as the viewer's role allows. Showing any
        clinical content is a read of it, logged in the same transaction."""
        client = self._client(request, object_id)
        user = request.user
        with transaction.atomic():
            clinical = policies.may_read_clinical(user, client)
            appointments = booking_policies.visible_appointments(user, Appointment.objects.filter(client=client))
            record = selectors.client_record(client, with_content=clinical, appointments=appointments)
            sent = booking_policies.visible_notifications(user, Notification.objects.filter(appointment__client=client))
            client_messages = list(booking_selectors.notifications(sent).order_by("-due_at", "-pk"))
            views = policies.note_views(user, record.notes)
            full = {pk for pk, view in views.items() if view == policies.NoteView.FULL}
            if not clinical:
                # Content of the notes this reader may not read in full was
                # never fetched; the full ones (their own) are fetched now.
                self._fetch_content(record, full)
            chart_note, chart = _body_chart_of(record.notes, views)
            region_names = dict(BodyRegion.choices)
            intake = record.latest_intake
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": _("Client record: %(client)s") % {"client": client},
                "client": client,
                "record": record,
                "client_messages": client_messages,
                "rebook_url": _rebook_url(user, client, record.appointments),
                "clinical": clinical,
                "flags": selectors.flags_for(client) if clinical else [],
                # Newest first; the timeline and the chart run oldest first.
                "notes": [(note, views.get(note.pk)) for note in reversed(record.notes)
                          if views.get(note.pk) is not None],
                "intake_pain_areas": _pain_areas(intake, region_names),
                "intake_avoid_areas": [str(region_names.get(area, area)) for area in _listed(intake, "avoid_areas")],
                "timeline": [note for note in record.notes if note.pk in full],
                "pain_chart": mark_safe(charts.pain_chart_svg(  # noqa: S308  (the chart escapes its text)
                    _pain_points(record.notes, views), check_ins=_check_in_points(record.check_ins)))
                if full or record.check_ins else None,
                "check_ins": list(reversed(record.check_ins)),
                "body_chart": mark_safe(charts.body_chart_svg(  # noqa: S308  (the chart escapes its text)
                    chart, region_names=region_names)) if chart_note else None,
                "body_chart_note": chart_note,
                "may_export": policies.may_export_client(user),
                "client_url": reverse("admin:clinic_client_change", args=[client.pk]),
                "export_url": reverse("admin:clinic_client_export", args=[client.pk]),
                "FULL": policies.NoteView.FULL,
            }
            response = render(request, "treatments/admin/client_record.html", context)
            if clinical or full:
                record_access(actor=user, client=client, action=AccessAction.READ, subject=RECORD_SUBJECT,
                              address=_address(request))
        patch_cache_control(response, private=True, no_store=True)
        return response

    @staticmethod
    def _fetch_content(record: selectors.ClientRecord, full: set[int]) -> None:
        if not full:
            return
        by_pk = {note.pk: note for note in selectors.notes_with_content().filter(pk__in=full)}
        record.notes = [by_pk.get(note.pk, note) for note in record.notes]

    def export_view(self, request, object_id):
        """Everything held about the client, as a JSON download (POST: the
        export is logged)."""
        client = self._client(request, object_id)
        if not policies.may_export_client(request.user):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            document = rights.export_client(client=client, actor=request.user, address=_address(request))
        except RecordError as error:
            raise PermissionDenied(error.message) from error
        response = HttpResponse(json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
                                content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="client-{client.pk}-{timezone.localdate().isoformat()}.json"')
        patch_cache_control(response, private=True, no_store=True)
        return response

    def outcomes_view(self, request):
        """Per technique and per point, the average fall in pain over a
        period; managers only. ``?format=csv`` downloads the table."""
        if not policies.is_manager(request.user):
            raise PermissionDenied
        today = timezone.localdate()
        default = {"start": today - timedelta(days=OUTCOMES_DEFAULT_DAYS - 1), "end": today}
        form = OutcomesForm(request.GET if {"start", "end"} & set(request.GET) else None, initial=default)
        period = form.cleaned_data if form.is_bound and form.is_valid() else (None if form.is_bound else default)
        techniques = points = None
        if period is not None:
            zone = timezone.get_default_timezone()
            since = datetime.combine(period["start"], time(0), tzinfo=zone)
            until = datetime.combine(period["end"] + timedelta(days=1), time(0), tzinfo=zone)
            techniques, points = selectors.outcomes(since=since, until=until)
            if request.GET.get("format") == "csv":
                rows = [("technique", row.name, row.sessions, f"{row.average_reduction:.2f}") for row in techniques]
                rows += [("point", row.name, row.sessions, f"{row.average_reduction:.2f}") for row in points]
                return csv_response(
                    f"outcomes-{period['start'].isoformat()}-{period['end'].isoformat()}.csv",
                    ["kind", "name", "sessions", "average_pain_reduction"], rows)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Outcomes"),
            "form": form,
            "period": period,
            "techniques": techniques,
            "points": points,
            "zone": timezone.get_default_timezone_name(),
            "csv_query": f"start={period['start'].isoformat()}&end={period['end'].isoformat()}&format=csv"
            if period else "",
        }
        response = render(request, "treatments/admin/outcomes.html", context)
        patch_cache_control(response, private=True, no_store=True)
        return response


admin.site.unregister(Client)
admin.site.register(Client, ClinicalClientAdmin)


# -- the access log ------------------------------------------------------------


class AccessDateFilter(DateFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("date")


@admin.register(RecordAccess)
class RecordAccessAdmin(admin.ModelAdmin):
    """Managers read the log and export it; nobody adds, changes or removes
    a row, superusers included."""

    list_display = ["when", "client", "what", "action", "staff_member", "role"]
    list_filter = [("client", RelatedOnlyFieldListFilter), "role", "action", ("at", AccessDateFilter)]
    search_fields = ["client__full_name", "actor_name", "subject"]
    date_hierarchy = "at"
    list_select_related = ["client"]
    fields = ["when", "client", "actor_name", "role", "action", "subject", "address"]
    readonly_fields = fields
    actions = ["export_csv"]

    def get_queryset(self, request):
        return selectors.access_log(super().get_queryset(request))

    def has_module_permission(self, request):
        return policies.may_read_access_log(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return policies.may_read_access_log(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    @admin.display(description=_("when (%(zone)s)") % {"zone": timezone.get_default_timezone_name()},
                   ordering="at")
    def when(self, entry: RecordAccess) -> str:
        return timezone.localtime(entry.at, timezone.get_default_timezone()).strftime("%d %b %Y, %H:%M %Z")

    @admin.display(description=_("staff member"), ordering="actor_name")
    def staff_member(self, entry: RecordAccess) -> str:
        return entry.actor_name

    @admin.display(description=_("what"), ordering="subject")
    def what(self, entry: RecordAccess) -> str:
        return entry.subject

    @admin.action(description=_("Export the selected rows as CSV"), permissions=["export"])
    def export_csv(self, request, queryset):
        """The rows as CSV; the export is itself logged, once for each
        client whose rows it holds."""
        zone = timezone.get_default_timezone()
        with transaction.atomic():
            entries = list(selectors.access_log(queryset))
            for client_id in sorted({entry.client_id for entry in entries}):
                record_access(actor=request.user, client=client_id, action=AccessAction.EXPORT,
                              subject="access log", address=_address(request))
        rows = [(timezone.localtime(entry.at, zone).isoformat(), entry.client_id, entry.client.full_name,
                 entry.actor_name, entry.role, entry.action, entry.subject, entry.address)
                for entry in entries]
        return csv_response(f"record-access-{timezone.localdate().isoformat()}.csv",
                             ["at", "client_id", "client", "staff_member", "role", "action", "what", "address"],
                             rows)


# -- correction requests -----------------------------------------------------------


class CorrectionCloseForm(forms.ModelForm):
    """Close an open request: corrected or declined, with what was done."""

    state = forms.ChoiceField(choices=[(CorrectionState.OPEN, _("Still open")),
                                       *[(state.value, state.label) for state in rights.CLOSED_STATES]])

    class Meta:
        model = CorrectionRequest
        fields = ["state", "outcome"]

    def clean(self):
        data = super().clean()
        state, outcome = data.get("state"), (data.get("outcome") or "").strip()
        if state == CorrectionState.OPEN and outcome:
            self.add_error("state", _("Choose whether it was corrected or declined to close it with this outcome."))
        elif state in rights.CLOSED_STATES and not outcome:
            self.add_error("outcome", RecordError("correction_needs_outcome").message)
        return data


@admin.register(CorrectionRequest)
class CorrectionRequestAdmin(admin.ModelAdmin):
    """Managers record a client's request to correct their data, then close
    it with what was done (``treatments.services.rights``)."""

    list_display = ["client", "received_on", "state", "closed_at", "recorded_by"]
    list_filter = ["state", ("received_on", DateFieldListFilter)]
    search_fields = ["client__full_name", "request", "outcome"]
    autocomplete_fields = ["client"]
    list_select_related = ["client", "recorded_by"]
    date_hierarchy = "received_on"

    def has_module_permission(self, request):
        return policies.may_export_client(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return policies.may_export_client(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return policies.may_export_client(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        allowed = policies.may_export_client(request.user) and super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.state == CorrectionState.OPEN)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["client", "received_on", "request"]
        return ["client", "received_on", "request", "recorded_by", "recorded_at", "state", "outcome", "closed_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        readonly = ["client", "received_on", "request", "recorded_by", "recorded_at", "closed_at"]
        return readonly if self.has_change_permission(request, obj) else [*readonly, "state", "outcome"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            kwargs["form"] = CorrectionCloseForm
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            if not change:
                saved = rights.record_correction_request(client=data["client"], received_on=data["received_on"],
                                                         request=data["request"], actor=request.user)
            elif data["state"] in rights.CLOSED_STATES:
                saved = rights.close_correction_request(correction=obj, state=data["state"], outcome=data["outcome"],
                                                        actor=request.user)
            else:
                return
        except RecordError as error:
            # Closed by someone else between the form and the save.
            self.message_user(request, error.message, messages.ERROR)
            return
        obj.pk, obj.state, obj.closed_at = saved.pk, saved.state, saved.closed_at

    def save_related(self, request, form, formsets, change):
        """No related rows: the service saved everything."""
