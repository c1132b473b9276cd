"""Reports: the dashboard, the monthly meeting report, accountability and statutory statistics.

Everything here only reads. Figures are computed with aggregate SQL (``SUM(CASE
…)`` and ``GROUP BY``) so the number of queries does not depend on the number
of hazards; Python only loops over units, posts, plans and the rows a report
lists.

Definitions (also shown on the pages):

- A hazard's **state at an instant** *t* is rebuilt from its timestamps:
  closed when ``closed_at < t``; pending verification when it was submitted
  before *t* and is now pending or closed; rectifying when assigned before *t*;
  else reported. Void hazards are left out of every figure except the void count.
- **As of**: the period's last day, or today when the period is not over.
  "At the end of day *d*" is the instant of local midnight after *d* in TIMEZONE.
- **Overdue at the end of day *d***: rectifying at that instant and ``deadline < d``
  (the same rule as the hazard list's ``overdue`` for today). Days overdue is
  ``d - deadline``; buckets 1-3, 4-7, 8-30 and >30 days.
- **Rectification rate**: of the hazards found in the period (not void), the
  share closed by the as-of date. **On-time rate**: of those closed, the share
  closed (local date) on or before their deadline (the last, possibly extended one).
- **Funds committed**: the sum of ``funds`` of the hazards found in the period
  that had been assigned (五定) by the as-of date.
- **Inspections done**: submitted inspections performed in the period.
  **Planned**: the due dates of the active plans that fall in the period, by
  the inspections area's schedule (daily, weekly, monthly and quarterly from the
  plan's start date; seasonal on the first day of March, June, September and
  December; holiday checks yearly on the start date; one-off plans once).
- **Sign-off coverage**: of the people holding, on the as-of date, a post of the
  scope that has a responsibility list, the share who signed the version current
  then.

The package, by topic: ``periods`` (inputs), ``figures``, ``trend``,
``activity`` (inspections, sign-off, targets), ``dashboard``, ``lines`` (hazard
lists), ``monthly`` (meeting report, statutory statistics), ``accountability``.
"Overdue" itself is defined once, in :mod:`safety.services.overdue`.
"""

from safety.services.reports.accountability import (
    AccountabilityCase,
    AccountableSpan,
    ReminderSpan,
    SignatureSpan,
    accountability,
)
from safety.services.reports.activity import (
    InspectionFigures,
    SignOff,
    TargetRow,
    inspections,
    plan_occurrences,
    sign_offs,
    targets,
)
from safety.services.reports.common import (
    AGEING_BUCKETS,
    LEVELS,
    MAX_PERIOD_DAYS,
    OPEN_STATES,
    PLAN_FIELDS,
    STATES,
    TARGET_METRICS,
    TREND_MONTHS,
    rate,
)
from safety.services.reports.dashboard import Dashboard, UnitRow, dashboard
from safety.services.reports.figures import Figures, by_category, figures, figures_by_unit, roll_up
from safety.services.reports.lines import HazardLine, HolderSpan, major_hazards, overdue_hazards
from safety.services.reports.monthly import (
    MonthlyReport,
    StatutoryReport,
    monthly_report,
    statutory_report,
)
from safety.services.reports.periods import (
    Period,
    Scope,
    day_end,
    day_start,
    home_unit_id,
    month_ends,
    month_period,
    parse_period,
    previous_month,
    previous_quarter,
    quarter_period,
    resolve_scope,
    unit_options,
    year_period,
)
from safety.services.reports.trend import TrendPoint, trend

__all__ = [
    "AGEING_BUCKETS",
    "AccountabilityCase",
    "AccountableSpan",
    "Dashboard",
    "Figures",
    "HazardLine",
    "HolderSpan",
    "InspectionFigures",
    "LEVELS",
    "MAX_PERIOD_DAYS",
    "MonthlyReport",
    "OPEN_STATES",
    "PLAN_FIELDS",
    "Period",
    "ReminderSpan",
    "STATES",
    "Scope",
    "SignOff",
    "SignatureSpan",
    "StatutoryReport",
    "TARGET_METRICS",
    "TREND_MONTHS",
    "TargetRow",
    "TrendPoint",
    "UnitRow",
    "accountability",
    "by_category",
    "dashboard",
    "day_end",
    "day_start",
    "figures",
    "figures_by_unit",
    "home_unit_id",
    "inspections",
    "major_hazards",
    "month_ends",
    "month_period",
    "monthly_report",
    "overdue_hazards",
    "parse_period",
    "plan_occurrences",
    "previous_month",
    "previous_quarter",
    "quarter_period",
    "rate",
    "resolve_scope",
    "roll_up",
    "sign_offs",
    "statutory_report",
    "targets",
    "trend",
    "unit_options",
    "year_period",
]
