from __future__ import annotations

import csv
import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from xiezuo.registry import generator
from xiezuo.registry.importing import TEMPLATE_COLUMNS
from xiezuo.registry.services import poverty_lines_load


@pytest.fixture
def lines(regions: None) -> None:
    poverty_lines_load(actor=None)


@pytest.fixture
def generated_rows(lines: None) -> list[dict[str, str]]:
    """About 60 people of 沿河 in the template layout, deterministic."""
    counties = [c for c in generator.target_counties(["52"]) if c.code == "520627"]
    return list(
        generator.generate_rows(
            people=60, counties=counties, seed=7, today=datetime.date(2020, 12, 31)
        )
    )


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    def write(
        rows: list[dict[str, Any]],
        *,
        name: str = "registry.csv",
        encoding: str = "utf-8",
        columns: list[str] | None = None,
    ) -> Path:
        path = tmp_path / name
        with path.open("w", encoding=encoding, newline="") as handle:
            writer = csv.DictWriter(
                handle, fieldnames=columns or TEMPLATE_COLUMNS, extrasaction="ignore"
            )
            writer.writeheader()
            writer.writerows(rows)
        return path

    return write
