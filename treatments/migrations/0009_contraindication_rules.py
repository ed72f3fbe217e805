"""The clinic's starting contraindication rules, in its own words. Managers
change them in the staff panel afterwards; this adds a rule only where no
rule of that name exists, and links only the points, techniques and services
the catalogue holds."""

from django.db import migrations

RULES = [
    {
        "name": "Pregnancy: points to leave alone",
        "answer": "pregnant",
        "tier": "avoid_area",
        "advice": "Do not press LI4, SP6, GB21 or BL60 at any stage of a pregnancy. Work around them with light "
                  "strokes only.",
        "points": ["LI4", "SP6", "GB21", "BL60"],
    },
    {
        "name": "Pregnancy: position and pressure",
        "answer": "pregnant",
        "tier": "adapt",
        "advice": "Treat side-lying or seated with cushions, never face down once the bump shows. Keep pressure "
                  "light to medium and stop if she feels dizzy or short of breath.",
        "techniques": ["tapotement", "tapping"],
    },
    {
        "name": "Blood thinners: lighter pressure",
        "answer": "blood_thinners",
        "tier": "adapt",
        "advice": "Bruises come easily: keep pressure light, leave out deep friction, tapping and long "
                  "compressions, and check the skin afterwards.",
        "techniques": ["friction", "tapotement", "compression", "tapping"],
    },
    {
        "name": "Recent injury or surgery: keep off the area",
        "answer": "recent_injury",
        "tier": "avoid_area",
        "affects_injury_area": True,
        "advice": "Leave the injured or operated area alone until it has healed; ask how it feels now and "
                  "work only around it.",
    },
    {
        "name": "Fever: no treatment today",
        "answer": "fever",
        "tier": "do_not_treat",
        "advice": "Do not treat a client with a fever. Offer a new time once they have been well for a couple "
                  "of days.",
    },
    {
        "name": "Skin condition or infection: no treatment",
        "answer": "skin",
        "tier": "do_not_treat",
        "advice": "Do not treat while a rash, wound or skin infection is active; it can spread and hands and "
                  "oils irritate it. Offer a new time once it has cleared.",
    },
    {
        "name": "Significant pain: a doctor first",
        "answer": "pain",
        "min_intensity": 7,
        "tier": "needs_clearance",
        "advice": "Strong pain needs a diagnosis before massage or acupressure. Ask the client to see a doctor "
                  "and bring a clearance; record it before the session.",
    },
    {
        "name": "Osteoporosis: gentle pressure",
        "answer": "condition",
        "keyword": "osteoporosis",
        "tier": "adapt",
        "advice": "Bones may break under force: gentle pressure only, no tapping, no strong compression over "
                  "the spine or ribs.",
        "techniques": ["tapotement", "compression", "tapping"],
    },
    {
        "name": "Blood clot: a doctor's clearance",
        "answer": "condition",
        "keyword": "blood clot",
        "tier": "needs_clearance",
        "advice": "Massage could loosen a clot. Treat only with a doctor's written clearance, and never over "
                  "the affected limb.",
    },
    {
        "name": "Thrombosis: a doctor's clearance",
        "answer": "condition",
        "keyword": "thrombosis",
        "tier": "needs_clearance",
        "advice": "Massage could loosen a clot. Treat only with a doctor's written clearance, and never over "
                  "the affected limb.",
    },
]


def load_rules(apps, schema_editor):
    Rule = apps.get_model("treatments", "ContraindicationRule")
    Point = apps.get_model("treatments", "AcupressurePoint")
    Technique = apps.get_model("treatments", "Technique")
    for entry in RULES:
        fields = {key: value for key, value in entry.items() if key not in ("name", "points", "techniques")}
        rule, created = Rule.objects.get_or_create(name=entry["name"], defaults=fields)
        if not created:
            continue
        rule.points.set(Point.objects.filter(code__in=entry.get("points", [])))
        rule.techniques.set(Technique.objects.filter(slug__in=entry.get("techniques", [])))


def remove_rules(apps, schema_editor):
    Rule = apps.get_model("treatments", "ContraindicationRule")
    Rule.objects.filter(name__in=[entry["name"] for entry in RULES], clearances__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("treatments", "0008_records")]

    operations = [migrations.RunPython(load_rules, remove_rules)]
