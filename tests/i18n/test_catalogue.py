"""The Tamil catalogue: the committed .mo is the .po compiled, every
client-facing entry is translated, and every translation keeps its
placeholders (tests/i18n/catalogue.py says what is client-facing)."""

from __future__ import annotations

import gettext
import importlib
import os
import re
from pathlib import Path

import pytest

from clinic import framework_texts
from tests.i18n.catalogue import MO_PATH, client_facing_msgids, is_client_facing, live_entries, load_po

PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]|%[sdifr]|\{\w*\}")


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def key(entry, index: int | None = None):
    msgid = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
    return msgid if index is None else (msgid, index)


def compiled_from_po() -> dict:
    """What msgfmt writes into the .mo for the .po: the translated entries in force."""
    catalogue = {}
    for entry in live_entries(load_po()):
        if entry.msgid_plural:
            if all(entry.msgstr_plural.values()):
                catalogue.update({key(entry, int(index)): text for index, text in entry.msgstr_plural.items()})
        elif entry.msgstr:
            catalogue[key(entry)] = entry.msgstr
    return catalogue


def test_the_committed_mo_is_the_po_compiled():
    with MO_PATH.open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog
    compiled = {k: v for k, v in compiled.items() if k != ""}  # the header
    expected = compiled_from_po()
    stale = sorted(str(k) for k in expected.keys() ^ compiled.keys())
    stale += sorted(str(k) for k in expected.keys() & compiled.keys() if expected[k] != compiled[k])
    assert not stale, f"locale/ta: the .mo is out of date with the .po; run `make messages` ({stale[:5]})"


def test_every_client_facing_entry_has_a_tamil_translation():
    entries = [entry for entry in live_entries(load_po()) if is_client_facing(entry)]
    assert len(entries) > 200  # the classification found them: refusals, labels, mail, pages
    untranslated = [
        entry.msgid for entry in entries
        if not (all(entry.msgstr_plural.values()) if entry.msgid_plural else entry.msgstr)
    ]
    assert not untranslated, f"client-facing strings without Tamil (locale/ta/LC_MESSAGES/django.po): {untranslated}"


def test_the_labels_and_constraint_messages_clients_see_are_in_the_catalogue():
    msgids = {entry.msgid for entry in live_entries(load_po())}
    missing = sorted(client_facing_msgids() - msgids)
    assert not missing, f"not extracted yet; run `make messages`: {missing}"


def test_every_translation_keeps_the_placeholders_of_its_msgid():
    broken = []
    for entry in live_entries(load_po()):
        if entry.msgid_plural:
            for index, text in entry.msgstr_plural.items():
                source = entry.msgid if int(index) == 0 else entry.msgid_plural
                # The singular may leave out the count ("within an hour").
                wanted = placeholders(source) if int(index) else placeholders(entry.msgid)
                if text and placeholders(text) != wanted:
                    broken.append((entry.msgid, index))
        elif entry.msgstr and placeholders(entry.msgstr) != placeholders(entry.msgid):
            broken.append((entry.msgid, placeholders(entry.msgid), placeholders(entry.msgstr)))
    assert not broken, f"translations that drop or add a placeholder: {broken}"


@pytest.mark.parametrize(("text", "found"), [
    ("Ask for at most %(days)s days at a time.", ["%(days)s"]),
    ("Ensure this field has no more than {max_length} characters.", ["{max_length}"]),
    ('Each pain area is e.g. {"region": "lower_back"}.', []),  # JSON, not a placeholder
    ("%s and %d", ["%d", "%s"]),
])
def test_placeholders_are_found(text, found):
    assert placeholders(text) == found


@pytest.mark.parametrize(("package", "texts"), [
    ("rest_framework", framework_texts.DRF),
    ("rest_framework_simplejwt", framework_texts.SIMPLEJWT),
    ("phonenumber_field", framework_texts.PHONENUMBER_FIELD),
    ("django.utils", framework_texts.DJANGO_DATES),
    ("django.contrib.auth", framework_texts.DJANGO_AUTH),
    # The counted ones, as the catalogue holds them (a lazy plural keeps its texts to itself).
    ("django.contrib.auth", [text for entry in live_entries(load_po()) if entry.msgid_plural
                             and ("clinic/framework_texts.py", "") in entry.occurrences
                             for text in (entry.msgid, entry.msgid_plural)]),
])
def test_the_framework_texts_are_still_the_frameworks_own(package, texts):
    """Each listed text is one the installed package still writes, so the
    Tamil kept for it is used (an upgrade that rewords one turns this red)."""
    folder = Path(importlib.import_module(package).__file__).parent
    source = "\n".join(path.read_text(encoding="utf-8") for path in folder.rglob("*.py"))
    gone = [text for text in texts if text not in source and text.replace('"', '\\"') not in source]
    assert not gone


def test_the_catalogue_needs_no_gettext_to_load():
    """The compiled .mo is committed: a fresh machine without GNU gettext reads it."""
    assert MO_PATH.exists() and os.path.getsize(MO_PATH) > 0
