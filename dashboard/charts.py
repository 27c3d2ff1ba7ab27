"""Plots shared by the pages (altair, which Streamlit ships with)."""

from __future__ import annotations

import altair as alt
import pandas as pd


def weekly_chart(df: pd.DataFrame, column: str, title: str, adoption_date: str | None = None,
                 color: str = "team") -> alt.LayerChart | alt.Chart:
    """One line per team over weeks; a dashed rule marks the adoption date when there is one."""
    data = df.assign(week=pd.to_datetime(df["week"]))
    chart = alt.Chart(data, title=title).mark_line(point=True).encode(
        x=alt.X("week:T", title=None), y=alt.Y(f"{column}:Q", title=None),
        color=alt.Color(f"{color}:N", title=None), tooltip=["week:T", f"{color}:N", alt.Tooltip(f"{column}:Q", format=".3")])
    if not adoption_date:
        return chart
    rule = alt.Chart(pd.DataFrame({"week": [pd.Timestamp(adoption_date)]})).mark_rule(
        strokeDash=[6, 4], color="#555").encode(x="week:T")
    return chart + rule
