"""Streamlit-side access to the query layer: one engine per process, settings from the environment,
the sidebar filters, and cached team-level results.

Only team-level results of the query layer are cached (st.cache_data); every cache key includes
the store version, so a new ingest or analysis shows at the next page view. Nothing per person is
ever cached or shown.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import streamlit as st

from slopradar import access_log, queries
from slopradar.config import Settings
from slopradar.store import open_store

ALL = "All"


def settings() -> Settings:
    return Settings.load()  # cheap: environment and an optional TOML file


@st.cache_resource
def _engine(url: str):
    return open_store(settings())


def engine():
    return _engine(settings().db_url())


@st.cache_data(ttl=30, show_spinner=False)
def _version(url: str) -> str:
    return queries.store_version(engine())


def version() -> str:
    """The cache key of every cached result: the store's URL, the threshold and the version of its cells."""
    url = settings().db_url()
    return f"{url}|{settings().min_group_size}|{_version(url)}"


@st.cache_data(show_spinner=False)
def options(version: str) -> dict[str, list[str]]:
    return queries.options(engine(), settings().min_group_size)


@st.cache_data(show_spinner=False)
def summary(version: str, f: queries.Filters) -> list[dict[str, Any]]:
    return queries.team_summary(engine(), settings().min_group_size, f)


@st.cache_data(show_spinner=False)
def weekly(version: str, f: queries.Filters) -> list[dict[str, Any]]:
    return queries.team_weekly(engine(), settings().min_group_size, f)


@st.cache_data(show_spinner=False)
def channels(version: str, f: queries.Filters) -> list[dict[str, Any]]:
    return queries.team_channels(engine(), settings().min_group_size, f)


@st.cache_data(show_spinner=False)
def ai_share(version: str, f: queries.Filters) -> list[dict[str, Any]]:
    from slopradar.audit_data import ai_share_by_team

    return ai_share_by_team(engine(), settings().min_group_size, f, settings().adoption_date)


@st.cache_data(show_spinner=False)
def chains(version: str, f: queries.Filters, with_facts: bool = False) -> list[dict[str, Any]]:
    return queries.chains_overview(engine(), settings().min_group_size, f, with_facts=with_facts)


@st.cache_data(show_spinner=False)
def default_adoption(version: str) -> date | None:
    from slopradar.audit_data import default_adoption_date

    return default_adoption_date(engine(), settings().min_group_size)


@st.cache_data(ttl=60, show_spinner=False)
def nudges(version: str, f: queries.Filters) -> list[dict[str, Any]]:
    return queries.team_nudges(engine(), settings().min_group_size, f)


@st.cache_data(show_spinner=False)
def footprint(version: str, f: queries.Filters) -> dict[str, Any] | None:
    from analysis.audit import footprint_of
    from slopradar.audit_data import ai_tokens_by_team

    cfg = settings()

    tokens = ai_tokens_by_team(engine(), cfg.min_group_size, f, cfg.adoption_date, cfg.tokens_per_word_en,
                               cfg.tokens_per_word_other, shares=ai_share(version, f))
    if not tokens:
        return None
    total = (sum(t[0] for t in tokens.values()), sum(t[1] for t in tokens.values()))
    return footprint_of(total, cfg) | {"teams": {k: footprint_of(v, cfg) for k, v in tokens.items()}}


def viewer() -> str:
    """Who is looking: the login identity when `[auth]` is configured, else the browser's address, marked so."""
    try:
        if st.user.is_logged_in:
            return str(st.user.get("email") or st.user.get("name") or st.user.get("sub") or "logged in")
    except (AttributeError, KeyError, TypeError):
        pass
    return f"no login ({getattr(st.context, 'ip_address', None) or 'unknown address'})"


def log_access(action: str, target: str = "", details: dict[str, Any] | None = None) -> None:
    """Append to the access log (slopradar/access_log.py) when this session's page, filters or download change;
    a rerun with nothing new adds nothing."""
    if action == "page":
        st.session_state["slopradar_page"] = target
    key = repr((target, sorted((details or {}).items())))
    seen = st.session_state.setdefault("slopradar_logged", {})
    if action != "download" and seen.get(action) == key:
        return
    seen[action] = key
    access_log.record(engine(), viewer(), "dashboard", action, target, details, keep_days=settings().access_log_days)


def log_download(name: str) -> None:
    log_access("download", st.session_state.get("slopradar_page", ""), {"file": name})


def sidebar_filters() -> tuple[queries.Filters, queries.Filters | None]:
    """The filters every page shares (period, team, channel, language), and the previous period of the
    same length. Only values under which some team reaches the threshold are offered (channels: public
    channels released under their own name)."""
    opts = options(version())
    st.sidebar.header("Filters")
    weeks = opts.get("weeks") or []
    if not weeks:
        return queries.Filters(), None
    first, last = date.fromisoformat(weeks[0]), date.fromisoformat(weeks[1]) + timedelta(days=6)
    picked = st.sidebar.date_input("Period", value=(first, last), min_value=first, max_value=last, key="period",
                                   help="Whole weeks, Monday to Sunday: a period is widened to the weeks it touches.")
    start, end = (picked if isinstance(picked, tuple) and len(picked) == 2 else (first, last))
    team = st.sidebar.selectbox("Team", [ALL] + opts.get("team", []), key="team")
    channel = st.sidebar.selectbox("Channel", [ALL] + opts.get("channel", []), key="channel")
    language = st.sidebar.selectbox("Language", [ALL] + opts.get("language", []), key="language")
    team_ids = {t["name"]: t["id"] for t in queries.teams(engine())}
    start_w = queries.week_start(start)
    end_w = queries.week_start(end) + timedelta(days=7)
    f = queries.Filters(start_w, end_w, team_ids.get(team) if team != ALL else None,
                        None if channel == ALL else channel, None if language == ALL else language)
    span = end_w - start_w
    prev = queries.Filters(start_w - span, start_w, f.team_id, f.channel, f.language) if start_w - span >= \
        queries.week_start(first) else None
    log_access("filters", st.session_state.get("slopradar_page", ""), {"start": start_w, "end": end_w, "team": team,
                                                                        "channel": channel, "language": language})
    k = settings().min_group_size
    st.sidebar.caption(f"A team's week in a channel or language with fewer than {k} distinct authors is pooled with "
                       f"its other small ones, or left out when even the pool has fewer than {k}: every figure, "
                       "table, plot, download and total is made of such groups only (docs/privacy.md).")
    return f, prev


def period_words(f: queries.Filters) -> str:
    """'5 Jan 2026 to 5 Apr 2026 (13 weeks)': the period as whole weeks, its last day included."""
    if f.start is None or f.end is None:
        return "all weeks"
    last = f.end - timedelta(days=1)
    n = (f.end - f.start).days // 7
    return f"{f.start:%-d %b %Y} to {last:%-d %b %Y} ({n} week{'' if n == 1 else 's'})"


def filtered(f: queries.Filters) -> bool:
    return any(v is not None for v in (f.team_id, f.channel, f.language))
