"""Streamlit dashboard: presentation only; reads the store through slopradar.queries."""
