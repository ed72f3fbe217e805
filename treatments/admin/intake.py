"""The staff panel for intake versions, contraindication rules and doctors'
clearances.

Who sees which rows is ``treatments.policies`` (a practitioner the clients
booked with them, a manager everyone's; a receptionist none); every write
goes through ``treatments.services.intake``, which logs it. An intake
version is never edited: "add" records the next version, the version pages
only show. Rules are kept by managers; practitioners read them.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinic.admin import HistoryAdmin
from clinic.signin import client_address
from treatments import policies
from treatments.errors import RecordError
from treatments.models import BodyRegion, Clearance, ConsentMethod, ContraindicationRule, Intake
from treatments.services import intake as intake_service

ANSWER_FIELDS = list(intake_service.ANSWER_DEFAULTS)
PANEL_CONSENT = [(value, label) for value, label in ConsentMethod.choices if value != ConsentMethod.ONLINE]


def _put_on_form(form: forms.Form, error: RecordError) -> None:
    placed = False
    for name, messages in error.field_messages.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


# -- intake versions ---------------------------------------------------------------


class IntakeForm(forms.ModelForm):
    """A new version, typed from a paper form or told to staff."""

    avoid_areas = forms.MultipleChoiceField(choices=BodyRegion.choices, required=False,
                                            widget=forms.CheckboxSelectMultiple)
    consent_method = forms.ChoiceField(choices=PANEL_CONSENT)

    class Meta:
        model = Intake
        fields = ["client", *ANSWER_FIELDS, "consent_method", "consent_text_version"]
        help_texts = {"pain_areas": _('A list such as [{"region": "lower_back", "intensity": 6}].')}

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        answers = {name: data.get(name, intake_service.ANSWER_DEFAULTS[name]) for name in ANSWER_FIELDS}
        for name in ("injury_region", "injury_details", "conditions", "medications", "goals"):
            answers[name] = answers[name] or ""
        answers["pain_areas"] = answers["pain_areas"] if answers["pain_areas"] is not None else []
        try:
            data.update(intake_service.clean_answers(answers, today=timezone.localdate()))
        except RecordError as error:
            _put_on_form(self, error)
        return data


@admin.register(Intake)
class IntakeAdmin(admin.ModelAdmin):
    form = IntakeForm
    list_display = ["client", "version", "source", "created_at", "recorded_by"]
    list_filter = ["source"]
    search_fields = ["client__full_name", "client__phone"]
    list_select_related = ["client", "recorded_by"]
    autocomplete_fields = ["client"]
    ordering = ["client__full_name", "-version"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(
            client__in=policies.clinical_clients(request.user).values("pk"))

    def has_change_permission(self, request, obj=None):
        return False  # a version is never changed; add the next one

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["client", *ANSWER_FIELDS, "consent_method", "consent_text_version"]
        return ["client", "version", "source", *ANSWER_FIELDS, "consent_given_at", "consent_method",
                "consent_text_version", "recorded_by", "created_at"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "client":
            kwargs["queryset"] = policies.clinical_clients(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Showing a version is reading clinical content: log it with the page.
        if obj is not None:
            intake_service.read_intake(actor=request.user, client=obj.client, address=client_address(request))
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def save_form(self, request, form, change):
        data = form.cleaned_data
        return intake_service.record_intake(
            actor=request.user, client=data["client"], consent_method=data["consent_method"],
            consent_text_version=data["consent_text_version"], address=client_address(request),
            **{name: data[name] for name in ANSWER_FIELDS},
        )

    def save_model(self, request, obj, form, change):
        """Nothing left to save: ``save_form`` saved through the service."""

    def save_related(self, request, form, formsets, change):
        """No related rows: the service wrote everything."""


# -- contraindication rules -------------------------------------------------------------


class RuleForm(forms.ModelForm):
    regions = forms.MultipleChoiceField(choices=BodyRegion.choices, required=False,
                                        widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ContraindicationRule
        fields = ["name", "answer", "min_intensity", "keyword", "tier", "advice", "services", "techniques", "points",
                  "regions", "affects_injury_area", "active"]


@admin.register(ContraindicationRule)
class ContraindicationRuleAdmin(HistoryAdmin):
    form = RuleForm
    list_display = ["name", "answer", "tier", "active"]
    list_filter = ["tier", "answer", "active"]
    search_fields = ["name", "keyword", "advice"]
    filter_horizontal = ["services", "techniques", "points"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and policies.may_keep_rules(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and policies.may_keep_rules(request.user)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and policies.may_keep_rules(request.user)


# -- clearances -----------------------------------------------------------------------------


class ClearanceForm(forms.ModelForm):
    class Meta:
        model = Clearance
        fields = ["client", "rule", "doctor", "document_reference", "issued_on", "valid_until"]


@admin.register(Clearance)
class ClearanceAdmin(admin.ModelAdmin):
    """A clearance is recorded once, through the service, and then only
    shown: a new letter is a new clearance."""

    form = ClearanceForm
    list_display = ["client", "rule", "doctor", "issued_on", "valid_until", "recorded_by"]
    list_filter = ["rule"]
    search_fields = ["client__full_name", "doctor", "document_reference"]
    list_select_related = ["client", "rule", "recorded_by"]
    autocomplete_fields = ["client"]
    date_hierarchy = "valid_until"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(
            client__in=policies.clinical_clients(request.user).values("pk"))

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        fields = ["client", "rule", "doctor", "document_reference", "issued_on", "valid_until"]
        return fields if obj is None else [*fields, "recorded_by", "recorded_at"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "client":
            kwargs["queryset"] = policies.clinical_clients(request.user)
        elif db_field.name == "rule":
            kwargs["queryset"] = ContraindicationRule.objects.filter(active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_form(self, request, form, change):
        data = form.cleaned_data
        return intake_service.record_clearance(
            actor=request.user, client=data["client"], rule=data["rule"], doctor=data["doctor"],
            document_reference=data["document_reference"], issued_on=data["issued_on"],
            valid_until=data["valid_until"], address=client_address(request),
        )

    def save_model(self, request, obj, form, change):
        """Nothing left to save: ``save_form`` saved through the service."""

    def save_related(self, request, form, formsets, change):
        """No related rows."""
