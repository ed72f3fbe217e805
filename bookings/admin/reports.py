"""The managers' reports in the staff panel: one page for a location and a
range of its dates, each report a table with a bar chart beside it and its
own CSV download (``/admin/reports/<name>.csv`` with the page's query).

Who may open them is ``bookings.policies.may_see_reports`` (others: 403);
the figures, and what each one counts, are ``bookings.reports``. Input
that cannot name a period is answered on the form (400), never computed
with.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bookings import policies, reports
from bookings.models import Notification
from clinic import inputs
from clinic.clock import wall_clock
from clinic.models import Location
from treatments import charts

DEFAULT_DAYS = 30
# Two years and a day: every range a manager compares, and a bound on the
# days the working time is worked out over.
MAX_DAYS = 732
# Cells a spreadsheet would run as a formula unless told they are text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# -- CSV --------------------------------------------------------------------------


def csv_cell(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_response(filename: str, header: Sequence[str], rows) -> HttpResponse:
    """A CSV download that a spreadsheet opens without running any cell,
    kept out of every cache."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    patch_cache_control(response, private=True, no_store=True)
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return response


# -- the form -----------------------------------------------------------------------


class LocalDateField(forms.DateField):
    """A date typed into the panel: no control characters, within the
    bounds every date from outside keeps (``clinic.inputs``)."""

    default_validators = [inputs.within_bounds]

    def to_python(self, value):
        if isinstance(value, str):
            inputs.refuse_control_characters(value)
        return super().to_python(value)


class PeriodForm(forms.Form):
    """A location and a range of its local dates, both included."""

    location = forms.ModelChoiceField(queryset=Location.objects.order_by("name", "pk"), label=_("Location"),
                                      empty_label=None)
    start = LocalDateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = LocalDateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The period ends before it starts."))
            elif (end - start).days + 1 > MAX_DAYS:
                self.add_error("end", _("A report covers at most %(days)s days.") % {"days": MAX_DAYS})
        return data

    def period(self) -> reports.Period:
        data = self.cleaned_data
        return reports.Period(data["location"], data["start"], data["end"])


def _default_period() -> dict | None:
    location = Location.objects.filter(active=True).order_by("name", "pk").first()
    if location is None:
        return None
    today = timezone.localdate(timezone=location.time_zone)
    return {"location": location, "start": today - timedelta(days=DEFAULT_DAYS - 1), "end": today}


def _read_period(request) -> tuple[PeriodForm, reports.Period | None]:
    """The form, and the period it names (``None``: the form says why)."""
    if {"location", "start", "end"} & set(request.GET):
        form = PeriodForm(request.GET)
        return form, form.period() if form.is_valid() else None
    default = _default_period()
    form = PeriodForm(initial=default or {})
    return form, reports.Period(default["location"], default["start"], default["end"]) if default else None


# -- the tables ---------------------------------------------------------------------


def money(value: Decimal) -> str:
    return f"₹{number_format(value, decimal_pos=2, force_grouping=True)}"


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def hours(minutes: int) -> str:
    return f"{minutes // 60}\u00a0h {minutes % 60:02d}\u00a0min"


def _rate(share: float | None) -> str:
    """A share for the CSV: four decimals, empty when there is none."""
    return "" if share is None else f"{share:.4f}"


@dataclass
class Table:
    """One report as the page and its CSV show it."""

    name: str
    title: str
    about: str
    headers: list[str]
    rows: list[list[str]]
    csv_headers: list[str]
    csv_rows: list[list]
    bars: list[charts.Bar]
    scale_to: float | None = None
    footer: list[str] | None = None
    notes: list[str] = field(default_factory=list)
    chart: str = ""
    csv_url: str = ""


def _utilisation(data: reports.Reports) -> Table:
    rows = data.utilisation
    return Table(
        name="utilisation", title=gettext("Utilisation per practitioner"),
        about=gettext("Booked time over working time. Working time: the weekly hours, or a date's own hours, less "
                      "time off and closures (the hours on file now). Booked time: the sessions of pending, confirmed, "
                      "checked-in and completed appointments and of no-shows, clean-up time not counted."),
        headers=[gettext("Practitioner"), gettext("Working time"), gettext("Booked time"), gettext("Appointments"),
                 gettext("Utilisation")],
        rows=[[row.practitioner, hours(row.working_minutes), hours(row.booked_minutes), str(row.appointments),
               percent(row.share)] for row in rows],
        csv_headers=["practitioner", "working_minutes", "booked_minutes", "appointments", "utilisation"],
        csv_rows=[[row.practitioner, row.working_minutes, row.booked_minutes, row.appointments, _rate(row.share)]
                  for row in rows],
        bars=[charts.Bar(row.practitioner, row.share or 0, percent(row.share)) for row in rows],
        scale_to=1,
    )


def _revenue(data: reports.Reports, rows: list[reports.Revenue], *, name: str, title: str, label: str,
             csv_label: str) -> Table:
    count, total = reports.totals(rows)
    return Table(
        name=name, title=title,
        about=gettext("Completed appointments at the price agreed when each was booked. Cancellations, late ones too, "
                      "and no-shows count nothing: the clinic records no fee for them."),
        headers=[label, gettext("Completed appointments"), gettext("Revenue")],
        rows=[[row.name, str(row.appointments), money(row.revenue)] for row in rows],
        footer=[gettext("Total"), str(count), money(total)] if rows else None,
        csv_headers=[csv_label, "completed_appointments", "revenue"],
        csv_rows=[[row.name, row.appointments, f"{row.revenue:.2f}"] for row in rows],
        bars=[charts.Bar(row.name, float(row.revenue), money(row.revenue)) for row in rows],
    )


def _clients(data: reports.Reports) -> Table:
    mix = data.clients
    parts = [(gettext("New clients"), "new", mix.new_clients, mix.new_visits),
             (gettext("Returning clients"), "returning", mix.returning_clients, mix.returning_visits)]
    return Table(
        name="clients", title=gettext("New and returning clients"),
        about=gettext("Clients with a completed appointment here in the period. New: their first completed "
                      "appointment ever, at any location, is in the period; returning: they had one before. "
                      "Bookings that never took place do not count."),
        headers=[gettext("Clients"), gettext("Number"), gettext("Share"), gettext("Completed appointments")],
        rows=[[label, str(number), percent(reports.share_of(number, mix.clients)), str(visits)]
              for label, _key, number, visits in parts],
        csv_headers=["clients", "number", "completed_appointments"],
        csv_rows=[[key, number, visits] for _label, key, number, visits in parts],
        bars=[charts.Bar(label, number, str(number)) for label, _key, number, _visits in parts],
    )


def _attendance(data: reports.Reports) -> Table:
    report = data.attendance
    zone = data.period.zone
    labels = {"before": gettext("Before reminders started"), "since": gettext("Since reminders started"),
              "all": gettext("The whole period")}
    notes = []
    if report.reminders_started is None:
        notes.append(gettext("No reminder has been sent at this location yet, so there is no before and after."))
    else:
        notes.append(gettext("Reminders started here on %(when)s (the first reminder sent); each appointment counts "
                             "by its start.") % {"when": wall_clock(report.reminders_started, zone)})
    rows = report.parts
    # Short enough for the chart's labels; the table beside it says it in full.
    no_shows = {"before": gettext("No-shows, before"), "since": gettext("No-shows, since"), "all": gettext("No-shows")}
    late = {"before": gettext("Late cancels, before"), "since": gettext("Late cancels, since"),
            "all": gettext("Late cancellations")}
    bars = []
    for part in rows:
        if part.part == "all" and len(rows) > 1:
            continue
        bars.append(charts.Bar(no_shows[part.part], part.no_show_rate or 0, percent(part.no_show_rate)))
        bars.append(charts.Bar(late[part.part], part.late_cancel_rate or 0, percent(part.late_cancel_rate)))
    return Table(
        name="attendance", title=gettext("No-shows and late cancellations"),
        about=gettext("Out of the appointments that came due: completed, checked in, no-shows and late cancellations. "
                      "Cancellations in good time and appointments still open are left out."),
        headers=[gettext("Appointments"), gettext("Came due"), gettext("No-shows"), gettext("No-show rate"),
                 gettext("Late cancellations"), gettext("Late-cancel rate")],
        rows=[[labels[part.part], str(part.due), str(part.no_shows), percent(part.no_show_rate),
               str(part.late_cancellations), percent(part.late_cancel_rate)] for part in rows],
        csv_headers=["appointments", "came_due", "no_shows", "no_show_rate", "late_cancellations",
                     "late_cancel_rate"],
        csv_rows=[[part.part, part.due, part.no_shows, _rate(part.no_show_rate), part.late_cancellations,
                   _rate(part.late_cancel_rate)] for part in rows],
        bars=bars, notes=notes,
    )


def _reminders(data: reports.Reports) -> Table:
    report = data.reminders
    channels = dict(Notification.Channel.choices)
    confirmation = report.confirmation
    rows = [[str(channels.get(row.channel, row.channel)), str(row.sent), str(row.failed), percent(row.rate)]
            for row in report.delivery]
    bars = [charts.Bar(gettext("Delivered by %(channel)s") % {"channel": channels.get(row.channel, row.channel)},
                       row.rate or 0, percent(row.rate)) for row in report.delivery]
    bars.append(charts.Bar(gettext("Confirmed after a reminder"), confirmation.rate or 0, percent(confirmation.rate)))
    return Table(
        name="reminders", title=gettext("Reminders: delivery and confirmations"),
        about=gettext("Reminders for the period's appointments. Delivery rate: sent out of sent and failed, by "
                      "channel (waiting or not sent are left out). Confirmation rate: of the appointments that got a "
                      "reminder, the share whose client said they are coming."),
        headers=[gettext("Channel"), gettext("Sent"), gettext("Failed"), gettext("Delivery rate")],
        rows=rows,
        footer=None,
        notes=[gettext("%(confirmed)s of %(reminded)s appointments that got a reminder were confirmed by the client "
                       "(%(rate)s).") % {"confirmed": confirmation.confirmed, "reminded": confirmation.reminded,
                                          "rate": percent(confirmation.rate)}],
        # One shape for both measures, so every column means one thing:
        # rate = count / out_of (delivered of sent and failed; confirmed of reminded).
        csv_headers=["measure", "channel", "count", "out_of", "rate"],
        csv_rows=[["delivered", row.channel, row.sent, row.sent + row.failed, _rate(row.rate)]
                  for row in report.delivery]
        + [["confirmed", "", confirmation.confirmed, confirmation.reminded, _rate(confirmation.rate)]],
        bars=bars, scale_to=1,
    )


TABLES: dict[str, Callable[[reports.Reports], Table]] = {
    "utilisation": _utilisation,
    "revenue-by-service": lambda data: _revenue(
        data, data.revenue_by_service, name="revenue-by-service", title=gettext("Revenue per treatment"),
        label=gettext("Treatment"), csv_label="treatment"),
    "revenue-by-practitioner": lambda data: _revenue(
        data, data.revenue_by_practitioner, name="revenue-by-practitioner", title=gettext("Revenue per practitioner"),
        label=gettext("Practitioner"), csv_label="practitioner"),
    "clients": _clients,
    "attendance": _attendance,
    "reminders": _reminders,
}


def _with_chart(table: Table) -> Table:
    title = table.title
    desc = "; ".join(f"{bar.label}: {bar.shown}" for bar in table.bars) or gettext("Nothing in this period.")
    table.chart = mark_safe(charts.bar_chart_svg(  # noqa: S308  (the chart escapes its text)
        table.bars, title=title, desc=desc, ident=f"chart-{table.name}", scale_to=table.scale_to))
    return table


# -- the pages ----------------------------------------------------------------------


def _refuse_unless_allowed(request) -> None:
    if not policies.may_see_reports(request.user):
        raise PermissionDenied


def _page(request, form: PeriodForm, period: reports.Period | None, tables: list[Table], status: int = 200):
    context = {
        **admin.site.each_context(request),
        "title": _("Reports"),
        "form": form,
        "period": period,
        "tables": tables,
    }
    response = render(request, "admin/bookings/reports/page.html", context, status=status)
    patch_cache_control(response, private=True, no_store=True)
    return response


def reports_view(request):
    """Every report for the period the form names (by default the last
    30 days of the first open location)."""
    _refuse_unless_allowed(request)
    form, period = _read_period(request)
    if period is None:
        return _page(request, form, None, [], status=400 if form.is_bound else 200)
    data = reports.all_reports(period)
    tables = [_with_chart(build(data)) for build in TABLES.values()]
    for table in tables:
        table.csv_url = f"{reverse('admin:reports_csv', args=[table.name])}?{_page_query(period)}"
    return _page(request, form, period, tables)


def _page_query(period: reports.Period) -> str:
    return f"location={period.location.pk}&start={period.first_day.isoformat()}&end={period.last_day.isoformat()}"


def report_csv(request, name: str):
    """One report of the period as CSV: raw figures (minutes, amounts,
    shares as fractions)."""
    _refuse_unless_allowed(request)
    build = TABLES.get(name)
    if build is None:
        raise Http404(_("No such report."))
    form, period = _read_period(request)
    if period is None:
        return _page(request, form, None, [], status=400 if form.is_bound else 200)
    table = build(reports.all_reports(period))
    filename = f"{name}-{period.location.pk}-{period.first_day.isoformat()}-{period.last_day.isoformat()}.csv"
    return csv_response(filename, table.csv_headers, table.csv_rows)


admin.site.add_page("reports/", reports_view, "reports")
admin.site.add_page("reports/<slug:name>.csv", report_csv, "reports_csv")
