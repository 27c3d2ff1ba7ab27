"""Team page: one team over time, where its bloat sits, and the announcements it received with lost facts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.team_metrics import share_words
from dashboard import data
from dashboard.charts import weekly_chart
from dashboard.escape import md
from slopradar import queries

cfg = data.settings()
st.title("Team")
f, _prev = data.sidebar_filters()
v = data.version()
teams = [r["team"] for r in data.summary(v, queries.Filters(f.start, f.end, None, f.channel, f.language))]
if not teams:
    st.warning(f"Not enough people: no team has {cfg.min_group_size} or more distinct authors under these filters.")
    st.stop()
ids = {t["name"]: t["id"] for t in queries.teams(data.engine())}
chosen = next((t for t in teams if ids.get(t) == f.team_id), None) if f.team_id else None
if f.team_id and chosen is None:
    st.warning(f"Not enough people: the selected team has fewer than {cfg.min_group_size} distinct authors under "
               "these filters, so nothing is shown.")
    st.stop()
team = chosen or st.selectbox("Team", teams, key="team_page_team")
tf = queries.Filters(f.start, f.end, ids[team], f.channel, f.language)
row = next(r for r in data.summary(v, tf))
share = {r["team"]: r for r in data.ai_share(v, tf)}.get(team)

c = st.columns(5)
c[0].metric("Messages", f"{row['messages']:,}")
c[1].metric("AI-written share", share_words(share) if share else "—",
            help="Estimated for the team, with its 95 % interval; corrected for the detector's error levels and the "
                 "team's human baseline (docs/detection.md)." if share else "Not enough scored messages.")
c[2].metric("Mean bloat", f"{row['mean_bloat']:.3f}" if row["mean_bloat"] is not None else "—")
c[3].metric("Reading time", f"{row['reading_hours']:.1f} h", help=f"of which padding {row['padding_hours']:.2f} h")
c[4].metric("Critical-fact survival", f"{row['survival']:.0%}" if row["survival"] is not None else "—")

wk = pd.DataFrame(data.weekly(v, tf))
if not wk.empty:
    st.subheader("Over time")
    wk["metric"] = team
    left, right = st.columns(2)
    left.altair_chart(weekly_chart(wk, "messages", "Messages per week", cfg.adoption_date), width="stretch")
    right.altair_chart(weekly_chart(wk, "ai_mean", "Mean AI probability", cfg.adoption_date), width="stretch")
    left.altair_chart(weekly_chart(wk, "mean_bloat", "Mean bloat", cfg.adoption_date), width="stretch")
    right.altair_chart(weekly_chart(wk, "padding_hours", "Reading time on padding (h)", cfg.adoption_date),
                       width="stretch")
    st.caption(f"A week counts only the messages of groups of {cfg.min_group_size} or more of this team's authors (a "
               "public channel, or its other channels pooled); the rest of the week is left out." +
               (f" The dashed line is the adoption date ({cfg.adoption_date})." if cfg.adoption_date else ""))

st.subheader("Channels with the most bloat")
ch = pd.DataFrame([r for r in data.channels(v, tf) if r["team"] == team])
if ch.empty:
    st.info(f"No channel has {cfg.min_group_size} or more of this team's authors under these filters.")
else:
    ch = ch.sort_values("padding_hours", ascending=False)
    st.bar_chart(ch.set_index("channel")["padding_hours"], horizontal=True, y_label="Reading time on padding (h)")
    st.dataframe(pd.DataFrame({"Channel": ch["channel"], "Mean bloat": pd.to_numeric(ch["mean_bloat"]).round(3),
                               "Padding (h)": ch["padding_hours"].round(2), "Reading (h)": ch["reading_hours"].round(2),
                               "Messages": ch["messages"]}), hide_index=True, width="stretch")
    with st.expander("About this table"):
        st.markdown("Only this team's own messages in each public channel, in the weeks where at least "
                    f"{cfg.min_group_size} of its people wrote there; its other messages count in the team's totals "
                    "as \"other channels\" when enough of its people wrote them. *Padding* is the reading time of "
                    "words outside each message's core sentences.")

st.subheader("Announcements that reached this team with lost facts")
chains = [c for c in data.chains(v, tf, with_facts=True) if c["critical_lost"] + c["critical_distorted"]]
if not chains:
    st.success("No announcement reached this team's copies with a critical fact lost or distorted in this period.")
for c in sorted(chains, key=lambda c: -(c["critical_lost"] + c["critical_distorted"])):
    with st.container(border=True):
        place = md(c["conversation"] if c["conversation"] in queries.PLACE_LABELS else f"#{c['conversation']}")
        st.markdown(f"**{md(c['sent_at'][:10])} · {place}**")
        if c["text_shown"]:
            st.text(c["excerpt"] + "…")
        else:  # counts and kinds only: a private conversation, a small audience or a small team
            st.caption("Text not shown: private or small audience.")
        facts = ", ".join(f"{s} {k}" + (f" “{md(t)}”" if c["text_shown"] else "") for k, t, s in c["facts_lost"])
        st.markdown(f"{c['copies']} copies in this team, {c['max_depth']} hops deep, "
                    f"{c['summary_of_summary']} summaries of summaries. Facts lost or distorted: {facts}")
