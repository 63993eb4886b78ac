from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection


@pytest.mark.django_db
def test_a_new_sqlite_database_file_has_16_kb_pages_and_wal(tmp_path: Path) -> None:
    """The bulk import's commit time depends on it (README figures): the page size has to be
    set before SQLite writes the file's header, which journal_mode=WAL does."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    from django.db.backends.sqlite3.base import DatabaseWrapper

    probe = DatabaseWrapper(
        {**connection.settings_dict, "NAME": str(tmp_path / "new.sqlite3")}, alias="probe"
    )
    try:
        with probe.cursor() as cursor:
            cursor.execute("CREATE TABLE t (x integer)")
            cursor.execute("PRAGMA page_size")
            assert cursor.fetchone()[0] == 16384
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
    finally:
        probe.close()
