"""Chains explorer: pick an announcement, see its copies and what each one lost on the way."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard import format as fmt
from dashboard.data import engine, settings
from dashboard.escape import md
from dashboard.format import where
from slopradar import queries

cfg = settings()
st.title("Chains explorer")
st.caption("Announcements and the copies derived from them. Teams are shown, never people. A message's text "
           f"appears only where at least {cfg.min_group_size} people could read it and its author's team has "
           f"{cfg.min_group_size} or more authors; other messages appear as counts (docs/privacy.md).")

f, _prev = data.sidebar_filters()
chains = data.chains(data.version(), queries.Filters(f.start, f.end, f.team_id))
if not chains:
    st.info("No chains under these filters: run `slopradar analyze` after ingesting messages, or widen the period.")
    st.stop()


def label(c: dict) -> str:
    """A selectbox option (plain text, never Markdown), short enough to read whole: the excerpt comes last."""
    lost = int(c["critical_lost"]) + int(c["critical_distorted"])
    head = f"{c['sent_at'][:10]} · {where(c['conversation'])} · {fmt.plural(c['copies'], 'copy')} · {plural_facts(lost)} lost"
    return f"{head} · {shorten(c['excerpt'], 40)}" if c["text_shown"] else head


def plural_facts(n: int) -> str:
    return fmt.plural(n, "fact")


def shorten(text: str, n: int) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= n else one_line[:n - 1].rstrip() + "…"


def team_words(team: str | None) -> str:
    """A copy's team, or why it is not named (its team has fewer authors than the threshold)."""
    return f"team {md(team)}" if team else f"a team of fewer than {cfg.min_group_size} authors"


order = sorted(chains, key=lambda c: (-(int(c["critical_lost"]) + int(c["critical_distorted"])), c["sent_at"]))
labels: dict[str, int] = {}
for c in order:  # two chains with the same label stay two choices
    text, n = label(c), 2
    while text in labels:
        text, n = f"{label(c)} ({n})", n + 1
    labels[text] = c["root_id"]
choice = st.selectbox("Announcement", list(labels), key="announcement",
                      help="Announcements with copies, most facts lost or distorted first.")
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


def show_text(where_: st.delta_generator.DeltaGenerator, node: dict) -> None:
    """A message's text as plain text (never Markdown), or why it is not shown."""
    if node["text_shown"]:
        where_.container(border=True).text(node["text"])
    else:
        where_.caption(f"Text not shown: fewer than {cfg.min_group_size} people could read it, or its author's "
                       "team has fewer authors.")


nodes = flatten(tree, [])
st.subheader("Copies")
for node in nodes:
    indent = "&nbsp;" * 6 * int(node["depth"])
    what = "announcement" if not node["relation"] else f"{node['relation']}, depth {node['depth']}" + (
        " — summary of a summary" if node.get("summary_of_summary") else "")
    lost = sum(1 for f in node["facts"] if f["status"] == "lost" and f["critical"])
    dist = sum(1 for f in node["facts"] if f["status"] == "distorted" and f["critical"])
    badge = f" · :red[{lost} lost]" if lost else ""
    badge += f" · :orange[{dist} distorted]" if dist else ""
    st.markdown(f"{indent}**{md(what)}** · {team_words(node['team'])} · {md(where(node['conversation']))} · "
                f"{md(node['sent_at'][:16].replace('T', ' '))}{badge}")

# first the most certain summary of a summary that lost critical facts: the story a chain tells
copies = sorted((n for n in nodes if n["relation"]),
                key=lambda n: (not n.get("summary_of_summary"), not any(f["critical"] for f in n["facts"]),
                               -float(n.get("confidence") or 0), int(n["depth"])))
if copies:
    st.subheader("Side by side")
    names = [f"depth {n['depth']} · {where(n['conversation'])} · {n['relation']} · {n['sent_at'][:16].replace('T', ' ')}"
             for n in copies]
    copy = copies[st.selectbox("Copy", range(len(copies)), format_func=names.__getitem__, key="copy")]
    left, right = st.columns(2)
    left.markdown("**Announcement**")
    show_text(left, tree)
    right.markdown(f"**Copy** ({md(copy['relation'])}, depth {copy['depth']})")
    show_text(right, copy)
    if copy["facts"]:
        st.markdown("**Facts of the announcement this copy does not carry correctly**")
        for f in copy["facts"]:
            color = "red" if f["status"] == "lost" else "orange"
            wording = f": “{md(f['text'])}”" if f["text"] is not None else ""
            note = f" — {md(f['evidence'])}" if f["evidence"] else ""
            st.markdown(f":{color}[**{md(f['status'].upper())}**] {md(f['kind'])}{wording}"
                        f"{' (critical)' if f['critical'] else ''}{note}")
    else:
        st.success("This copy keeps every critical fact of the announcement.")
