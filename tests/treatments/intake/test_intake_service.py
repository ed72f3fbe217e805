"""The intake questionnaire and its re-check: versions, never changed;
answers checked; every write logged in the same transaction."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction

from treatments.errors import RecordError
from treatments.models import Intake, RecordAccess
from treatments.services.intake import recheck_intake, record_intake

pytestmark = pytest.mark.django_db


def test_each_questionnaire_is_the_next_version_and_the_old_one_stays(studio, answer):
    first = answer(studio.client, fever=True)
    second = answer(studio.client, conditions="Osteoporosis")
    assert (first.version, second.version) == (1, 2)
    first.refresh_from_db()
    assert first.fever is True and first.conditions == ""
    assert [intake.version for intake in Intake.objects.filter(client=studio.client)] == [2, 1]
    assert answer(studio.other_client).version == 1  # numbered per client


def test_a_version_is_logged_as_created_by_whom(studio, answer, manager):
    answer(studio.client)
    answer(studio.client)
    log = RecordAccess.objects.filter(client=studio.client).order_by("pk")
    assert [(row.action, row.subject, row.actor_id, row.role) for row in log] == [
        ("create", "intake v1", manager.pk, "manager"), ("create", "intake v2", manager.pk, "manager")]


def test_the_database_refuses_two_rows_with_one_version(studio, answer):
    intake = answer(studio.client)
    with pytest.raises(IntegrityError), transaction.atomic():
        Intake.objects.create(client=studio.client, version=intake.version, consent_given_at=intake.consent_given_at,
                              consent_method="paper", consent_text_version="x")


def test_a_failed_log_leaves_no_version(studio, manager, monkeypatch):
    """The version and its log row are one transaction."""
    from treatments.services import intake as service

    def broken(**kwargs):
        raise RuntimeError("log unavailable")

    monkeypatch.setattr(service, "record_access", broken)
    with pytest.raises(RuntimeError):
        record_intake(actor=manager, client=studio.client, consent_method="paper", consent_text_version="v1")
    assert not Intake.objects.exists()


@pytest.mark.parametrize(("answers", "field"), [
    ({"pain_areas": [{"region": "tail", "intensity": 3}]}, "pain_areas"),
    ({"pain_areas": [{"region": "neck", "intensity": 11}]}, "pain_areas"),
    ({"pain_areas": [{"region": "neck", "intensity": -1}]}, "pain_areas"),
    ({"pain_areas": [{"region": "neck", "intensity": 2.5}]}, "pain_areas"),
    ({"pain_areas": [{"region": "neck", "intensity": True}]}, "pain_areas"),
    ({"pain_areas": [{"region": "neck"}]}, "pain_areas"),
    ({"pain_areas": [{"region": "neck", "intensity": 2, "extra": 1}]}, "pain_areas"),
    ({"pain_areas": [{"region": "neck", "intensity": 2}, {"region": "neck", "intensity": 3}]}, "pain_areas"),
    ({"pain_areas": "neck"}, "pain_areas"),
    ({"avoid_areas": ["neck", "wings"]}, "avoid_areas"),
    ({"avoid_areas": "neck"}, "avoid_areas"),
    ({"pregnant": True}, "pregnancy_trimester"),
    ({"pregnant": True, "pregnancy_trimester": 4}, "pregnancy_trimester"),
    ({"pregnancy_trimester": 2}, "pregnancy_trimester"),
    ({"injury_region": "neck"}, "injury_region"),
    ({"injury_details": "fell"}, "injury_details"),
    ({"injury_date": date(2026, 1, 1)}, "injury_date"),
    ({"recent_injury_or_surgery": True, "injury_region": "spine"}, "injury_region"),
    ({"recent_injury_or_surgery": True, "injury_date": date.today() + timedelta(days=2)}, "injury_date"),
    ({"conditions": "a\x00b"}, "conditions"),
    ({"goals": "x" * 2001}, "goals"),
    ({"pressure_preference": "crushing"}, "pressure_preference"),
    ({"fever": "yes"}, "fever"),
])
def test_answers_out_of_shape_are_refused_on_their_field(studio, answer, answers, field):
    with pytest.raises(RecordError) as refused:
        answer(studio.client, **answers)
    assert refused.value.code == "invalid_intake" and field in refused.value.field_messages
    assert not Intake.objects.exists() and not RecordAccess.objects.exists()


def test_consent_must_name_its_method_and_text(studio, manager):
    with pytest.raises(RecordError) as refused:
        record_intake(actor=manager, client=studio.client, consent_method="nodded", consent_text_version="")
    assert set(refused.value.field_messages) == {"consent_method", "consent_text_version"}


def test_answers_in_shape_are_kept(studio, answer):
    intake = answer(
        studio.client, pregnant=True, pregnancy_trimester=2, recent_injury_or_surgery=True,
        injury_date=date.today() - timedelta(days=10), injury_region="leg", injury_details="  sprained ankle ",
        pain_areas=[{"region": "lower_back", "intensity": 7}], avoid_areas=["neck", "neck", "foot"],
    )
    intake.refresh_from_db()
    assert intake.pain_areas == [{"region": "lower_back", "intensity": 7}]
    assert intake.avoid_areas == ["neck", "foot"]
    assert intake.injury_details == "sprained ankle" and intake.source == "questionnaire"


def test_only_the_client_and_those_who_read_their_record_add_a_version(people, booked, studio):
    for role in ("client_a", "assigned_practitioner", "manager"):
        record_intake(actor=people[role], client=studio.client, consent_method="paper", consent_text_version="v1")
    for role in ("client_b", "other_practitioner", "receptionist"):
        with pytest.raises(RecordError) as refused:
            record_intake(actor=people[role], client=studio.client, consent_method="paper", consent_text_version="v1")
        assert refused.value.code == "not_found"
    assert Intake.objects.filter(client=studio.client).count() == 3


# -- the re-check -------------------------------------------------------------------


def test_a_recheck_before_any_intake_is_a_clear_conflict(studio, manager):
    with pytest.raises(RecordError) as refused:
        recheck_intake(actor=manager, client=studio.client, changed=False)
    assert refused.value.code == "no_intake_yet" and refused.value.is_conflict


def test_nothing_changed_logs_the_confirmation_and_adds_no_version(studio, answer, manager):
    intake = answer(studio.client, fever=False, conditions="Diabetes")
    recheck = recheck_intake(actor=manager, client=studio.client, changed=False)
    assert recheck.intake == intake and not recheck.created
    assert Intake.objects.filter(client=studio.client).count() == 1
    assert RecordAccess.objects.filter(client=studio.client).latest("pk").subject == "re-check: intake v1 unchanged"


def test_a_change_copies_the_latest_and_applies_the_answers_given(studio, answer, manager):
    answer(studio.client, conditions="Diabetes", avoid_areas=["foot"], pain_areas=[{"region": "neck", "intensity": 3}])
    recheck = recheck_intake(actor=manager, client=studio.client, changed=True, pregnant=True, pregnancy_trimester=1,
                             pain_areas=[{"region": "lower_back", "intensity": 8}])
    new = recheck.intake
    assert recheck.created and new.version == 2 and new.source == "recheck"
    assert new.conditions == "Diabetes" and new.avoid_areas == ["foot"]  # copied
    assert new.pregnant and new.pregnancy_trimester == 1
    assert new.pain_areas == [{"region": "lower_back", "intensity": 8}]  # the pain now
    assert RecordAccess.objects.filter(client=studio.client).latest("pk").subject == "intake v2"


def test_a_no_clears_the_details_of_that_answer(studio, answer, manager):
    answer(studio.client, pregnant=True, pregnancy_trimester=3, recent_injury_or_surgery=True, injury_region="arm")
    new = recheck_intake(actor=manager, client=studio.client, changed=True, pregnant=False,
                         recent_injury_or_surgery=False).intake
    assert (new.pregnancy_trimester, new.injury_region) == (None, "")


def test_a_recheck_must_agree_with_itself(studio, answer, manager):
    answer(studio.client)
    with pytest.raises(RecordError, match="Say what has changed"):
        recheck_intake(actor=manager, client=studio.client, changed=True)
    with pytest.raises(RecordError) as refused:
        recheck_intake(actor=manager, client=studio.client, changed=False, fever=True)
    assert refused.value.code == "recheck_unchanged_with_answers"
    with pytest.raises(RecordError) as refused:
        recheck_intake(actor=manager, client=studio.client, changed=True, pregnancy_trimester=2)
    assert "pregnancy_trimester" in refused.value.field_messages
    assert Intake.objects.filter(client=studio.client).count() == 1
