"""Below the application: on PostgreSQL the database itself refuses to
change what was signed, whoever asks.

- a signed session note: no UPDATE, no DELETE;
- its techniques, points and home care: no INSERT, UPDATE or DELETE while
  the note they belong to is signed;
- amendments, signature-chain links and access records: never UPDATEd or
  DELETEd (they are only ever added).

The history of session notes (simple-history's table) is not locked: it
only gains rows. SQLite has no such triggers; there the services are the
guard and ``manage.py verify_records`` finds a row changed behind them.
"""

from django.db import migrations

REFUSE_SIGNED_NOTE = """
CREATE OR REPLACE FUNCTION treatments_refuse_signed_note_change() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'signed' THEN
        RAISE EXCEPTION 'session note % is signed: it is never changed or removed (add an amendment)', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER treatments_sessionnote_signed_locked
    BEFORE UPDATE OR DELETE ON treatments_sessionnote
    FOR EACH ROW EXECUTE FUNCTION treatments_refuse_signed_note_change();
"""

# TG_ARGV[0] names the column holding the note's id.
REFUSE_SIGNED_NOTE_PART = """
CREATE OR REPLACE FUNCTION treatments_refuse_signed_note_part_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND EXISTS (
        SELECT 1 FROM treatments_sessionnote
        WHERE id = (to_jsonb(OLD) ->> TG_ARGV[0])::bigint AND status = 'signed'
    ) OR TG_OP <> 'DELETE' AND EXISTS (
        SELECT 1 FROM treatments_sessionnote
        WHERE id = (to_jsonb(NEW) ->> TG_ARGV[0])::bigint AND status = 'signed'
    ) THEN
        RAISE EXCEPTION '%: part of a signed session note, never changed', TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""

REFUSE_ANY_CHANGE = """
CREATE OR REPLACE FUNCTION treatments_refuse_record_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '%: rows are only ever added, never changed or removed', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$ LANGUAGE plpgsql;
"""

NOTE_PARTS = {
    "treatments_notetechnique": "note_id",
    "treatments_notepoint": "note_id",
    "treatments_sessionnote_home_care": "sessionnote_id",
}
APPEND_ONLY = ["treatments_amendment", "treatments_recordsignature", "treatments_recordaccess"]


def forwards_sql() -> list[str]:
    statements = [REFUSE_SIGNED_NOTE, REFUSE_SIGNED_NOTE_PART, REFUSE_ANY_CHANGE]
    for table, column in NOTE_PARTS.items():
        statements.append(
            f"CREATE TRIGGER {table}_signed_locked BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION treatments_refuse_signed_note_part_change('{column}');"
        )
    for table in APPEND_ONLY:
        statements.append(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION treatments_refuse_record_change();"
        )
    return statements


def backwards_sql() -> list[str]:
    statements = ["DROP TRIGGER IF EXISTS treatments_sessionnote_signed_locked ON treatments_sessionnote;"]
    statements += [f"DROP TRIGGER IF EXISTS {table}_signed_locked ON {table};" for table in NOTE_PARTS]
    statements += [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};" for table in APPEND_ONLY]
    statements += [
        "DROP FUNCTION IF EXISTS treatments_refuse_signed_note_change();",
        "DROP FUNCTION IF EXISTS treatments_refuse_signed_note_part_change();",
        "DROP FUNCTION IF EXISTS treatments_refuse_record_change();",
    ]
    return statements


def _run(statements: list[str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement, params=None)  # no placeholders: RAISE uses %

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("treatments", "0009_contraindication_rules"),
    ]

    operations = [
        migrations.RunPython(_run(forwards_sql()), _run(backwards_sql()), elidable=False),
    ]
