"""slopradar dashboard entry point: `slopradar dashboard` runs `streamlit run` on this file.

Optional login: when `.streamlit/secrets.toml` has an `[auth]` section (OpenID Connect: an internal
Keycloak, Entra ID, Okta...), every page requires st.login first; see docs/dashboard.md.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import data

# A local file: a ":material/...:" or emoji page icon makes the browser fetch it from Google's or a CDN's servers
# (fonts.gstatic.com), and nothing may leave the machine. Streamlit serves this file itself.
st.set_page_config(page_title="slopradar", page_icon=str(Path(__file__).parent / "icon.png"), layout="wide")


def _login_configured() -> bool:
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, OSError):  # no secrets file at all
        return False


if _login_configured() and not st.user.is_logged_in:
    st.title("slopradar")
    st.write("Sign in with your organisation's account to see team-level communication health.")
    st.button("Sign in", on_click=st.login, icon=":material/login:")
    st.stop()

pages = [
    st.Page("pages/overview.py", title="Overview", icon=":material/monitoring:", default=True),
    st.Page("pages/team.py", title="Team", icon=":material/groups:"),
    st.Page("pages/chains.py", title="Chains explorer", icon=":material/account_tree:"),
    st.Page("pages/audit.py", title="Audit", icon=":material/compare_arrows:"),
]
page = st.navigation(pages)
data.log_access("page", page.title)  # the access log: who opened which page (slopradar access-log)
page.run()
