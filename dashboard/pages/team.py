"""Team page: one team over time, where its bloat sits, and the announcements it received with lost facts."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from analysis.report import team_colours
from analysis.team_metrics import share_words
from dashboard import data
from dashboard import format as fmt
from dashboard.charts import share_format, weekly_chart
from dashboard.escape import md
from dashboard.format import where
from slopradar import metrics, queries

PADDING, READING, SOS, SURVIVAL = (metrics.get(k) for k in ("padding_share", "reading_hours_per_week", "sos_per_week",
                                                             "fact_survival"))

cfg = data.settings()
st.title("Team")
f, _prev = data.sidebar_filters()
v = data.version()
shown = data.summary(v, queries.Filters(f.start, f.end, None, f.channel, f.language))
if not shown:
    st.warning(f"Not enough people: no team has {cfg.min_group_size} or more distinct authors under these filters.")
    st.stop()
ids = {t["name"]: t["id"] for t in queries.teams(data.engine())}
if f.team_id:
    team = next((r["team"] for r in shown if ids.get(r["team"]) == f.team_id), None)
    if team is None:
        st.warning(f"Not enough people: the selected team has fewer than {cfg.min_group_size} distinct authors under "
                   "these filters, so nothing is shown.")
        st.stop()
else:  # one control, the sidebar's: with "All", the team that wrote most
    team = max(shown, key=lambda r: (r["messages"], r["team"]))["team"]
    st.info(f"Showing {md(team)}, the team that wrote most in this period: choose another in the sidebar's "
            "**Team** filter.", icon=":material/info:")
st.header(md(team))
st.caption(f"Period: {data.period_words(f)}.")
tf = queries.Filters(f.start, f.end, ids[team], f.channel, f.language)
wk = pd.DataFrame(data.weekly(v, tf))
weeks = max(1, wk["week"].nunique()) if not wk.empty else 1  # "per week": over the weeks with figures shown
teams = data.options(v).get("team", [])  # every team shown anywhere: the colours are the same on every page
row = next(r for r in data.summary(v, tf))
share = {r["team"]: r for r in data.ai_share(v, tf)}.get(team)

c = st.columns([1, 1.5, 1, 1, 1])
ai_value, ai_note = fmt.headline(share_words(share) if share else "—")
c[0].metric("Messages", f"{row['messages']:,}", help=f"{fmt.plural(row['authors'], 'author')}")
c[1].metric("AI-written share", ai_value, delta=ai_note, delta_color="off", delta_arrow="off",
            help="Estimated for the team, with its 95 % interval; corrected for the detector's error levels and the "
                 "team's human baseline (docs/detection.md)." if share else "Not enough scored messages.")
c[2].metric("Padding words", fmt.share(row[PADDING.view_col]),
            help="Share of the team's words outside each message's core sentences.")
c[3].metric(READING.name, fmt.duration(row[READING.total_col] / weeks),
            help=f"For one reader, of which {fmt.duration(row['padding_hours'] / weeks)} reading padding.")
c[4].metric(SURVIVAL.name, fmt.share(row[SURVIVAL.view_col]),
            help="Of the critical facts of announcements that reached this team, the share its copies kept.")

if not wk.empty:
    st.subheader("Over time")
    unit, factor = fmt.time_unit(list(wk["padding_hours"]))
    wk["padding"] = wk["padding_hours"] * factor
    left, right = st.columns(2)
    left.altair_chart(weekly_chart(wk, "messages", "Messages per week", teams, cfg.adoption_date), width="stretch")
    right.altair_chart(weekly_chart(wk, PADDING.view_col, PADDING.name, teams, cfg.adoption_date,
                                    share=True), width="stretch")
    left.altair_chart(weekly_chart(wk, "padding", f"Reading padding per week ({unit}, one reader)", teams,
                                   cfg.adoption_date), width="stretch")
    right.altair_chart(weekly_chart(wk, SOS.total_col, SOS.label, teams, cfg.adoption_date),
                       width="stretch")
    st.caption(f"A week counts only the messages of groups of {cfg.min_group_size} or more of this team's authors (a "
               "public channel, or its other channels pooled); the rest of the week is left out, and the line breaks "
               "where no week is shown." +
               (f" The dashed line is the adoption date ({cfg.adoption_date})." if cfg.adoption_date else ""))

st.subheader("Channels with the most padding")
ch = pd.DataFrame([r for r in data.channels(v, tf) if r["team"] == team])
if ch.empty:
    st.info(f"No public channel has {cfg.min_group_size} or more of this team's authors under these filters; its "
            "messages in smaller channels, private conversations and e-mail count in the team's figures above as "
            "\"other channels\".")
else:
    ch["padding_share"] = ch[PADDING.view_col].fillna(0.0)
    ch["place"] = [where(c) for c in ch["channel"]]
    ch = ch.sort_values("padding_share", ascending=False)
    st.altair_chart(alt.Chart(ch).mark_bar().encode(
        x=alt.X("padding_share:Q", title=PADDING.name,
                axis=alt.Axis(format=share_format(ch["padding_share"].max()), tickCount=5),
                scale=alt.Scale(domainMin=0)),
        y=alt.Y("place:N", title=None, sort="-x"), color=alt.value(team_colours(teams).get(team, "#1f77b4")),
        tooltip=[alt.Tooltip("place:N", title="channel"), alt.Tooltip("padding_share:Q", format=".1%",
                                                                      title="padding")]), width="stretch")
    st.table(pd.DataFrame({"Channel": ch["place"], PADDING.name: [fmt.share(x) for x in ch["padding_share"]],
                           "Reading padding per week": [fmt.duration(h / weeks) for h in ch["padding_hours"]],
                           "Reading per week": [fmt.duration(h / weeks) for h in ch["reading_hours"]],
                           "Messages": ch["messages"]}), hide_index=True)
    with st.expander("About this table"):
        st.markdown("Only this team's own messages in each public channel, in the weeks where at least "
                    f"{cfg.min_group_size} of its people wrote there; its other messages count in the team's totals "
                    "as \"other channels\" when enough of its people wrote them. *Padding* is the words outside "
                    "each message's core sentences; its reading time is for one reader.")

st.subheader("Announcements that reached this team with lost facts")
chains = [c for c in data.chains(v, tf, with_facts=True) if c["critical_lost"] + c["critical_distorted"]]
if not chains:
    st.success("No announcement reached this team's copies with a critical fact lost or distorted in this period.")
for chain in sorted(chains, key=lambda c: -(c["critical_lost"] + c["critical_distorted"])):
    with st.container(border=True):
        place = md(where(chain["conversation"]))
        st.markdown(f"**{md(chain['sent_at'][:10])} · {place}**")
        if chain["text_shown"]:
            st.text(chain["excerpt"] + "…")
        else:  # counts and kinds only: a private conversation, a small audience or a small team
            st.caption("Text not shown: private or small audience.")
        facts = ", ".join(f"{s} {k}" + (f" “{md(t)}”" if chain["text_shown"] else "") for k, t, s in chain["facts_lost"])
        st.markdown(f"{fmt.plural(chain['copies'], 'copy')} in this team, {fmt.plural(chain['max_depth'], 'hop')} deep, "
                    f"{fmt.plural(chain['summary_of_summary'], 'summary of summaries')}. Facts lost or distorted: {facts}")
