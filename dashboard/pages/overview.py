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
