"""slopradar dashboard entry point: `slopradar dashboard` runs `streamlit run` on this file."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="slopradar", page_icon=":material/radar:", layout="wide")

pages = [
    st.Page("pages/overview.py", title="Overview", icon=":material/monitoring:", default=True),
    st.Page("pages/team.py", title="Team", icon=":material/groups:"),
    st.Page("pages/chains.py", title="Chains explorer", icon=":material/account_tree:"),
    st.Page("pages/audit.py", title="Audit", icon=":material/compare_arrows:"),
]
st.navigation(pages).run()
