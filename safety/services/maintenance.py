"""Database upkeep the scheduler runs once a day."""

from __future__ import annotations

from safety.extensions import db

#: Rows SQLite samples per index when it gathers statistics (fast, and enough
#: for the planner to choose between an index's order and a filter).
ANALYSIS_LIMIT = 1000


def refresh_statistics() -> str:
    """Fresh planner statistics; one line for the job log.

    SQLite gathers none by itself: without them its planner takes the filter's
    index and sorts every hit instead of walking the sort's index (a status
    filter at 100k hazards: 7 ms with statistics, 123 ms without).
    PostgreSQL's autovacuum keeps them.
    """
    if db.engine.dialect.name != "sqlite":
        return "statistics: kept by autovacuum"
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        conn.exec_driver_sql("ANALYZE")
    return "statistics: analysed"
