"""Overview: team-level volume and reading burden. Only groups at or above the minimum size appear."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.data import engine, settings
from slopradar import queries

cfg = settings()
st.title("Communication health")
st.caption(f"Teams with fewer than {cfg.min_group_size} distinct authors are not shown (privacy threshold).")

volume = queries.team_volume(engine(), cfg.min_group_size)
if not volume:
    st.info("No team reaches the minimum group size yet. Ingest messages with `slopradar ingest ...`.")
    st.stop()

df = pd.DataFrame(volume).drop(columns=["team_id"])
cols = st.columns(3)
cols[0].metric("Messages", f"{int(df.messages.sum()):,}")
cols[1].metric("Teams shown", len(df))
cols[2].metric("Reading time", f"{df.reading_hours.sum():.1f} h")
with st.expander("About these numbers"):
    st.markdown(
        f"Messages are authored messages (no bots, joins or deleted messages). Reading time assumes "
        f"{queries.READING_WPM} words per minute (Brysbaert 2019). AI-likeness, bloat and fact-loss figures appear "
        "here once `slopradar analyze` has run."
    )
st.dataframe(df.rename(columns={"team": "Team", "messages": "Messages", "words": "Words", "authors": "Authors",
                                "reading_hours": "Reading (h)"}), hide_index=True, width="stretch")

weekly = pd.DataFrame(queries.team_weekly(engine(), cfg.min_group_size))
if not weekly.empty:
    st.subheader("Messages per week")
    st.line_chart(weekly.pivot(index="week", columns="team", values="messages").fillna(0))

from analysis.team_metrics import ai_share_by_team  # noqa: E402

bloat = queries.team_bloat(engine(), cfg.min_group_size)
if bloat:
    st.subheader("Bloat and reading burden")
    bdf = pd.DataFrame(bloat)
    st.dataframe(bdf.rename(columns={"team": "Team", "mean_bloat": "Mean bloat (0–1)",
                                     "reading_hours": "Reading (h, one reader)",
                                     "padding_hours": "of which padding (h)"}), hide_index=True, width="stretch")
    with st.expander("About these numbers"):
        st.markdown("Bloat (0–1) combines padding, filler phrases, formatting rare in chat and length against the "
                    "conversation's usual message; it is a documented weighted sum, not a probability "
                    "(docs/detection.md). *Padding* is the reading time of the words outside each message's core "
                    "sentences: the fewest sentences that say what the whole message says.")

share = ai_share_by_team(engine(), cfg.min_group_size, adoption_date=cfg.adoption_date)
st.subheader("Estimated share of AI-written messages")
if not share:
    st.info("Run `slopradar analyze` to estimate AI-written shares.")
else:
    sdf = pd.DataFrame(share)
    sdf["estimate"] = sdf.apply(lambda r: f"{r.ai_share:.0%} ({r.low:.0%}–{r.high:.0%})", axis=1)
    st.dataframe(sdf[["team", "estimate", "messages_scored"]].rename(
        columns={"team": "Team", "estimate": "AI-written share (95 % interval)", "messages_scored": "Messages scored"}),
        hide_index=True, width="stretch")
    with st.expander("About this number"):
        st.markdown(
            "A team-level estimate, never a verdict on a message or a person: the mean of calibrated "
            "probabilities over the team's messages long enough to judge (12+ words), with a 95 % interval from "
            "resampling people. " + ("Each team's messages before the adoption date are its human baseline. "
                                     if cfg.adoption_date else "") +
            "Error rates of the detector are in docs/detection.md.")
