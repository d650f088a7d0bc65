"""The queries of `sibyl report forecast` and `sibyl report anomalies` over marts.cost_forecast and marts.cost_anomalies."""

from __future__ import annotations

import datetime as dt

MARTS_SCHEMA = "marts"
FORECAST = "cost_forecast"
ANOMALIES = "cost_anomalies"

_GRAIN_ORDER = "case grain when 'total' then 0 when 'business_group' then 1 when 'business_unit' then 2 else 3 end"

FORECAST_SQL = f"""
select grain, series, business_unit, business_group, as_of_date, days_elapsed, days_in_month,
       actual_to_date, forecast_month_end, forecast_lower, forecast_upper, forecast_method
from {MARTS_SCHEMA}.{FORECAST}
order by {_GRAIN_ORDER}, forecast_month_end desc, series
"""

# Filters of `report anomalies`, each a fixed condition whose value is a query parameter. The impact is compared as
# printed, to the cent, up or down.
_ANOMALY_FILTERS = {"since": "usage_date >= {}", "min_impact": "abs(cast(impact as decimal(18, 2))) >= {}"}


def anomalies_query(*, since: dt.date | None = None, min_impact: float | None = None) -> tuple[str, list]:
    """The anomalies, newest day first and biggest impact first within a day: (SQL with $n placeholders, their values)."""
    given = {name: value for name, value in {"since": since, "min_impact": min_impact}.items() if value is not None}
    conditions = ["status = 'anomaly'", *(_ANOMALY_FILTERS[name].format(f"${i}") for i, name in enumerate(given, start=1))]
    sql = f"""
select usage_date, team, product_code, cost, expected_cost, expected_lower, expected_upper, impact, score,
       top_accounts, top_usage_types, top_resources
from {MARTS_SCHEMA}.{ANOMALIES}
where {" and ".join(conditions)}
order by usage_date desc, abs(impact) desc, team, product_code
"""
    return sql, list(given.values())


# The series the latest day could not score: said, not hidden.
UNSCORED_SQL = f"""
select team, product_code, history_days
from {MARTS_SCHEMA}.{ANOMALIES}
where status = 'too_little_history' and usage_date = (select max(usage_date) from {MARTS_SCHEMA}.{ANOMALIES})
order by team, product_code
"""


def unscored_note(rows: list[tuple]) -> str:
    """One line naming the series too new to score on the latest day, for the table."""
    if not rows:
        return ""
    names = ", ".join(f"{team}/{product} ({days} days)" for team, product, days in rows)
    return f"Too little history to score yet (fewer than the var anomaly_min_history_days days): {names}\n"
