from django.db import migrations


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    # The shared skill list ships with the code (skills.SKILLS); later changes go through
    # services.skills_sync.
    from xiezuo.labour.skills import SKILLS

    Skill = apps.get_model("labour", "Skill")
    for s in SKILLS:
        Skill.objects.update_or_create(
            code=s.code, defaults={"name": s.name, "occupation": s.occupation}
        )


class Migration(migrations.Migration):
    dependencies = [("labour", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
