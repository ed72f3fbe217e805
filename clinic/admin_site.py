"""The staff panel's site: every page registered on it, the clinic's own
and those of the libraries it uses, gets the same guards."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.utils.translation import gettext_lazy as _

# Drill-down years the panel accepts: past them, the date after the
# chosen year or day is beyond what Python's calendar holds.
DRILL_DOWN_YEARS = range(1900, 2201)


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


class ClinicAdminSite(admin.AdminSite):
    site_header = _("Clinic staff panel")
    site_title = _("Clinic staff panel")
    index_title = _("Staff panel")

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if admin_class.date_hierarchy and not issubclass(admin_class, BoundedDrillDown):
            admin_class = type(admin_class.__name__, (BoundedDrillDown, admin_class), {})
        super().register(model_or_iterable, admin_class, **options)
