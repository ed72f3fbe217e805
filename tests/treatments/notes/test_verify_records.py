"""``manage.py verify_records`` recomputes every chain and finds a signed
record changed behind the application's back."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.treatments.notes.factories import behind_the_application
from treatments.models import Amendment, NotePoint, NoteTechnique, RecordSignature, SessionNote
from treatments.services import notes

pytestmark = pytest.mark.django_db


def verify() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("verify_records", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused() -> str:
    err = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("verify_records", stdout=StringIO(), stderr=err)
    return err.getvalue() + str(failure.value)


@pytest.fixture
def chain(signed, author, second_appointment):
    """Client A: a signed note, its amendment, and a second signed note."""
    amendment = notes.amend_note(actor=author, note=signed, text="Also the left shoulder.", reason="Left out.")
    later = notes.sign_note(actor=author, note=notes.update_draft(
        actor=author, note=notes.start_note(actor=author, appointment=second_appointment).note, plan="Rest."))
    return signed, amendment, later


def test_an_untouched_chain_passes_with_a_count(chain):
    out, err = verify()
    assert err == ""
    assert "All 3 signatures of 1 clients match" in out


def test_no_records_at_all_passes(db):
    assert "All 0 signatures" in verify()[0]


@pytest.mark.parametrize(("change", "record"), [
    (lambda note, amendment: SessionNote.objects.filter(pk=note.pk).update(plan="Rewritten."), "note"),
    (lambda note, amendment: SessionNote.objects.filter(pk=note.pk).update(pain_after=0), "note"),
    (lambda note, amendment: SessionNote.objects.filter(pk=note.pk).update(body_chart={"regions": [], "marks": []}),
     "note"),
    (lambda note, amendment: NoteTechnique.objects.filter(note=note).update(minutes=99), "note"),
    (lambda note, amendment: NotePoint.objects.filter(note=note).delete(), "note"),
    (lambda note, amendment: note.home_care.clear(), "note"),
    (lambda note, amendment: Amendment.objects.filter(pk=amendment.pk).update(text="Nothing to add."), "amendment"),
])
def test_a_row_changed_behind_the_application_is_named(chain, change, record):
    note, amendment, _ = chain
    with behind_the_application():
        change(note, amendment)
    report = refused()
    name = f"session note {note.pk}" if record == "note" else f"amendment {amendment.pk}"
    assert f"client {note.client_id}: {name} (link #" in report
    assert "content no longer matches its signature" in report
    assert "1 problem(s)" in report


def test_a_link_rewritten_to_match_a_change_breaks_the_next_link(chain):
    """Changing a note and recomputing its own hash is not enough: the next
    link holds the old hash."""
    note, amendment, _ = chain
    with behind_the_application():
        SessionNote.objects.filter(pk=note.pk).update(plan="Rewritten.")
        from treatments import signing

        stored = SessionNote.objects.get(pk=note.pk)
        RecordSignature.objects.filter(note=note).update(content_hash=signing.chain_hash(notes.note_content(stored), ""))
    report = refused()
    assert f"amendment {amendment.pk} (link #2): does not hold the hash of the link before it" in report


def test_a_removed_link_is_found(chain):
    note, amendment, later = chain
    with behind_the_application():
        RecordSignature.objects.filter(amendment=amendment).delete()
    report = refused()
    assert f"amendment {amendment.pk}: not in the chain" in report
    assert f"session note {later.pk} (link #3): out of place: expected link #2" in report


def test_a_signed_note_turned_back_into_a_draft_is_found(chain):
    note, _, _ = chain
    with behind_the_application():
        SessionNote.objects.filter(pk=note.pk).update(status="draft", signed_at=None, signed_by=None)
    assert f"session note {note.pk}: signed, but now a draft again" in refused()


def test_a_note_marked_signed_without_signing_is_found(filled):
    with behind_the_application():
        SessionNote.objects.filter(pk=filled.pk).update(status="signed", signed_at=filled.created_at,
                                                        signed_by=filled.practitioner.user)
    assert f"session note {filled.pk}: signed, but not in the chain" in refused()
