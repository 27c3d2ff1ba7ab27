"""Overview: per team, this period against the previous one, trends over weeks, and the footprint."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from analysis.team_metrics import share_words
from dashboard import data
from dashboard.charts import weekly_chart

cfg = data.settings()
st.title("Communication health")
f, prev = data.sidebar_filters()
v = data.version()
st.caption(f"Teams with fewer than {cfg.min_group_size} distinct authors are not shown (privacy threshold). "
           f"Period: {f.start} to {f.end} (exclusive)." if f.start else "")

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


def pct(num: float, den: float) -> float | None:
    return num / den if den else None


crit_now = total(cur, "critical_facts")
crit_before = total(before, "critical_facts")
surv_now = pct(total(cur, "crit_kept"), crit_now)
surv_before = pct(total(before, "crit_kept"), crit_before)
cols = st.columns(5)
cols[0].metric("Teams shown", len(cur))
cols[1].metric("Messages", f"{int(total(cur, 'messages')):,}",
               delta=f"{int(total(cur, 'messages') - total(before, 'messages')):+,}" if prev else None,
               delta_color="off")
cols[2].metric("Reading time", f"{total(cur, 'reading_hours'):.1f} h",
               delta=f"{total(cur, 'reading_hours') - total(before, 'reading_hours'):+.1f} h" if prev else None,
               delta_color="inverse")
cols[3].metric("Summaries of summaries", int(total(cur, "sos_copies")),
               delta=f"{int(total(cur, 'sos_copies') - total(before, 'sos_copies')):+}" if prev else None,
               delta_color="inverse")
cols[4].metric("Critical-fact survival", f"{surv_now:.0%}" if surv_now is not None else "—",
               delta=f"{(surv_now - surv_before) * 100:+.0f} pt" if surv_now is not None and surv_before is not None
               else None)

table = pd.DataFrame({
    "Team": cur["team"],
    "AI-written share (95 % interval)": [share_words(share.get(t)) if t in share else "—" for t in cur["team"]],
    "Mean bloat (0–1)": pd.to_numeric(cur["mean_bloat"]).round(3),
    "Reading (h)": cur["reading_hours"].round(2),
    "of which padding (h)": cur["padding_hours"].round(2),
    "Summaries of summaries": cur["sos_copies"],
    "Critical-fact survival": [f"{s:.0%}" if pd.notna(s) else "—" for s in cur["survival"]],
    "Authors": cur["authors"],
    "Messages": cur["messages"],
})
if not before.empty:
    prev_read = dict(zip(before["team"], before["reading_hours"], strict=True))
    table.insert(4, "Reading, previous period (h)", [round(prev_read[t], 2) if t in prev_read else None
                                                     for t in cur["team"]])
st.subheader("Teams, this period" + (" against the previous one" if prev else ""))
st.dataframe(table, hide_index=True, width="stretch")
st.download_button("Download this table (CSV)", table.to_csv(index=False).encode(), "slopradar-teams.csv",
                   "text/csv", icon=":material/download:")
with st.expander("About these numbers"):
    st.markdown(
        "- **AI-written share**: a team-level estimate, never a verdict on a message or a person — the mean of "
        "calibrated probabilities over the team's messages long enough to judge (12+ words, English or French), "
        "with a 95 % interval from resampling people. "
        + ("Each team's messages before the adoption date are its human baseline. " if cfg.adoption_date else "")
        + "Detector error rates: docs/detection.md.\n"
        "- **Bloat** (0–1) combines padding, filler phrases, formatting rare in chat and length against the "
        "conversation's usual message; a documented weighted sum, not a probability.\n"
        "- **Reading time** is what one reader needs to read everything the team wrote, at 238 words per minute; "
        "*padding* is the part spent on words outside each message's core sentences.\n"
        "- **Summaries of summaries**: copies two or more hops from an announcement with a summary hop.\n"
        "- **Critical-fact survival**: the share of the critical facts of announcements (negations, deadlines, "
        "owners, money…) that the team's copies kept; lost and distorted facts count against it.\n"
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

wk = pd.DataFrame(data.weekly(v, f))
if not wk.empty:
    st.subheader("Trends over weeks")
    left, right = st.columns(2)
    left.altair_chart(weekly_chart(wk, "messages", "Messages", cfg.adoption_date), width="stretch")
    right.altair_chart(weekly_chart(wk, "ai_mean", "Mean AI probability", cfg.adoption_date), width="stretch")
    left.altair_chart(weekly_chart(wk, "mean_bloat", "Mean bloat", cfg.adoption_date), width="stretch")
    right.altair_chart(weekly_chart(wk, "reading_hours", "Reading time (h)", cfg.adoption_date), width="stretch")
    st.caption("A team-week with fewer authors than the threshold is left out of the plots; within a week, only groups "
               "of at least that many authors count (docs/privacy.md)." +
               (" The dashed line is the adoption date." if cfg.adoption_date else ""))

st.subheader("Footprint of the AI use detected")
fp = data.footprint(v, f)
if fp is None or fp["output_tokens"] == 0:
    st.info("Not estimated yet: run `slopradar analyze` so that AI-written messages can be counted.")
else:
    st.caption("A range, not a measurement: EcoLogits' inference model with the configured model class, data "
               "centre and electricity mix (methods in docs/audit.md).")
    c = st.columns(4)
    c[0].metric("Energy (Wh)", f"{fp['energy_wh'][0]:.3g}–{fp['energy_wh'][1]:.3g}")
    c[1].metric("Greenhouse gases (gCO2eq)", f"{fp['gwp_g'][0]:.2g}–{fp['gwp_g'][1]:.2g}")
    c[2].metric("Same, on the local grid", f"{fp['gwp_local_g'][0]:.2g}–{fp['gwp_local_g'][1]:.2g}")
    c[3].metric("Water (mL)", f"{fp['water_l'][0] * 1000:.2g}–{fp['water_l'][1] * 1000:.2g}")
    st.markdown("That is about " + "; ".join(f"**{e['low']:.2g}–{e['high']:.2g}** {e['label']}"
                                             for e in fp["equivalences"]) + ".")
    per_team = pd.DataFrame([{"Team": t, "Energy min (Wh)": x["energy_wh"][0], "Energy max (Wh)": x["energy_wh"][1],
                              "gCO2eq min": x["gwp_g"][0], "gCO2eq max": x["gwp_g"][1]}
                             for t, x in fp["teams"].items()])
    st.altair_chart(alt.Chart(per_team).mark_bar().encode(
        x=alt.X("Energy min (Wh):Q", title="Energy (Wh), min to max"), x2="Energy max (Wh):Q", y="Team:N",
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
