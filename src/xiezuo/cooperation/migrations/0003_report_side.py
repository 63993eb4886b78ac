from django.db import migrations, models


def set_sides(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Reports made before the field: the reporter inside the eastern side is the east."""
    Report = apps.get_model("cooperation", "Report")
    for report in Report.objects.select_related("pairing").iterator():
        east = report.pairing.east_region_id or ""
        if east:
            pfx = east[:2] if east[2:] == "0000" else east[:4] if east[4:] == "00" else east
        inside = bool(east) and report.reporter_id.startswith(pfx)
        Report.objects.filter(pk=report.pk).update(side="east" if inside else "west")


class Migration(migrations.Migration):
    dependencies = [
        ("cooperation", "0002_beneficiary"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="side",
            field=models.CharField(
                choices=[("east", "帮扶方"), ("west", "受帮扶方")],
                default="east",
                max_length=4,
                verbose_name="side",
            ),
        ),
        migrations.RunPython(set_sides, migrations.RunPython.noop),
    ]
