"""Session notes through their services: who may start, change, sign and
amend; what a draft accepts; that a signed note never changes; the access
record each write leaves."""

from __future__ import annotations

import math
from datetime import UTC, timedelta

import pytest

from bookings import services as booking_services
from bookings.models import AppointmentStatus
from tests.treatments.notes.factories import a_point, appointment, full_draft
from treatments import signing
from treatments.errors import RecordError
from treatments.models import (
    AccessAction,
    Amendment,
    HomeCareAssignment,
    HomeCareRoutine,
    NotePoint,
    NoteStatus,
    NoteTechnique,
    RecordAccess,
    RecordSignature,
    SessionNote,
    Technique,
)
from treatments.services import notes

pytestmark = pytest.mark.django_db


def accesses(action: AccessAction) -> list[RecordAccess]:
    return list(RecordAccess.objects.filter(action=action))


# -- starting -----------------------------------------------------------------------


def test_the_appointment_s_practitioner_starts_its_note_and_it_is_logged(booked, author):
    started = notes.start_note(actor=author, appointment=booked, address="203.0.113.9")
    assert started.created
    note = started.note
    assert (note.appointment, note.client, note.practitioner, note.status) == (
        booked, booked.client, booked.practitioner, NoteStatus.DRAFT)
    [created] = accesses(AccessAction.CREATE)
    assert (created.client_id, created.actor, created.role, created.subject, created.address) == (
        booked.client_id, author, "practitioner", f"session note {note.pk}", "203.0.113.9")


def test_starting_again_returns_the_same_note(draft, booked, author):
    again = notes.start_note(actor=author, appointment=booked)
    assert (again.note, again.created) == (draft, False)
    assert SessionNote.objects.count() == 1
    assert len(accesses(AccessAction.CREATE)) == 1


@pytest.mark.parametrize("role", ["client_a", "client_b", "other_practitioner", "receptionist", "manager"])
def test_nobody_else_starts_the_note(people, booked, role):
    with pytest.raises(RecordError) as refusal:
        notes.start_note(actor=people[role], appointment=booked)
    assert refusal.value.code == "permission_denied" and refusal.value.kind == 403
    assert not SessionNote.objects.exists() and not RecordAccess.objects.exists()


@pytest.mark.parametrize("status", [AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW])
def test_no_note_for_a_session_that_did_not_happen(booked, author, status):
    if status == AppointmentStatus.CANCELLED:
        booking_services.cancel_appointment(appointment=booked, actor=None)
    else:
        booked.status = status
        booked.save(update_fields=["status"])
    with pytest.raises(RecordError) as refusal:
        notes.start_note(actor=author, appointment=booked)
    assert refusal.value.code == "no_note_for_appointment" and refusal.value.kind == 409
    assert not SessionNote.objects.exists()


# -- writing the draft -----------------------------------------------------------------


def test_a_draft_takes_every_part_of_the_session(booked, author):
    note = full_draft(booked)
    note.refresh_from_db()
    assert note.subjective.startswith("Stiff neck") and note.pain_before == 6 and note.pain_after == 3
    assert note.body_chart == {"regions": [{"side": "back", "region": "neck"}],
                               "marks": [{"side": "back", "x": 0.52, "y": 0.18, "intensity": 6}]}
    assert [(t.technique_id, t.minutes) for t in note.techniques.all()] == [
        (pk, minutes) for pk, minutes in zip(Technique.objects.order_by("pk").values_list("pk", flat=True)[:2],
                                             (10, 15))]
    assert sorted(p.point.code for p in note.points.all()) == ["GB20", "GB21"]
    [given] = note.home_care.all()
    assert (given.client, given.assigned_by, given.active) == (booked.client, booked.practitioner, True)
    assert given.assigned_on == booked.start.astimezone(booked.location.time_zone).date()
    assert len(accesses(AccessAction.UPDATE)) == 1


def test_a_routine_the_client_already_has_is_linked_not_given_twice(booked, draft, author, studio):
    routine = HomeCareRoutine.objects.filter(active=True).first()
    earlier = HomeCareAssignment.objects.create(client=booked.client, routine=routine,
                                                assigned_by=studio.other_practitioner, assigned_on=booked.start.date())
    notes.update_draft(actor=author, note=draft, home_care=[routine.pk])
    assert list(draft.home_care.all()) == [earlier]
    assert HomeCareAssignment.objects.count() == 1


def test_lists_replace_and_fields_left_out_stay(filled, author):
    notes.update_draft(actor=author, note=filled, points=["BL23"], techniques=[], plan="Rest.")
    filled.refresh_from_db()
    assert [p.point.code for p in filled.points.all()] == ["BL23"]
    assert not filled.techniques.exists()
    assert filled.plan == "Rest." and filled.subjective.startswith("Stiff neck")


@pytest.mark.parametrize(("field", "value"), [
    ("pain_before", 11), ("pain_before", -1), ("pain_after", True), ("pain_after", "3"), ("pain_after", 2.5),
    ("pain_before", 10**30),
    ("pressure", "crushing"), ("pressure", None),
    ("subjective", "a" * (notes.MAX_SOAP_LENGTH + 1)), ("plan", "Rest\x00."), ("assessment", 12),
    ("client_response", "b" * (notes.MAX_RESPONSE_LENGTH + 1)),
    ("shared_with_client", "yes"),
    ("body_chart", []), ("body_chart", "neck"), ("body_chart", {"regions": [], "marks": [], "extra": 1}),
    ("body_chart", {"regions": "neck"}),
    ("body_chart", {"regions": [{"side": "left", "region": "neck"}]}),
    ("body_chart", {"regions": [{"side": "back", "region": "tail"}]}),
    ("body_chart", {"regions": [{"side": "back", "region": "neck", "note": "x"}]}),
    ("body_chart", {"regions": [["back", "neck"]]}),
    ("body_chart", {"marks": [{"side": "back", "x": 1.5, "y": 0.1, "intensity": 3}]}),
    ("body_chart", {"marks": [{"side": "back", "x": -0.1, "y": 0.1, "intensity": 3}]}),
    ("body_chart", {"marks": [{"side": "back", "x": math.nan, "y": 0.1, "intensity": 3}]}),
    ("body_chart", {"marks": [{"side": "back", "x": math.inf, "y": 0.1, "intensity": 3}]}),
    ("body_chart", {"marks": [{"side": "back", "x": True, "y": 0.1, "intensity": 3}]}),
    ("body_chart", {"marks": [{"side": "back", "x": "0.5", "y": 0.1, "intensity": 3}]}),
    ("body_chart", {"marks": [{"side": "back", "x": 0.5, "y": 0.1, "intensity": 11}]}),
    ("body_chart", {"marks": [{"side": "back", "x": 0.5, "y": 0.1, "intensity": 2.5}]}),
    ("body_chart", {"marks": [{"side": "back", "x": 0.5, "y": 0.1}]}),
    ("body_chart", {"marks": [{"side": "back", "x": 0.5, "y": 0.5, "intensity": 1}] * (notes.MAX_CHART_MARKS + 1)}),
    ("techniques", [[1, 0]]), ("techniques", [[1, 241]]), ("techniques", [[1, True]]), ("techniques", [[99999, 10]]),
    ("techniques", [[1, 10], [1, 20]]), ("techniques", [[1]]), ("techniques", "1"), ("techniques", [[2**40, 10]]),
    ("techniques", [["1", 10]]),
    ("points", ["XX99"]), ("points", ["GB20", "GB20"]), ("points", [20]), ("points", "GB20"), ("points", ["G\x00"]),
    ("home_care", [99999]), ("home_care", ["1"]), ("home_care", [1, 1]), ("home_care", 1),
])
def test_a_draft_refuses_what_is_not_valid_and_changes_nothing(filled, author, field, value):
    before = notes.note_content(SessionNote.objects.get(pk=filled.pk))
    updates = len(accesses(AccessAction.UPDATE))
    with pytest.raises(RecordError) as refusal:
        notes.update_draft(actor=author, note=filled, **{field: value})
    assert refusal.value.kind == 400
    assert refusal.value.field_messages.keys() == {field}
    assert notes.note_content(SessionNote.objects.get(pk=filled.pk)) == before
    assert len(accesses(AccessAction.UPDATE)) == updates


def test_a_body_chart_is_stored_in_one_form(draft, author):
    notes.update_draft(actor=author, note=draft, body_chart={"marks": [{"intensity": 0, "y": 1, "x": 0.123456,
                                                                         "side": "front"}]})
    draft.refresh_from_db()
    assert draft.body_chart == {"regions": [], "marks": [{"side": "front", "x": 0.1235, "y": 1.0, "intensity": 0}]}


def test_an_inactive_routine_is_not_given(draft, author):
    routine = HomeCareRoutine.objects.filter(active=True).first()
    HomeCareRoutine.objects.filter(pk=routine.pk).update(active=False)
    with pytest.raises(RecordError) as refusal:
        notes.update_draft(actor=author, note=draft, home_care=[routine.pk])
    assert refusal.value.field == "home_care"


@pytest.mark.parametrize("role", ["client_a", "other_practitioner", "receptionist", "manager"])
def test_only_the_author_changes_a_draft(people, draft, role):
    with pytest.raises(RecordError) as refusal:
        notes.update_draft(actor=people[role], note=draft, plan="Mine now.")
    assert refusal.value.kind == 403
    draft.refresh_from_db()
    assert draft.plan == ""


# -- signing -------------------------------------------------------------------------------


def test_signing_locks_the_note_links_it_into_the_chain_and_is_logged(filled, author):
    note = notes.sign_note(actor=author, note=filled, address="198.51.100.4")
    assert note.status == NoteStatus.SIGNED and note.signed_by == author and note.signed_at is not None
    [link] = RecordSignature.objects.all()
    assert (link.client_id, link.sequence, link.kind, link.note, link.previous_hash) == (
        note.client_id, 1, "note", note, "")
    stored = SessionNote.objects.get(pk=note.pk)
    assert link.content_hash == signing.chain_hash(notes.note_content(stored), "")
    [signed] = accesses(AccessAction.SIGN)
    assert (signed.actor, signed.address, signed.subject) == (author, "198.51.100.4", f"session note {note.pk}")


def test_signing_twice_changes_nothing(signed, author):
    again = notes.sign_note(actor=author, note=signed)
    assert again.signed_at == signed.signed_at
    assert RecordSignature.objects.count() == 1 and len(accesses(AccessAction.SIGN)) == 1


def test_an_empty_note_is_not_signed(draft, author):
    with pytest.raises(RecordError) as refusal:
        notes.sign_note(actor=author, note=draft)
    assert refusal.value.code == "note_empty"
    assert not RecordSignature.objects.exists()


@pytest.mark.parametrize("role", ["client_a", "other_practitioner", "receptionist", "manager"])
def test_only_the_author_signs(people, filled, role):
    with pytest.raises(RecordError) as refusal:
        notes.sign_note(actor=people[role], note=filled)
    assert refusal.value.kind == 403
    assert SessionNote.objects.get(pk=filled.pk).status == NoteStatus.DRAFT


@pytest.mark.parametrize("change", [
    {"plan": "Changed after signing."}, {"pain_after": 0}, {"pressure": "firm"}, {"shared_with_client": False},
    {"body_chart": {}}, {"techniques": []}, {"points": ["BL23"]}, {"home_care": []},
])
def test_a_signed_note_refuses_every_change_through_the_services(signed, author, change):
    before = notes.note_content(SessionNote.objects.get(pk=signed.pk))
    with pytest.raises(RecordError) as refusal:
        notes.update_draft(actor=author, note=signed, **change)
    assert (refusal.value.code, refusal.value.kind) == ("note_signed", 409)
    assert notes.note_content(SessionNote.objects.get(pk=signed.pk)) == before


def test_a_stale_copy_of_a_signed_note_is_refused_too(filled, author):
    """The service re-reads the note under its lock: a copy loaded while it
    was a draft cannot change it once it is signed."""
    stale = SessionNote.objects.select_related("appointment").get(pk=filled.pk)
    notes.sign_note(actor=author, note=filled)
    with pytest.raises(RecordError) as refusal:
        notes.update_draft(actor=author, note=stale, plan="Too late.")
    assert refusal.value.code == "note_signed"


def test_signing_keeps_the_history(filled, author):
    notes.sign_note(actor=author, note=filled)
    statuses = list(SessionNote.history.filter(id=filled.pk).order_by("history_date").values_list("status", flat=True))
    assert statuses[0] == "draft" and statuses[-1] == "signed"


# -- amending -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["assigned_practitioner", "manager"])
def test_the_author_or_a_manager_amends_a_signed_note(people, signed, role):
    amendment = notes.amend_note(actor=people[role], note=signed, text="Pain after was 4, not 3.",
                                 reason="Typed the wrong number.", address="192.0.2.1")
    assert (amendment.note, amendment.author) == (signed, people[role])
    link = amendment.signature
    assert (link.sequence, link.kind, link.previous_hash) == (
        2, "amendment", RecordSignature.objects.get(sequence=1).content_hash)
    assert link.content_hash == signing.chain_hash(signing.amendment_content(Amendment.objects.get()),
                                                   link.previous_hash)
    [amended] = accesses(AccessAction.AMEND)
    assert (amended.actor, amended.address) == (people[role], "192.0.2.1")
    signed.refresh_from_db()
    assert signed.pain_after == 3


@pytest.mark.parametrize("role", ["client_a", "other_practitioner", "receptionist"])
def test_nobody_else_amends(people, signed, role):
    with pytest.raises(RecordError) as refusal:
        notes.amend_note(actor=people[role], note=signed, text="x", reason="y")
    assert refusal.value.kind == 403
    assert not Amendment.objects.exists()


def test_a_draft_is_not_amended(filled, author):
    with pytest.raises(RecordError) as refusal:
        notes.amend_note(actor=author, note=filled, text="x", reason="y")
    assert (refusal.value.code, refusal.value.kind) == ("note_not_signed", 409)


@pytest.mark.parametrize(("text", "reason", "field"), [
    ("", "Typo.", "text"), ("  ", "Typo.", "text"), ("Fix.", "", "reason"), ("Fix.", "r" * 301, "reason"),
    ("Fix\x00.", "Typo.", "text"),
])
def test_an_amendment_needs_its_text_and_reason(signed, author, text, reason, field):
    with pytest.raises(RecordError) as refusal:
        notes.amend_note(actor=author, note=signed, text=text, reason=reason)
    assert refusal.value.field == field
    assert not Amendment.objects.exists()


def test_the_chain_runs_through_a_client_s_notes_and_amendments(signed, author, second_appointment):
    notes.amend_note(actor=author, note=signed, text="Also: left shoulder.", reason="Forgot it.")
    later = full_draft(second_appointment)
    notes.sign_note(actor=author, note=later)
    links = list(RecordSignature.objects.order_by("sequence"))
    assert [(link.sequence, link.kind) for link in links] == [(1, "note"), (2, "amendment"), (3, "note")]
    assert [link.previous_hash for link in links] == ["", links[0].content_hash, links[1].content_hash]


def test_each_client_has_a_chain_of_their_own(signed, studio, author):
    other = appointment(studio, client=studio.other_client, practitioner=studio.practitioner,
                        start=signed.appointment.start + timedelta(hours=3))
    notes.sign_note(actor=author, note=full_draft(other))
    assert sorted(RecordSignature.objects.values_list("client_id", "sequence")) == sorted(
        [(studio.client.pk, 1), (studio.other_client.pk, 1)])


def test_points_and_techniques_are_rows_of_the_catalogue(filled):
    assert NotePoint.objects.filter(note=filled, point=a_point("GB20")).exists()
    assert NoteTechnique.objects.filter(note=filled).count() == 2


def test_each_link_hashes_its_record_with_the_link_before(signed, author):
    """Written out here, not through ``signing``: SHA-256 of the sorted-key
    JSON of the content followed by the previous link's hash."""
    import hashlib
    import json

    amendment = notes.amend_note(actor=author, note=signed, text="Also the left shoulder.", reason="Left out.")
    first, second = RecordSignature.objects.order_by("sequence")
    stored = Amendment.objects.get(pk=amendment.pk)
    content = {"record": "amendment", "id": stored.pk, "note": signed.pk, "text": "Also the left shoulder.",
               "reason": "Left out.", "author": author.pk,
               "created_at": stored.created_at.astimezone(UTC).isoformat(timespec="microseconds")}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert second.content_hash == hashlib.sha256((text + first.content_hash).encode()).hexdigest()
