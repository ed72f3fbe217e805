"""Flags: the latest intake held against the active rules and the client's
clearances, read in a fixed number of queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.clinic.factories import ClientFactory
from tests.treatments.intake.conftest import (
    CLOT,
    FEVER,
    INJURY,
    OSTEOPOROSIS,
    PAIN,
    PREGNANCY_POINTS,
    PREGNANCY_POSITION,
    SKIN,
    THINNERS,
    THROMBOSIS,
    rule,
)
from tests.treatments.intake.factories import ClearanceFactory, IntakeFactory, RuleFactory
from treatments.models import AcupressurePoint, ContraindicationRule, RecordAccess, Technique
from treatments.selectors import flags_for, flags_for_clients

pytestmark = pytest.mark.django_db


def names(flags) -> list[str]:
    return [flag.rule for flag in flags]


def test_the_starting_rules_are_loaded_in_the_clinic_s_words():
    assert ContraindicationRule.objects.filter(active=True).count() == 10
    points = set(rule(PREGNANCY_POINTS).points.values_list("code", flat=True))
    assert points == {"LI4", "GB21", "BL60"}  # SP6 is not in the catalogue, so it is not linked
    assert rule(PAIN).min_intensity == 7 and rule(PAIN).tier == "needs_clearance"
    assert rule(INJURY).affects_injury_area
    assert {rule(FEVER).tier, rule(SKIN).tier} == {"do_not_treat"}
    assert set(rule(THINNERS).techniques.values_list("slug", flat=True)) >= {"friction", "compression"}


def test_no_intake_no_flags(studio):
    assert flags_for(studio.client) == []


@pytest.mark.parametrize(("answers", "expected", "reason"), [
    ({"fever": True}, [FEVER], "Fever"),
    ({"skin_condition_or_infection": True}, [SKIN], "Skin condition or infection"),
    ({"pregnant": True, "pregnancy_trimester": 2}, [PREGNANCY_POINTS, PREGNANCY_POSITION], "Pregnant, trimester 2"),
    ({"takes_blood_thinners": True}, [THINNERS], "Takes blood thinners"),
    ({"pain_areas": [{"region": "lower_back", "intensity": 7}]}, [PAIN], "lower back 7/10"),
    ({"pain_areas": [{"region": "lower_back", "intensity": 6}]}, [], None),
    ({"conditions": "Has OSTEOPOROSIS since 2019"}, [OSTEOPOROSIS], "osteoporosis"),
    ({"conditions": "Deep vein thrombosis, 2024"}, [THROMBOSIS], "thrombosis"),
    ({"medications": "Given after a blood clot"}, [CLOT], "Medications mention"),
    ({"recent_injury_or_surgery": True, "injury_region": "leg", "injury_details": "knee surgery"}, [INJURY],
     "knee surgery"),
])
def test_each_answer_raises_its_rule_with_a_reason_that_names_it(studio, answer, answers, expected, reason):
    answer(studio.client, **answers)
    flags = flags_for(studio.client)
    assert names(flags) == expected
    if reason:
        assert reason in flags[0].reason


def test_flags_are_listed_strongest_first(studio, answer):
    answer(studio.client, fever=True, takes_blood_thinners=True, pain_areas=[{"region": "neck", "intensity": 9}],
           recent_injury_or_surgery=True, injury_region="arm")
    assert [flag.tier for flag in flags_for(studio.client)] == ["do_not_treat", "needs_clearance", "avoid_area",
                                                                "adapt"]


def test_only_the_latest_version_counts(studio, answer):
    answer(studio.client, fever=True)
    answer(studio.client, fever=False)
    assert flags_for(studio.client) == []


def test_regions_points_and_techniques_come_with_the_flag(studio, answer):
    answer(studio.client, recent_injury_or_surgery=True, injury_region="leg", pregnant=True, pregnancy_trimester=1,
           pain_areas=[{"region": "neck", "intensity": 8}, {"region": "foot", "intensity": 2}])
    by_rule = {flag.rule: flag for flag in flags_for(studio.client)}
    assert by_rule[INJURY].regions == ("leg",)
    assert by_rule[PAIN].regions == ("neck",)  # only the pain at or above the threshold
    assert by_rule[PREGNANCY_POINTS].point_codes == ("BL60", "GB21", "LI4")
    assert set(by_rule[PREGNANCY_POSITION].technique_ids) == set(
        Technique.objects.filter(slug__in=["tapotement", "tapping"]).values_list("pk", flat=True))


def test_an_inactive_rule_raises_nothing(studio, answer):
    ContraindicationRule.objects.filter(name=FEVER).update(active=False)
    answer(studio.client, fever=True)
    assert flags_for(studio.client) == []


def test_a_rule_affects_the_services_it_lists_or_every_one(studio, answer):
    answer(studio.client, fever=True)
    (flag,) = flags_for(studio.client)
    assert flag.affects(studio.service.pk) and flag.affects(999)
    rule(FEVER).services.add(studio.service)
    (flag,) = flags_for(studio.client)
    assert flag.affects(studio.service.pk) and not flag.affects(studio.service.pk + 1)


def test_a_clearance_lifts_its_rule_until_its_last_day_inclusive(studio, answer):
    answer(studio.client, pain_areas=[{"region": "neck", "intensity": 8}])
    issued, last = date(2026, 12, 1), date(2026, 12, 10)
    ClearanceFactory(client=studio.client, rule=rule(PAIN), issued_on=issued, valid_until=last)
    assert flags_for(studio.client, on=last)[0].cleared_until == last
    assert flags_for(studio.client, on=issued)[0].cleared_until == last
    assert flags_for(studio.client, on=last + timedelta(days=1))[0].cleared_until is None
    assert flags_for(studio.client, on=issued - timedelta(days=1))[0].cleared_until is None


def test_a_clearance_lifts_only_its_own_rule_and_client(studio, answer):
    answer(studio.client, fever=True, pain_areas=[{"region": "neck", "intensity": 8}])
    answer(studio.other_client, pain_areas=[{"region": "neck", "intensity": 8}])
    ClearanceFactory(client=studio.client, rule=rule(PAIN))
    flags = flags_for_clients([studio.client.pk, studio.other_client.pk])
    assert {flag.rule: flag.cleared for flag in flags[studio.client.pk]} == {FEVER: False, PAIN: True}
    assert [flag.cleared for flag in flags[studio.other_client.pk]] == [False]


def test_the_default_day_is_today_on_the_clinic_s_clocks(studio, answer):
    answer(studio.client, fever=True)
    ClearanceFactory(client=studio.client, rule=rule(FEVER), issued_on=date.today() - timedelta(days=3),
                     valid_until=date.today() + timedelta(days=3))
    assert flags_for(studio.client)[0].cleared


def _queries(client_ids) -> int:
    with CaptureQueriesContext(connection) as captured:
        flags_for_clients(client_ids)
    return len(captured)


def test_flags_for_many_clients_cost_the_same_queries_whatever_the_rules_and_clients(studio, answer):
    answer(studio.client, fever=True)
    one = _queries([studio.client.pk])
    assert one == 6  # intakes, rules, their services, techniques, points, clearances
    points, techniques = list(AcupressurePoint.objects.all()), list(Technique.objects.all())
    for number in range(15):
        extra = RuleFactory(tier="adapt")
        extra.points.set(points)
        extra.techniques.set(techniques)
        extra.services.add(studio.service)
    clients = [ClientFactory() for _ in range(25)]
    for client in clients:
        IntakeFactory(client=client, fever=True)
        IntakeFactory(client=client, version=2, fever=True)
        ClearanceFactory(client=client, rule=rule(FEVER))
    many = [studio.client.pk, *(client.pk for client in clients)]
    assert _queries(many) == one
    flags = flags_for_clients(many)
    assert all(len(flags[client.pk]) == 16 for client in clients)


def test_without_any_intake_flags_cost_one_query(studio):
    assert _queries([studio.client.pk, studio.other_client.pk]) == 1


def test_reading_flags_through_the_selector_logs_nothing(studio, answer):
    """The selector is the plain read; the audited one is the service's
    ``read_flags`` (tested with the API and panel)."""
    answer(studio.client, fever=True)
    before = RecordAccess.objects.count()
    flags_for(studio.client)
    assert RecordAccess.objects.count() == before
