from django.db import migrations


def unlogged(apps, schema_editor):  # type: ignore[no-untyped-def]
    # Staged rows live only until their batch is committed or dropped: on PostgreSQL they need
    # no write-ahead log, which roughly halves the cost of the bulk COPY into them.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE registry_stagedmember SET UNLOGGED")


def logged(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE registry_stagedmember SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(unlogged, logged)]
