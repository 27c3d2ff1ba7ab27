"""Overview: per team, this period against the previous one, trends over weeks, and the footprint."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from analysis import report
from analysis.team_metrics import share_words
from dashboard import data
from dashboard import format as fmt
from dashboard.charts import colour_scale, weekly_chart
from dashboard.escape import md
from slopradar import metrics

PADDING, READING, SOS, SURVIVAL = (metrics.get(k) for k in ("padding_share", "reading_hours_per_week", "sos_per_week",
                                                             "fact_survival"))

cfg = data.settings()
st.title("Communication health")
f, prev = data.sidebar_filters()
v = data.version()
st.caption(f"Teams with fewer than {cfg.min_group_size} distinct authors are not shown (privacy threshold). "
           + (f"Period: {data.period_words(f)}." if f.start else ""))

rows = data.summary(v, f)
if not rows:
    if data.filtered(f):
        st.warning(f"Not enough people: no team has {cfg.min_group_size} or more distinct authors under these "
                   "filters, so nothing is shown. Widen the period or remove a filter.")
    else:
        st.info("No team reaches the minimum group size yet. Ingest messages with `slopradar ingest ...`.")
    st.stop()

cur = pd.DataFrame(rows)
before = pd.DataFrame(data.summary(v, prev)) if prev else pd.DataFrame()
share = {r["team"]: r for r in data.ai_share(v, f)}


def total(df: pd.DataFrame, col: str) -> float:
    return float(df[col].sum()) if not df.empty and col in df else 0.0


def totals(df: pd.DataFrame, m: metrics.Metric) -> float | None:
    """A metric over the teams shown: its sums added up, then combined as the registry says."""
    return m.value({c: total(df, c) for c in m.columns()})


wk = pd.DataFrame(data.weekly(v, f))
# "per week" averages over the weeks that have figures shown: a period spanning years with data in a few weeks
# would otherwise read as seconds a week
weeks = max(1, wk["week"].nunique()) if not wk.empty else 1
team_weeks = wk.groupby("team")["week"].nunique().to_dict() if not wk.empty else {}
surv_now = totals(cur, SURVIVAL)
surv_before = totals(before, SURVIVAL)
read_now = total(cur, "reading_hours") / weeks
# the previous period always has both ends (data.sidebar_filters)
prev_days = (prev.end - prev.start).days if prev else 0  # type: ignore[operator]
read_before = total(before, "reading_hours") / max(1, prev_days // 7) if prev else 0.0
pad_now = totals(cur, PADDING)
pad_before = totals(before, PADDING)
cols = st.columns(5)
cols[0].metric("Teams shown", len(cur))
cols[1].metric("Messages", f"{int(total(cur, 'messages')):,}",
               delta=f"{int(total(cur, 'messages') - total(before, 'messages')):+,}" if prev else None,
               delta_color="off")
cols[2].metric(READING.name, fmt.duration(read_now),
               delta=fmt.duration_delta(read_now - read_before) if prev else None, delta_color="inverse",
               help="What one reader needs each week to read everything the teams shown wrote (238 words a minute).")
cols[3].metric(PADDING.name, fmt.share(pad_now),
               delta=f"{(pad_now - pad_before) * 100:+.1f} pt" if prev and pad_now is not None and pad_before is not None
               else None, delta_color="inverse",
               help=PADDING.meaning)
cols[4].metric(SURVIVAL.name, fmt.share(surv_now),
               delta=f"{(surv_now - surv_before) * 100:+.0f} pt" if surv_now is not None and surv_before is not None
               else None, help=SURVIVAL.meaning)

prev_read = dict(zip(before["team"], before["reading_hours"], strict=True)) if not before.empty else {}
table = pd.DataFrame({
    "Team": cur["team"],
    "AI-written share (95 % interval)": [share_words(share.get(t)) if t in share else "—" for t in cur["team"]],
    PADDING.name: [fmt.share(x) if pd.notna(x) else "—" for x in cur[PADDING.view_col]],
    "Reading per week": [fmt.duration(h / team_weeks.get(t, weeks)) for t, h in zip(cur["team"], cur["reading_hours"],
                                                                                   strict=True)],
    "of which padding": [fmt.duration(h / team_weeks.get(t, weeks)) for t, h in zip(cur["team"], cur["padding_hours"],
                                                                                   strict=True)],
    SOS.name: cur[SOS.total_col],
    SURVIVAL.name: [fmt.share(s) if pd.notna(s) else "—" for s in cur[SURVIVAL.view_col]],
    "Authors": cur["authors"],
    "Messages": cur["messages"],
})
if prev:
    prev_weeks = max(1, prev_days // 7)
    table.insert(5, "Reading per week, previous period", [fmt.duration(prev_read[t] / prev_weeks) if t in prev_read
                                                          else "—" for t in cur["team"]])
download = pd.DataFrame({  # numbers, with their unit in the header, for a spreadsheet
    "team": cur["team"], "ai_written_share": [share[t]["ai_share"] if t in share else None for t in cur["team"]],
    "padding_share_of_words": cur[PADDING.view_col],
    "reading_hours_per_week": [h / team_weeks.get(t, weeks) for t, h in zip(cur["team"], cur["reading_hours"],
                                                                           strict=True)],
    "padding_hours_per_week": [h / team_weeks.get(t, weeks) for t, h in zip(cur["team"], cur["padding_hours"],
                                                                           strict=True)],
    "summaries_of_summaries": cur[SOS.total_col], "critical_facts_kept_share": cur[SURVIVAL.view_col],
    "authors": cur["authors"], "messages": cur["messages"]})
st.subheader("Teams, this period" + (" against the previous one" if prev else ""))
st.table(table, hide_index=True)  # a static table wraps its cells: it always fits the page
st.download_button("Download this table (CSV)", download.to_csv(index=False).encode(), "slopradar-teams.csv",
                   "text/csv", icon=":material/download:", on_click=data.log_download, args=("slopradar-teams.csv",))
with st.expander("About these numbers"):
    st.markdown(
        "- **AI-written share**: a team-level estimate, never a verdict on a message or a person: the share of the "
        "team's messages long enough to judge (12+ words, English or French) written or heavily rewritten by an AI "
        "model, corrected for the detector's error levels, with a 95 % interval from resampling people. "
        + ("Each team's messages before the adoption date are its human baseline. " if cfg.adoption_date else "")
        + "Messages before 30 November 2022 are human by construction. Detector error rates: docs/detection.md.\n"
        f"- **{PADDING.name}**: {PADDING.meaning}\n"
        "- **Reading per week** is what one reader needs each week to read everything the team wrote, at 238 words "
        "per minute, averaged over the weeks with figures shown; *of which padding* is the part spent reading those "
        "padding words. Minutes below an hour, hours above.\n"
        f"- **{SOS.name}**: {SOS.meaning}\n"
        f"- **{SURVIVAL.name}**: {SURVIVAL.meaning}\n"
        "- **Previous period**: the same number of weeks just before the selected period.")

st.subheader("Nudges")
nd = pd.DataFrame(data.nudges(v, f))
if nd.empty or nd["nudges"].sum() == 0:
    st.caption("No nudges recorded in this period. They appear once the Slack nudge bot runs (`slopradar bot`).")
else:
    nd["found helpful"] = [f"{1 - r.not_helpful / r.nudges:.0%}" if r.nudges else "—" for r in nd.itertuples()]
    st.dataframe(nd.rename(columns={"team": "Team", "nudges": "Nudges sent", "not_helpful": "Marked not helpful",
                                    "asked_why": "Asked why"}), hide_index=True, width="stretch")
    with st.expander("About these numbers"):
        st.markdown("Private nudges the Slack bot sent to authors in each team, and what they answered. *Found "
                    "helpful* counts every nudge not marked \"Not helpful\". Only teams at or above the threshold.")

if not wk.empty:
    st.subheader("Trends over weeks")
    teams = data.options(v).get("team", [])
    unit, factor = fmt.time_unit(list(wk["reading_hours"]))
    wk["reading"] = wk["reading_hours"] * factor
    left, right = st.columns(2)
    left.altair_chart(weekly_chart(wk, "messages", "Messages per week", teams, cfg.adoption_date), width="stretch")
    right.altair_chart(weekly_chart(wk, "reading", f"Reading time per week ({unit}, one reader)", teams,
                                    cfg.adoption_date), width="stretch")
    left.altair_chart(weekly_chart(wk, PADDING.view_col, PADDING.name, teams, cfg.adoption_date,
                                   share=True), width="stretch")
    right.altair_chart(weekly_chart(wk, SOS.total_col, SOS.label, teams, cfg.adoption_date),
                       width="stretch")
    st.caption("A team-week with fewer authors than the threshold is left out of the plots; within a week, only groups "
               "of at least that many authors count (docs/privacy.md). A line breaks where a team has no week shown. "
               "The AI-written share is estimated per team and period (the table above), not per week: a week holds "
               "too few messages for it." + (" The dashed line is the adoption date." if cfg.adoption_date else ""))

st.subheader("Footprint of the AI use detected")
fp = data.footprint(v, f)
if total(cur, "scored") == 0:
    st.info("Not estimated yet: run `slopradar analyze` so that AI-written messages can be counted.")
elif fp is None or fp["output_tokens"] == 0:
    st.info("No AI use detected in this period, so there is no footprint to estimate (messages before 30 November "
            "2022 are human by construction).")
else:
    st.caption("A range, not a measurement: EcoLogits' inference model with the configured model class, data "
               "centre and electricity mix (methods in docs/audit.md).")
    c = st.columns(4)
    c[0].metric("Energy (Wh)", f"{fp['energy_wh'][0]:.3g}–{fp['energy_wh'][1]:.3g}")
    c[1].metric("Greenhouse gases (gCO2eq)", f"{fp['gwp_g'][0]:.2g}–{fp['gwp_g'][1]:.2g}")
    c[2].metric("Same, on the local grid", f"{fp['gwp_local_g'][0]:.2g}–{fp['gwp_local_g'][1]:.2g}")
    c[3].metric("Water (mL)", f"{fp['water_l'][0] * 1000:.2g}–{fp['water_l'][1] * 1000:.2g}")
    st.markdown("That is about " + "; ".join(f"**{report.rng((e['low'], e['high']))}** {md(e['label'])}"
                                             for e in fp["equivalences"]) + ".")
    per_team = pd.DataFrame([{"Team": t, "Energy min (Wh)": x["energy_wh"][0], "Energy max (Wh)": x["energy_wh"][1],
                              "gCO2eq min": x["gwp_g"][0], "gCO2eq max": x["gwp_g"][1]}
                             for t, x in fp["teams"].items()])
    st.altair_chart(alt.Chart(per_team).mark_bar().encode(
        x=alt.X("Energy min (Wh):Q", title="Energy (Wh), min to max"), x2="Energy max (Wh):Q", y=alt.Y("Team:N", title=None),
        color=alt.Color("Team:N", scale=colour_scale(data.options(v).get("team", [])), legend=None),
        tooltip=list(per_team.columns)), width="stretch")
    with st.expander("About this number"):
        a = fp["assumptions"]
        st.markdown(
            f"Tokens: each message counts for its probability of being AI-written, words × "
            f"{cfg.tokens_per_word_en} tokens (English) or × {cfg.tokens_per_word_other} (other languages); "
            f"summaries also count their parent's words as input tokens ({fp['output_tokens']:,.0f} output and "
            f"{fp['input_tokens']:,.0f} input tokens here). Model: {a['model']}; PUE {a['pue']}, water "
            f"{a['wue_onsite_l_per_kwh']} L/kWh on site + {a['wue_offsite_l_per_kwh']} L/kWh for the electricity; "
            f"grid {a['grid_g_per_kwh']} gCO2eq/kWh, local comparison {a['local_grid_g_per_kwh']}. The low end "
            "follows EcoLogits (output tokens only); the high end adds the input tokens' prefill. Equivalences: "
            + "; ".join(f"{e['label']}: {e['source']}" for e in fp["equivalences"]) + ".")
