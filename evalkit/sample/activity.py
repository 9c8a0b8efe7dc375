"""Social-media activity of the sample's councillors: daily series and posts per account.

For each account the model runs day by day over the metrics window (13 weeks before the
first session to 13 weeks after the last): posts a day are Poisson with the person's rate,
which rises by ``ACTIVITY["posts_per_week_per_session"]`` from the date of each session the
person attended; each post is a reply with a probability that rises the same way; followers
grow with activity. Comparison councillors attend nothing, so their series stay flat.
The daily frame holds every metric any export writes, the posts frame every per-post count;
the generator picks the columns each format has.

>>> import datetime as dt
>>> from evalkit.sample.activity import snowflake
>>> len(snowflake(dt.datetime(2022, 10, 4, 9, 30, tzinfo=dt.timezone.utc), 5))
19
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .world import ACTIVITY, PilotWorld

__all__ = ["DAILY_COLUMNS", "POST_COLUMNS", "Account", "account_activity", "metrics_window", "snowflake"]

DAILY_COLUMNS = ["person_key", "date", "posts", "impressions", "engagements", "likes", "reposts", "replies",
                 "profile_visits", "link_clicks", "new_follows", "unfollows", "followers", "bookmarks",
                 "shares", "video_views", "media_views", "page_likes", "reach", "views"]
POST_COLUMNS = ["person_key", "post_id", "timestamp", "text", "is_reply", "impressions", "engagements", "likes",
                "reposts", "replies", "profile_clicks", "url_clicks", "bookmarks", "shares", "new_follows",
                "detail_expands", "hashtag_clicks", "permalink_clicks", "media_views"]

_TWITTER_EPOCH_MS = 1288834974657

_PLACES = ["the library", "Market Street", "the community centre", "St Mary's school", "the leisure centre",
           "the park", "the town hall", "the food bank", "the high street", "the bus station"]
_TOPICS = ["potholes", "bin collections", "the local plan", "parking", "flooding", "street lighting",
           "the library opening hours", "school crossings", "litter picking", "the budget consultation"]
_POSTS = [
    "Great to meet residents at {place} today to talk about {topic}",
    "Reminder: ward surgery this Saturday at {place}, 10-12. All welcome!",
    "Full council tonight - we'll be debating {topic}. Watch the live stream",
    "Thanks to everyone who came to the {topic} drop-in at {place} & shared their views",
    "Update on {topic}: work starts next week near {place}.\nDiversions will be signposted.",
    "Proud of our volunteers at {place} - over 40 bags collected!",
    "Have your say on {topic} - the consultation closes Friday",
    "\"It's about listening\" - what I heard at {place} about {topic}",
    "Turnout at the {topic} meeting <50% again. How can we make it easier to take part?",
    "Good news for {place}: funding confirmed for {topic}\n\nMore details on the council website",
    "Out with the team in the rain today sorting {topic} issues near {place}",
    "Q&A on {topic} at {place}, Thursday 7pm",
]
_REPLIES = [
    "@{who} Thanks for raising this - I've reported it to highways",
    "@{who} I'll chase this up with the officers and come back to you",
    "@{who} Happy to meet at {place} to talk it through",
    "@{who} Agreed - {topic} is a priority for me too",
    "@{who} Thanks! It was a great turnout",
    "@{who} Good question - the answer is in the report (p.12) & I'll DM you the link",
]
_RESIDENTS = ["ResidentsAssoc", "localmum_22", "JimFromTheParish", "HighStreetTrader", "parkfriends",
              "cyclinglocal", "SchoolRunDad", "litterpickers", "BusUsersGroup", "OldTownHistory"]


def snowflake(when: dt.datetime, salt: int) -> str:
    """An X post id (a 64-bit "snowflake" whose high bits are the time): 19 digits as text."""
    ms = int(when.timestamp() * 1000)
    return str(((ms - _TWITTER_EPOCH_MS) << 22) | (salt & 0x3FFFFF))


def metrics_window(world: PilotWorld) -> tuple[dt.date, dt.date]:
    """First and last day of the pilot's metric exports: 13 weeks either side of the programme."""
    weeks = dt.timedelta(weeks=world.design.metric_weeks)
    return world.sessions[0].date - weeks, world.sessions[-1].date + weeks


class Account:
    """One person's account on one platform, with its daily series and posts."""

    def __init__(self, person_key: str, platform: str, name: str, daily: pd.DataFrame, posts: pd.DataFrame):
        self.person_key = person_key
        self.platform = platform
        self.name = name
        self.daily = daily
        self.posts = posts

    def __repr__(self) -> str:
        return f"Account({self.platform} {self.name}: {len(self.daily)} days, {len(self.posts)} posts)"


def _sessions_by_day(world: PilotWorld, person_key: str, days: pd.DatetimeIndex) -> np.ndarray:
    """Number of sessions the person had attended by each day (a session counts from its date)."""
    present = world.attendance[(world.attendance.person_key == person_key) & (world.attendance.status == "present")]
    dates = {s.id: pd.Timestamp(s.date) for s in world.sessions}
    attended = np.sort(np.array([dates[s] for s in present["session_id"]], dtype="datetime64[ns]"))
    return np.searchsorted(attended, days.to_numpy(), side="right")


def account_activity(world: PilotWorld, person: pd.Series, platform: str, rng: np.random.Generator,
                     timezone: str = "Europe/London") -> Account:
    """Daily series and posts of one person's account (``platform`` "x" or "facebook")."""
    first, last = metrics_window(world)
    days = pd.date_range(first, last, freq="D")
    n = len(days)
    attended = _sessions_by_day(world, person["person_key"], days)
    per_session = 0.0 if person["comparison"] else 1.0
    rate = person["posts_per_week"] + ACTIVITY["posts_per_week_per_session"] * attended * per_session
    share = np.minimum(person["reply_share"] + ACTIVITY["reply_share_per_session"] * attended * per_session,
                       ACTIVITY["reply_share_cap"])
    if platform == "facebook":
        rate = rate * 0.6
        share = share * 0.3
    weekday = np.where(days.day_of_week >= 5, 0.6, 1.12)
    posts_a_day = rng.poisson(rate / 7.0 * weekday)
    start_followers = person["followers_at_start"]
    if pd.isna(start_followers):
        start_followers = int(np.exp(rng.normal(6.0, 0.6)))
    start_followers = int(start_followers)

    # followers move with activity; computed day by day only through a cumulative sum
    gain_rate = 0.0009 * start_followers + 0.5 * posts_a_day
    new_follows = rng.poisson(gain_rate)
    unfollows = rng.poisson(0.0004 * start_followers, n)
    followers = start_followers + np.cumsum(new_follows - unfollows) - (new_follows - unfollows)

    posts = _posts(person, platform, days, posts_a_day, share, followers, rng, timezone)
    day_of_post = posts["timestamp"].dt.tz_convert(timezone).dt.tz_localize(None).dt.normalize()
    position = days.get_indexer(day_of_post)
    sums = {c: np.bincount(position, weights=posts[c].to_numpy(dtype=float), minlength=n)
            for c in ("impressions", "engagements", "likes", "reposts", "replies", "profile_clicks",
                      "url_clicks", "bookmarks", "shares", "media_views")}
    background = rng.poisson(0.015 * followers)  # older posts still seen
    impressions = sums["impressions"] + background
    extra_eng = rng.binomial(background, 0.01)
    daily = pd.DataFrame({
        "person_key": person["person_key"],
        "date": days.date,
        "posts": posts_a_day,
        "impressions": impressions.astype(int),
        "engagements": (sums["engagements"] + extra_eng).astype(int),
        "likes": (sums["likes"] + extra_eng).astype(int),
        "reposts": sums["reposts"].astype(int),
        "replies": sums["replies"].astype(int),
        "profile_visits": (sums["profile_clicks"] + rng.poisson(0.002 * followers)).astype(int),
        "link_clicks": sums["url_clicks"].astype(int),
        "new_follows": new_follows,
        "unfollows": unfollows,
        "followers": followers,
        "bookmarks": sums["bookmarks"].astype(int),
        "shares": sums["shares"].astype(int),
        "video_views": rng.poisson(0.004 * followers * (posts_a_day > 0)),
        "media_views": sums["media_views"].astype(int),
        "page_likes": followers + new_follows - unfollows,
        "reach": (0.7 * impressions).astype(int),
        "views": (impressions * 1.1).astype(int),
    })
    name = person["x_handle"] if platform == "x" else person["facebook_page"]
    return Account(person["person_key"], platform, name, daily[DAILY_COLUMNS], posts[POST_COLUMNS])


def _posts(person: pd.Series, platform: str, days: pd.DatetimeIndex, per_day: np.ndarray, share: np.ndarray,
           followers: np.ndarray, rng: np.random.Generator, timezone: str) -> pd.DataFrame:
    total = int(per_day.sum())
    day_index = np.repeat(np.arange(len(days)), per_day)
    seconds = rng.integers(7 * 3600, 23 * 3600, total)
    local = days[day_index] + pd.to_timedelta(seconds, unit="s")
    stamp = local.tz_localize(timezone, ambiguous=True, nonexistent="shift_forward").tz_convert("UTC").floor("min")
    is_reply = rng.random(total) < share[day_index]
    reach = followers[day_index] * 0.12 * np.exp(rng.normal(0, 0.7, total)) * np.where(is_reply, 0.25, 1.0)
    impressions = rng.poisson(reach + 3)
    engagements = rng.binomial(impressions, np.clip(0.025 * np.exp(rng.normal(0, 0.4, total)), 0, 0.5))
    likes = rng.binomial(engagements, 0.45)
    rest = engagements - likes
    reposts = rng.binomial(rest, 0.2)
    rest = rest - reposts
    replies = rng.binomial(rest, 0.25)
    rest = rest - replies
    profile_clicks = rng.binomial(rest, 0.3)
    rest = rest - profile_clicks
    has_link = rng.random(total) < 0.3
    url_clicks = np.where(has_link, rng.binomial(rest, 0.5), 0)
    rest = rest - url_clicks
    detail_expands = rest
    texts = _texts(rng, is_reply, total)
    order = np.argsort(stamp.to_numpy(), kind="stable")
    salts = rng.integers(0, 2**22, total)
    post_ids = [snowflake(t.to_pydatetime(), int(s)) for t, s in zip(stamp, salts)]
    posts = pd.DataFrame({
        "person_key": person["person_key"],
        "post_id": pd.Series(post_ids, dtype="object"),
        "timestamp": stamp,
        "text": texts,
        "is_reply": is_reply,
        "impressions": impressions,
        "engagements": engagements,
        "likes": likes,
        "reposts": reposts,
        "replies": replies,
        "profile_clicks": profile_clicks,
        "url_clicks": url_clicks,
        "bookmarks": rng.binomial(likes, 0.05),
        "shares": rng.binomial(likes, 0.02),
        "new_follows": rng.binomial(profile_clicks, 0.1),
        "detail_expands": detail_expands,
        "hashtag_clicks": np.zeros(total, dtype=int),
        "permalink_clicks": rng.binomial(impressions, 0.001),
        "media_views": rng.binomial(impressions, 0.05),
    }).iloc[order].reset_index(drop=True)
    if platform == "facebook":
        posts["post_id"] = [f"{int(s) + 10**14}_{i}" for i, s in enumerate(salts[order])]
    return posts


def _texts(rng: np.random.Generator, is_reply: np.ndarray, n: int) -> list[str]:
    template = rng.integers(0, len(_POSTS), n)
    reply_template = rng.integers(0, len(_REPLIES), n)
    place = rng.integers(0, len(_PLACES), n)
    topic = rng.integers(0, len(_TOPICS), n)
    who = rng.integers(0, len(_RESIDENTS), n)
    out = []
    for i in range(n):  # string formatting per post (a few hundred per account)
        pattern = _REPLIES[reply_template[i]] if is_reply[i] else _POSTS[template[i]]
        out.append(pattern.format(place=_PLACES[place[i]], topic=_TOPICS[topic[i]], who=_RESIDENTS[who[i]]))
    return out
