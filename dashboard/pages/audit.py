"""Audit page: compare two periods (before/after an adoption date) for the organisation or a team."""

from __future__ import annotations

import base64
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from analysis import audit, report
from dashboard import data
from dashboard import format as fmt
from dashboard.escape import md
from slopradar import audit_data

cfg = data.settings()
st.title("Audit: before and after")
st.caption("The same computation as `slopradar audit`: two periods of whole weeks, each metric with a 95 % interval "
           "from resampling people, an effect size and a verdict that never says more than the interval supports.")
v = data.version()
opts = data.options(v)
weeks = opts.get("weeks") or []
if not weeks:
    st.info("No team reaches the minimum group size yet. Ingest and analyse messages first.")
    st.stop()
first, last = date.fromisoformat(weeks[0]), date.fromisoformat(weeks[1]) + timedelta(days=6)
scope = st.selectbox("Scope", ["Organisation"] + opts.get("team", []), key="audit_scope")
mode = st.radio("Periods", ["Around an adoption date", "Two explicit periods"], horizontal=True, key="audit_mode")
if mode == "Around an adoption date":
    default = date.fromisoformat(cfg.adoption_date) if cfg.adoption_date else (
        data.default_adoption(v) or first + (last - first) / 2)
    adopted = st.date_input("Adoption date", value=min(max(default, first), last), min_value=first, max_value=last,
                            help="The day the organisation started using AI tools (the adoption_date setting). "
                                 "Without one, the middle week of the weeks that have data, so both sides have some.")
    params: dict[str, object] = {"adoption": adopted}
else:
    mid = first + (last - first) / 2
    b = st.date_input("Before", value=(first, mid - timedelta(days=1)), min_value=first, max_value=last)
    a = st.date_input("After", value=(mid, last), min_value=first, max_value=last)
    if not (isinstance(b, tuple) and len(b) == 2 and isinstance(a, tuple) and len(a) == 2):
        st.stop()
    params = {"before": b, "after": a}
data.log_access("audit", scope, {k: str(x) for k, x in params.items()})


@st.cache_data(show_spinner="Computing the audit…")
def run(version: str, scope: str, params: dict) -> dict:
    return audit_data.run(data.engine(), cfg, team=None if scope == "Organisation" else scope, **params)


try:
    r = run(v, scope, params)
except audit.AuditError as exc:
    st.warning(md(str(exc)))  # it may quote a team name
    st.stop()

p = r["periods"]
st.markdown(f"**Before** {p['before']['start']} to {p['before']['end_inclusive']} ({p['before']['weeks']} weeks) · "
            f"**after** {p['after']['start']} to {p['after']['end_inclusive']} ({p['after']['weeks']} weeks)"
            + (" · the adoption date's week is left out as a transition week" if r["transition_week_left_out"] else ""))
for g in r["groups"]:
    st.subheader(md(g["name"]))
    rows = []
    for m in g["metrics"]:
        rows.append({"Metric": report.metric_label(m),
                     "Before": report.iv(m["before"], m["unit"]) if m.get("before") else "—",
                     "After": report.iv(m["after"], m["unit"]) if m.get("after") else "—",
                     "Change": report.iv(m["difference"], m["unit"], signed=True) if m.get("difference") else "—",
                     "Effect size": f"{m['effect_size']:.2f}" if m.get("effect_size") is not None else "—",
                     "Verdict": m["verdict"]})
    st.table(pd.DataFrame(rows), hide_index=True)  # a static table wraps its cells: it always fits the page
    cost = g["cost"]
    per = [f"{p} **{fmt.duration(cost[p]['total_hours_per_week'])}**" if p in cost
           else f"{p}: {report.withheld(r)}" for p in ("before", "after")]
    st.markdown(f"Time lost per week (one reader): {', '.join(per)} (reading padding, plus {cfg.incident_hours} h per "
                "fact-loss incident).")
    if g["footprint"]:
        st.markdown("Footprint of the AI use detected (range): " + "; ".join(
            f"{per} {report.rng(fp['energy_wh'])} Wh, {report.rng(fp['gwp_g'])} gCO2eq, {report.rng(fp['water_l'])} L"
            if fp["energy_wh"][1] > 0 else f"{per} none" + (" (before chat AI)" if fp.get("human_by_construction")
                                                              else " (no AI use detected)")
            for per, fp in g["footprint"].items()) + ".")

figs = report.plots(r)
if "changes" in figs:
    st.subheader("Changes with their intervals")
    st.image(base64.b64decode(figs["changes"]))
if "trends" in figs:
    st.subheader("Weekly trends")
    st.image(base64.b64decode(figs["trends"]))
with st.expander("About these numbers"):
    st.markdown("\n\n".join(f"**{h}.** {t}" for h, t in report.METHODS))

c = st.columns(3)
c[0].download_button("Report (HTML)", report.to_html(r, figs).encode(), "slopradar-audit.html", "text/html",
                     icon=":material/download:", on_click=data.log_download, args=("slopradar-audit.html",))
c[1].download_button("Figures (JSON)", report.to_json(r).encode(), "slopradar-audit.json", "application/json",
                     icon=":material/download:", on_click=data.log_download, args=("slopradar-audit.json",))
c[2].download_button("Figures (CSV)", report.to_csv(r).encode(), "slopradar-audit.csv", "text/csv",
                     icon=":material/download:", on_click=data.log_download, args=("slopradar-audit.csv",))
