"""Plots shared by the pages (altair, which Streamlit ships with). Every team has one colour on every
chart, the audit report's included (analysis.report.team_colours)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from analysis.report import team_colours


def colour_scale(teams: list[str]) -> alt.Scale:
    """The colour of each team, from the names of every team the store shows (queries.options)."""
    colours = team_colours(teams)
    return alt.Scale(domain=list(colours), range=list(colours.values()))


def with_gaps(df: pd.DataFrame, column: str, by: str = "team") -> pd.DataFrame:
    """Each team's weeks with an empty row in each missing week, so that its line breaks there instead of
    joining two weeks with nothing in between (Vega-Lite breaks paths at null values)."""
    out = df
    if not df.empty:  # one vectorised pass over every team (a loop over teams cost 0.1 s a chart)
        rows = df.sort_values("week")
        gap = rows.groupby(by, sort=False)["week"].diff().dt.days.fillna(7) > 7
        blanks = pd.DataFrame({"week": rows.loc[gap, "week"] - pd.Timedelta(days=7), by: rows.loc[gap, by],
                               column: None})
        out = pd.concat([rows, blanks], ignore_index=True)
    return out.sort_values([by, "week"]).astype({column: "float64"})


def share_format(top: float) -> str:
    """An axis format for a 0–1 measure whose largest value is `top`: '4.5%' ticks below 10 %, else '45%'."""
    return ".1%" if top < 0.1 else ".0%"


def weekly_chart(df: pd.DataFrame, column: str, title: str, teams: list[str], adoption_date: str | None = None,
                 share: bool = False, fmt: str = ",.3~r") -> alt.LayerChart | alt.Chart:
    """One line per team over weeks; a dashed rule marks the adoption date when there is one.

    Lines are straight between weeks (no smoothing can overshoot) and the axis starts at 0; `share` draws a
    0–1 measure as per cent on an axis that never leaves 0–100 %."""
    data = with_gaps(df.assign(week=pd.to_datetime(df["week"]))[["week", "team", column]], column)
    top = float(data[column].max()) if data[column].notna().any() else 0.0
    y = alt.Y(f"{column}:Q", title=None,
              scale=alt.Scale(domainMin=0, domainMax=1, clamp=True, nice=False) if share and top > 0.5
              else alt.Scale(domainMin=0, clamp=True),
              axis=alt.Axis(format=share_format(top)) if share else alt.Axis(format=fmt))
    one_team = data["team"].nunique() == 1  # its name is the page's title: no legend
    chart = alt.Chart(data, title=title).mark_line(point=True, interpolate="linear").encode(
        x=alt.X("week:T", title=None, axis=alt.Axis(format="%d %b %Y", labelAngle=-30, tickCount=6)), y=y,
        color=alt.Color("team:N", title=None, scale=colour_scale(teams),
                        legend=None if one_team else alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("week:T", title="week of", format="%d %b %Y"), alt.Tooltip("team:N"),
                 alt.Tooltip(f"{column}:Q", title=title, format=".1%" if share else fmt)])
    if not adoption_date:
        return chart
    rule = alt.Chart(pd.DataFrame({"week": [pd.Timestamp(adoption_date)]})).mark_rule(
        strokeDash=[6, 4], color="#555").encode(x="week:T")
    return chart + rule
