"""The measures an indicator's formula may name, and the SQL that computes them over a snapshot.

Every measure is a number per assessed unit and year, computed for the assessed year and the
year before (for growth). The SQL is DuckDB's dialect; the Spark engine gets it translated by
SQLGlot (analytics.engines), so both engines run one text and their figures compare exactly.

What a unit is: a region on either side of a top-level east–west pairing (one with no parent
pairing that is itself active), as in the 2016 list — 江苏省 for 江苏 → 陕西, 苏州市 for 苏州 →
铜仁. A unit's pairings are its top pairings and every pairing inside them (county, township and
village pairs), as agreement progress counts them (pairing.progress.within_q).

What counts (the issue's "verified, locked records and the registry"):
- money, projects, people sent, trainings, enterprises and consumption aid: the records of
  approved (locked) reports of the unit's pairings in the year (snapshot `amounts`, which maps
  records onto indicators exactly as agreement progress does);
- people served: trainees counted in approved reports less the people verification excluded
  (`verdicts`: the standing findings of the latest complete national verification — a finding
  dismissed by a reviewer leaves the person counted); workers employed, known only by name, as
  the distinct named people who passed;
- placements: distinct registered people placed across the pair (home within the western side,
  workplace or organiser within the eastern side) and working during the year;
- results: the registry of the western side (for an eastern unit, of the areas it helps): people
  who left poverty in the year, people poor at its start, people who fell back, poverty counties
  that left poverty, households' per-capita net income.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from xiezuo.pairing.choices import UNITS, Indicator


@dataclass(frozen=True)
class Measure:
    name: str
    label: str
    unit: str
    # Where its people or records are listed: 'records' (cooperation records of the unit's
    # pairings), 'placements', 'registry', 'pairings', 'findings'.
    drill: str
    kind: str = ""  # the record kind or indicator the drill-down filters by


_AMOUNT_KIND = {
    Indicator.FISCAL_AID: "fund",
    Indicator.SOCIAL_FUNDS: "fund",
    Indicator.PROJECTS: "project",
    Indicator.CADRES_SENT: "talent",
    Indicator.PROFESSIONALS_SENT: "talent",
    Indicator.CADRES_TRAINED: "training",
    Indicator.PROFESSIONALS_TRAINED: "training",
    Indicator.LABOURERS_TRAINED: "training",
    Indicator.ENTERPRISES: "industry",
    Indicator.INVESTMENT: "industry",
    Indicator.WORKSHOPS: "industry",
    Indicator.CONSUMPTION_AID: "consumption",
}
# Counted as distinct enterprises (by credit code), not as records: one enterprise reported under
# the county pair and the prefecture pair counts once, as in agreement progress.
DISTINCT = (Indicator.ENTERPRISES.value, Indicator.WORKSHOPS.value)

MEASURES: dict[str, Measure] = {}


def _add(m: Measure) -> None:
    MEASURES[m.name] = m


for _ai, _kind in _AMOUNT_KIND.items():
    _add(Measure(str(_ai), str(Indicator(_ai).label), UNITS[_ai], "records", _kind))

# verified_<indicator> = <indicator> − excluded_<indicator>, worked out in job.compute.
VERIFIED = ("cadres_trained", "professionals_trained", "labourers_trained")
for _v in VERIFIED:
    _add(Measure(f"excluded_{_v}", f"{Indicator(_v).label}（比对剔除人数）", "人", "findings"))
for _name, _label, _ind in (
    ("verified_cadres_trained", "培训党政干部（已核实人数）", "cadres_trained"),
    ("verified_professionals_trained", "培训专业技术人才（已核实人数）", "professionals_trained"),
    ("verified_labourers_trained", "培训贫困劳动力（已核实人数）", "labourers_trained"),
    ("verified_poor_employed", "企业吸纳贫困人口就业（已核实人数）", "poor_employed"),
):
    # The people behind them are the training (or enterprise) records that name them.
    _add(Measure(_name, _label, "人", "records", "industry" if "employed" in _ind else "training"))

for _m in (
    Measure("placements", "帮助贫困人口转移就业（建档立卡人数）", "人", "placements"),
    Measure("placements_stable", "稳定就业三个月以上人数", "人", "placements", "stable"),
    Measure("placements_organised", "有组织转移就业人数", "人", "placements", "organised"),
    Measure("county_pairs", "县结对（携手奔小康）", "对", "pairings", "3"),
    Measure("village_pairs", "村结对（含万企帮万村）", "对", "pairings", "5"),
    Measure("poor_at_start", "年初建档立卡贫困人口", "人", "registry", "poor"),
    Measure("exited_people", "当年脱贫人口", "人", "registry", "exited"),
    Measure("returned_people", "当年返贫人口", "人", "registry", "returned"),
    Measure("poverty_counties", "年初未摘帽贫困县", "个", "registry", "counties"),
    Measure("poverty_counties_exited", "当年摘帽贫困县", "个", "registry", "counties_exited"),
    Measure("income_per_capita", "建档立卡户人均纯收入", "元", "registry", "income"),
    Measure("confirmed_findings", "比对确认有误的数据", "条", "findings", "confirmed"),
):
    _add(_m)

MEASURE_LABEL = _("measure")


# ---------------------------------------------------------------- SQL

# Views built once per run, in this order. {y} is the assessed year, {p} the year before; both
# are integers the service checked, never user text.
VIEWS: list[tuple[str, str, bool]] = [
    # (name, sql, materialise)
    ("a_years", "SELECT {y} AS year UNION ALL SELECT {p} AS year", False),
    (
        "a_active",
        """SELECT pr.pairing_id, pr.parent_id, pr.level, pr.east_code, pr.east_org_id,
                  pr.west_code, y.year
           FROM pairings pr CROSS JOIN a_years y
           WHERE pr.kind = 'east_west' AND pr.status IN ('active', 'ended')
             AND pr.start_year <= y.year AND (pr.end_year IS NULL OR pr.end_year >= y.year)""",
        True,
    ),
    (
        "a_top",
        """SELECT c.pairing_id, c.east_code, c.west_code, c.year,
                  re.prefix AS east_prefix, rw.prefix AS west_prefix
           FROM a_active c
           LEFT JOIN a_active par ON par.pairing_id = c.parent_id AND par.year = c.year
           JOIN regions re ON re.code = c.east_code
           JOIN regions rw ON rw.code = c.west_code
           WHERE par.pairing_id IS NULL AND c.east_org_id IS NULL""",
        True,
    ),
    (
        "a_unit_top",
        """SELECT year, 'east' AS side, east_code AS unit, pairing_id, east_prefix, west_prefix
           FROM a_top
           UNION ALL
           SELECT year, 'west' AS side, west_code AS unit, pairing_id, east_prefix, west_prefix
           FROM a_top""",
        True,
    ),
    (
        # Every active pairing inside one of the unit's top pairings, once per unit.
        "a_unit_pair",
        """SELECT DISTINCT t.year, t.side, t.unit, c.pairing_id, c.level,
                  CASE WHEN c.pairing_id = t.pairing_id THEN 1 ELSE 0 END AS is_top,
                  rw.prefix AS west_prefix, re.prefix AS east_prefix
           FROM a_unit_top t
           JOIN a_active c ON c.year = t.year
             AND substr(c.west_code, 1, length(t.west_prefix)) = t.west_prefix
             AND substr(coalesce(c.east_code, ''), 1, length(t.east_prefix)) = t.east_prefix
           JOIN regions rw ON rw.code = c.west_code
           LEFT JOIN regions re ON re.code = c.east_code""",
        True,
    ),
    (
        # The registry areas a unit answers for: a western unit its own subtree, an eastern unit
        # the western sides of its top pairings.
        "a_area",
        """SELECT DISTINCT t.year, t.side, t.unit,
                  CASE WHEN t.side = 'west' THEN ru.prefix ELSE t.west_prefix END AS prefix
           FROM a_unit_top t JOIN regions ru ON ru.code = t.unit""",
        False,
    ),
    (
        "a_county_people",
        """SELECT substr(h.village_code, 1, 6) AS county, y.year,
                  SUM(CASE WHEN h.status <> 'cancelled'
                            AND (h.exit_year IS NULL OR h.exit_year >= y.year)
                           THEN 1 ELSE 0 END) AS poor_at_start,
                  SUM(CASE WHEN h.status <> 'cancelled' AND h.exit_year = y.year
                           THEN 1 ELSE 0 END) AS exited_people,
                  SUM(CASE WHEN h.returned_year = y.year THEN 1 ELSE 0 END) AS returned_people
           FROM members m JOIN households h ON h.household_id = m.household_id
           CROSS JOIN a_years y
           GROUP BY substr(h.village_code, 1, 6), y.year""",
        True,
    ),
    (
        "a_county_income",
        """SELECT substr(h.village_code, 1, 6) AS county, i.year,
                  SUM(i.per_capita) AS income_sum, COUNT(*) AS income_n
           FROM incomes i JOIN households h ON h.household_id = i.household_id
           JOIN a_years y ON y.year = i.year
           WHERE h.status <> 'cancelled'
           GROUP BY substr(h.village_code, 1, 6), i.year""",
        True,
    ),
    (
        # Distinct counties of each unit's area: a county inside two of its areas counts once.
        "a_area_county",
        """SELECT DISTINCT a.year, a.side, a.unit, r.code AS county
           FROM a_area a JOIN regions r
             ON r.level = 3 AND substr(r.code, 1, length(a.prefix)) = a.prefix""",
        True,
    ),
    (
        "a_excluded",
        """SELECT DISTINCT record_kind, record_id, id_hash FROM verdicts WHERE excluded""",
        True,
    ),
]

_AMOUNT_LIST = ", ".join(f"'{k}'" for k in _AMOUNT_KIND)
_DISTINCT_LIST = ", ".join(f"'{k}'" for k in DISTINCT)

# Each part yields (year, side, unit, measure, value).
PARTS: list[str] = [
    f"""SELECT u.year, u.side, u.unit, a.indicator AS measure,
              CASE WHEN a.indicator IN ({_DISTINCT_LIST})
                   THEN CAST(COUNT(DISTINCT a.distinct_key) AS DOUBLE)
                   ELSE CAST(SUM(a.amount) AS DOUBLE) END AS value
       FROM a_unit_pair u JOIN amounts a ON a.pairing_id = u.pairing_id AND a.year = u.year
       WHERE a.report_state = 'approved' AND a.indicator IN ({_AMOUNT_LIST})
       GROUP BY u.year, u.side, u.unit, a.indicator""",
    # People verification left out, per indicator: the trainees counted minus these are the
    # verified trainees (job.VERIFIED). A person is out while a finding that excludes them stands.
    """SELECT u.year, u.side, u.unit, 'excluded_' || r.indicator AS measure,
              CAST(COUNT(DISTINCT p.id_hash) AS DOUBLE) AS value
       FROM a_unit_pair u
       JOIN records r ON r.pairing_id = u.pairing_id AND r.year = u.year
       JOIN people p ON p.record_kind = r.record_kind AND p.record_id = r.record_id
       JOIN a_excluded x ON x.record_kind = p.record_kind AND x.record_id = p.record_id
                        AND x.id_hash = p.id_hash
       WHERE r.report_state = 'approved'
       GROUP BY u.year, u.side, u.unit, r.indicator""",
    # Workers employed are known only by name: the verified ones are the named people passed.
    """SELECT u.year, u.side, u.unit, 'verified_poor_employed' AS measure,
              CAST(COUNT(DISTINCT p.id_hash) AS DOUBLE) AS value
       FROM a_unit_pair u
       JOIN records r ON r.pairing_id = u.pairing_id AND r.year = u.year
       JOIN people p ON p.record_kind = r.record_kind AND p.record_id = r.record_id
       LEFT JOIN a_excluded x ON x.record_kind = p.record_kind AND x.record_id = p.record_id
                            AND x.id_hash = p.id_hash
       WHERE r.report_state = 'approved' AND r.indicator = 'poor_employed'
         AND p.id_hash IS NOT NULL AND p.id_valid AND x.id_hash IS NULL
       GROUP BY u.year, u.side, u.unit""",
    """SELECT year, side, unit, 'county_pairs' AS measure,
              CAST(SUM(CASE WHEN level = 3 AND is_top = 0 THEN 1 ELSE 0 END) AS DOUBLE) AS value
       FROM a_unit_pair GROUP BY year, side, unit
       UNION ALL
       SELECT year, side, unit, 'village_pairs' AS measure,
              CAST(SUM(CASE WHEN level IN (5, 6) AND is_top = 0 THEN 1 ELSE 0 END) AS DOUBLE)
       FROM a_unit_pair GROUP BY year, side, unit""",
    """SELECT c.year, c.side, c.unit, m.measure, CAST(SUM(m.value) AS DOUBLE) AS value
       FROM a_area_county c JOIN (
            SELECT county, year, 'poor_at_start' AS measure, poor_at_start AS value
            FROM a_county_people
            UNION ALL SELECT county, year, 'exited_people', exited_people FROM a_county_people
            UNION ALL SELECT county, year, 'returned_people', returned_people FROM a_county_people
       ) m ON m.county = c.county AND m.year = c.year
       GROUP BY c.year, c.side, c.unit, m.measure""",
    """SELECT c.year, c.side, c.unit, 'income_per_capita' AS measure,
              CAST(SUM(i.income_sum) / SUM(i.income_n) AS DOUBLE) AS value
       FROM a_area_county c JOIN a_county_income i ON i.county = c.county AND i.year = c.year
       GROUP BY c.year, c.side, c.unit""",
    """SELECT c.year, c.side, c.unit, 'poverty_counties' AS measure,
              CAST(SUM(CASE WHEN r.poverty_exit_year IS NULL OR r.poverty_exit_year >= c.year
                            THEN 1 ELSE 0 END) AS DOUBLE) AS value
       FROM a_area_county c JOIN regions r ON r.code = c.county AND r.is_poverty_county
       GROUP BY c.year, c.side, c.unit
       UNION ALL
       SELECT c.year, c.side, c.unit, 'poverty_counties_exited' AS measure,
              CAST(SUM(CASE WHEN r.poverty_exit_year = c.year THEN 1 ELSE 0 END) AS DOUBLE)
       FROM a_area_county c JOIN regions r ON r.code = c.county AND r.is_poverty_county
       GROUP BY c.year, c.side, c.unit""",
    """SELECT u.year, u.side, u.unit, 'confirmed_findings' AS measure,
              CAST(COUNT(*) AS DOUBLE) AS value
       FROM (SELECT DISTINCT year, side, unit FROM a_unit_top) u
       JOIN regions r ON r.code = u.unit
       JOIN verdicts v ON v.confirmed AND v.year = u.year
            AND substr(v.reporter_code, 1, length(r.prefix)) = r.prefix
       GROUP BY u.year, u.side, u.unit""",
]

# Placements, by how long the prefix of the pairing's western side is: an equality join on
# each length instead of a prefix comparison against every pairing, which at national size
# would compare every placement with every pairing.
_PLACED = """
    SELECT k.year, k.side, k.unit, pl.id_hash, pl.organised,
           CASE WHEN datediff('day', greatest(pl.start, make_date(k.year, 1, 1)),
                              least(coalesce(pl."end", make_date(k.year, 12, 31)),
                                    make_date(k.year, 12, 31))) >= 89
                THEN 1 ELSE 0 END AS stable
    FROM placements pl JOIN a_unit_pair k
      ON length(k.west_prefix) = {n} AND substr(pl.home_county, 1, {n}) = k.west_prefix
    WHERE pl.registered AND k.east_prefix IS NOT NULL
      AND pl.start <= make_date(k.year, 12, 31)
      AND (pl."end" IS NULL OR pl."end" >= make_date(k.year, 1, 1))
      AND (substr(pl.place_code, 1, length(k.east_prefix)) = k.east_prefix
           OR substr(coalesce(pl.organiser_code, ''), 1, length(k.east_prefix)) = k.east_prefix)
"""
PLACED_VIEW = " UNION ALL ".join(_PLACED.replace("{n}", str(n)) for n in (2, 4, 6))
PARTS.append(
    """SELECT year, side, unit, 'placements' AS measure,
              CAST(COUNT(DISTINCT id_hash) AS DOUBLE) AS value
       FROM a_placed GROUP BY year, side, unit
       UNION ALL
       SELECT year, side, unit, 'placements_stable',
              CAST(COUNT(DISTINCT CASE WHEN stable = 1 THEN id_hash END) AS DOUBLE)
       FROM a_placed GROUP BY year, side, unit
       UNION ALL
       SELECT year, side, unit, 'placements_organised',
              CAST(COUNT(DISTINCT CASE WHEN organised THEN id_hash END) AS DOUBLE)
       FROM a_placed GROUP BY year, side, unit"""
)
VIEWS.append(("a_placed", PLACED_VIEW, True))

UNITS_SQL = """SELECT DISTINCT t.side, t.unit, r.name, r.level
               FROM a_unit_top t JOIN regions r ON r.code = t.unit WHERE t.year = {y}
               ORDER BY t.side, t.unit"""
TOPS_SQL = """SELECT t.side, t.unit, t.pairing_id, p.east_code, p.west_code
              FROM a_unit_top t JOIN pairings p ON p.pairing_id = t.pairing_id
              WHERE t.year = {y} ORDER BY t.side, t.unit, t.pairing_id"""
TARGETS_SQL = """SELECT pairing_id, indicator, CAST(value AS DOUBLE) FROM targets
                 WHERE year = {y} ORDER BY pairing_id, indicator"""
MEASURES_SQL = (
    "SELECT year, side, unit, measure, value FROM ("
    + " UNION ALL ".join(f"SELECT * FROM ({part}) q{i}" for i, part in enumerate(PARTS))
    + ") allm ORDER BY year, side, unit, measure"
)
