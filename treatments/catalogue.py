"""The clinic's starting catalogue: services, techniques, acupressure points
and home-care routines, in the clinic's own words.

``load_catalogue`` writes it idempotently (matched by slug or code), so the
data migration and the demo command can both call it and a re-run changes
nothing. Staff edit the catalogue in the staff panel afterwards.
"""

from __future__ import annotations

from decimal import Decimal

SAFETY_NOTE = (
    "Stop at once if a movement brings sharp, shooting or spreading pain. "
    "If your back pain is strong, keeps getting worse, follows a fall or an "
    "injury, or comes with numbness, weakness or fever, see a doctor before "
    "you continue: these routines ease everyday stiffness and do not replace "
    "a diagnosis."
)

SERVICES = [
    {
        "slug": "back-massage-30",
        "name": "Back massage",
        "category": "back_massage",
        "duration_minutes": 30,
        "buffer_minutes": 10,
        "price": Decimal("1200.00"),
        "position": 10,
        "description": (
            "A focused half hour on the upper and lower back. Long warming strokes "
            "prepare the muscles, then kneading and circular work loosen the knots "
            "that desk work and long drives leave behind."
        ),
        "contraindications": (
            "Not over a recent injury, fracture, burn, rash or open wound; not with a "
            "fever or an infection; ask your doctor first after recent surgery, with a "
            "history of blood clots, or with osteoporosis."
        ),
    },
    {
        "slug": "back-massage-60",
        "name": "Back massage",
        "category": "back_massage",
        "duration_minutes": 60,
        "buffer_minutes": 15,
        "price": Decimal("2000.00"),
        "position": 20,
        "description": (
            "A full hour for the whole back, shoulders and neck: warming strokes, "
            "kneading, friction on stubborn spots, light percussion to finish and "
            "steady pressure along both sides of the spine."
        ),
        "contraindications": (
            "Not over a recent injury, fracture, burn, rash or open wound; not with a "
            "fever or an infection; ask your doctor first after recent surgery, with a "
            "history of blood clots, or with osteoporosis."
        ),
    },
    {
        "slug": "neck-back-acupressure-45",
        "name": "Neck & back acupressure",
        "category": "acupressure",
        "duration_minutes": 45,
        "buffer_minutes": 15,
        "price": Decimal("1800.00"),
        "position": 30,
        "description": (
            "Firm, held pressure on points of the neck, shoulders and back with the "
            "thumbs, fingers, palms or knuckles, combined with gentle stretches. Good "
            "for a stiff neck, tension headaches and an aching lower back."
        ),
        "contraindications": (
            "Tell your therapist if you are pregnant: several points are avoided then. "
            "Not over broken skin, varicose veins or a recent injury; ask your doctor "
            "first if you take blood thinners."
        ),
    },
    {
        "slug": "foot-reflexology-60",
        "name": "Foot reflexology",
        "category": "reflexology",
        "duration_minutes": 60,
        "buffer_minutes": 15,
        "price": Decimal("1600.00"),
        "position": 40,
        "description": (
            "An hour of pressure work on the soles, heels and toes, with a warm foot "
            "soak to begin. Deeply relaxing after a long day on your feet."
        ),
        "contraindications": (
            "Not with a foot infection, an open wound, a recent sprain or fracture of "
            "the foot or ankle, or gout in a flare; ask your doctor first with a history "
            "of blood clots or with diabetic foot problems."
        ),
    },
    {
        "slug": "foot-reflexology-30",
        "name": "Foot reflexology",
        "category": "reflexology",
        "duration_minutes": 30,
        "buffer_minutes": 10,
        "price": Decimal("900.00"),
        "position": 50,
        "description": "A shorter reflexology session for both feet, for when time is tight.",
        "contraindications": (
            "Not with a foot infection, an open wound, a recent sprain or fracture of "
            "the foot or ankle, or gout in a flare."
        ),
    },
]

TECHNIQUES = [
    {
        "slug": "effleurage",
        "name": "Effleurage",
        "applied_with": "Flat palms and fingers",
        "description": "Slow, gliding strokes along the back that warm the tissue and settle the client at the start and end of a session.",
        "typical_minutes_min": 3,
        "typical_minutes_max": 5,
    },
    {
        "slug": "kneading",
        "name": "Kneading",
        "applied_with": "Palm or heel of the hand",
        "description": "Circular squeezing of the muscles with moderate pressure, from the upper back down, to loosen tension and help circulation.",
        "typical_minutes_min": 3,
        "typical_minutes_max": 5,
    },
    {
        "slug": "friction",
        "name": "Friction",
        "applied_with": "Thumbs or fingertips",
        "description": "Small, deep circles on one spot to work through a knot or a tight band of muscle.",
        "typical_minutes_min": 2,
        "typical_minutes_max": 4,
    },
    {
        "slug": "tapotement",
        "name": "Tapotement",
        "applied_with": "Edges of the hands, cupped hands or fingertips",
        "description": "Quick rhythmic percussion that wakes up the muscles, usually near the end of a session.",
        "typical_minutes_min": 1,
        "typical_minutes_max": 2,
    },
    {
        "slug": "compression",
        "name": "Compression",
        "applied_with": "Palms or thumbs",
        "description": "Steady pressure on chosen points either side of the spine, held and released, to ease tension.",
        "typical_minutes_min": 2,
        "typical_minutes_max": 3,
    },
    {
        "slug": "pushing",
        "name": "Pushing",
        "applied_with": "Heels of the palms or straight fingers",
        "description": "Even strokes that push outwards along the muscle fibres, from beside the spine and from the shoulders down towards the waist.",
        "typical_minutes_min": 2,
        "typical_minutes_max": 3,
    },
    {
        "slug": "pinching",
        "name": "Pinching",
        "applied_with": "Thumb against the index and middle fingers",
        "description": "Gentle rhythmic lifting of the muscle, three to five times at each spot, working down both sides of the spine; good for desk workers.",
        "typical_minutes_min": 2,
        "typical_minutes_max": 3,
    },
    {
        "slug": "tapping",
        "name": "Tapping",
        "applied_with": "Palm side or back of loose fists",
        "description": "Light, fairly fast tapping from the upper back downwards that relieves tired muscles.",
        "typical_minutes_min": 1,
        "typical_minutes_max": 2,
    },
    {
        "slug": "rolling",
        "name": "Rolling",
        "applied_with": "Little-finger side of a loose fist",
        "description": "The fist rolls back and forth across the back as the wrist bends and the forearm turns, relaxing the deeper layers.",
        "typical_minutes_min": 2,
        "typical_minutes_max": 3,
    },
    {
        "slug": "stretching",
        "name": "Stretching",
        "applied_with": "Therapist guides the client's limbs and neck",
        "description": "Slow assisted stretches between pressure work to open the neck, shoulders and back and improve range of movement.",
        "typical_minutes_min": 2,
        "typical_minutes_max": 5,
    },
]

POINTS = [
    ("GB20", "Fengchi (Wind Pool)", "GB", "neck",
     "In the hollow just below the base of the skull, between the two long neck muscles, on each side.",
     "Stiff neck, tension headache and eye strain."),
    ("GB21", "Jianjing (Shoulder Well)", "GB", "shoulder",
     "On the top of the shoulder, halfway between the base of the neck and the point of the shoulder.",
     "Shoulder and neck tension. Avoided during pregnancy."),
    ("BL10", "Tianzhu (Celestial Pillar)", "BL", "neck",
     "Just under the base of the skull, about a thumb's width out from the midline, on the outer edge of the thick neck muscle.",
     "A heavy head, stiff neck and headaches at the back of the head."),
    ("GV14", "Dazhui (Great Vertebra)", "GV", "neck",
     "On the midline, just below the most prominent bone at the base of the neck.",
     "Stiffness where the neck meets the upper back."),
    ("SI11", "Tianzong (Heavenly Gathering)", "SI", "upper_back",
     "In the hollow in the middle of the shoulder blade.",
     "Ache across the shoulder blade and upper back."),
    ("BL23", "Shenshu (Kidney Shu)", "BL", "lower_back",
     "About two finger widths either side of the spine at waist level.",
     "Lower back ache and tiredness."),
    ("BL25", "Dachangshu (Large Intestine Shu)", "BL", "lower_back",
     "About two finger widths either side of the spine, level with the tops of the hip bones.",
     "Lower back pain, including pain that spreads towards the buttock."),
    ("GV4", "Mingmen (Gate of Life)", "GV", "lower_back",
     "On the midline of the lower back, between the bones level with the waist.",
     "Lower back stiffness and a weak, tired feeling in the back."),
    ("BL40", "Weizhong (Middle of the Crook)", "BL", "leg",
     "In the middle of the crease behind the knee.",
     "Lower back pain, worked from a distance. Not pressed over varicose veins."),
    ("BL60", "Kunlun (Kunlun Mountains)", "BL", "foot",
     "In the hollow between the outer ankle bone and the Achilles tendon.",
     "Back pain and heel pain. Avoided during pregnancy."),
    ("SI3", "Houxi (Back Stream)", "SI", "hand",
     "On the outer edge of the hand, at the end of the crease below the little finger when a loose fist is made.",
     "A neck that has just locked or stiffened."),
    ("LI4", "Hegu (Union Valley)", "LI", "hand",
     "On the back of the hand, on the high point of the muscle between the thumb and the index finger.",
     "Headache and general pain relief. Avoided during pregnancy."),
    ("KI1", "Yongquan (Gushing Spring)", "KI", "foot",
     "On the sole, in the dip that appears in the front third of the foot when the toes curl.",
     "Calming and grounding at the end of a reflexology session."),
    ("LR3", "Taichong (Great Surge)", "LR", "foot",
     "On the top of the foot, in the hollow where the bones of the big toe and second toe meet.",
     "Stress, irritability and tension headaches."),
]

ROUTINES = [
    {
        "slug": "hands-upper-back-points",
        "name": "Pressure points with your hands",
        "equipment": "hands",
        "best_for": "Upper back tightness",
        "times_per_day": 5,
        "steps": [
            ("Sit or lie down in a position you can stay in comfortably.", None, None),
            ("Feel for the tender spot or pressure point on your upper back.", None, None),
            ("Press firmly on it with your index finger, holding still or making small circles.", 10, None),
            ("Keep the pressure on for a minute, let go, and do it again three or four times.", 60, 3),
        ],
    },
    {
        "slug": "massage-balls-lower-back",
        "name": "Lower back release with two massage balls",
        "equipment": "massage_balls",
        "best_for": "Lower back pain",
        "times_per_day": 1,
        "steps": [
            ("Put two massage balls (tennis or lacrosse balls also work) on the floor.", None, None),
            ("Lie on your back so that one ball sits either side of your spine at the lower back.", None, None),
            ("Stretch both arms out with your fingers spread.", None, None),
            ("Take one arm back over your head while the other stays straight.", None, None),
            ("Hold for a few seconds, then bring the arm back to where it started.", 3, None),
            ("Do the same with the other arm.", 3, None),
        ],
    },
    {
        "slug": "foam-roller-mid-upper-back",
        "name": "Mid and upper back rolling on a foam roller",
        "equipment": "foam_roller",
        "best_for": "Knots, cramps and tension between the shoulder blades",
        "times_per_day": 1,
        "steps": [
            ("Lie on your back in a comfortable position.", None, None),
            ("Set the roller across your upper back, a little below the shoulder blades.", None, None),
            ("Bend your knees and press your feet firmly into the floor.", None, None),
            ("Lace your fingers together behind the base of your head.", None, None),
            ("Lift your hips so the roller travels up towards your shoulders.", None, None),
            ("Lower your hips until the roller is back at the middle of your back; go up and down five times.", None, 5),
            ("On a tender spot, make small circles over it to keep pressure there.", 20, None),
        ],
    },
]


def _known_fields(model, fields: dict) -> dict:
    """The entries the model (as of the calling migration) has a field for,
    so an early migration still runs after the catalogue grows new keys."""
    names = {field.name for field in model._meta.get_fields()}
    return {key: value for key, value in fields.items() if key in names and key != "slug"}


def load_catalogue(apps) -> None:
    """Create or update the catalogue rows; ``apps`` is a migration's registry
    or ``django.apps.apps``."""
    Service = apps.get_model("treatments", "Service")
    Technique = apps.get_model("treatments", "Technique")
    AcupressurePoint = apps.get_model("treatments", "AcupressurePoint")
    HomeCareRoutine = apps.get_model("treatments", "HomeCareRoutine")
    HomeCareStep = apps.get_model("treatments", "HomeCareStep")

    for fields in SERVICES:
        Service.objects.update_or_create(slug=fields["slug"], defaults=_known_fields(Service, fields))
    for fields in TECHNIQUES:
        Technique.objects.update_or_create(slug=fields["slug"], defaults=_known_fields(Technique, fields))
    for code, name, meridian, region, where, used_for in POINTS:
        AcupressurePoint.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "meridian": meridian,
                "body_region": region,
                "location_description": where,
                "used_for": used_for,
            },
        )
    for fields in ROUTINES:
        routine, _ = HomeCareRoutine.objects.update_or_create(
            slug=fields["slug"],
            defaults={
                "name": fields["name"],
                "equipment": fields["equipment"],
                "best_for": fields["best_for"],
                "times_per_day": fields["times_per_day"],
                "safety_note": SAFETY_NOTE,
            },
        )
        routine.steps.all().delete()
        HomeCareStep.objects.bulk_create(
            HomeCareStep(routine=routine, position=position, instruction=text, hold_seconds=hold, repetitions=reps)
            for position, (text, hold, reps) in enumerate(fields["steps"], start=1)
        )
