"""Streamlit-side access to the query layer: one engine per process, settings from the environment."""

from __future__ import annotations

import streamlit as st

from slopradar.config import Settings
from slopradar.store import open_store


@st.cache_resource
def settings() -> Settings:
    return Settings.load()


@st.cache_resource
def engine():
    return open_store(settings())
