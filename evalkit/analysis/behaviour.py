"""Behaviour: what participants did online before, during and after the programme.

The fourth level of evaluation, from the canonical ``metrics`` (account × day × metric) and
``posts`` (one row per post) tables, for people linked to the roster (``participant_id``).
Every person is followed per platform (X, Facebook, ...): a person with an X account and a
Facebook page has two series.

**Periods.** For each pilot the programme runs from its first to its last session (all
sessions, in date order). *before* is the ``before_weeks`` weeks (default 12) up to the day
before the first session, *during* is the first to the last session day, *after* is the
``after_weeks`` weeks (default 12) from the day after the last session. Weeks are counted in
7-day blocks from those anchors: before weeks −12 … −1, during weeks 0, 1, …, after weeks
1 … 12.

**Measures** (per person, platform and period, or week):

* ``posts a week`` — posts on observed days × 7 / observed days. Daily ``posts`` metrics are
  used when the account has them, else the posts listed in per-post exports;
* ``share of posts that are replies`` — replies / posts, from per-post exports (a post is a
  reply when ``is_reply``); no value without a listed post (broadcast → conversation);
* ``engagement rate`` — engagements / impressions (daily metrics when the account has both,
  else summed over its listed posts); no value without impressions;
* ``new followers a week`` — net new followers: daily ``new_follows`` minus ``unfollows``
  (where recorded) or, without those, the day-to-day change of ``followers``; × 7 / days.

**Observed days.** An account with daily metrics is observed on the days that have a metrics
row; an account known only from per-post exports is taken as observed on every day of the
window (a day without a listed post is a day without posts). A period value needs
``min_days`` observed days (default 7).

**Analyses** — :func:`cohort_change` (after − before for the cohort, with
:func:`evalkit.stats.paired_change`), :func:`difference_in_differences` (cohort change minus
comparison-set change, seeded bootstrap), :func:`parallel_trends` (before-period weekly slopes
of both groups and their difference), :func:`dose_response` and :func:`dose_summary` (change
by sessions attended). Every resampling takes ``seed`` (fixed default), so results repeat.

>>> from evalkit.analysis.examples import example_tables
>>> t = example_tables()
>>> values = period_values(t["metrics"], t["posts"], t["sessions"])
>>> posts = values[(values["measure"] == "posts a week") & (values["participant_id"] == "P-A")]
>>> posts[["period", "value", "observed_days"]]
   period    value  observed_days
6  before  1.00000             84
7  during  1.09375             64
8   after  4.00000             84

P-A posts on one day in seven before and during the programme (the during period has 64
days, 10 of them with a post: 10 × 7 / 64 = 1.09375) and on four days in seven after it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..stats import DEFAULT_SEED, paired_change
from ._common import attendance_by_person, calendar_days, flag, result_frame

__all__ = [
    "MEASURES",
    "PERIODS",
    "behaviour_levels",
    "behaviour_summary",
    "cohort_change",
    "daily_activity",
    "difference_in_differences",
    "dose_response",
    "dose_summary",
    "parallel_trends",
    "period_values",
    "programme_periods",
    "weekly_series",
]

LEVEL = "behaviour"

PERIODS = ("before", "during", "after")

#: the behaviour measures, with what each one is
MEASURES = {
    "posts a week": "posts per 7 observed days",
    "share of posts that are replies": "replies / posts listed in per-post exports",
    "engagement rate": "engagements / impressions",
    "new followers a week": "net new followers per 7 observed days",
}


# ----------------------------------------------------------------------------- periods

def programme_periods(
    sessions: pd.DataFrame,
    *,
    before_weeks: int = 12,
    after_weeks: int = 12,
) -> pd.DataFrame:
    """The before / during / after windows of each pilot.

    Returns
    -------
    pandas.DataFrame
        ``pilot_id, first_session, last_session, window_start, window_end`` (Timestamps at
        midnight, no time zone: calendar days).

    Examples
    --------
    >>> import datetime as dt
    >>> sessions = pd.DataFrame({"pilot_id": ["p", "p"], "session_id": ["w1", "w2"],
    ...     "date": [dt.date(2024, 9, 3), dt.date(2024, 11, 5)]})
    >>> [str(v)[:10] for v in programme_periods(sessions, before_weeks=2, after_weeks=1).iloc[0]]
    ['p', '2024-09-03', '2024-11-05', '2024-08-20', '2024-11-12']
    """
    days = calendar_days(sessions["date"])
    frame = pd.DataFrame({"pilot_id": sessions["pilot_id"].astype("object"), "day": days})
    out = frame.groupby("pilot_id", sort=True)["day"].agg(first_session="min", last_session="max")
    out = out.reset_index()
    out["window_start"] = out["first_session"] - pd.Timedelta(weeks=int(before_weeks))
    out["window_end"] = out["last_session"] + pd.Timedelta(weeks=int(after_weeks))
    return out


def _local_days(timestamps: pd.Series, timezone: str) -> pd.Series:
    """Calendar days (midnight, no zone) of timestamps, in local time."""
    try:
        converted = pd.to_datetime(timestamps)
    except (ValueError, TypeError):
        converted = pd.to_datetime(timestamps, utc=True)
    if getattr(converted.dt, "tz", None) is not None:
        converted = converted.dt.tz_convert(timezone).dt.tz_localize(None)
    return converted.dt.normalize().astype("datetime64[ns]")


# ----------------------------------------------------------------------------- the activity cube

_ACTIVITY = ("posts", "posts_listed", "replies_listed", "impressions", "engagements", "net_follows")


@dataclass
class _Cube:
    """Every account's days of the window as arrays (accounts × days), built with vectorised
    counting (bincount), never a loop over rows.

    ``accounts`` has one row per account (pilot, person, platform) with the window of its
    pilot; the arrays hold each day's activity (NaN where the account has no such data or the
    day is not observed); ``valid`` marks the days inside the account's window.
    """

    accounts: pd.DataFrame
    valid: np.ndarray
    observed: np.ndarray
    period: np.ndarray
    week: np.ndarray
    arrays: dict


def _codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes, pd.Index(uniques)


def _day_numbers(values: pd.Series, timezone: str | None = None) -> np.ndarray:
    """Calendar days as integers (days since 1970-01-01); -1 for missing. Distinct values are
    converted once."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) == 0:
        return np.full(len(values), -1, dtype=np.int64)
    if timezone is not None:
        days = _local_days(pd.Series(uniques), timezone)
    else:
        days = calendar_days(pd.Series(uniques))
    numbers = days.to_numpy(dtype="datetime64[D]").astype(np.int64)
    numbers = np.where(days.isna().to_numpy(), -1, numbers)
    return np.where(codes >= 0, numbers[np.maximum(codes, 0)], -1)


def _account_codes(*frames: pd.DataFrame) -> tuple[pd.DataFrame, list[np.ndarray]]:
    """One integer code per (pilot_id, participant_id, platform) across the frames."""
    keys = ["pilot_id", "participant_id", "platform"]
    sizes = [len(f) for f in frames]
    stacked = pd.concat([f[keys] for f in frames], ignore_index=True)
    combined = np.zeros(len(stacked), dtype=np.int64)
    for key in keys:  # three key columns
        codes, uniques = _codes(stacked[key])
        combined = combined * (len(uniques) + 1) + (codes + 1)
    account_of = np.searchsorted(np.unique(combined), combined)
    first_rows = np.unique(account_of, return_index=True)[1]
    accounts = stacked.iloc[first_rows].reset_index(drop=True).astype("object")
    bounds = np.cumsum([0] + sizes)
    return accounts, [account_of[bounds[i]:bounds[i + 1]] for i in range(len(frames))]


def _cube(metrics, posts, sessions, *, before_weeks: int, after_weeks: int, timezone: str) -> _Cube:
    anchors = programme_periods(sessions, before_weeks=before_weeks, after_weeks=after_weeks)
    linked_metrics = metrics[metrics["participant_id"].notna()]
    linked_posts = posts[posts["participant_id"].notna()]
    accounts, (metric_account, post_account) = _account_codes(linked_metrics, linked_posts)
    accounts = accounts.merge(anchors, on="pilot_id", how="left")  # keeps the order of the codes
    n_accounts = len(accounts)
    # an account of a pilot without sessions has no window (n_days 0)
    has_window = accounts["window_start"].notna().to_numpy()

    def as_days(column: str) -> np.ndarray:
        values = pd.to_datetime(accounts[column]).fillna(pd.Timestamp(0))
        return values.to_numpy(dtype="datetime64[D]").astype(np.int64)

    start = as_days("window_start")
    first = as_days("first_session") - start
    last = as_days("last_session") - start
    n_days = np.where(has_window, as_days("window_end") - start + 1, 0)
    length = int(n_days.max()) if n_accounts else 0

    offsets = np.arange(length)
    valid = offsets[None, :] < n_days[:, None]
    period = np.select([offsets[None, :] < first[:, None], offsets[None, :] <= last[:, None]], [0, 1], 2)
    week = np.select(
        [period == 0, period == 1],
        [-((first[:, None] - offsets[None, :] + 6) // 7), (offsets[None, :] - first[:, None]) // 7],
        (offsets[None, :] - last[:, None] + 6) // 7,
    )
    accounts = accounts.assign(first_offset=first, last_offset=last, n_days=n_days)

    def cells(account: np.ndarray, day_numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Flat cell index of each row in the window (and a mask of rows inside it)."""
        offset = day_numbers - start[account] if n_accounts else day_numbers
        inside = (day_numbers >= 0) & (offset >= 0) & (offset < n_days[account])
        return account[inside] * length + offset[inside], inside

    size = n_accounts * length
    arrays: dict[str, np.ndarray] = {}

    # daily metrics: one bincount per metric name (a loop over distinct metrics)
    has_metric: dict[str, np.ndarray] = {}
    metric_days = _day_numbers(linked_metrics["date"])
    metric_codes, metric_names = _codes(linked_metrics["metric"])
    values = pd.to_numeric(linked_metrics["value"], errors="coerce").to_numpy(float)
    cell, inside = cells(metric_account, metric_days)
    any_row = np.zeros(size, dtype=bool)
    any_row[cell] = True
    metric_sums = {}
    for code, name in enumerate(metric_names):
        rows = metric_codes == code
        has_metric[name] = np.bincount(metric_account[rows], minlength=n_accounts) > 0
        chosen = rows[inside] & ~np.isnan(values[inside])
        sums = np.bincount(cell[chosen], weights=values[inside][chosen], minlength=size)
        present = np.bincount(cell[chosen], minlength=size) > 0
        metric_sums[name] = np.where(present, sums, np.nan).reshape(n_accounts, length)
    has_metrics = np.bincount(metric_account, minlength=n_accounts) > 0
    observed = np.where(has_metrics[:, None], any_row.reshape(n_accounts, length), True) & valid

    # posts listed in per-post exports
    post_days = _day_numbers(linked_posts["timestamp"], timezone)
    cell, inside = cells(post_account, post_days)
    has_listed = np.bincount(post_account, minlength=n_accounts) > 0
    reply = flag(linked_posts, "is_reply").to_numpy()[inside].astype(float)
    listed = {
        "posts": np.bincount(cell, minlength=size),
        "replies": np.bincount(cell, weights=reply, minlength=size),
        "impressions": np.bincount(cell, weights=np.nan_to_num(
            pd.to_numeric(linked_posts["impressions"], errors="coerce").to_numpy(float)[inside]), minlength=size),
        "engagements": np.bincount(cell, weights=np.nan_to_num(
            pd.to_numeric(linked_posts["engagements"], errors="coerce").to_numpy(float)[inside]), minlength=size),
    }
    listed = {k: v.reshape(n_accounts, length).astype(float) for k, v in listed.items()}

    def metric(name: str) -> np.ndarray:
        return metric_sums.get(name, np.full((n_accounts, length), np.nan))

    def has(name: str) -> np.ndarray:
        return has_metric.get(name, np.zeros(n_accounts, dtype=bool))[:, None]

    from_list = has_listed[:, None] & observed
    nan = np.nan
    arrays["posts_listed"] = np.where(from_list, listed["posts"], nan)
    arrays["replies_listed"] = np.where(from_list, listed["replies"], nan)
    arrays["posts"] = np.where(has("posts"), np.where(observed, np.nan_to_num(metric("posts")), nan),
                               arrays["posts_listed"])
    reach = has("impressions") & has("engagements")
    for name in ("impressions", "engagements"):
        arrays[name] = np.where(reach, np.where(observed, np.nan_to_num(metric(name)), nan),
                                np.where(from_list, listed[name], nan))
    flows = np.nan_to_num(metric("new_follows")) - np.nan_to_num(metric("unfollows"))
    totals = metric("followers")
    filled = _forward_fill(totals)
    step = filled - np.concatenate([np.full((n_accounts, 1), np.nan), filled[:, :-1]], axis=1)
    arrays["net_follows"] = np.where(has("new_follows"), np.where(observed, flows, nan),
                                     np.where(has("followers") & observed, step, nan))
    for name in arrays:
        arrays[name] = np.where(valid, arrays[name], nan)
    return _Cube(accounts, valid, observed, period, week, arrays)


def _forward_fill(values: np.ndarray) -> np.ndarray:
    """Carry the last non-missing value of each row forward (vectorised)."""
    if values.size == 0:
        return values
    index = np.where(~np.isnan(values), np.arange(values.shape[1])[None, :], 0)
    np.maximum.accumulate(index, axis=1, out=index)
    filled = values[np.arange(values.shape[0])[:, None], index]
    seen = np.maximum.accumulate(~np.isnan(values), axis=1)
    return np.where(seen, filled, np.nan)


def _totals(cube: _Cube, unit: np.ndarray, n_units: int) -> pd.DataFrame:
    """Sums of the observed days per account × unit (a period or a week), with day counts."""
    n_accounts = len(cube.accounts)
    key = (np.arange(n_accounts)[:, None] * n_units + unit)
    seen = cube.valid & cube.observed & (unit >= 0)
    size = n_accounts * n_units

    def total(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        usable = seen & ~np.isnan(values)
        sums = np.bincount(key[usable], weights=values[usable], minlength=size)
        counts = np.bincount(key[usable], minlength=size)
        return sums, counts

    out = {"observed_days": np.bincount(key[seen], minlength=size)}
    out["posts"], out["post_days"] = total(cube.arrays["posts"])
    out["posts_listed"], _ = total(cube.arrays["posts_listed"])
    out["replies_listed"], _ = total(cube.arrays["replies_listed"])
    out["impressions"], _ = total(cube.arrays["impressions"])
    out["engagements"], _ = total(cube.arrays["engagements"])
    out["net_follows"], out["follow_days"] = total(cube.arrays["net_follows"])
    frame = pd.DataFrame(out)
    frame["account"] = np.repeat(np.arange(n_accounts), n_units)
    frame["unit"] = np.tile(np.arange(n_units), n_accounts)
    return frame[frame["observed_days"] > 0].reset_index(drop=True)


def _with_keys(frame: pd.DataFrame, cube: _Cube) -> pd.DataFrame:
    accounts = cube.accounts
    out = frame.copy()
    for key in ("pilot_id", "participant_id", "platform"):
        out[key] = accounts[key].to_numpy()[out["account"].to_numpy()]
    return out


# ----------------------------------------------------------------------------- daily

def daily_activity(
    metrics: pd.DataFrame,
    posts: pd.DataFrame,
    sessions: pd.DataFrame,
    *,
    before_weeks: int = 12,
    after_weeks: int = 12,
    timezone: str = "Europe/London",
) -> pd.DataFrame:
    """One row per pilot × person × platform × day of the window, with the day's activity.

    Parameters
    ----------
    metrics, posts, sessions : pandas.DataFrame
        Canonical tables; only rows with a ``participant_id`` are used (several accounts of
        one person on one platform are added together).
    before_weeks, after_weeks : int, default 12
        Length of the before and after windows.
    timezone : str, default "Europe/London"
        Zone in which a post's timestamp gives its day (canonical timestamps are already in
        the programme's zone; this only matters for naive or mixed input).

    Returns
    -------
    pandas.DataFrame
        ``pilot_id, participant_id, platform, day, period, week, observed, posts,
        posts_listed, replies_listed, impressions, engagements, net_follows`` (counts of the
        day; NaN where the account has no such data or the day is not observed).

    Examples
    --------
    >>> from evalkit.analysis.examples import example_tables
    >>> t = example_tables()
    >>> days = daily_activity(t["metrics"], t["posts"], t["sessions"])
    >>> days[days["participant_id"] == "P-A"].groupby("period")[["posts", "replies_listed"]].sum()
            posts  replies_listed
    period
    after    48.0            12.0
    before   12.0             0.0
    during   10.0             0.0
    """
    cube = _cube(metrics, posts, sessions, before_weeks=before_weeks, after_weeks=after_weeks,
                 timezone=timezone)
    accounts = cube.accounts
    account, offset = np.nonzero(cube.valid)
    start = pd.to_datetime(accounts["window_start"]).to_numpy(dtype="datetime64[D]") if len(accounts) else \
        np.array([], dtype="datetime64[D]")
    out = pd.DataFrame({
        "pilot_id": accounts["pilot_id"].to_numpy()[account],
        "participant_id": accounts["participant_id"].to_numpy()[account],
        "platform": accounts["platform"].to_numpy()[account],
        "day": (start[account] + offset.astype("timedelta64[D]")).astype("datetime64[ns]"),
        "period": np.array(PERIODS, dtype=object)[cube.period[account, offset]],
        "week": cube.week[account, offset].astype(int),
        "observed": cube.observed[account, offset],
    })
    for name in _ACTIVITY:
        out[name] = cube.arrays[name][account, offset]
    for key in ("pilot_id", "participant_id", "platform", "period"):
        out[key] = out[key].astype("object")
    return out


# ----------------------------------------------------------------------------- per period, per week

def _measure_values(totals: pd.DataFrame, min_days: int) -> pd.DataFrame:
    """Measures from summed daily columns (one row per unit: period or week), long form."""
    days = totals["observed_days"]
    enough = days >= min_days
    with np.errstate(invalid="ignore", divide="ignore"):
        values = {
            "posts a week": (totals["posts"] * 7.0 / days).where(enough & (totals["post_days"] > 0)),
            "share of posts that are replies": (totals["replies_listed"] / totals["posts_listed"]).where(
                totals["posts_listed"] > 0),
            "engagement rate": (totals["engagements"] / totals["impressions"]).where(totals["impressions"] > 0),
            "new followers a week": (totals["net_follows"] * 7.0 / totals["follow_days"]).where(
                totals["follow_days"] >= min_days),
        }
    base = totals.drop(columns=["posts", "replies_listed", "engagements", "impressions", "net_follows",
                                "follow_days", "post_days"])
    parts = [base.assign(measure=name, value=value.astype(float)) for name, value in values.items()]
    long = pd.concat(parts, ignore_index=True)
    return long[long["value"].notna()].reset_index(drop=True)


def period_values(
    metrics: pd.DataFrame,
    posts: pd.DataFrame,
    sessions: pd.DataFrame,
    *,
    before_weeks: int = 12,
    after_weeks: int = 12,
    min_days: int = 7,
    timezone: str = "Europe/London",
) -> pd.DataFrame:
    """Each person's measures in each period (before, during, after the programme).

    Returns
    -------
    pandas.DataFrame
        Long: ``pilot_id, participant_id, platform, period, measure, value, observed_days,
        posts_listed`` (one row per person × platform × period × measure that has a value),
        sorted by pilot, person, platform, measure and period.
    """
    cube = _cube(metrics, posts, sessions, before_weeks=before_weeks, after_weeks=after_weeks,
                 timezone=timezone)
    return _period_values(cube, min_days)


def _period_values(cube: _Cube, min_days: int) -> pd.DataFrame:
    totals = _with_keys(_totals(cube, cube.period, 3), cube)
    totals["period"] = np.array(PERIODS, dtype=object)[totals["unit"].to_numpy()]
    long = _measure_values(totals, min_days)
    long = long.sort_values(["pilot_id", "participant_id", "platform", "measure", "unit"], kind="stable")
    columns = ["pilot_id", "participant_id", "platform", "period", "measure", "value", "observed_days",
               "posts_listed"]
    out = long[columns].reset_index(drop=True)
    out["observed_days"] = out["observed_days"].astype(int)
    return out


def weekly_series(
    metrics: pd.DataFrame,
    posts: pd.DataFrame,
    sessions: pd.DataFrame,
    *,
    before_weeks: int = 12,
    after_weeks: int = 12,
    min_days: int = 4,
    timezone: str = "Europe/London",
) -> pd.DataFrame:
    """Each person's measures week by week (7-day blocks counted from the programme's anchors).

    A week needs ``min_days`` observed days (default 4) for its rates, so the last block of
    the during period counts only when it has that many days.

    Returns
    -------
    pandas.DataFrame
        Long: ``pilot_id, participant_id, platform, period, week, week_start, measure, value,
        observed_days, posts_listed``.

    Examples
    --------
    >>> from evalkit.analysis.examples import example_tables
    >>> t = example_tables()
    >>> weeks = weekly_series(t["metrics"], t["posts"], t["sessions"])
    >>> a = weeks[(weeks["participant_id"] == "P-A") & (weeks["measure"] == "posts a week")]
    >>> a.groupby("period")["value"].agg(["size", "mean"])
            size  mean
    period
    after     12   4.0
    before    12   1.0
    during     9   1.0
    """
    cube = _cube(metrics, posts, sessions, before_weeks=before_weeks, after_weeks=after_weeks,
                 timezone=timezone)
    return _weekly_series(cube, before_weeks=before_weeks, after_weeks=after_weeks, min_days=min_days)


def _weekly_series(cube: _Cube, *, before_weeks: int, after_weeks: int, min_days: int) -> pd.DataFrame:
    during_weeks = int(((cube.accounts["last_offset"] - cube.accounts["first_offset"]) // 7).max()) + 1 \
        if len(cube.accounts) else 1
    # one unit per (period, week): before weeks, then during weeks, then after weeks
    unit = np.select(
        [cube.period == 0, cube.period == 1],
        [cube.week + before_weeks, before_weeks + cube.week],
        before_weeks + during_weeks + cube.week - 1,
    )
    unit = np.where(cube.valid, unit, -1)
    n_units = before_weeks + during_weeks + after_weeks
    totals = _with_keys(_totals(cube, unit, n_units), cube)
    u = totals["unit"].to_numpy()
    period = np.select([u < before_weeks, u < before_weeks + during_weeks], [0, 1], 2)
    week = np.select([period == 0, period == 1], [u - before_weeks, u - before_weeks],
                     u - before_weeks - during_weeks + 1)
    totals["period"] = np.array(PERIODS, dtype=object)[period]
    totals["week"] = week.astype(int)
    first = pd.to_datetime(cube.accounts["first_session"]).to_numpy()[totals["account"].to_numpy()]
    last = pd.to_datetime(cube.accounts["last_session"]).to_numpy()[totals["account"].to_numpy()]
    seven = np.timedelta64(7, "D")
    totals["week_start"] = np.where(period == 2, last + np.timedelta64(1, "D") + (week - 1) * seven,
                                    first + week * seven)
    long = _measure_values(totals, min_days)
    long = long.sort_values(["pilot_id", "participant_id", "platform", "measure", "unit"], kind="stable")
    columns = ["pilot_id", "participant_id", "platform", "period", "week", "week_start", "measure", "value",
               "observed_days", "posts_listed"]
    out = long[columns].reset_index(drop=True)
    out["observed_days"] = out["observed_days"].astype(int)
    return out


# ----------------------------------------------------------------------------- analyses

def _groups(participants: pd.DataFrame) -> pd.DataFrame:
    """pilot_id, participant_id, group ("cohort", "comparison" or None)."""
    cohort = flag(participants, "in_cohort")
    comparison = flag(participants, "comparison")
    group = np.select([cohort, comparison], ["cohort", "comparison"], "")
    out = pd.DataFrame({"pilot_id": participants["pilot_id"].astype("object"),
                        "participant_id": participants["participant_id"].astype("object"),
                        "group": group})
    return out[out["group"] != ""]


def _changes(values: pd.DataFrame, participants: pd.DataFrame) -> pd.DataFrame:
    """Per person × platform × measure: before, after, change (after − before), group."""
    keys = ["pilot_id", "participant_id", "platform", "measure"]
    chosen = values[values["period"].isin(["before", "after"])]
    wide = chosen.pivot_table(index=keys, columns="period", values="value", aggfunc="first")
    wide = wide.reindex(columns=["before", "after"]).reset_index()
    wide.columns.name = None
    wide["change"] = wide["after"] - wide["before"]
    return wide.merge(_groups(participants), on=["pilot_id", "participant_id"])


def cohort_change(
    metrics: pd.DataFrame,
    posts: pd.DataFrame,
    sessions: pd.DataFrame,
    participants: pd.DataFrame,
    *,
    before_weeks: int = 12,
    after_weeks: int = 12,
    min_days: int = 7,
    confidence: float = 0.95,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """The cohort's change from before to after the programme, per measure and platform.

    Cohort members (``in_cohort``) with a value in both periods are paired;
    :func:`evalkit.stats.paired_change` gives the exact Wilcoxon signed-rank p-value, the
    Hodges–Lehmann change (``estimate``, ``ci_low``, ``ci_high``), the rank-biserial effect
    with a seeded bootstrap interval and the share who went up. Members with a value in only
    one period are counted in ``n_missing``.

    Returns
    -------
    pandas.DataFrame
        One row per pilot × platform × measure: ``measure``, ``group`` "cohort", ``n``,
        ``estimate`` (after − before), ``ci_low``, ``ci_high``, ``p_value``, ``method``;
        extra columns ``platform, comparison`` ("before→after") and the paired-change columns
        ``n_missing, n_zero, n_improved, n_worse, median_before, median_after, statistic,
        hl_ci_level, effect, effect_ci_low, effect_ci_high, share_improved,
        share_improved_ci_low, share_improved_ci_high``.

    Examples
    --------
    >>> from evalkit.analysis.examples import example_tables
    >>> t = example_tables()
    >>> found = cohort_change(t["metrics"], t["posts"], t["sessions"], t["participants"])
    >>> found.loc[found["measure"] == "posts a week", ["n", "median_before", "median_after",
    ...                                                "n_improved", "estimate"]]
       n  median_before  median_after  n_improved  estimate
    2  6            1.5           2.5           3       1.0
    """
    values = period_values(metrics, posts, sessions, before_weeks=before_weeks,
                           after_weeks=after_weeks, min_days=min_days)
    return _cohort_change(values, participants, before_weeks=before_weeks, after_weeks=after_weeks,
                          confidence=confidence, seed=seed)


def _cohort_change(values, participants, *, before_weeks, after_weeks, confidence, seed) -> pd.DataFrame:
    changes = _changes(values, participants)
    changes = changes[changes["group"] == "cohort"]
    rows = []
    for (pilot_id, platform, measure), people in changes.groupby(["pilot_id", "platform", "measure"], sort=True):
        found = paired_change(people["before"].to_numpy(float), people["after"].to_numpy(float),
                              confidence=confidence, seed=seed, measure=measure)
        row = found.iloc[0].to_dict()
        row.update(pilot_id=pilot_id, platform=platform, measure=measure, comparison="before→after",
                   estimate=row["hl_estimate"], ci_low=row["hl_ci_low"], ci_high=row["hl_ci_high"],
                   method=f"{measure} ({MEASURES[measure]}), {before_weeks} weeks before vs "
                          f"{after_weeks} weeks after; " + row["method"])
        rows.append(row)
    frame = result_frame(rows, ["platform", "comparison", "n_missing", "n_zero", "n_improved", "n_worse",
                                "median_before", "median_after", "statistic", "hl_ci_level", "effect",
                                "effect_ci_low", "effect_ci_high", "share_improved",
                                "share_improved_ci_low", "share_improved_ci_high"])
    frame["level"] = LEVEL
    frame["group"] = "cohort"
    return frame


def _bootstrap_means(values: np.ndarray, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Means of ``n_resamples`` resamples (with replacement) of ``values``."""
    picks = rng.integers(0, values.size, size=(n_resamples, values.size))
    return values[picks].mean(axis=1)


def _interval(draws: np.ndarray, confidence: float) -> tuple[float, float]:
    draws = draws[~np.isnan(draws)]
    if draws.size == 0:
        return np.nan, np.nan
    alpha = 1.0 - confidence
    low, high = np.quantile(draws, [alpha / 2.0, 1.0 - alpha / 2.0])
    return float(low), float(high)


def difference_in_differences(
    metrics: pd.DataFrame,
    posts: pd.DataFrame,
    sessions: pd.DataFrame,
    participants: pd.DataFrame,
    *,
    before_weeks: int = 12,
    after_weeks: int = 12,
    min_days: int = 7,
    confidence: float = 0.95,
    n_resamples: int = 4000,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """Cohort change minus comparison-set change, where a comparison set exists.

    The comparison set is the roster people with ``comparison`` true (councillors who did not
    take part). For each measure and platform, ``estimate`` = mean(after − before) in the
    cohort − mean(after − before) in the comparison set. Its interval is a percentile
    bootstrap: ``n_resamples`` times, people are resampled with replacement within each
    group (seeded with ``seed``). Each group needs at least 2 people with both periods. The
    estimate is only as good as the parallel-trends assumption: see :func:`parallel_trends`.

    Returns
    -------
    pandas.DataFrame
        ``measure``, ``group`` "cohort minus comparison", ``n`` (both groups), ``estimate``,
        ``ci_low``, ``ci_high``, ``method``; extra columns ``platform, n_cohort,
        n_comparison, mean_change_cohort, mean_change_comparison``.

    Examples
    --------
    >>> from evalkit.analysis.examples import example_tables
    >>> t = example_tables()
    >>> found = difference_in_differences(t["metrics"], t["posts"], t["sessions"], t["participants"])
    >>> found.loc[found["measure"] == "posts a week",
    ...           ["n_cohort", "mean_change_cohort", "n_comparison", "mean_change_comparison", "estimate"]]
       n_cohort  mean_change_cohort  n_comparison  mean_change_comparison  estimate
    2         6                 1.0             2                     0.5       0.5
    """
    values = period_values(metrics, posts, sessions, before_weeks=before_weeks,
                           after_weeks=after_weeks, min_days=min_days)
    return _difference_in_differences(values, participants, confidence=confidence,
                                      n_resamples=n_resamples, seed=seed)


def _difference_in_differences(values, participants, *, confidence, n_resamples, seed) -> pd.DataFrame:
    changes = _changes(values, participants).dropna(subset=["change"])
    rows = []
    for (pilot_id, platform, measure), people in changes.groupby(["pilot_id", "platform", "measure"], sort=True):
        cohort = people.loc[people["group"] == "cohort", "change"].to_numpy(float)
        comparison = people.loc[people["group"] == "comparison", "change"].to_numpy(float)
        if cohort.size < 2 or comparison.size < 2:
            continue
        rng = np.random.default_rng(seed)
        draws = _bootstrap_means(cohort, n_resamples, rng) - _bootstrap_means(comparison, n_resamples, rng)
        low, high = _interval(draws, confidence)
        rows.append({
            "pilot_id": pilot_id, "platform": platform, "measure": measure,
            "n": cohort.size + comparison.size, "n_cohort": cohort.size, "n_comparison": comparison.size,
            "mean_change_cohort": cohort.mean(), "mean_change_comparison": comparison.mean(),
            "estimate": cohort.mean() - comparison.mean(), "ci_low": low, "ci_high": high,
            "method": f"difference in differences: mean change (after − before) in the cohort minus "
                      f"in the comparison set; percentile bootstrap interval ({n_resamples} "
                      f"resamples of people within each group, seed {seed}); assumes parallel trends",
        })
    frame = result_frame(rows, ["platform", "n_cohort", "n_comparison", "mean_change_cohort",
                                "mean_change_comparison"])
    frame["level"] = LEVEL
    frame["group"] = "cohort minus comparison"
    return frame


def _slopes(weekly: pd.DataFrame, min_weeks: int) -> pd.DataFrame:
    """Least-squares slope of value on week per person × platform × measure (vectorised)."""
    keys = ["pilot_id", "participant_id", "platform", "measure"]
    data = weekly[keys + ["week", "value"]].copy()
    grouped = data.groupby(keys)
    data["x"] = data["week"] - grouped["week"].transform("mean")
    data["y"] = data["value"] - grouped["value"].transform("mean")
    data["xy"] = data["x"] * data["y"]
    data["xx"] = data["x"] * data["x"]
    sums = data.groupby(keys).agg(xy=("xy", "sum"), xx=("xx", "sum"), weeks=("week", "size")).reset_index()
    sums = sums[(sums["weeks"] >= min_weeks) & (sums["xx"] > 0)]
    sums["slope"] = sums["xy"] / sums["xx"]
    return sums[keys + ["weeks", "slope"]]


def parallel_trends(
    metrics: pd.DataFrame,
    posts: pd.DataFrame,
    sessions: pd.DataFrame,
    participants: pd.DataFrame,
    *,
    before_weeks: int = 12,
    after_weeks: int = 12,
    min_weeks: int = 3,
    confidence: float = 0.95,
    n_resamples: int = 4000,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """The parallel-trends check behind :func:`difference_in_differences`.

    For each person, the least-squares slope of their weekly values over the before weeks
    (at least ``min_weeks`` weeks with a value); then the mean slope of the cohort, of the
    comparison set, and their difference, each with a percentile bootstrap interval
    (people resampled within groups, seeded). A difference whose interval is far from zero
    means the groups were already drifting apart before the programme, and the
    difference-in-differences estimate should be read with care.

    Returns
    -------
    pandas.DataFrame
        Per pilot × platform × measure, three rows with ``measure`` "pre-period trend: <the
        measure>" and ``group`` "cohort", "comparison" and "cohort minus comparison": ``n``
        people, ``estimate`` the mean slope (change in the measure per week) with its interval;
        extra columns ``platform, period`` ("before"), ``outcome`` (the measure itself),
        ``n_cohort, n_comparison`` (on the difference row).

    Examples
    --------
    >>> from evalkit.analysis.examples import example_tables
    >>> t = example_tables()
    >>> found = parallel_trends(t["metrics"], t["posts"], t["sessions"], t["participants"])
    >>> found.loc[found["outcome"] == "posts a week", ["group", "n", "estimate"]]
                         group  n  estimate
    6                   cohort  6       0.0
    7               comparison  2       0.0
    8  cohort minus comparison  8       0.0
    """
    weekly = weekly_series(metrics, posts, sessions, before_weeks=before_weeks, after_weeks=after_weeks)
    return _parallel_trends(weekly, participants, before_weeks=before_weeks, min_weeks=min_weeks,
                            confidence=confidence, n_resamples=n_resamples, seed=seed)


def _parallel_trends(weekly, participants, *, before_weeks, min_weeks, confidence, n_resamples,
                     seed) -> pd.DataFrame:
    weekly = weekly[weekly["period"] == "before"]
    slopes = _slopes(weekly, min_weeks).merge(_groups(participants), on=["pilot_id", "participant_id"])
    rows = []
    for (pilot_id, platform, measure), people in slopes.groupby(["pilot_id", "platform", "measure"], sort=True):
        cohort = people.loc[people["group"] == "cohort", "slope"].to_numpy(float)
        comparison = people.loc[people["group"] == "comparison", "slope"].to_numpy(float)
        if cohort.size < 2 or comparison.size < 2:
            continue
        rng = np.random.default_rng(seed)
        draws_cohort = _bootstrap_means(cohort, n_resamples, rng)
        draws_comparison = _bootstrap_means(comparison, n_resamples, rng)
        how = (f"mean least-squares slope per week over the {before_weeks} weeks before (people with "
               f"at least {min_weeks} weeks); percentile bootstrap interval ({n_resamples} resamples "
               f"of people within each group, seed {seed})")
        common = {"pilot_id": pilot_id, "platform": platform, "measure": measure, "period": "before"}
        for group, slope, draws in (("cohort", cohort, draws_cohort),
                                    ("comparison", comparison, draws_comparison)):
            low, high = _interval(draws, confidence)
            rows.append({**common, "group": group, "n": slope.size, "estimate": slope.mean(),
                         "ci_low": low, "ci_high": high, "method": how})
        low, high = _interval(draws_cohort - draws_comparison, confidence)
        rows.append({**common, "group": "cohort minus comparison", "n": cohort.size + comparison.size,
                     "n_cohort": cohort.size, "n_comparison": comparison.size,
                     "estimate": cohort.mean() - comparison.mean(), "ci_low": low, "ci_high": high,
                     "method": "difference in mean slopes; " + how})
    frame = result_frame(rows, ["platform", "period", "outcome", "n_cohort", "n_comparison"])
    frame["level"] = LEVEL
    frame["outcome"] = frame["measure"]
    frame["measure"] = "pre-period trend: " + frame["measure"].astype("object")
    return frame


def _doses(sessions: pd.DataFrame, attendance: pd.DataFrame) -> pd.DataFrame:
    """Sessions attended (present) per linked person, out of the pilot's sessions."""
    present = attendance_by_person(attendance)
    present = present[present["status"] == "present"].merge(
        sessions[["pilot_id", "session_id"]], on=["pilot_id", "session_id"])
    return present.groupby(["pilot_id", "participant_id"]).size().rename("sessions").reset_index()


def _dose_changes(values, sessions, participants, attendance) -> pd.DataFrame:
    changes = _changes(values, participants).dropna(subset=["change"])
    changes = changes[changes["group"] == "cohort"]
    changes = changes.merge(_doses(sessions, attendance), on=["pilot_id", "participant_id"], how="left")
    changes["sessions"] = changes["sessions"].fillna(0).astype(int)
    return changes


def dose_response(
    metrics: pd.DataFrame,
    posts: pd.DataFrame,
    sessions: pd.DataFrame,
    participants: pd.DataFrame,
    attendance: pd.DataFrame,
    *,
    before_weeks: int = 12,
    after_weeks: int = 12,
    min_days: int = 7,
    confidence: float = 0.95,
    n_resamples: int = 4000,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """Did members who attended more sessions change more? The slope of change on dose.

    For cohort members with both periods, the least-squares slope of their change (after −
    before) on the number of sessions they attended (:func:`attendance_by_person`: present at
    any source). Interval: percentile bootstrap over people (pairs resampled together,
    seeded); resamples in which everyone attended the same number of sessions have no slope
    and are left out (``method`` says how many). Needs at least 3 people and two different
    doses. An association, not proof of cause: keen members may both attend more and post
    more.

    Returns
    -------
    pandas.DataFrame
        ``measure``, ``group`` "slope per session attended", ``n``, ``estimate`` (change in
        the measure per extra session), ``ci_low``, ``ci_high``, ``method``; extra column
        ``platform``.

    Examples
    --------
    >>> from evalkit.analysis.examples import example_tables
    >>> t = example_tables()
    >>> found = dose_response(t["metrics"], t["posts"], t["sessions"], t["participants"], t["attendance"])
    >>> found.loc[found["measure"] == "posts a week", ["n", "estimate"]]
       n  estimate
    2  6      0.75
    """
    values = period_values(metrics, posts, sessions, before_weeks=before_weeks,
                           after_weeks=after_weeks, min_days=min_days)
    return _dose_response(values, sessions, participants, attendance, confidence=confidence,
                          n_resamples=n_resamples, seed=seed)


def _dose_response(values, sessions, participants, attendance, *, confidence, n_resamples,
                   seed) -> pd.DataFrame:
    changes = _dose_changes(values, sessions, participants, attendance)
    rows = []
    for (pilot_id, platform, measure), people in changes.groupby(["pilot_id", "platform", "measure"], sort=True):
        x = people["sessions"].to_numpy(float)
        y = people["change"].to_numpy(float)
        if x.size < 3 or np.ptp(x) == 0:
            continue
        slope = float(np.sum((x - x.mean()) * (y - y.mean())) / np.sum((x - x.mean()) ** 2))
        rng = np.random.default_rng(seed)
        picks = rng.integers(0, x.size, size=(n_resamples, x.size))
        xs, ys = x[picks], y[picks]
        xc = xs - xs.mean(axis=1, keepdims=True)
        yc = ys - ys.mean(axis=1, keepdims=True)
        sxx = (xc * xc).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            draws = np.where(sxx > 0, (xc * yc).sum(axis=1) / np.where(sxx > 0, sxx, 1.0), np.nan)
        dropped = int(np.isnan(draws).sum())
        low, high = _interval(draws, confidence)
        rows.append({
            "pilot_id": pilot_id, "platform": platform, "measure": measure, "n": x.size,
            "estimate": slope, "ci_low": low, "ci_high": high,
            "method": f"least-squares slope of change (after − before) on sessions attended; "
                      f"percentile bootstrap interval ({n_resamples} resamples of people, seed {seed}"
                      f"{f'; {dropped} resamples with a single dose left out' if dropped else ''})",
        })
    frame = result_frame(rows, ["platform"])
    frame["level"] = LEVEL
    frame["group"] = "slope per session attended"
    return frame


def dose_summary(
    metrics: pd.DataFrame,
    posts: pd.DataFrame,
    sessions: pd.DataFrame,
    participants: pd.DataFrame,
    attendance: pd.DataFrame,
    *,
    before_weeks: int = 12,
    after_weeks: int = 12,
    min_days: int = 7,
) -> pd.DataFrame:
    """Change (after − before) by number of sessions attended: a tidy per-dose table.

    Returns
    -------
    pandas.DataFrame
        One row per pilot × platform × measure × dose: ``measure``, ``group`` ("3 sessions"),
        ``n`` members, ``estimate`` their mean change; extra columns ``platform, sessions,
        median_change``. No interval: groups at one dose are very small (use
        :func:`dose_response` for the trend).

    Examples
    --------
    >>> from evalkit.analysis.examples import example_tables
    >>> t = example_tables()
    >>> found = dose_summary(t["metrics"], t["posts"], t["sessions"], t["participants"], t["attendance"])
    >>> found.loc[found["measure"] == "posts a week", ["sessions", "n", "estimate"]]
        sessions  n  estimate
    8          0  1       0.0
    9          1  1       0.0
    10         2  1       0.0
    11         3  3       2.0
    """
    values = period_values(metrics, posts, sessions, before_weeks=before_weeks,
                           after_weeks=after_weeks, min_days=min_days)
    changes = _dose_changes(values, sessions, participants, attendance)
    rows = changes.groupby(["pilot_id", "platform", "measure", "sessions"], sort=True).agg(
        n=("change", "size"), estimate=("change", "mean"), median_change=("change", "median"),
    ).reset_index()
    rows["group"] = rows["sessions"].map(lambda d: f"{d} session{'s' if d != 1 else ''}")
    rows["level"] = LEVEL
    rows["method"] = "mean change (after − before) of cohort members who attended this many sessions"
    return result_frame(rows, ["platform", "sessions", "median_change"])


def behaviour_summary(
    metrics: pd.DataFrame,
    posts: pd.DataFrame,
    sessions: pd.DataFrame,
    participants: pd.DataFrame,
    attendance: pd.DataFrame,
    *,
    before_weeks: int = 12,
    after_weeks: int = 12,
    min_days: int = 7,
    confidence: float = 0.95,
    n_resamples: int = 4000,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """:func:`cohort_change`, :func:`difference_in_differences` and :func:`dose_response`
    stacked, from one pass over the metrics (the parallel-trends check and the per-dose table
    are separate frames).

    Examples
    --------
    >>> from evalkit.analysis.examples import example_tables
    >>> t = example_tables()
    >>> found = behaviour_summary(t["metrics"], t["posts"], t["sessions"], t["participants"], t["attendance"])
    >>> found.groupby("group").size()
    group
    cohort                        4
    cohort minus comparison       4
    slope per session attended    4
    dtype: int64
    """
    values = period_values(metrics, posts, sessions, before_weeks=before_weeks,
                           after_weeks=after_weeks, min_days=min_days)
    return _behaviour_summary(values, sessions, participants, attendance, before_weeks=before_weeks,
                              after_weeks=after_weeks, confidence=confidence, n_resamples=n_resamples,
                              seed=seed)


def _behaviour_summary(values, sessions, participants, attendance, *, before_weeks, after_weeks, confidence,
                       n_resamples, seed) -> pd.DataFrame:
    parts = [_cohort_change(values, participants, before_weeks=before_weeks, after_weeks=after_weeks,
                            confidence=confidence, seed=seed),
             _difference_in_differences(values, participants, confidence=confidence,
                                        n_resamples=n_resamples, seed=seed),
             _dose_response(values, sessions, participants, attendance, confidence=confidence,
                            n_resamples=n_resamples, seed=seed)]
    parts = [p for p in parts if len(p)]
    if not parts:
        return result_frame([], ["platform"])
    return pd.concat(parts, ignore_index=True)


def behaviour_levels(
    metrics: pd.DataFrame,
    posts: pd.DataFrame,
    sessions: pd.DataFrame,
    participants: pd.DataFrame,
    attendance: pd.DataFrame,
    *,
    before_weeks: int = 12,
    after_weeks: int = 12,
    min_days: int = 7,
    weekly_min_days: int = 4,
    min_weeks: int = 3,
    confidence: float = 0.95,
    n_resamples: int = 4000,
    seed: int = DEFAULT_SEED,
    timezone: str = "Europe/London",
) -> dict[str, pd.DataFrame]:
    """:func:`behaviour_summary`, :func:`parallel_trends` and :func:`weekly_series` from one
    pass over the metrics and posts (the accounts × days arrays built once, not three times).

    Returns
    -------
    dict of DataFrame
        ``behaviour`` (as :func:`behaviour_summary` gives it), ``trends`` (as
        :func:`parallel_trends`) and ``weekly`` (as :func:`weekly_series` with
        ``min_days=weekly_min_days``), each exactly what those functions give for the same
        arguments.

    Examples
    --------
    >>> from evalkit.analysis.examples import example_tables
    >>> t = example_tables()
    >>> found = behaviour_levels(t["metrics"], t["posts"], t["sessions"], t["participants"], t["attendance"])
    >>> sorted(found), len(found["trends"])
    (['behaviour', 'trends', 'weekly'], 12)
    """
    cube = _cube(metrics, posts, sessions, before_weeks=before_weeks, after_weeks=after_weeks,
                 timezone=timezone)
    values = _period_values(cube, min_days)
    weekly = _weekly_series(cube, before_weeks=before_weeks, after_weeks=after_weeks, min_days=weekly_min_days)
    return {
        "behaviour": _behaviour_summary(values, sessions, participants, attendance, before_weeks=before_weeks,
                                        after_weeks=after_weeks, confidence=confidence,
                                        n_resamples=n_resamples, seed=seed),
        "trends": _parallel_trends(weekly, participants, before_weeks=before_weeks, min_weeks=min_weeks,
                                   confidence=confidence, n_resamples=n_resamples, seed=seed),
        "weekly": weekly,
    }
