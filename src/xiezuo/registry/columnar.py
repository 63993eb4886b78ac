"""The registry check a column at a time: the fast path of every registry import.

`RowParser` (importing.py) is the rule book: it checks one row and says what is wrong in words a
village clerk can act on. Run a million times it is too slow, so this module applies the same
rules to a chunk of rows at once, with Arrow's compute kernels:

* a coded column (relation, cause, yes/no, a year …) holds few distinct values, so RowParser's
  own check runs once per distinct value and the outcome is spread back over the rows — the
  rules are not written twice;
* a column of free text (names, household numbers) is trimmed and checked in one kernel call;
* ID numbers get GB 11643's check digit and birth date computed over the whole column.

A row that any of this finds doubtful — a bad value, full-width characters, a disability-card
number, a lower-case x — is handed to RowParser whole, which either accepts it (the same values)
or names the problem. The fast path therefore never has to produce a message, and it may be
stricter than RowParser but never looser: tests check the two agree row for row.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as pcsv

from xiezuo.core import crypto
from xiezuo.imports.readers import STRIP, TOTAL_MARKERS, Table, clean_cell, clean_text
from xiezuo.registry import idnumbers

# The checked values of one member row, as staged between check and commit. Phone numbers stay
# in clear here (the uploaded file beside them holds them in clear too): they belong to the
# household, and are encrypted once per household at commit.
SCHEMA = pa.schema(
    [
        ("row", pa.int64()),
        ("household_number", pa.string()),
        ("village_id", pa.string()),
        # Which rule of regions.villages found the village (code, household_number, old_code,
        # name, former_name, stem): kept with the row, shown in the preview.
        ("village_rule", pa.string()),
        ("natural_village", pa.string()),
        ("household_type", pa.string()),
        ("standard", pa.string()),
        ("main_cause", pa.string()),
        ("secondary_causes", pa.string()),
        ("status", pa.string()),
        ("exit_year", pa.int32()),
        ("identified_year", pa.int32()),
        ("size", pa.int32()),
        ("income", pa.string()),
        ("income_year", pa.int32()),
        ("wages", pa.string()),
        ("business", pa.string()),
        ("property_income", pa.string()),
        ("transfers", pa.string()),
        ("production_costs", pa.string()),
        ("food_clothing_secure", pa.bool_()),
        ("dangerous_house", pa.bool_()),
        ("water_secure", pa.bool_()),
        ("water_difficulty", pa.bool_()),
        ("phone", pa.string()),
        ("helper_name", pa.string()),
        ("helper_unit", pa.string()),
        ("helper_phone", pa.string()),
        ("person_number", pa.string()),
        ("name", pa.string()),
        ("id_kind", pa.string()),
        ("id_hash", pa.string()),
        ("id_enc", pa.string()),
        ("id_masked", pa.string()),
        ("sex", pa.string()),
        ("birth_date", pa.date32()),
        ("relation", pa.string()),
        ("ethnicity", pa.string()),
        ("education", pa.string()),
        ("school_status", pa.string()),
        ("health", pa.string()),
        ("labour_skill", pa.string()),
        ("migrant_status", pa.string()),
        ("migrant_months", pa.int32()),
        ("medical_insurance", pa.bool_()),
        ("school_age_out", pa.bool_()),
    ]
)
FIELDS = SCHEMA.names

# Free text: trimmed, cut to the model's length; anything Unicode normalisation would change goes
# to RowParser. (Required ones are refused when empty by the same route.)
TEXT = {
    "household_number": None,
    "name": 50,
    "person_number": 30,
    "natural_village": 100,
    "helper_name": 50,
    "helper_unit": 100,
}
INCOME_SOURCES = ("wages", "business", "property_income", "transfers", "production_costs")
_WEIGHT_VECTOR = np.array(idnumbers.WEIGHTS, dtype=np.int64)
_CHECK_BYTES = np.frombuffer(idnumbers.CHECK_CHARS.encode(), dtype=np.uint8)
_PROVINCES = np.isin(np.arange(100), [int(code) for code in idnumbers.PROVINCE_CODES])
_MONTH_DAYS = np.array((0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31), dtype=np.int64)
_ID_SHAPE = "^[0-9]{17}[0-9X]$"
CSV_BLOCK_BYTES = 4 << 20  # what Arrow's CSV reader reads at a time: one chunk of the check
# Plain amounts only ("-0.5", "007" or "1e3" go to RowParser, whose Decimal reads them).
_AMOUNT_SHAPE = r"^(0|[1-9][0-9]{0,7}|-[1-9][0-9]{0,5})(\.[0-9]{1,2})?$"
_PHONE_SHAPE = "^[0-9-]+$"


@dataclass
class Chunk:
    """Some rows of the file: their numbers as the user sees them, each mapped column's raw text,
    and a way back to a row's original cells for RowParser."""

    rows: pa.Array
    columns: dict[str, pa.Array]
    cells: Callable[[int], list[Any]]
    expected: int  # rows in the whole file, as far as known: for the progress bar


# The columns that need the keys: filled by `seal`, possibly in another process.
SEALED = ("id_hash", "id_enc")


@dataclass
class Checked:
    columns: dict[str, pa.Array]  # the rows that passed: SCHEMA but for SEALED
    ids: pa.Array  # their ID numbers, for `protect`
    doubtful: list[int]  # positions in the chunk for RowParser

    def seal(self, protected: tuple[pa.Array, pa.Array]) -> pa.Table:
        self.columns["id_hash"], self.columns["id_enc"] = protected
        return pa.table([self.columns[f] for f in FIELDS], schema=SCHEMA)


class ColumnChecker:
    """Checks chunks with the rules of `parser` (a RowParser for the same columns and user)."""

    def __init__(self, parser: Any) -> None:
        self.parser = parser
        self.present = set(parser.index)
        self.today: datetime.date = parser.today
        # Outcomes of RowParser's per-value checks, kept across chunks: the distinct values of
        # a coded column are the same few in every chunk.
        self._memo: dict[tuple[str, str], Any] = {}

    # -- per distinct value ------------------------------------------------------------------

    def _mapped(
        self, column: pa.Array, key: str, check: Callable[[str], Any], kind: pa.DataType
    ) -> tuple[pa.Array, pa.Array]:
        """(values, ok) of `check` over the column, run once per distinct raw value; a RowError
        (or any refusal) leaves the value null and ok false."""
        encoded = pc.dictionary_encode(column)
        values: list[Any] = []
        oks: list[bool] = []
        for raw in encoded.dictionary.to_pylist():
            memo_key = (key, raw)
            found = self._memo.get(memo_key, _MISSING)
            if found is _MISSING:
                try:
                    found = (check(clean_cell(raw)), True)
                except Exception:
                    found = (None, False)
                self._memo[memo_key] = found
            values.append(found[0])
            oks.append(found[1])
        indices = encoded.indices
        return (
            pc.take(pa.array(values, type=kind), indices),
            pc.take(pa.array(oks, type=pa.bool_()), indices),
        )

    def _coded(
        self, chunk: Chunk, field: str, check: Callable[[dict[str, str]], Any], kind: pa.DataType
    ) -> tuple[pa.Array | pa.Scalar, pa.Array | bool]:
        """A coded field by RowParser's own check, or its value for an absent column."""
        if field not in self.present:
            return pa.scalar(check({}), type=kind), True
        return self._mapped(chunk.columns[field], field, lambda t: check({field: t}), kind)

    # -- the chunk ---------------------------------------------------------------------------

    def check(self, chunk: Chunk) -> Checked:
        p = self.parser
        n = len(chunk.rows)
        ok = pa.array([True] * n)
        out: dict[str, Any] = {"row": chunk.rows}

        def need(good: Any) -> None:
            nonlocal ok
            if good is not True:
                ok = pc.and_(ok, pc.fill_null(good, False))

        for field, limit in TEXT.items():
            value, good = self._text(chunk, field, limit)
            out[field] = value
            need(good)
        for field in ("household_number", "name"):
            need(pc.greater(pc.utf8_length(out[field]), 0))
        need(pc.less_equal(pc.utf8_length(out["household_number"]), 30))

        village, rule, good = self._village(chunk)
        out["village_id"] = village
        out["village_rule"] = rule
        need(good)

        for field, check in p.coded.items():
            value, good = self._coded(chunk, field, check, SCHEMA.field(field).type)
            out[field] = value
            need(good)
        if "exit_year" in self.present:
            # An exited household must say when (RowParser words it).
            need(pc.or_(pc.not_equal(out["status"], "exited"), pc.is_valid(out["exit_year"])))
        if "id_kind" in self.present:
            # A disability-card number is allowed only where the row says so: RowParser decides.
            kinds = pc.utf8_trim(chunk.columns["id_kind"], characters=STRIP)
            need(pc.not_equal(kinds, "残疾人证"))

        for field in ("phone", "helper_phone"):
            value, good = self._phone(chunk, field)
            out[field] = value
            need(good)
        income, good = self._amount(chunk, "income", -100000, 1000000)
        out["income"] = income
        need(good)
        given = None
        for field in INCOME_SOURCES:
            value, good = self._amount(chunk, field, 0, 10000000)
            out[field] = value
            need(good)
            if field in self.present:
                valid = pc.is_valid(value)
                given = valid if given is None else pc.or_(given, valid)
        income_year = out["income_year"]
        if given is not None:
            # Amounts by source need their year (RowParser words it).
            if isinstance(income_year, pa.Scalar):
                income_year = pa.repeat(income_year, n)
            need(pc.or_(pc.invert(given), pc.is_valid(income_year)))

        ids, birth, sex, good = self._ids(chunk)
        need(good)
        out["birth_date"] = birth
        out["sex"] = sex
        out["school_age_out"] = self._school_age_out(birth, out["exit_year"], out["school_status"])
        food, good = self._food(chunk, income, out["exit_year"], n)
        out["food_clothing_secure"] = food
        need(good)

        keep = pc.indices_nonzero(ok)
        doubtful = pc.indices_nonzero(pc.invert(ok)).to_pylist()
        columns = {}
        for name in FIELDS:
            if name in SEALED or name in ("id_kind", "id_masked"):
                continue
            value = out[name]
            if isinstance(value, pa.Scalar):
                columns[name] = pa.repeat(value, len(keep))
            else:
                columns[name] = pc.take(value, keep).cast(SCHEMA.field(name).type)
        good_ids = pc.take(ids, keep)
        columns["id_kind"] = pa.repeat(pa.scalar("resident"), len(keep))
        columns["id_masked"] = pc.binary_join_element_wise(
            pc.utf8_slice_codeunits(good_ids, 0, 4),
            "**********",
            pc.utf8_slice_codeunits(good_ids, 14, 18),
            "",
        )
        return Checked(columns, good_ids, doubtful)

    # -- kinds of column ---------------------------------------------------------------------

    def _raw(self, chunk: Chunk, field: str) -> pa.Array | None:
        return chunk.columns.get(field) if field in self.present else None

    def _text(self, chunk: Chunk, field: str, limit: int | None) -> tuple[Any, Any]:
        raw = self._raw(chunk, field)
        if raw is None:
            return pa.scalar("", pa.string()), True
        text = pc.utf8_trim(raw, characters=STRIP)
        # Python's NFKC (RowParser) is the reference: a value it would change is not ours.
        good = pc.or_(pc.string_is_ascii(text), pc.equal(pc.utf8_normalize(text, "NFKC"), text))
        if limit is not None:
            text = pc.utf8_slice_codeunits(text, 0, limit)
        return text, good

    def _village(self, chunk: Chunk) -> tuple[pa.Array, pa.Array, Any]:
        """RowParser._village once per distinct (code, 户编号's first 12 characters, county,
        township, village): (village code, rule, ok)."""
        p = self.parser
        n = len(chunk.rows)
        empty = pa.repeat(pa.scalar(""), n)
        code = chunk.columns.get("village_code") if "village_code" in self.present else None
        prefix = pc.utf8_slice_codeunits(
            pc.utf8_trim(chunk.columns["household_number"], characters=STRIP), 0, 12
        )
        if code is not None:
            # A row with a code never looks at its 户编号: leaving the prefix out keeps the
            # distinct keys to the villages (not villages × household numbers).
            prefix = pc.if_else(pc.equal(pc.utf8_trim(code, characters=STRIP), ""), prefix, "")
        parts = [code if code is not None else empty, prefix]
        if {"county", "township", "village"} <= self.present:
            parts += [chunk.columns[f] for f in ("county", "township", "village")]
        key = pc.binary_join_element_wise(*parts, "\x1f")
        found, good = self._mapped(
            key,
            "village",
            lambda t: "\x1f".join(p._village(_village_texts(t))),
            pa.string(),
        )
        pair = pc.split_pattern(pc.fill_null(found, "\x1f"), "\x1f")
        return pc.list_element(pair, 0), pc.list_element(pair, 1), good

    def _phone(self, chunk: Chunk, field: str) -> tuple[Any, Any]:
        raw = self._raw(chunk, field)
        if raw is None:
            return pa.scalar("", pa.string()), True
        text = pc.utf8_trim(raw, characters=STRIP)
        digits = pc.utf8_length(pc.replace_substring(text, "-", ""))
        good = pc.or_(
            pc.equal(text, ""),
            pc.and_(
                pc.match_substring_regex(text, _PHONE_SHAPE),
                pc.and_(pc.greater_equal(digits, 7), pc.less_equal(digits, 20)),
            ),
        )
        return text, good

    def _amount(self, chunk: Chunk, field: str, low: int, high: int) -> tuple[Any, Any]:
        """RowParser._amount over a column: yuan with cents within [low, high], null if empty."""
        raw = self._raw(chunk, field)
        if raw is None:
            return pa.nulls(len(chunk.rows), pa.string()), True
        text = pc.utf8_trim(raw, characters=STRIP)
        shaped = pc.match_substring_regex(text, _AMOUNT_SHAPE)
        empty = pc.equal(text, "")
        safe = pc.if_else(shaped, text, "0")
        amount = pc.cast(safe, pa.decimal128(12, 2))
        number = pc.cast(amount, pa.float64())
        in_range = pc.and_(pc.greater_equal(number, low), pc.less_equal(number, high))
        value = pc.if_else(empty, pa.scalar(None, pa.string()), pc.cast(amount, pa.string()))
        return value, pc.or_(empty, pc.and_(shaped, in_range))

    def _ids(self, chunk: Chunk) -> tuple[pa.Array, pa.Array, pa.Array, pa.Array]:
        """(number, birth date, sex, ok) of clean, valid 18-character resident IDs — RowParser's
        quick path (idnumbers.quick_resident) over the whole column."""
        text = pc.utf8_trim(chunk.columns["id_number"], characters=STRIP)
        if isinstance(text, pa.ChunkedArray):
            text = text.combine_chunks()
        shaped = pc.fill_null(pc.match_substring_regex(text, _ID_SHAPE), False)
        # Every value now 18 ASCII bytes, so the data buffer is an n × 18 matrix of digits.
        safe = pc.if_else(shaped, text, "000000190001010000")
        n = len(safe)
        offsets = np.frombuffer(safe.buffers()[1], dtype=np.int32)
        first = int(offsets[safe.offset])
        raw = np.frombuffer(safe.buffers()[2], dtype=np.uint8)[first : first + 18 * n]
        chars = raw.reshape(n, 18)
        digits = chars[:, :17].astype(np.int64) - 48
        province = _PROVINCES[digits[:, 0] * 10 + digits[:, 1]]
        check_ok = (_CHECK_BYTES[(digits @ _WEIGHT_VECTOR) % 11] == chars[:, 17]) & province
        year = digits[:, 6] * 1000 + digits[:, 7] * 100 + digits[:, 8] * 10 + digits[:, 9]
        month = digits[:, 10] * 10 + digits[:, 11]
        day = digits[:, 12] * 10 + digits[:, 13]
        leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
        valid_month = (month >= 1) & (month <= 12)
        month_days = _MONTH_DAYS[np.where(valid_month, month, 0)] + (leap & (month == 2))
        today = self.today
        dated = (
            valid_month
            & (day >= 1)
            & (day <= month_days)
            & (year >= idnumbers.EARLIEST_BIRTH_YEAR)
            & (
                year * 10000 + month * 100 + day
                <= today.year * 10000 + today.month * 100 + today.day
            )
        )
        # Days since 1970 of the real dates (1970-01-01 stands in for the rest, never kept).
        months = np.where(dated, (year - 1970) * 12 + month - 1, 0).astype("datetime64[M]")
        days = months.astype("datetime64[D]") + np.where(dated, day - 1, 0).astype("timedelta64[D]")
        birth = pa.array(days, pa.date32())
        sex = pa.array(np.where(digits[:, 16] % 2 == 1, "male", "female"), pa.string())
        good = pc.and_(shaped, pa.array(check_ok & dated))
        return text, birth, sex, good

    def _school_age_out(self, birth: pa.Array, exit_year: Any, school: Any) -> pa.Array:
        """A child of compulsory-school age (6–15) not in school, as of the exit year (or today
        for a household not exited) — RowParser's rule."""
        today = self.today
        by = pc.year(birth)
        md = pc.add(pc.multiply(pc.month(birth), 100), pc.day(birth))
        today_age = pc.subtract(
            pc.subtract(today.year, by),
            pc.cast(pc.greater(md, today.month * 100 + today.day), pa.int64()),
        )
        if isinstance(exit_year, pa.Scalar):
            exit_year = pa.repeat(exit_year, len(birth))
        # As of 31 December of the exit year, unless that is still ahead.
        exited_age = pc.subtract(pc.cast(exit_year, pa.int64()), by)
        use_exit = pc.and_(pc.is_valid(exit_year), pc.less(pc.fill_null(exit_year, 0), today.year))
        age = pc.if_else(pc.fill_null(use_exit, False), exited_age, today_age)
        out_of_school = pc.equal(school, "none")
        return pc.and_(pc.and_(pc.greater_equal(age, 6), pc.less_equal(age, 15)), out_of_school)

    def _food(self, chunk: Chunk, income: Any, exit_year: Any, n: int) -> tuple[Any, Any]:
        p = self.parser
        if "food_clothing_secure" in self.present:
            return self._mapped(
                chunk.columns["food_clothing_secure"],
                "food_clothing_secure",
                lambda t: p._flag({"food_clothing_secure": t}, "food_clothing_secure"),
                pa.bool_(),
            )
        # The national layout has no such column: above the line of the year, enough food and
        # clothing is taken as met (RowParser's rule).
        if isinstance(exit_year, pa.Scalar):
            exit_year = pa.repeat(exit_year, n)
        year = pc.fill_null(exit_year, self.today.year)
        lines = pc.dictionary_encode(year)
        amounts = [p._line(y) for y in lines.dictionary.to_pylist()]
        line = pc.take(pa.array([None if a is None else float(a) for a in amounts]), lines.indices)
        if isinstance(income, pa.Scalar) or income.null_count == len(income):
            return pa.repeat(pa.scalar(False), n), True
        amount = pc.cast(income, pa.float64())
        return pc.fill_null(pc.greater(amount, line), False), True


_MISSING = object()


def _village_texts(joined: str) -> dict[str, str]:
    code, number, county, township, village = [*joined.split("\x1f"), "", "", "", ""][:5]
    out = {
        "household_number": clean_cell(number),
        "county": clean_cell(county),
        "township": clean_cell(township),
        "village": clean_cell(village),
    }
    if code:
        out["village_code"] = clean_cell(code)
    return out


def protect(numbers: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Keyed hashes and ciphertexts of ID (or phone) numbers: a pure function, so that a worker
    process can run it beside the check or the commit. Arrow arrays both ways: they cross
    between processes as a few buffers, where lists of a million strings would be pickled one
    string at a time."""
    values = numbers.to_pylist()
    return (
        pa.array(crypto.keyed_hashes(values), pa.string()),
        pa.array(crypto.encrypt_many(values), pa.string()),
    )


def text_column(values: Iterable[Any]) -> pa.Array:
    """Cells of a spreadsheet column as raw text (numbers as Excel shows them)."""
    return pa.array([v if v.__class__ is str else clean_text(v) for v in values], type=pa.string())


class Irregular(Exception):
    """The CSV cannot be numbered line by line (blank lines, ragged rows, cells over several
    lines): the caller reads it row by row instead."""


def table_of(rows: list[dict[str, Any]]) -> pa.Table:
    """RowParser's values (with their row numbers) as a table in SCHEMA."""
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def row_chunks(table: Table, cols: Any, size: int) -> Iterator[Chunk]:
    """Chunks of any readable table (Excel, or a CSV the fast reader cannot number)."""
    expected = table.total_rows or 0
    numbers: list[int] = []
    cells: list[list[Any]] = []
    for number, row in table.rows:
        numbers.append(number)
        cells.append(row)
        if len(cells) >= size:
            yield _row_chunk(numbers, cells, cols, expected)
            numbers, cells = [], []
    if cells:
        yield _row_chunk(numbers, cells, cols, expected)


def _row_chunk(numbers: list[int], cells: list[list[Any]], cols: Any, expected: int) -> Chunk:
    columns = {
        field: text_column(row[i] if i < len(row) else None for row in cells)
        for field, i in cols.index.items()
    }
    return Chunk(pa.array(numbers, pa.int64()), columns, cells.__getitem__, expected)


def csv_chunks(path: Path, table: Table, cols: Any) -> Iterator[Chunk]:
    """Chunks of a CSV file read by Arrow's multi-threaded reader, numbered as Excel shows the
    rows: possible only when every record is one line, which is checked before (no blank line)
    and after (the records add up to the lines). Otherwise Irregular, before or after."""
    if table.encoding is None:
        raise Irregular("not a CSV file")
    lines, blank = _count_lines(path)
    if blank:
        raise Irregular("blank lines")
    width = len(table.headers)
    if max(cols.index.values()) >= width:
        raise Irregular("columns beyond the header")
    reader = pcsv.open_csv(
        path,
        read_options=pcsv.ReadOptions(
            skip_rows=table.header_row,
            autogenerate_column_names=True,
            encoding="utf8" if table.encoding == "utf-8-sig" else table.encoding,
            block_size=CSV_BLOCK_BYTES,
        ),
        parse_options=pcsv.ParseOptions(newlines_in_values=False),
        convert_options=pcsv.ConvertOptions(
            column_types={f"f{i}": pa.string() for i in range(width)},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    expected = max(lines - table.header_row, 1)
    seen = 0
    try:
        for batch in reader:
            if batch.num_columns != width:
                raise Irregular("row width differs from the header")
            numbers = pa.array(
                range(table.header_row + 1 + seen, table.header_row + 1 + seen + batch.num_rows),
                pa.int64(),
            )
            seen += batch.num_rows
            keep = _data_mask(batch)
            if keep is not None:
                batch = batch.filter(keep)
                numbers = numbers.filter(keep)
            columns = {field: batch.column(i) for field, i in cols.index.items()}
            yield Chunk(numbers, columns, _cells_of(batch), expected)
    except pa.ArrowInvalid as exc:
        raise Irregular(str(exc)) from exc
    if seen != lines - table.header_row:
        raise Irregular("records and lines differ")


def _cells_of(batch: pa.RecordBatch) -> Callable[[int], list[Any]]:
    return lambda i: [batch.column(j)[i].as_py() for j in range(batch.num_columns)]


def _data_mask(batch: pa.RecordBatch) -> pa.Array | None:
    """The readers' rule (imports.readers._data_rows): blank rows and 合计 rows are not data.
    A row is blank when all its cells joined are nothing but spacing; only rows with 计 in one
    of their first four cells are looked at for a totals marker."""
    joined = pc.binary_join_element_wise(*batch.columns, "")
    skip = pc.equal(pc.binary_length(pc.utf8_trim(joined, characters=STRIP)), 0)
    for j in range(min(4, batch.num_columns)):
        column = batch.column(j)
        if pc.any(pc.match_substring(column, "计")).as_py():
            text = pc.replace_substring(pc.utf8_trim(column, characters=STRIP), " ", "")
            skip = pc.or_(skip, pc.is_in(text, value_set=_TOTALS))
    if not pc.any(skip).as_py():
        return None
    return pc.invert(skip)


_TOTALS = pa.array(sorted({t.replace(" ", "") for t in TOTAL_MARKERS}))


def _count_lines(path: Path, block_size: int = 1 << 24) -> tuple[int, bool]:
    """(lines, whether any is blank — empty, or a lone carriage return) of a file, in one pass
    over its bytes; numpy finds the newlines (bytes.count and `in` took 0.6 s per 400 MB)."""
    lines = 0
    blank = False
    last_end = -1  # where the last newline seen is, counted from the start of the file
    last_byte = 10
    offset = 0
    with path.open("rb") as handle:
        while block := handle.read(block_size):
            data = np.frombuffer(block, dtype=np.uint8)
            ends = np.flatnonzero(data == 10)
            lines += len(ends)
            if len(ends) and not blank:
                starts = np.concatenate(([last_end + 1 - offset], ends[:-1] + 1))
                length = ends - starts
                before = np.where(ends > 0, data[np.maximum(ends - 1, 0)], last_byte)
                blank = bool(np.any((length == 0) | ((length == 1) & (before == 13))))
            if len(ends):
                last_end = offset + int(ends[-1])
            offset += len(block)
            last_byte = block[-1]
    if last_byte != 10:
        lines += 1  # the last line has no newline of its own
    return lines, blank
