"""The staff panel's session notes.

How much of a note each reader sees is ``treatments.policies.note_view``:
a practitioner booked with the client and a manager see it all, a
receptionist only that it exists (status and dates). The appointment's
practitioner starts the note, edits the draft (techniques and points as
rows, the body chart as JSON) and signs it with "Save and sign"; a signed
note is read-only for everyone and takes amendments from its author or a
manager. Every write goes through ``treatments.services.notes``: the forms
ask its checks before anything is saved, and saving calls it. Every page
that shows a note's clinical content leaves an access record.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from bookings.models import Appointment
from clinic import roles
from clinic.rest import json_depth
from clinic.selectors import practitioner_of
from clinic.signin import client_address
from treatments import charts, policies
from treatments.errors import RecordError
from treatments.models import Amendment, BodyRegion, HomeCareRoutine, NotePoint, NoteTechnique, SessionNote
from treatments.policies import NoteView
from treatments.services import notes

DRAFT_FIELDS = ["subjective", "objective", "assessment", "plan", "pressure", "pain_before", "pain_after",
                "client_response", "body_chart", "shared_with_client"]
ABOUT = ["client", "practitioner", "session", "status", "started", "signed", "signed_by"]
EXISTENCE = ["client", "practitioner", "session", "status", "started", "signed"]
MAX_CHART_TEXT = 20_000
MAX_CHART_DEPTH = 4


def _address(request) -> str | None:
    """The caller's address as the panel's lockout counts it."""
    return client_address(request)


class BodyChartField(forms.JSONField):
    """The body chart as JSON text, bounded before it is parsed; what it
    must hold is the service's check (``clean_body_chart``)."""

    def to_python(self, value):
        if isinstance(value, str) and (len(value) > MAX_CHART_TEXT or json_depth(value) > MAX_CHART_DEPTH):
            raise ValidationError(_("This is too long or nested too deep for a body chart."), code="invalid")
        return super().to_python(value)

    def prepare_value(self, value):
        if isinstance(value, dict):
            return json.dumps(value, indent=1)
        return super().prepare_value(value)


def _refusal_on_form(form: forms.Form, error: RecordError, default_field: str | None = None) -> None:
    messages_by_field = error.field_messages or {default_field: [error.message]}
    for name, texts in messages_by_field.items():
        for text in texts:
            form.add_error(name if name in form.fields else None, text)


class StartNoteForm(forms.ModelForm):
    class Meta:
        model = SessionNote
        fields = ["appointment"]


class DraftForm(forms.ModelForm):
    body_chart = BodyChartField(required=False, widget=forms.Textarea(attrs={"rows": 6, "cols": 60}), help_text=_(
        'Areas worked and marks on the outline, e.g. {"regions": [{"side": "back", "region": "neck"}], '
        '"marks": [{"side": "back", "x": 0.5, "y": 0.2, "intensity": 6}]}; x and y run from 0 to 1.'))
    home_care_routines = forms.ModelMultipleChoiceField(
        queryset=HomeCareRoutine.objects.filter(active=True), required=False,
        widget=forms.CheckboxSelectMultiple, label=_("Home care given"),
        help_text=_("Each routine is added to the client's plan, signed with your name."),
    )

    class Meta:
        model = SessionNote
        fields = DRAFT_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["home_care_routines"] = [given.routine_id for given in self.instance.home_care.all()]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            checked = notes.check_draft(**self.changes())
        except RecordError as error:
            _refusal_on_form(self, error)
            return data
        data.update(checked.fields)
        return data

    def changes(self) -> dict:
        data = self.cleaned_data
        given = {name: data.get(name) for name in DRAFT_FIELDS}
        for name in ("subjective", "objective", "assessment", "plan", "client_response", "pressure"):
            given[name] = given[name] or ""
        given["home_care"] = [routine.pk for routine in data.get("home_care_routines") or []]
        return given


class AmendForm(forms.ModelForm):
    """A signed note's page: nothing of the note changes; an amendment may
    be added."""

    amendment_text = forms.CharField(label=_("Amendment"), required=False,
                                     max_length=notes.MAX_AMENDMENT_LENGTH, widget=forms.Textarea(attrs={"rows": 3}),
                                     help_text=_("A correction read beside the note; the note stays as signed."))
    amendment_reason = forms.CharField(label=_("Reason"), required=False, max_length=notes.MAX_REASON_LENGTH)

    class Meta:
        model = SessionNote
        fields = []

    def clean(self):
        data = super().clean()
        text, reason = data.get("amendment_text", ""), data.get("amendment_reason", "")
        if text and not reason:
            self.add_error("amendment_reason", _("Say why the note is amended."))
        if reason and not text:
            self.add_error("amendment_text", _("Write the amendment."))
        return data


def _reads_in_full(inline: admin.options.InlineModelAdmin, request, obj) -> bool:
    """An inline of a note's clinical parts: shown to those who read the
    note in full (without a note, as the role's permission says)."""
    if obj is None:
        return admin.options.InlineModelAdmin.has_view_permission(inline, request)
    return policies.note_view(request.user, obj) == NoteView.FULL


class _NotePart:
    """Techniques and points: rows of the draft, written by its author
    through the service; read-only otherwise."""

    extra = 0

    def _writable(self, request, obj) -> bool:
        # Without a note (the inline's own queryset asks so), the role's permission.
        if obj is None:
            return super().has_change_permission(request)
        return not obj.is_signed and policies.may_write_note(request.user, obj.appointment)

    def has_view_permission(self, request, obj=None):
        return _reads_in_full(self, request, obj)

    def has_add_permission(self, request, obj=None):
        return self._writable(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._writable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._writable(request, obj)


class NoteTechniqueInline(_NotePart, admin.TabularInline):
    model = NoteTechnique
    fields = ["technique", "minutes"]


class NotePointInline(_NotePart, admin.TabularInline):
    model = NotePoint
    fields = ["point"]


class AmendmentInline(admin.TabularInline):
    model = Amendment
    extra = 0
    can_delete = False
    fields = ["written", "author", "reason", "text"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("note__appointment__location", "author")

    @admin.display(description=_("written"))
    def written(self, amendment: Amendment) -> str:
        return amendment.note.appointment.local(amendment.created_at)

    def has_view_permission(self, request, obj=None):
        return _reads_in_full(self, request, obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SessionNote)
class SessionNoteAdmin(admin.ModelAdmin):
    list_display = ["session", "client", "practitioner", "status", "signed"]
    list_filter = ["status"]
    search_fields = ["client__full_name", "practitioner__display_name"]  # never the clinical text
    list_select_related = ["appointment__location", "client", "practitioner"]
    inlines = [NoteTechniqueInline, NotePointInline, AmendmentInline]

    # -- who sees and changes what (treatments.policies) --

    def get_queryset(self, request):
        return policies.visible_notes(request.user, super().get_queryset(request)).select_related(
            "appointment__location", "client", "practitioner", "signed_by")

    def has_module_permission(self, request):
        return super().has_module_permission(request) or self._front_desk(request)

    def has_view_permission(self, request, obj=None):
        # A receptionist holds no permission on notes, yet sees that they
        # exist (note_view says how much: their status and dates).
        allowed = super().has_view_permission(request, obj) or self._front_desk(request)
        return allowed and (obj is None or policies.note_view(request.user, obj) is not None)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and practitioner_of(request.user) is not None

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self._may_draft(request, obj) or self._may_amend(request, obj))

    def has_delete_permission(self, request, obj=None):
        return False

    @staticmethod
    def _front_desk(request) -> bool:
        return request.user.is_active and request.user.is_staff and roles.is_front_desk(request.user)

    @staticmethod
    def _may_draft(request, obj: SessionNote) -> bool:
        return not obj.is_signed and policies.may_write_note(request.user, obj.appointment)

    @staticmethod
    def _may_amend(request, obj: SessionNote) -> bool:
        return obj.is_signed and policies.may_amend(request.user, obj)

    def _view(self, request, obj: SessionNote | None) -> NoteView | None:
        return None if obj is None else policies.note_view(request.user, obj)

    # -- the page's shape --

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["appointment"]
        if self._view(request, obj) != NoteView.FULL:
            return EXISTENCE
        if self._may_draft(request, obj):
            return [*ABOUT[:4], *DRAFT_FIELDS, "body_chart_drawing", "home_care_routines"]
        fields = [*ABOUT, *DRAFT_FIELDS, "body_chart_drawing", "home_care"]
        return [*fields, "amendment_text", "amendment_reason"] if self._may_amend(request, obj) else fields

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if self._view(request, obj) != NoteView.FULL:
            return EXISTENCE
        if self._may_draft(request, obj):
            return [*ABOUT[:4], "body_chart_drawing"]
        return [*ABOUT, *DRAFT_FIELDS, "body_chart_drawing", "home_care"]

    def get_inlines(self, request, obj):
        return self.inlines if self._view(request, obj) == NoteView.FULL else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = StartNoteForm
        elif self._may_draft(request, obj):
            kwargs["form"] = DraftForm
        elif self._may_amend(request, obj):
            kwargs["form"] = AmendForm
        return super().get_form(request, obj, change=change, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "appointment":
            practitioner = practitioner_of(request.user)
            kwargs["queryset"] = Appointment.objects.filter(
                practitioner_id=practitioner.pk if practitioner else None, session_note__isnull=True,
            ).exclude(status__in=notes.NO_NOTE_STATUSES).select_related("client", "service", "location")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("session (local time)"), ordering="appointment__start")
    def session(self, note: SessionNote) -> str:
        return note.appointment.local(note.appointment.start)

    # On the clocks of the session's location, with the zone named.
    @admin.display(description=_("started"), ordering="created_at")
    def started(self, note: SessionNote) -> str:
        return note.appointment.local(note.created_at)

    @admin.display(description=_("signed"), ordering="signed_at")
    def signed(self, note: SessionNote) -> str:
        return note.appointment.local(note.signed_at) if note.signed_at else "—"

    @admin.display(description=_("body chart, drawn"))
    def body_chart_drawing(self, note: SessionNote) -> str:
        # The chart escapes every text it draws.
        return mark_safe(charts.body_chart_svg(  # noqa: S308
            note.body_chart, region_names=dict(BodyRegion.choices), ident=f"note-{note.pk}-body-chart"))

    # -- reading leaves an access record --

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and self._view(request, obj) == NoteView.FULL:
            notes.record_read(actor=request.user, note=obj, address=_address(request))
        context["can_sign"] = obj is not None and self._may_draft(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # -- writing goes through the service --

    def save_form(self, request, form, change):
        if not change:
            return notes.start_note(actor=request.user, appointment=form.cleaned_data["appointment"],
                                    address=_address(request)).note
        return form.instance

    def save_model(self, request, obj, form, change):
        """Nothing to save here: ``save_form`` started the note, and
        ``save_related`` writes a draft or an amendment through the service."""

    def save_related(self, request, form, formsets, change):
        if not change:
            return
        note = form.instance
        if isinstance(form, DraftForm):
            given = form.changes()
            for formset in formsets:
                kept = [part.cleaned_data for part in formset.forms
                        if part.cleaned_data and not part.cleaned_data.get("DELETE")]
                if formset.model is NoteTechnique:
                    given["techniques"] = [(row["technique"].pk, row["minutes"]) for row in kept]
                elif formset.model is NotePoint:
                    given["points"] = [row["point"].code for row in kept]
            notes.update_draft(actor=request.user, note=note, address=_address(request), **given)
        elif isinstance(form, AmendForm) and form.cleaned_data.get("amendment_text"):
            notes.amend_note(actor=request.user, note=note, text=form.cleaned_data["amendment_text"],
                             reason=form.cleaned_data["amendment_reason"], address=_address(request))
        for formset in formsets:  # written by the service; the change message reads these
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def response_change(self, request, obj):
        if "_sign" in request.POST and self._may_draft(request, obj):
            try:
                notes.sign_note(actor=request.user, note=obj, address=_address(request))
            except RecordError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, _("The note is signed. From now on it changes only by amendments."))
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except RecordError as error:
            # The note changed between the page and the service's own check
            # under its lock (signed meanwhile, say): nothing was written.
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
