"""Chains explorer: pick an announcement, see its copies and what each one lost on the way."""

from __future__ import annotations

import html

import streamlit as st

from dashboard import data
from dashboard.data import engine, settings
from slopradar import queries

cfg = settings()
st.title("Chains explorer")
st.caption("Announcements sent to groups of at least the minimum size, and the copies derived from them. "
           "Teams are shown, never people.")

f, _prev = data.sidebar_filters()
chains = data.chains(data.version(), queries.Filters(f.start, f.end, f.team_id))
if not chains:
    st.info("No chains under these filters: run `slopradar analyze` after ingesting messages, or widen the period.")
    st.stop()

labels = {f"{c['sent_at'][:10]} · #{c['conversation']} · {c['copies']} copies · {c['critical_lost']} critical facts lost"
          f" — {c['excerpt'][:60]}": c["root_id"] for c in sorted(chains, key=lambda c: -int(c["critical_lost"]))}
choice = st.selectbox("Announcement", list(labels), key="announcement")
tree = queries.chain_tree(engine(), labels[choice], cfg.min_group_size)
if tree is None:
    st.stop()

with st.expander("About chains", expanded=False):
    st.markdown("A *copy* is a later message derived from the announcement: a forward or share, a paraphrase, or a "
                "summary; a *summary of a summary* is a copy at depth 2 or more made from another summary. Each "
                "critical fact of the announcement is **kept**, **lost** (the copy does not carry it) or "
                "**distorted** (the copy says something different: another date, the opposite status). Facts are "
                "compared as normalised values and polarity, never by text similarity alone. Method and error rates: "
                "docs/chains.md.")


def flatten(node: dict, out: list[dict]) -> list[dict]:
    out.append(node)
    for child in node["children"]:
        flatten(child, out)
    return out


nodes = flatten(tree, [])
st.subheader("Copies")
for n in nodes:
    indent = "&nbsp;" * 6 * int(n["depth"])
    what = "announcement" if not n["relation"] else f"{n['relation']}, depth {n['depth']}" + (
        " — summary of a summary" if n.get("summary_of_summary") else "")
    lost = sum(1 for f in n["facts"] if f["status"] == "lost" and f["critical"])
    dist = sum(1 for f in n["facts"] if f["status"] == "distorted" and f["critical"])
    badge = f" · <span style='color:#c0392b'>{lost} lost</span>" if lost else ""
    badge += f" · <span style='color:#d68910'>{dist} distorted</span>" if dist else ""
    st.markdown(f"{indent}**{html.escape(what)}** · team {html.escape(str(n['team'] or '?'))} · "
                f"#{html.escape(str(n['conversation']))} · {n['sent_at'][:16].replace('T', ' ')}{badge}",
                unsafe_allow_html=True)

# first the most certain summary of a summary that lost critical facts: the story a chain tells
copies = sorted((n for n in nodes if n["relation"]),
                key=lambda n: (not n.get("summary_of_summary"), not any(f["critical"] for f in n["facts"]),
                               -float(n.get("confidence") or 0), int(n["depth"])))
if copies:
    st.subheader("Side by side")
    pick = st.selectbox("Copy", [f"depth {n['depth']} · #{n['conversation']} · {n['relation']}" for n in copies])
    copy = copies[[f"depth {n['depth']} · #{n['conversation']} · {n['relation']}" for n in copies].index(pick)]
    left, right = st.columns(2)
    left.markdown("**Announcement**")
    left.info(tree["text"])
    right.markdown(f"**Copy** ({copy['relation']}, depth {copy['depth']})")
    right.warning(copy["text"])
    if copy["facts"]:
        st.markdown("**Facts of the announcement this copy does not carry correctly**")
        for f in copy["facts"]:
            color = "#c0392b" if f["status"] == "lost" else "#d68910"
            note = f" — {html.escape(f['evidence'])}" if f["evidence"] else ""
            st.markdown(f"<span style='color:{color}'><b>{f['status'].upper()}</b></span> {html.escape(f['kind'])}: "
                        f"“{html.escape(f['text'])}”{' (critical)' if f['critical'] else ''}{note}",
                        unsafe_allow_html=True)
    else:
        st.success("This copy keeps every critical fact of the announcement.")
