"""The intake questionnaire, its short re-check before a visit, the flags
its answers raise, doctors' clearances, and what holds a booking for review.

Every write and every read of a client's answers or flags leaves a row in
the access log (``audit.record_access``) in the same transaction.

- An intake is never changed: new answers are a new version, numbered
  under a lock on the client's row (on SQLite the write transaction holds
  the whole database), so two at once get two numbers.
- A re-check with nothing changed records only that the client confirmed
  it; with changes it copies the latest version, applies the answers given
  and saves the result as a new version whose source is the re-check.
- A booking is held for review (``pending``, with the reason) while the
  client has a flag of a holding tier (do not treat, needs a doctor's
  clearance) that affects the service and that no clearance lifts on the
  day of the session. Flags of the other tiers (avoid an area, adapt) do
  not hold a booking: the practitioner sees them with the appointment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic.locking import lock_ids
from clinic.models import Client, Location
from treatments import policies, selectors
from treatments.errors import FIELD_MESSAGES, RecordError
from treatments.models import (
    AccessAction,
    BodyRegion,
    Clearance,
    ConsentMethod,
    ContraindicationRule,
    FlagTier,
    Intake,
    Pressure,
)
from treatments.selectors import Flag
from treatments.services.audit import record_access, record_reads

HOLDING_TIERS = frozenset({FlagTier.DO_NOT_TREAT, FlagTier.NEEDS_CLEARANCE})
TEXT_LIMIT = 2000
REVIEW_REASON_LIMIT = 500

# The answers of a questionnaire, and what each is when not given.
ANSWER_DEFAULTS: dict[str, Any] = {
    "conditions": "",
    "medications": "",
    "takes_blood_thinners": False,
    "pregnant": False,
    "pregnancy_trimester": None,
    "recent_injury_or_surgery": False,
    "injury_date": None,
    "injury_region": "",
    "injury_details": "",
    "skin_condition_or_infection": False,
    "fever": False,
    "pain_areas": [],
    "pressure_preference": Pressure.MEDIUM,
    "avoid_areas": [],
    "goals": "",
}
# What a re-check may change: the answers that change between visits.
RECHECK_ANSWERS = (
    "pregnant", "pregnancy_trimester", "recent_injury_or_surgery", "injury_date", "injury_region", "injury_details",
    "fever", "skin_condition_or_infection", "pain_areas", "medications", "takes_blood_thinners",
)
TEXT_LIMITS = {"conditions": TEXT_LIMIT, "medications": TEXT_LIMIT, "goals": TEXT_LIMIT, "injury_details": 300,
               "consent_text_version": 20}
YES_NO = ("takes_blood_thinners", "pregnant", "recent_injury_or_surgery", "skin_condition_or_infection", "fever")


# -- checking the answers ----------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, key: str, **params) -> None:
        message = str(FIELD_MESSAGES[key])
        self.fields.setdefault(field, []).append(message % params if params else message)

    def raise_any(self, code: str = "invalid_intake") -> None:
        if self.fields:
            raise RecordError(code, fields=self.fields)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _clean_pain_areas(value, problems: _Problems) -> list[dict]:
    if not isinstance(value, (list, tuple)):
        problems.add("pain_areas", "list")
        return []
    cleaned, seen = [], set()
    for entry in value:
        if not isinstance(entry, dict) or set(entry) != {"region", "intensity"}:
            problems.add("pain_areas", "pain_entry")
            continue
        region, intensity = entry["region"], entry["intensity"]
        if not isinstance(region, str) or region not in BodyRegion.values:
            problems.add("pain_areas", "region", choices=", ".join(BodyRegion.values))
            continue
        if not _is_int(intensity) or not 0 <= intensity <= 10:
            problems.add("pain_areas", "intensity")
            continue
        if region in seen:
            problems.add("pain_areas", "pain_repeated")
            continue
        seen.add(region)
        cleaned.append({"region": region, "intensity": intensity})
    return cleaned


def _clean_regions(value, field: str, problems: _Problems) -> list[str]:
    if not isinstance(value, (list, tuple)):
        problems.add(field, "list")
        return []
    if any(not isinstance(region, str) or region not in BodyRegion.values for region in value):
        problems.add(field, "region", choices=", ".join(BodyRegion.values))
        return []
    return list(dict.fromkeys(value))


def clean_answers(answers: dict[str, Any], *, today: date) -> dict[str, Any]:
    """The answers as they will be saved, or ``invalid_intake`` naming every
    answer at fault. The database's constraints say the same again."""
    problems = _Problems()
    cleaned = dict(answers)
    for name in YES_NO:
        if not isinstance(cleaned[name], bool):
            problems.add(name, "yes_or_no")
    for name, limit in TEXT_LIMITS.items():
        value = cleaned.get(name)
        if value is None or name not in cleaned:
            continue
        if not isinstance(value, str):
            problems.add(name, "too_long", limit=limit)
        elif "\x00" in value:
            problems.add(name, "nul")
        elif len(value) > limit:
            problems.add(name, "too_long", limit=limit)
        else:
            cleaned[name] = value.strip()
    cleaned["pain_areas"] = _clean_pain_areas(cleaned["pain_areas"], problems)
    cleaned["avoid_areas"] = _clean_regions(cleaned["avoid_areas"], "avoid_areas", problems)
    if cleaned["pressure_preference"] not in Pressure.values:
        problems.add("pressure_preference", "choice", choices=", ".join(Pressure.values))
    trimester = cleaned["pregnancy_trimester"]
    if cleaned["pregnant"] is True:
        if not _is_int(trimester) or not 1 <= trimester <= 3:
            problems.add("pregnancy_trimester", "trimester_needed")
    elif trimester is not None:
        problems.add("pregnancy_trimester", "trimester_without_pregnancy")
    region = cleaned["injury_region"]
    if region and region not in BodyRegion.values:
        problems.add("injury_region", "region", choices=", ".join(BodyRegion.values))
    if cleaned["recent_injury_or_surgery"] is not True:
        for name in ("injury_date", "injury_region", "injury_details"):
            if cleaned[name]:
                problems.add(name, "injury_detail_without_injury")
    injury_date = cleaned["injury_date"]
    if injury_date is not None and (not isinstance(injury_date, date) or injury_date > today):
        problems.add("injury_date", "injury_in_future")
    problems.raise_any()
    return cleaned


def _require_record_intake(actor, client: Client) -> None:
    if not policies.may_record_intake(actor, client):
        raise RecordError("not_found")


# -- intake versions ------------------------------------------------------------------


def _save_version(*, actor, client: Client, answers: dict, source: str, consent: dict, address: str | None,
                  now: datetime) -> Intake:
    """Inside a transaction: lock the client, number the version, save it,
    log it."""
    lock_ids(Client, [client.pk])
    latest = selectors.latest_intake(client)
    version = (latest.version if latest else 0) + 1
    intake = Intake.objects.create(
        client=client, version=version, source=source, recorded_by=actor, **answers, **consent,
    )
    record_access(actor=actor, client=client, action=AccessAction.CREATE, subject=f"intake v{version}",
                  address=address, at=now)
    return intake


def record_intake(
    *,
    actor,
    client: Client,
    consent_method: str,
    consent_text_version: str,
    address: str | None = None,
    now: datetime | None = None,
    **answers,
) -> Intake:
    """Save a full questionnaire as ``client``'s next intake version.

    ``answers`` are the fields of ``ANSWER_DEFAULTS`` (any left out take
    the default); the consent is given now, by ``consent_method``, to the
    text of ``consent_text_version``."""
    unknown = set(answers) - set(ANSWER_DEFAULTS)
    if unknown:
        raise TypeError(f"unknown intake answers: {sorted(unknown)}")
    now = now or timezone.now()
    _require_record_intake(actor, client)
    cleaned = clean_answers({**ANSWER_DEFAULTS, **answers, "consent_text_version": consent_text_version},
                             today=timezone.localdate(now))
    problems = _Problems()
    if consent_method not in ConsentMethod.values:
        problems.add("consent_method", "choice", choices=", ".join(ConsentMethod.values))
    if not cleaned["consent_text_version"]:
        problems.add("consent_text_version", "required")
    problems.raise_any()
    consent = {"consent_given_at": now, "consent_method": consent_method,
               "consent_text_version": cleaned.pop("consent_text_version")}
    with transaction.atomic():
        return _save_version(actor=actor, client=client, answers=cleaned, source=Intake.Source.QUESTIONNAIRE,
                             consent=consent, address=address, now=now)


def record_first_intake_from_pages(
    *,
    client: Client,
    consent_text_version: str,
    address: str | None = None,
    now: datetime | None = None,
    **answers,
) -> Intake:
    """Save the questionnaire a visitor answered on the booking pages as
    the first version of the record their booking made, in the booking's
    transaction (``bookings.screening.record_visitor_intake``), so the
    booking's screening reads it and a refused booking keeps neither.

    There is no login behind it: the consent is the visitor's, given
    online, and the access log names the client themselves."""
    unknown = set(answers) - set(ANSWER_DEFAULTS)
    if unknown:
        raise TypeError(f"unknown intake answers: {sorted(unknown)}")
    now = now or timezone.now()
    cleaned = clean_answers({**ANSWER_DEFAULTS, **answers}, today=timezone.localdate(now))
    if not consent_text_version:
        problems = _Problems()
        problems.add("consent_text_version", "required")
        problems.raise_any()
    consent = {"consent_given_at": now, "consent_method": ConsentMethod.ONLINE,
               "consent_text_version": consent_text_version}
    with transaction.atomic():
        lock_ids(Client, [client.pk])
        if not policies.may_record_first_intake_from_pages(client, intake_on_file=has_intake(client.pk)):
            raise RecordError("not_found")
        return _save_version(actor=None, client=client, answers=cleaned, source=Intake.Source.QUESTIONNAIRE,
                             consent=consent, address=address, now=now)


def check_answers(*, now: datetime | None = None, **answers) -> None:
    """Raise what saving ``answers`` would refuse (``invalid_intake`` with
    a message per answer), writing nothing: the booking pages check a
    visitor's answers when given, though they are saved only with the
    booking."""
    unknown = set(answers) - set(ANSWER_DEFAULTS)
    if unknown:
        raise TypeError(f"unknown intake answers: {sorted(unknown)}")
    clean_answers({**ANSWER_DEFAULTS, **answers}, today=timezone.localdate(now or timezone.now()))


def record_visitor_answers(*, client: Client, answers: dict, address: str | None, now: datetime) -> Intake:
    """``record_first_intake_from_pages`` as the booking core calls it
    (``bookings.screening``): the answers as the pages kept them, the
    consent's text version among them. An answer the questionnaire does
    not have is refused like a wrong one, never taken as a program fault:
    the answers were kept between two requests."""
    answers = dict(answers)
    version = answers.pop("consent_text_version", "")
    unknown = sorted(set(answers) - set(ANSWER_DEFAULTS))
    if unknown:
        raise RecordError("invalid_intake")
    return record_first_intake_from_pages(client=client, consent_text_version=version, address=address, now=now,
                                          **answers)


def has_intake(client_id: int) -> bool:
    """Whether any questionnaire is on file for the client (the booking
    pages ask for one before a first visit). Says nothing of the answers,
    so it reads no clinical content and logs no access."""
    return selectors.latest_intake(client_id) is not None


@dataclass(frozen=True)
class Recheck:
    intake: Intake  # the version in force after the re-check
    created: bool  # a new version was saved


def recheck_intake(
    *, actor, client: Client, changed: bool, address: str | None = None, now: datetime | None = None, **answers
) -> Recheck:
    """"Has anything changed since last time?" before a visit.

    Nothing changed: the confirmation is logged, no version is added.
    Something changed: the latest version is copied with ``answers`` (a few
    of ``RECHECK_ANSWERS``) applied and saved as the next version. A
    pregnancy or an injury answered "no" clears its details; pain areas
    given replace the earlier ones (they are the pain now)."""
    unknown = set(answers) - set(RECHECK_ANSWERS)
    if unknown:
        raise TypeError(f"not re-checked answers: {sorted(unknown)}")
    now = now or timezone.now()
    _require_record_intake(actor, client)
    if changed and not answers:
        raise RecordError("recheck_without_change")
    if not changed and answers:
        raise RecordError("recheck_unchanged_with_answers")
    with transaction.atomic():
        lock_ids(Client, [client.pk])
        latest = selectors.latest_intake(client)
        if latest is None:
            raise RecordError("no_intake_yet")
        if not changed:
            record_access(actor=actor, client=client, action=AccessAction.READ,
                          subject=f"re-check: intake v{latest.version} unchanged", address=address, at=now)
            return Recheck(latest, created=False)
        merged = {name: getattr(latest, name) for name in ANSWER_DEFAULTS}
        if answers.get("pregnant") is False and "pregnancy_trimester" not in answers:
            merged["pregnancy_trimester"] = None
        if answers.get("recent_injury_or_surgery") is False:
            merged.update(injury_date=None, injury_region="", injury_details="")
        merged.update(answers)
        cleaned = clean_answers(merged, today=timezone.localdate(now))
        consent = {"consent_given_at": latest.consent_given_at, "consent_method": latest.consent_method,
                   "consent_text_version": latest.consent_text_version}
        intake = _save_version(actor=actor, client=client, answers=cleaned, source=Intake.Source.RECHECK,
                               consent=consent, address=address, now=now)
    return Recheck(intake, created=True)


# -- audited reads -------------------------------------------------------------------


def read_intake(*, actor, client: Client, address: str | None = None) -> list[Intake]:
    """``client``'s intake versions, newest first, for someone
    ``policies.may_read_intake`` allows; the read is logged."""
    if not policies.may_read_intake(actor, client):
        raise RecordError("not_found")
    with transaction.atomic():
        versions = list(selectors.intake_versions(client))
        subject = f"intake v1-v{versions[0].version}" if versions else "intake (none yet)"
        record_access(actor=actor, client=client, action=AccessAction.READ, subject=subject, address=address)
    return versions


def read_flags(*, actor, client: Client, on: date | None = None, address: str | None = None) -> list[Flag]:
    """``client``'s flags, for someone who reads their clinical content;
    the read is logged."""
    if not policies.may_read_clinical(actor, client):
        raise RecordError("not_found")
    with transaction.atomic():
        flags = selectors.flags_for(client, on=on)
        record_access(actor=actor, client=client, action=AccessAction.READ, subject="flags", address=address)
    return flags


def read_flags_of_clients(*, actor, client_ids, address: str | None = None) -> dict[int, list[Flag]]:
    """The flags of those of ``client_ids`` whose clinical content ``actor``
    reads (the others are left out), each client's read logged: a
    practitioner's day in one go."""
    readable = sorted(policies.clinical_clients(actor).filter(pk__in=set(client_ids)).values_list("pk", flat=True))
    if not readable:
        return {}
    with transaction.atomic():
        flags = selectors.flags_for_clients(readable)
        record_reads(actor=actor, client_ids=readable, subject="flags", address=address)
    return flags


# -- clearances ------------------------------------------------------------------------


def record_clearance(
    *,
    actor,
    client: Client,
    rule: ContraindicationRule,
    doctor: str,
    document_reference: str,
    issued_on: date,
    valid_until: date,
    address: str | None = None,
) -> Clearance:
    """A doctor's letter lifting ``rule``'s flag for ``client`` until
    ``valid_until`` (inclusive); logged."""
    if not policies.may_record_clearance(actor, client):
        raise RecordError("not_found")
    problems = _Problems()
    for name, value, limit in (("doctor", doctor, 150), ("document_reference", document_reference, 200)):
        if not value.strip():
            problems.add(name, "required")
        elif "\x00" in value:
            problems.add(name, "nul")
        elif len(value) > limit:
            problems.add(name, "too_long", limit=limit)
    if valid_until < issued_on:
        problems.add("valid_until", "valid_until_before_issue")
    if not rule.active:
        problems.add("rule", "rule_unknown")
    problems.raise_any("invalid_clearance")
    with transaction.atomic():
        clearance = Clearance.objects.create(
            client=client, rule=rule, doctor=doctor.strip(), document_reference=document_reference.strip(),
            issued_on=issued_on, valid_until=valid_until, recorded_by=actor,
        )
        record_access(actor=actor, client=client, action=AccessAction.CREATE,
                      subject=f"clearance {clearance.pk} ({rule.name})", address=address)
    return clearance


# -- holding a booking for review ----------------------------------------------------------


def holding_flags(flags: list[Flag], service_id: int) -> list[Flag]:
    """The flags that hold a booking of ``service_id`` for review."""
    return [flag for flag in flags if flag.tier in HOLDING_TIERS and not flag.cleared and flag.affects(service_id)]


def review_reason(*, client_id: int, service_id: int, start: datetime, location_id: int) -> str | None:
    """The booking core's screening check (registered in ``TreatmentsConfig.ready``):
    why a booking of ``service_id`` for ``client_id`` at ``start`` waits
    for a practitioner's review, or ``None``. Clearances count on the
    session's date at its location. Runs inside the booking's transaction;
    one query for a client without an intake."""
    if selectors.latest_intake(client_id) is None:
        return None
    zone = Location.objects.values_list("time_zone", flat=True).get(pk=location_id)
    day = timezone.localtime(start, zone).date()
    held = holding_flags(selectors.flags_for(client_id, on=day), service_id)
    if not held:
        return None
    reason = "; ".join(f"{flag.tier_label}: {flag.rule} ({flag.reason})" for flag in held)
    prefix = _("Held for review") + " - "
    return (prefix + reason)[:REVIEW_REASON_LIMIT]
