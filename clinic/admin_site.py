"""The staff panel's site: every page registered on it, the clinic's own
and those of the libraries it uses, gets the same guards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG, ChangeList
from django.db import models
from django.urls import path
from django.utils.translation import gettext_lazy as _

from clinic import inputs

# Drill-down years the panel accepts (``clinic.inputs`` says why).
DRILL_DOWN_YEARS = range(inputs.EARLIEST.year, inputs.LATEST.year + 1)


class BoundedDrillDownChangeList(ChangeList):
    def get_filters(self, request):
        year = request.GET.get(f"{self.date_hierarchy}__year") if self.date_hierarchy else None
        if year is not None and not (year.isascii() and year.isdigit() and int(year) in DRILL_DOWN_YEARS):
            raise IncorrectLookupParameters(f"No such year to drill down into: {year!r}")
        return super().get_filters(request)


class BoundedDrillDown:
    """A year out of range in a date drill-down is an invalid filter (the
    panel's "?e=1" page), not a 500."""

    def get_changelist(self, request, **kwargs):
        return BoundedDrillDownChangeList


class BoundedDates:
    """Every date and date-time typed into a form is checked against
    ``clinic.inputs`` bounds before the form's own checks compute with it."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and isinstance(db_field, models.DateField):
            formfield.validators.append(inputs.within_bounds)
        return formfield


def _guarded(admin_class):
    """``admin_class`` with the guards its pages need, its inlines too."""
    drills_down = bool(getattr(admin_class, "date_hierarchy", None))
    changelist = hasattr(admin_class, "changelist_view")
    guards = [guard for guard, needed in ((BoundedDrillDown, drills_down), (BoundedDates, True),
                                          (SaysWhenAFilterFails, changelist))
              if needed and not issubclass(admin_class, guard)]
    attrs = {}
    if getattr(admin_class, "inlines", None):
        attrs["inlines"] = [_guarded(inline) for inline in admin_class.inlines]
    if not guards and not attrs:
        return admin_class
    return type(admin_class.__name__, (*guards, admin_class), attrs)


class SaysWhenAFilterFails:
    """The panel drops a filter it cannot apply and shows the whole list
    ("?e=1"); say so, rather than let the list pass for filtered."""

    def changelist_view(self, request, extra_context=None):
        if request.GET.get(ERROR_FLAG) == "1":
            messages.warning(request, _("That filter could not be applied, so the whole list is shown."))
        return super().changelist_view(request, extra_context)


@dataclass(frozen=True)
class PanelPage:
    """A page of the panel that belongs to no one model (the calendar, the
    reports, the front desk): served under the panel's login check at
    ``/admin/<route>``, named ``admin:<name>``."""

    route: str
    view: Callable
    name: str


class ClinicAdminSite(admin.AdminSite):
    site_header = _("Clinic staff panel")
    site_title = _("Clinic staff panel")
    index_title = _("Staff panel")
    site_url = None  # no public site to link to yet

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[PanelPage] = []

    def add_page(self, route: str, view: Callable, name: str) -> None:
        """Serve ``view`` at ``/admin/<route>`` to signed-in staff; the
        view itself asks the policy what the caller may see there."""
        self._pages.append(PanelPage(route, view, name))

    def get_urls(self):
        own = [path(page.route, self.admin_view(page.view), name=page.name) for page in self._pages]
        return own + super().get_urls()

    def register(self, model_or_iterable, admin_class=None, **options):
        super().register(model_or_iterable, _guarded(admin_class or admin.ModelAdmin), **options)
