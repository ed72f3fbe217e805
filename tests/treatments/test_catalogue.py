import pytest
from django.apps import apps
from django.db import IntegrityError, transaction

from treatments.catalogue import load_catalogue
from treatments.models import (
    AcupressurePoint,
    BodyRegion,
    HomeCareRoutine,
    HomeCareStep,
    Service,
    ServiceCategory,
    Technique,
)
from tests.treatments.factories import ServiceFactory

pytestmark = pytest.mark.django_db


def test_every_service_category_is_offered():
    offered = set(Service.objects.active().values_list("category", flat=True))
    assert offered == set(ServiceCategory.values)


@pytest.mark.parametrize(
    ("category", "minutes"),
    [("back_massage", 30), ("back_massage", 60), ("acupressure", 45), ("reflexology", 60)],
)
def test_the_core_treatments_are_in_the_catalogue(category, minutes):
    service = Service.objects.get(category=category, duration_minutes=minutes)
    assert service.active
    assert service.price > 0
    assert service.description
    assert service.contraindications


def test_the_techniques_of_the_house_are_described():
    names = set(Technique.objects.values_list("slug", flat=True))
    assert {
        "effleurage", "kneading", "friction", "tapotement", "compression",
        "pushing", "pinching", "tapping", "rolling", "stretching",
    } <= names
    for technique in Technique.objects.all():
        assert technique.description and technique.applied_with
        assert 0 < technique.typical_minutes_min <= technique.typical_minutes_max


def test_neck_and_back_points_are_there():
    codes = set(AcupressurePoint.objects.values_list("code", flat=True))
    assert {"GB20", "GB21", "BL23", "BL10", "GV14"} <= codes
    regions = set(AcupressurePoint.objects.values_list("body_region", flat=True))
    assert {BodyRegion.NECK, BodyRegion.UPPER_BACK, BodyRegion.LOWER_BACK} <= regions
    gb20 = AcupressurePoint.objects.get(code="GB20")
    assert gb20.meridian == "GB" and gb20.location_description and gb20.used_for


def test_three_home_care_routines_with_ordered_steps_and_a_safety_note():
    routines = HomeCareRoutine.objects.prefetch_related("steps")
    assert {r.equipment for r in routines} == {"hands", "massage_balls", "foam_roller"}
    for routine in routines:
        positions = [step.position for step in routine.steps.all()]
        assert positions == list(range(1, len(positions) + 1)), routine
        assert len(positions) >= 4
        assert routine.times_per_day >= 1
        assert "doctor" in routine.safety_note


def test_home_care_timings_are_data():
    hands = HomeCareRoutine.objects.get(equipment="hands")
    assert hands.times_per_day == 5
    assert hands.steps.filter(hold_seconds=10).exists()
    roller = HomeCareRoutine.objects.get(equipment="foam_roller")
    assert roller.steps.filter(repetitions=5).exists()
    assert roller.steps.filter(hold_seconds=20).exists()


def test_loading_the_catalogue_again_changes_nothing():
    def snapshot():
        return (
            list(Service.objects.values_list("slug", "price", "duration_minutes")),
            list(Technique.objects.values_list("slug", "description")),
            list(AcupressurePoint.objects.values_list("code", "name")),
            list(HomeCareStep.objects.values_list("routine__slug", "position", "instruction")),
        )

    before = snapshot()
    load_catalogue(apps)
    assert snapshot() == before


def refused(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_database_refuses_a_negative_price_or_a_zero_length():
    refused(lambda: ServiceFactory(price=-1))
    refused(lambda: ServiceFactory(duration_minutes=0))


def test_database_refuses_an_unknown_category():
    refused(lambda: ServiceFactory(category="hot_stones"))


def test_database_refuses_a_duplicate_service_slug_or_name_and_length():
    refused(lambda: ServiceFactory(slug="back-massage-30"))
    refused(lambda: ServiceFactory(name="Back massage", duration_minutes=30))


def test_database_refuses_two_steps_at_one_position():
    routine = HomeCareRoutine.objects.first()
    refused(lambda: HomeCareStep.objects.create(routine=routine, position=1, instruction="again"))


def test_database_refuses_typical_minutes_out_of_order():
    refused(
        lambda: Technique.objects.create(
            name="Odd", slug="odd", description="x", applied_with="x", typical_minutes_min=5, typical_minutes_max=2
        )
    )
