"""Render an audit (analysis.audit.run) as self-contained HTML, PDF (fpdf2), JSON or CSV.

Plots are matplotlib PNGs embedded as base64, so the HTML file is one self-contained document;
the PDF is drawn with fpdf2 from the same data (no browser involved).
"""

from __future__ import annotations

import base64
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

from slopradar import metrics
from slopradar.console import SafeDictWriter, write_private

from .audit import COST_KEYS

METHODS: list[tuple[str, str]] = [
    ("Periods", "Both periods are whole weeks, Monday to Sunday (UTC). With an adoption date, 'before' is every "
     "whole week of data before it and 'after' every week from it; a week that contains the date without starting "
     "on it is left out as a transition week."),
    ("Intervals and effect sizes", "Each figure is a ratio of sums over people (for example the sum of AI "
     "probabilities over the number of messages scored). Its 95 % interval comes from a bootstrap of 2,000 "
     "replicates that draws people with replacement, with all their messages, because one person's messages are "
     "not independent. Before and after are resampled together (the same draw of people weights both), so the "
     "interval of the change accounts for people present in both. Effect sizes: Cohen's h for shares, Cohen's d "
     "on people's own values otherwise."),
    ("Verdicts", "'Clearly worse' or 'clearly better' only when the whole 95 % interval of the change lies beyond "
     "the smallest change that matters; 'worse (small change)' when the interval excludes zero but not that "
     "margin; 'no detectable change' when it includes zero, with a warning when it is too wide to rule out a "
     "change that matters. 'Not enough data' when a period has fewer people than the minimum group size, or too "
     "few messages or facts for the metric: no number is shown then, rather than a noisy one."),
    ("Estimated AI-written share", "A team-level estimate, never a verdict on a message or a person: the mean of "
     "calibrated probabilities from the AI-likeness detector over messages of 12 or more words in English or "
     "French. The detector's false alarms on human text are present in both periods, so the change is the "
     "meaningful figure."),
    ("Cost in hours", "Reading padding: the words outside each message's core sentences at 238 words per minute, "
     "for one reader (multiply by the audience for the real cost). Fact loss: each copy that lost or distorted a "
     "critical fact of its announcement counts as one workslop incident, at the configured hours per incident "
     "(default 1 h 56 min, the average reported in the Stanford Social Media Lab / BetterUp Labs survey, "
     "Niederhoffer et al., Harvard Business Review, 22 September 2025)."),
    ("Footprint", "EcoLogits' LLM-inference model (GenAI Impact, v0.11.3; Rincé & Banse, JOSS 2025), re-implemented "
     "offline: GPU energy and latency per output token fitted on H100 benchmarks, GPUs needed to hold the model, "
     "server overhead, PUE, the electricity mix's carbon intensity, on-site and off-site water, and embodied "
     "emissions of the hardware. Tokens: the probability-weighted words of messages (each message counts for its "
     "probability of being AI-written) times tokens per word; summaries also count their parent's words as input "
     "tokens. EcoLogits ignores input tokens: our low bound follows it, the high bound adds prefill at 0.25 mWh "
     "per input token for a GPT-4o-class model (Epoch AI, 2025), scaled to the model class. The range also spans "
     "the class's parameter range and batch sizes of 32 to 128."),
    ("Why published per-request figures differ", "About 0.3 Wh (Epoch AI, 2025) and 0.42 Wh ('How Hungry is "
     "AI?', Jegham et al., 2025, GPT-4o short query) to 19.3 Wh (estimates for GPT-5 long answers) per text "
     "request: the studies differ in model size (and how many GPUs hold it), answer length (energy grows with "
     "output tokens, and reasoning models emit many hidden ones), input length (prefill), batch size and "
     "utilisation assumed, and whether data-centre overhead and hardware manufacturing are counted. Ours counts "
     "only the visible words of detected messages and, for a frontier model, gives 0.6–1.2 Wh per 300-token "
     "answer: above Epoch AI and Jegham et al. for a short answer, far below reasoning-model estimates."),
    ("Privacy safeguards", "People are pseudonymised at ingestion. Every figure is computed in the query layer over "
     "precomputed team cells; a team, week or team-channel pair with fewer distinct authors than the minimum "
     "group size is dropped before any figure is computed, and the organisation's figures add up only the teams "
     "shown, so nothing can be recovered by subtraction. No person, per-person figure or ranking appears. Chains "
     "are shown only when their announcement and copies went to groups at or above the threshold; opted-out "
     "people's messages are never scored."),
]

ERROR_RATES: list[tuple[str, str, str]] = [
    ("AI-likeness detector, human workplace text", "1.2 % false positives (95 % CI 0.5–3.1 %); 2.9 % above 150 words",
     "docs/detection.md, held-out Enron, Slack 2016, 3GPP list"),
    ("AI-likeness detector, unseen AI workplace text", "88.8 % detected at the shipped threshold",
     "docs/detection.md, SummEdits sales calls"),
    ("AI-likeness detector, non-native writers", "11.1 % false positives (native writers 4.1 %)",
     "docs/detection.md, TOEFL vs Hewlett essays"),
    ("Chain links (exact parent)", "F1 0.76 (origin 0.97) on pooled chains without metadata; recall 0.85, precision 0.73 on the demo workspace",
     "docs/chains.md"),
    ("Fact loss per pair", "balanced accuracy 0.640 (AUROC 0.643) on SummEdits workplace pairs", "docs/chains.md"),
]

# One colour per team on every chart (dashboard and reports): matplotlib's "tab10" then the light half of
# "tab20", given to the teams in the order of their names, so a team keeps its colour wherever it appears
# as long as the store's teams are the same. The organisation is grey.
_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf",
            "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d", "#9edae5")
ORGANISATION_COLOUR = "#555555"


def team_colours(names: list[str] | tuple[str, ...] | set[str]) -> dict[str, str]:
    """Team name -> colour, from the names of every team shown anywhere (queries.options(...)["team"])."""
    return {n: _PALETTE[i % len(_PALETTE)] for i, n in enumerate(sorted(set(names), key=lambda n: (n.lower(), n)))}


def _colour(r: dict[str, Any], name: str) -> str:
    colours = r.get("team_colours") or team_colours([g["name"] for g in r["groups"]] + [w["team"] for w in r["weekly"]])
    return colours.get(name, ORGANISATION_COLOUR)


_FORMAT = metrics.FORMATS


def metric_label(m: dict[str, Any]) -> str:
    """A metric row's label as a manager reads it (the registry's display_label): a duration's unit is written
    with each value (minutes under an hour), so the label names none; bloat says what its scale is."""
    known = {r.key: r for r in metrics.METRICS}.get(m.get("key", ""))
    return known.report_label if known else m["label"]


def _unit(unit: str, *values: float) -> str:
    """Hours under one are shown in minutes; a value and its interval share one unit."""
    return "minutes" if unit == "hours" and max(abs(v) for v in values) < 1 else unit


def _one(value: float, unit: str, signed: bool) -> str:
    if unit == "share" and signed:
        return f"{value * 100:+.1f} pt"
    s = _FORMAT[unit](value)
    return ("+" + s if value > 0 else s) if signed else s


def fmt(value: float, unit: str, signed: bool = False) -> str:
    return _one(value, _unit(unit, value), signed)


def iv(d: dict[str, float], unit: str, signed: bool = False) -> str:
    if unit == "share" and signed:
        return f"{d['value'] * 100:+.1f} pt ({d['low'] * 100:+.1f} to {d['high'] * 100:+.1f})"
    u = _unit(unit, d["value"], d["low"], d["high"])
    return f"{_one(d['value'], u, signed)} ({_one(d['low'], u, signed)} to {_one(d['high'], u, signed)})"


def rng(pair: tuple[float, float] | list[float]) -> str:
    lo, hi = pair

    def g(v: float) -> str:
        return f"{v:.3g}" if v < 1000 else f"{v:,.0f}"

    return f"{g(lo)}–{g(hi)}"


_PLURALS = {"copy": "copies", "summary of summaries": "summaries of summaries"}


def count(n: int, word: str) -> str:
    """'1 copy', '2 copies', '1 week'."""
    return f"{n} {word if n == 1 else _PLURALS.get(word, word + 's')}"


def withheld(r: dict[str, Any]) -> str:
    """What stands in for the figures of a period that lacks enough authors."""
    return f"not shown (fewer than {r['min_group_size']} authors)"


def vclass(verdict: str) -> str:
    if verdict.startswith("not enough"):
        return "v-nodata"
    if verdict.startswith("no detectable"):
        return "v-none"
    return "v-" + verdict.split(" (")[0].replace(" ", "-")


def plots(r: dict[str, Any]) -> dict[str, str]:
    """The figures as base64 PNGs: weekly trends and the change of each metric per group."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    # Labels are team names and other user text: plain text, never mathtext or TeX ("$\\badcmd$" in a
    # team name would otherwise stop the report). rcParams cover texts made while drawing (tick labels).
    with matplotlib.rc_context({"text.usetex": False, "text.parse_math": False}):
        return _draw(r, plt, pd)


def _draw(r: dict[str, Any], plt: Any, pd: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    weekly = pd.DataFrame(r["weekly"])
    if not weekly.empty:
        weekly["week"] = pd.to_datetime(weekly["week"])
        unit, factor = ("min", 60.0) if weekly["reading_hours"].max() < 1 else ("h", 1.0)
        weekly["reading"] = weekly["reading_hours"] * factor
        if "padding_share" not in weekly:
            weekly["padding_share"] = weekly["mean_bloat"]  # a report from before padding_share was stored
        weekly["padding_pct"] = weekly["padding_share"] * 100
        panels = [("messages", "Messages per week", None), ("reading", f"Reading time per week ({unit}, one reader)",
                                                             None),
                  ("padding_pct", f"{metrics.get('padding_share').name} (%)", 100),
                  ("survival_pct", f"{metrics.get('fact_survival').name} (%)", 100)]
        weekly["survival_pct"] = weekly["survival"] * 100
        fig, axes = plt.subplots(2, 2, figsize=(11, 6), sharex=True)
        for ax, (col, title, top) in zip(axes.flat, panels, strict=True):
            for team, g in weekly.groupby("team"):
                g = _with_gaps(g.sort_values("week"), pd)
                ax.plot(g["week"], g[col], marker="o", ms=3, label=team, color=_colour(r, team))
            if r.get("adoption_date"):
                ax.axvline(pd.Timestamp(r["adoption_date"]), color="#444", ls="--", lw=1)
            ax.set_ylim(bottom=0, top=top if top and weekly[col].max() > top / 2 else None)
            ax.set_title(title, fontsize=10)
            ax.grid(alpha=.3)
        axes.flat[0].legend(fontsize=8, ncol=2)
        fig.autofmt_xdate()
        fig.tight_layout()
        out["trends"] = _png(fig, plt)
    rows = [(g["name"], m) for g in r["groups"] for m in g["metrics"] if m.get("relative")]
    if rows:
        labels = sorted({metric_label(m) for _, m in rows}, key=[metric_label(m) for _, m in rows].index)
        groups = [g["name"] for g in r["groups"]]
        fig, ax = plt.subplots(figsize=(11, 0.5 + 0.45 * len(labels) * max(1, len(groups)) / 2))
        y = 0.0
        ticks, names, labelled = [], [], set()
        for label in labels:
            for name in groups:
                m = next((m for gname, m in rows if gname == name and metric_label(m) == label), None)
                if m is None:
                    continue
                rel = m["relative"]
                ax.errorbar(rel["value"] * 100, y, xerr=[[(rel["value"] - rel["low"]) * 100],
                                                         [(rel["high"] - rel["value"]) * 100]],
                            fmt="o", color=_colour(r, name), label=None if name in labelled else name, capsize=3)
                labelled.add(name)
                y -= 0.3
            ticks.append(y + 0.3 * len(groups) / 2)
            names.append(label)
            y -= 0.5
        ax.axvline(0, color="#444", lw=1)
        ax.set_yticks(ticks, names, fontsize=8)
        ax.set_xlabel("change after vs before (% of the before value, 95 % interval)")
        # a linear axis: +50 % is half as far as +100 %; an interval beyond +300 % is cut at the edge
        lo = min(-10.0, min(m["relative"]["low"] for _, m in rows) * 100)
        hi = max(10.0, max(m["relative"]["high"] for _, m in rows) * 100)
        ax.set_xlim(max(lo, -100) * 1.05, min(hi, 300) * 1.05)
        ax.xaxis.set_major_formatter(lambda v, _pos: f"{v:+.0f} %" if v else "0")
        ax.legend(fontsize=8, loc="lower right")
        ax.grid(alpha=.3, axis="x")
        fig.tight_layout()
        out["changes"] = _png(fig, plt)
    return out


def _with_gaps(g: Any, pd: Any) -> Any:
    """One team's weeks with an empty row after each missing week, so that its line breaks there instead of
    joining two weeks with nothing between them."""
    gaps = g["week"].diff().dt.days.fillna(7) > 7
    if not gaps.any():
        return g
    blanks = pd.DataFrame({"week": g.loc[gaps, "week"] - pd.Timedelta(days=7)})
    return pd.concat([g, blanks]).sort_values("week")


def _png(fig: Any, plt: Any) -> str:
    from matplotlib.text import Text

    for text in fig.findobj(Text):  # every label as plain text, whatever the rcParams were when it was made
        text.set_usetex(False)
        text.set_parse_math(False)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def to_html(r: dict[str, Any], figures: dict[str, str] | None = None) -> str:
    """The report as one HTML file; `figures` from plots(r) when the caller already drew them."""
    import jinja2

    from .footprint import ECOLOGITS_VERSION

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]))
    fp: dict = next((f["assumptions"] for g in r["groups"] for f in g["footprint"].values()), {})
    return env.get_template("audit.html.j2").render(
        r=r, plots=figures if figures is not None else plots(r), methods=METHODS, error_rates=ERROR_RATES,
        footprint_assumptions=fp | {"ecologits_version": ECOLOGITS_VERSION}, fmt=fmt, iv=iv, rng=rng, vclass=vclass,
        count=count, label=metric_label)


def to_json(r: dict[str, Any]) -> str:
    return json.dumps(r, indent=2, default=str, sort_keys=False)


CSV_FIELDS = ["group", "metric", "label", "before", "before_low", "before_high", "after", "after_low", "after_high",
              "difference", "difference_low", "difference_high", "effect_size", "effect_kind", "verdict"]


def to_csv(r: dict[str, Any]) -> str:
    """One row per group and metric, then cost and footprint rows (same columns, `metric` says which)."""
    buf = io.StringIO()
    w = SafeDictWriter(buf, fieldnames=CSV_FIELDS)  # team names are user text
    w.writeheader()
    for g in r["groups"]:
        for m in g["metrics"]:
            row = {"group": g["name"], "metric": m["key"], "label": m["label"], "verdict": m["verdict"],
                   "effect_size": m.get("effect_size"), "effect_kind": m.get("effect_kind")}
            for part in ("before", "after", "difference"):
                if m.get(part):
                    row |= {part: m[part]["value"], f"{part}_low": m[part]["low"], f"{part}_high": m[part]["high"]}
            w.writerow(row)
        for key in COST_KEYS:  # a period without enough authors leaves its cells empty
            w.writerow({"group": g["name"], "metric": f"cost.{key}", "label": key}
                       | {p: g["cost"][p][key] for p in ("before", "after") if p in g["cost"]})
        for measure in ("energy_wh", "gwp_g", "gwp_local_g", "water_l"):
            row = {"group": g["name"], "metric": f"footprint.{measure}", "label": f"{measure} (min-max)"}
            for p in ("before", "after"):
                if p in g["footprint"]:
                    lo, hi = g["footprint"][p][measure]
                    row |= {f"{p}_low": lo, f"{p}_high": hi}
            w.writerow(row)
    return buf.getvalue()


def to_pdf(r: dict[str, Any]) -> bytes:
    """A PDF drawn with fpdf2 from the same data and figures as the HTML report."""
    import matplotlib
    from fpdf import FPDF

    font_dir = Path(matplotlib.get_data_path()) / "fonts" / "ttf"  # DejaVu ships with matplotlib: full Unicode
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.add_font("dejavu", "", str(font_dir / "DejaVuSans.ttf"))
    pdf.add_font("dejavu", "B", str(font_dir / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    pdf.set_font("dejavu", "B", 16)
    pdf.cell(0, 10, "Communication audit: before and after AI adoption", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("dejavu", "", 9)
    b, a = r["periods"]["before"], r["periods"]["after"]
    pdf.multi_cell(0, 5, f"Scope: {r['scope']} · before {b['start']} to {b['end_inclusive']} ({count(b['weeks'], 'week')}) · "
                         f"after {a['start']} to {a['end_inclusive']} ({count(a['weeks'], 'week')})"
                         + (f" · adoption date {r['adoption_date']}" if r.get("adoption_date") else "")
                         + f"\nslopradar {r['slopradar_version']} · config {r['config_hash']} · store "
                           f"{r['store_signature']} · teams with fewer than {r['min_group_size']} authors are not "
                           "shown.", new_x="LMARGIN", new_y="NEXT")
    figs = plots(r)
    for g in r["groups"]:
        pdf.ln(3)
        pdf.set_font("dejavu", "B", 12)
        pdf.cell(0, 8, g["name"], new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("dejavu", "", 8)
        with pdf.table(col_widths=(55, 45, 45, 50, 25, 57), text_align="LEFT") as table:
            table.row(["Metric", "Before (95 % interval)", "After (95 % interval)", "Change (95 % interval)",
                       "Effect size", "Verdict"])
            for m in g["metrics"]:
                if m.get("before"):
                    table.row([metric_label(m), iv(m["before"], m["unit"]), iv(m["after"], m["unit"]),
                               iv(m["difference"], m["unit"], signed=True), f"{m['effect_size']:.2f}", m["verdict"]])
                else:
                    table.row([metric_label(m), "—", "—", "—", "—", f"not enough data: {m['why']}"])
        c = g["cost"]
        fp = g["footprint"]
        lines = ["Cost, hours per week (one reader): " + ", ".join(
            f"{p} {c[p]['total_hours_per_week']:.1f} h" if p in c else f"{p} {withheld(r)}"
            for p in ("before", "after")) + "."]
        for p, f in fp.items():
            lines.append(f"Footprint {p} ({f['weeks']} weeks, range): {rng(f['energy_wh'])} Wh, {rng(f['gwp_g'])} "
                         f"gCO2eq ({rng(f['gwp_local_g'])} on the local grid), {rng(f['water_l'])} L water.")
        pdf.multi_cell(0, 5, "\n".join(lines), new_x="LMARGIN", new_y="NEXT")
    for key in ("trends", "changes"):
        if key in figs:
            pdf.add_page()
            pdf.image(io.BytesIO(base64.b64decode(figs[key])), w=260)
    pdf.add_page()
    pdf.set_font("dejavu", "B", 12)
    pdf.cell(0, 8, "Worst fact-loss chains", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("dejavu", "", 9)
    for ch in r["worst_chains"]:
        facts = "; ".join(f"{f['status']} {f['kind']} “{f['fact']}”" for f in ch["facts_lost"])
        pdf.multi_cell(0, 5, f"{ch['sent_at'][:10]} #{ch['conversation']}: {ch['excerpt']}… — {count(ch['copies'], 'copy')}, "
                             f"{count(ch['max_depth'], 'hop')}. {facts}", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    pdf.set_font("dejavu", "B", 12)
    pdf.cell(0, 8, "Methods", new_x="LMARGIN", new_y="NEXT")
    for h, text in METHODS:
        pdf.set_font("dejavu", "B", 9)
        pdf.cell(0, 6, h, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("dejavu", "", 9)
        pdf.multi_cell(0, 4.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("dejavu", "B", 9)
    pdf.cell(0, 6, "Known error rates", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("dejavu", "", 9)
    for comp, value, src in ERROR_RATES:
        pdf.multi_cell(0, 4.5, f"{comp}: {value} ({src})", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def write(r: dict[str, Any], out: Path, fmt_: str) -> None:
    """Write the report readable by its owner only (0600)."""
    if fmt_ == "pdf":
        write_private(out, to_pdf(r))
        return
    write_private(out, {"html": to_html, "json": to_json, "csv": to_csv}[fmt_](r).encode("utf-8"))


def default_format(out: Path) -> str:
    suffix = out.suffix.lower().lstrip(".")
    return suffix if suffix in ("html", "pdf", "json", "csv") else "html"


def parse_date(value: str) -> date:
    return date.fromisoformat(value)
