"""On PostgreSQL the database itself refuses to change what was signed
(migration 0010), whoever asks: a raw UPDATE or DELETE gets an error."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from treatments.models import Amendment, RecordAccess, RecordSignature, SessionNote
from treatments.services import notes

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def refused(sql: str, params: list) -> str:
    with pytest.raises(DatabaseError) as refusal:
        raw(sql, params)
    return str(refusal.value)


def test_a_signed_note_cannot_be_updated_or_deleted_in_sql(signed):
    assert "is signed" in refused("UPDATE treatments_sessionnote SET plan = 'Rewritten.' WHERE id = %s", [signed.pk])
    assert "is signed" in refused("DELETE FROM treatments_sessionnote WHERE id = %s", [signed.pk])
    assert SessionNote.objects.get(pk=signed.pk).plan.startswith("Two more sessions")


def test_the_orm_is_refused_as_well(signed):
    with pytest.raises(DatabaseError), transaction.atomic():
        SessionNote.objects.filter(pk=signed.pk).update(pain_after=0)


def test_a_draft_stays_writable(filled):
    raw("UPDATE treatments_sessionnote SET plan = 'Changed in SQL.' WHERE id = %s", [filled.pk])
    raw("DELETE FROM treatments_notepoint WHERE note_id = %s", [filled.pk])
    filled.refresh_from_db()
    assert filled.plan == "Changed in SQL." and not filled.points.exists()


@pytest.mark.parametrize("sql", [
    "UPDATE treatments_notetechnique SET minutes = 99 WHERE note_id = %s",
    "DELETE FROM treatments_notetechnique WHERE note_id = %s",
    "INSERT INTO treatments_notetechnique (note_id, technique_id, minutes) "
    "SELECT %s, id, 5 FROM treatments_technique ORDER BY id DESC LIMIT 1",
    "UPDATE treatments_notepoint SET point_id = point_id WHERE note_id = %s",
    "DELETE FROM treatments_notepoint WHERE note_id = %s",
    "INSERT INTO treatments_notepoint (note_id, point_id) "
    "SELECT %s, id FROM treatments_acupressurepoint WHERE code = 'BL23'",
    "DELETE FROM treatments_sessionnote_home_care WHERE sessionnote_id = %s",
])
def test_the_parts_of_a_signed_note_are_locked_with_it(signed, sql):
    assert "part of a signed session note" in refused(sql, [signed.pk])


@pytest.fixture
def amended(signed, author):
    return notes.amend_note(actor=author, note=signed, text="Also the left shoulder.", reason="Left out.")


@pytest.mark.parametrize(("table", "column", "value"), [
    ("treatments_amendment", "text", "Nothing."),
    ("treatments_recordsignature", "content_hash", "0" * 64),
    ("treatments_recordaccess", "subject", "nothing"),
])
def test_amendments_links_and_access_records_are_only_ever_added(amended, table, column, value):
    assert "only ever added" in refused(f"UPDATE {table} SET {column} = %s", [value])
    assert "only ever added" in refused(f"DELETE FROM {table} WHERE id > %s", [0])
    assert Amendment.objects.get().text == "Also the left shoulder."
    assert RecordSignature.objects.count() == 2 and RecordAccess.objects.exists()


def test_the_history_of_notes_still_records(filled, author):
    """simple-history's table is not locked: drafting and signing add rows."""
    before = SessionNote.history.filter(id=filled.pk).count()
    notes.update_draft(actor=author, note=filled, plan="One more.")
    notes.sign_note(actor=author, note=filled)
    assert SessionNote.history.filter(id=filled.pk).count() == before + 2
    assert SessionNote.history.filter(id=filled.pk).latest("history_date").status == "signed"
