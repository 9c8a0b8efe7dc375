"""Analysis: the four levels of evaluation, across pilots, and plain-English findings.

Every function takes canonical tables (see :mod:`evalkit.schemas`) and returns a new tidy
frame whose columns start with ``level, measure, pilot_id, group, n, estimate, ci_low,
ci_high, p_value, method``; frames stack with :func:`pandas.concat`. Nothing is rounded and
nothing is plotted here. Every resampling method takes a ``seed`` with a fixed default, so
results repeat exactly. ``docs/analysis.md`` explains the measures and the rules behind them.

* participation — :func:`turnout`, :func:`attendees_by_role`, :func:`representation`,
  :func:`sessions_attended`, :func:`retention`, :func:`minutes_present`,
  :func:`participation_summary` (all of them);
* reaction — :func:`feedback_ratings`, :func:`yes_no_answers`, :func:`reaction_summary`;
* learning — :func:`pre_post`, :func:`baseline_spread`, :func:`attrition`, :func:`learning_summary`;
* behaviour — :func:`weekly_series`, :func:`period_values`, :func:`cohort_change`,
  :func:`difference_in_differences`, :func:`parallel_trends`, :func:`dose_response`,
  :func:`dose_summary`, :func:`behaviour_summary`, :func:`behaviour_levels` (the summary, the trends
  check and the weekly series from one pass);
* cross-pilot — :func:`side_by_side`, :func:`pilot_characteristics`, :func:`compare_pilots`,
  :func:`pilot_facts`;
* :func:`findings` — sentences a commissioner can read.

(``from evalkit.analysis import findings`` gives the function; its module is
``evalkit.analysis.findings``.)

>>> from evalkit.analysis import example_tables, turnout
>>> t = example_tables()
>>> turnout(t["sessions"], t["attendance"], t["participants"])[["session_label", "k", "n"]]
  session_label  k  n
0    Workshop 1  5  6
1    Workshop 2  4  6
2    Workshop 3  3  6
3   any session  5  6
"""

from ._common import RESULT_COLUMNS, attendance_by_person, eligible_people
from .behaviour import (
    behaviour_levels,
    behaviour_summary,
    cohort_change,
    daily_activity,
    difference_in_differences,
    dose_response,
    dose_summary,
    parallel_trends,
    period_values,
    programme_periods,
    weekly_series,
)
from .crosspilot import compare_pilots, pilot_characteristics, pilot_facts, side_by_side
from .examples import example_tables
from .findings import findings, labels_from_programme
from .learning import attrition, baseline_scores, baseline_spread, learning_summary, pre_post, wave_answers
from .participation import (
    attendees_by_role,
    minutes_present,
    participation_summary,
    representation,
    retention,
    sessions_attended,
    turnout,
)
from .reaction import feedback_ratings, reaction_summary, yes_no_answers

__all__ = [
    "RESULT_COLUMNS",
    "attendance_by_person",
    "attendees_by_role",
    "attrition",
    "baseline_scores",
    "baseline_spread",
    "behaviour_levels",
    "behaviour_summary",
    "cohort_change",
    "compare_pilots",
    "daily_activity",
    "difference_in_differences",
    "dose_response",
    "dose_summary",
    "eligible_people",
    "example_tables",
    "feedback_ratings",
    "findings",
    "labels_from_programme",
    "learning_summary",
    "minutes_present",
    "parallel_trends",
    "participation_summary",
    "period_values",
    "pilot_characteristics",
    "pilot_facts",
    "pre_post",
    "programme_periods",
    "reaction_summary",
    "representation",
    "retention",
    "sessions_attended",
    "side_by_side",
    "turnout",
    "wave_answers",
    "weekly_series",
    "yes_no_answers",
]
