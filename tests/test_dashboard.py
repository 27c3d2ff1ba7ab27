"""Every dashboard page renders from the store with the query layer's numbers, and small groups never
appear (headless AppTest)."""

from __future__ import annotations

import re
import sqlite3
from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from analysis.team_metrics import share_words
from slopradar import audit_data
from slopradar.audit_data import ai_share_by_team
from dashboard import format as fmt
from slopradar import aggregates, queries
from slopradar.config import Settings
from slopradar.pipeline import ingest_mailbox, ingest_slack_export
from slopradar.schema import Message, Person, Team
from slopradar.store import open_store
from tests.conftest import ROOT, SAMPLES

APP = str(ROOT / "dashboard" / "app.py")
PAGES = ["pages/overview.py", "pages/team.py", "pages/chains.py", "pages/audit.py"]


def _env(monkeypatch, settings: Settings) -> None:
    monkeypatch.setenv("SLOPRADAR_DB", settings.db)
    monkeypatch.setenv("SLOPRADAR_DATA_DIR", settings.data_dir)
    if settings.adoption_date:
        monkeypatch.setenv("SLOPRADAR_ADOPTION_DATE", settings.adoption_date)


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    if page != PAGES[0]:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


MARKDOWN_KINDS = ("title", "header", "subheader", "markdown", "caption", "info", "warning", "success", "error")


def unescape(markdown: str) -> str:
    """What a reader sees of backslash-escaped Markdown (dashboard/escape.py escapes user text)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def page_text(at: AppTest) -> str:
    """Everything a person could read on the page: text elements, tables, metrics and choices."""
    parts: list[str] = []
    for kind in (*MARKDOWN_KINDS, "text"):
        parts += [unescape(str(e.value)) for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [e.value.to_csv() for e in at.dataframe]
    parts += [e.value.to_csv() for e in at.table]
    parts += [" ".join(map(str, s.options)) for s in at.selectbox]
    return "\n".join(parts)


@pytest.fixture
def demo_store(engine, settings, monkeypatch):
    settings.team_mapping = str(SAMPLES / "teams.yaml")
    ingest_slack_export(engine, settings, SAMPLES / "slack-export", progress=False)
    ingest_mailbox(engine, settings, SAMPLES / "mailbox.mbox", progress=False)
    _env(monkeypatch, settings)
    return engine


@pytest.fixture
def app_env(analysed, monkeypatch):
    engine, settings, _ = analysed
    _env(monkeypatch, settings)
    return engine, settings


def test_query_layer_drops_small_groups(demo_store):
    shown = {r["team"] for r in queries.team_summary(demo_store, 5)}
    assert "Legal" not in shown  # 3 people
    assert {"Platform", "Mobile", "Sales", "Lyon Ops"} <= shown
    assert all(r["authors"] >= 5 for r in queries.team_summary(demo_store, 5))
    weekly = queries.team_weekly(demo_store, 5)
    assert weekly and not any(r["team"] == "Legal" for r in weekly)
    assert all(r["authors"] >= 5 for r in weekly + queries.team_channels(demo_store, 5))
    assert "Legal" in {r["team"] for r in queries.team_summary(demo_store, 2)}
    assert "Legal" not in queries.options(demo_store, 5)["team"]


def test_cells_are_rebuilt_only_when_the_store_changes(demo_store, settings):
    assert aggregates.refresh(demo_store) == {"rebuilt": False}
    before = queries.team_summary(demo_store, 5)
    ingest_slack_export(demo_store, settings, SAMPLES / "slack-export", progress=False)  # nothing new
    assert queries.team_summary(demo_store, 5) == before
    assert aggregates.refresh(demo_store) == {"rebuilt": False}
    with Session(demo_store) as s:  # a person opts out: their messages leave every figure
        person = s.exec(select(Person).join(Team).where(Team.name == "Platform")).first()
        person.opted_out = True
        s.add(person)
        s.commit()
    assert aggregates.refresh(demo_store)["rebuilt"]
    after = {r["team"]: r for r in queries.team_summary(demo_store, 5)}
    assert after["Platform"]["messages"] < {r["team"]: r for r in before}["Platform"]["messages"]


def test_bloat_by_team_after_analysis(analysed):
    engine, settings, _ = analysed
    rows = {r["team"]: r for r in queries.team_summary(engine, settings.min_group_size)}
    assert "Legal" not in rows and {"Platform", "Mobile", "Sales"} <= set(rows)
    assert all(0 <= r["padding_hours"] <= r["reading_hours"] for r in rows.values())
    assert all(0 <= r["mean_bloat"] <= 1 for r in rows.values())


def test_overview_before_analysis_says_what_to_do(demo_store):
    at = open_page(PAGES[0])
    assert at.title[0].value == "Communication health"
    assert {m.label: m.value for m in at.metric}["Teams shown"] == "4"
    assert "Legal" not in page_text(at)
    assert any("Not estimated yet" in i.value for i in at.info)  # footprint before analysis


def test_overview_shows_the_query_layers_numbers(app_env):
    engine, settings = app_env
    at = open_page(PAGES[0])
    rows = queries.team_summary(engine, settings.min_group_size)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Teams shown"] == str(len(rows))
    assert metrics["Messages"] == f"{sum(r['messages'] for r in rows):,}"
    words = sum(r["words"] for r in rows)
    assert metrics["Words that are padding"] == fmt.share(sum(r["padding_words"] for r in rows) / words)
    table = at.table[0].value.set_index("Team")
    weeks = pd.DataFrame(queries.team_weekly(engine, settings.min_group_size)).groupby("team")["week"].nunique()
    for r in rows:
        assert table.loc[r["team"], "Reading per week"] == fmt.duration(r["reading_hours"] / weeks[r["team"]])
        assert table.loc[r["team"], "Words that are padding"] == fmt.share(r["padding_words"] / r["words"])
        assert table.loc[r["team"], "Messages"] == r["messages"]
    assert "Mean bloat" not in page_text(at) and "(h)" not in " ".join(table.columns)
    share = {r["team"]: r for r in ai_share_by_team(engine, settings.min_group_size, queries.Filters(),
                                                    settings.adoption_date)}
    for team, r in share.items():
        assert table.loc[team, "AI-written share (95 % interval)"] == share_words(r)
    assert "–" in metrics["Energy (Wh)"]  # the footprint panel, as a range
    assert "Legal" not in page_text(at)


def test_team_page(app_env):
    engine, settings = app_env
    at = open_page(PAGES[1])
    assert [s.key for s in at.selectbox] == ["team", "channel", "language"]  # one team control: the sidebar's
    rows = queries.team_summary(engine, settings.min_group_size)
    busiest = max(rows, key=lambda r: r["messages"])  # with "All", the team that wrote most
    assert at.header[0].value == busiest["team"]
    assert {m.label: m.value for m in at.metric}["Messages"] == f"{busiest['messages']:,}"
    at.sidebar.selectbox(key="team").select("Mobile").run()
    assert at.header[0].value == "Mobile"
    text = page_text(at)
    assert "Channels with the most padding" in text and "#mobile" in text and "mailbox" not in text
    channels = at.table[0].value
    assert list(channels.columns) == ["Channel", "Words that are padding", "Reading padding per week",
                                      "Reading per week", "Messages"]
    shares = [float(x.split()[0]) for x in channels["Words that are padding"]]
    assert shares == sorted(shares, reverse=True)  # charted and listed by padding share
    assert "1 copies" not in text and "1 hops" not in text
    assert "From 16 March the on-call rotation has 2 people" in text  # Platform's announcement, lost in Mobile
    # the Offline Sync announcement reached Mobile with lost facts, but Leadership has 4 authors (6 people):
    # counts and kinds only, never its text
    assert "Text not shown" in text and "lost status" in text
    assert "Offline Sync (feature X) is removed" not in text


def test_chains_page_tells_the_emma_story(app_env):
    at = open_page(PAGES[2])
    worst = at.selectbox(key="announcement").value  # the worst chain comes first, as counts
    assert worst == "2026-03-02 · #announcements · 3 copies · 7 facts lost"  # short: a selectbox never cuts it
    assert all(len(o) <= 100 for o in at.selectbox(key="announcement").options)
    text = page_text(at)
    assert "team ?" not in text and "a team of fewer than 5 authors" in text  # Leadership: 4 authors, not named
    assert "summary of a summary" in text and "LOST" in text and "status" in text
    # the copies' own words are shown (Platform and Mobile have 10 authors; public channels), as plain text
    assert any("Offline Sync" in t.value for t in at.text)
    assert "Offline Sync (feature X) is removed" not in text  # Leadership's own words: 4 authors
    assert "Text not shown" in text


def test_audit_page_matches_the_audit(app_env):
    engine, settings = app_env
    at = open_page(PAGES[3])
    expected = audit_data.run(engine, settings, adoption=date(2026, 2, 2))
    first = at.table[0].value
    assert list(first["Verdict"]) == [m["verdict"] for m in expected["groups"][0]["metrics"]]
    assert "Reading time per week (one reader)" in list(first["Metric"])  # its values say min or h
    names = [g["name"] for g in expected["groups"]]
    assert [unescape(s.value) for s in at.subheader][:len(names)] == names


# -- privacy: a 4-author team, and filters narrowing a team below the threshold -------------
@pytest.fixture
def tiny_team(analysed, tmp_path, monkeypatch):
    """A copy of the analysed demo store in which 4 Platform authors form the team 'Tiny'."""
    _engine, settings, _ = analysed
    # SQLite's backup, not a file copy: a copy misses what is still in the -wal file, and closing our own
    # descriptor of the store would drop the locks this process's connections hold on it (POSIX)
    with sqlite3.connect(settings.db) as src, sqlite3.connect(tmp_path / "tiny.db") as dst:
        src.backup(dst)
    cfg = settings.model_copy(update={"db": str(tmp_path / "tiny.db")})
    engine = open_store(cfg)
    with Session(engine) as s:
        s.add(Team(id="tiny", name="Tiny", origin="mapping"))
        authors = s.exec(select(Message.author_id).join(Person, Person.id == Message.author_id)
                         .join(Team, Team.id == Person.team_id)
                         .where(Team.name == "Platform", Message.kind == "authored").distinct()).all()[:4]
        s.exec(sa.update(Person).where(Person.id.in_(authors)).values(team_id="tiny"))  # type: ignore[call-overload]
        s.commit()
    aggregates.refresh(engine)
    _env(monkeypatch, cfg)
    return engine, cfg


def test_a_four_author_team_is_absent_from_every_page_and_total(tiny_team):
    engine, cfg = tiny_team
    assert "Tiny" in {r["team"] for r in queries.team_summary(engine, 4)}  # it exists, with 4 authors
    shown = queries.team_summary(engine, 5)
    assert "Tiny" not in {r["team"] for r in shown}
    for page in PAGES:
        assert "Tiny" not in page_text(open_page(page)), page
    overview = open_page(PAGES[0])
    # the total is the sum of the teams shown: nothing can be recovered by subtraction
    assert {m.label: m.value for m in overview.metric}["Messages"] == f"{sum(r['messages'] for r in shown):,}"
    r = audit_data.run(engine, cfg, adoption=date(2026, 2, 2))
    from analysis import report

    for blob in (report.to_json(r), report.to_csv(r), report.to_html(r)):
        # an embedded plot is base64, where any four letters turn up by chance ("...4KTinys6...")
        assert "Tiny" not in re.sub(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+", "", blob)
    sums = audit_data.person_sums(engine, 5, [queries.Filters()])
    assert "Tiny" not in sums
    assert len(sums[""]["periods"][0]["messages"]) == sum(len(v["periods"][0]["messages"])
                                                          for k, v in sums.items() if k)
    assert "Tiny" not in audit_data.ai_tokens(engine, 5, queries.Filters(), 1.3, 1.5)
    assert "Tiny" not in queries.options(engine, 5)["team"]
    for c in queries.chains_overview(engine, 5):
        assert "Tiny" not in c["teams_reached"]


def test_a_filter_narrowing_a_team_below_the_threshold_says_not_enough_people(app_env):
    engine, settings = app_env
    teams = queries.options(engine, settings.min_group_size)["team"]
    ids = {t["name"]: t["id"] for t in queries.teams(engine)}
    combo = next((t, lang) for t in teams for lang in ("fr", "en", "und")
                 if not queries.team_summary(engine, settings.min_group_size,
                                             queries.Filters(team_id=ids[t], language=lang)))
    for page in (PAGES[0], PAGES[1]):
        at = open_page(page)
        at.sidebar.selectbox(key="team").select(combo[0]).run()
        at.sidebar.selectbox(key="language").select(combo[1]).run()
        assert not at.exception
        assert any("Not enough people" in w.value for w in at.warning), page
        assert not at.dataframe and not at.table
    df = pd.DataFrame(queries.team_weekly(engine, settings.min_group_size,
                                          queries.Filters(team_id=ids[combo[0]], language=combo[1])))
    assert df.empty


def test_coarse_and_fine_cells_agree(analysed):
    engine, _settings, _ = analysed
    coarse = {r["team"]: r for r in queries.team_summary(engine, 1)}  # no filter: team-week cells
    by_lang: dict[str, dict[str, float]] = {}
    for lang in queries.options(engine, 1)["language"]:  # a language filter: the fine cells
        for r in queries.team_summary(engine, 1, queries.Filters(language=lang)):
            acc = by_lang.setdefault(r["team"], {"messages": 0, "prob_sum": 0.0, "crit_lost": 0})
            for k in acc:
                acc[k] += r[k]
    for team, acc in by_lang.items():
        assert acc["messages"] == coarse[team]["messages"]
        assert acc["crit_lost"] == coarse[team]["crit_lost"]
        assert acc["prob_sum"] == pytest.approx(coarse[team]["prob_sum"])


# -- user text is never Markdown (issue 14, finding 11) --------------------------------------------
HOSTILE_TEAM = "Ops ![t](http://evil.example/team.png) [x](javascript:alert(1)) :red[boom] $x^2$ <b>b</b>"
HOSTILE_TEXT = ("Release moved to 30 March. ![pixel](http://evil.example/pixel.png) "
                "[click here](javascript:alert(document.cookie)) :material/warning: <img src=x onerror=alert(1)>")


@pytest.fixture
def hostile(engine, settings, monkeypatch):
    """A team whose name, channel, announcement and facts are crafted Markdown and HTML."""
    from tests.small_store import SmallStore, week

    b = SmallStore(engine)
    people = [f"h{i}" for i in range(6)]
    b.team(HOSTILE_TEAM, people)
    chan = b.conversation("ops-[x](javascript:alert(2))", members=people)
    for w in range(6):
        for p in people:
            b.message(chan, p, week(w), text="Weekly note on the deploy queue and what is left to do there.")
    root = b.message(chan, "h0", week(4), text=HOSTILE_TEXT)
    copy = b.message(chan, "h1", week(4, hour=15), text="Summary: ![s](http://evil.example/s.png) release soon.")
    b.copy(copy, root, root, relation="summary")
    b.fact(copy, root, "date", "30 March ![f](http://evil.example/fact.png)", "distorted",
           evidence="release soon [e](javascript:alert(3))")
    b.done()
    _env(monkeypatch, settings.model_copy(update={"adoption_date": "2026-01-26"}))
    return engine


def _rendered_markdown(at: AppTest) -> list[str]:
    return [str(e.value) for kind in MARKDOWN_KINDS for e in getattr(at, kind)]


def test_user_text_is_shown_as_plain_text_never_as_markdown(hostile):
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    for page in PAGES:
        at = open_page(page)
        if page == PAGES[1]:
            at.sidebar.selectbox(key="team").select(HOSTILE_TEAM).run()
        for body in _rendered_markdown(at):
            html = parser.render(body)
            assert "<img" not in html and "href=" not in html, (page, body)
            assert "](" not in body and ":red[boom]" not in body and ":material/warning:" not in body, (page, body)
        assert HOSTILE_TEAM in page_text(at), page  # shown, literally
    at = open_page(PAGES[2])
    assert HOSTILE_TEXT in [t.value for t in at.text]  # the message, as plain text
    assert "30 March ![f](http://evil.example/fact.png)" in page_text(at)  # the fact's wording, literally


# -- numbers a manager can read (issue 18) ----------------------------------------------------------------------
def test_durations_shares_and_plurals_read_as_words():
    assert [fmt.duration(h) for h in (0, 0.001, 0.2, 0.99, 1.0, 3.46, 27)] == [
        "0 min", "<1 min", "12 min", "59 min", "1.0 h", "3.5 h", "27 h"]
    assert fmt.duration_delta(-0.25) == "−15 min" and fmt.duration_delta(2) == "+2.0 h"
    assert fmt.time_unit([0.01, 0.5]) == ("min", 60.0) and fmt.time_unit([0.5, 2.0]) == ("h", 1.0)
    assert [fmt.share(x) for x in (0.153, 0.004, 0, None)] == ["15 %", "0.4 %", "0 %", "—"]
    assert [fmt.plural(n, "copy") for n in (0, 1, 2)] == ["0 copies", "1 copy", "2 copies"]
    assert fmt.headline("none: human (before Nov 2022)") == ("none", "human (before Nov 2022)")
    assert fmt.headline("8% (3%–22%)") == ("8%", "95 % interval 3%–22%")
    assert fmt.where("e-mail") == "e-mail" and fmt.where("mobile") == "#mobile"


def test_lines_break_at_missing_weeks_and_never_leave_0_to_1():
    from dashboard.charts import weekly_chart

    df = pd.DataFrame({"week": ["2001-11-05", "2001-11-12", "2016-06-13"], "team": ["A"] * 3,
                       "padding_share": [0.0, 0.9, 0.2]})
    spec = weekly_chart(df, "padding_share", "Words that are padding", ["A", "B"], share=True).to_dict()
    assert spec["mark"]["interpolate"] == "linear"  # no smoothing that overshoots below 0
    y = spec["encoding"]["y"]["scale"]
    assert y["domainMin"] == 0 and y["domainMax"] == 1 and y["clamp"]
    values = next(iter(spec["datasets"].values()))
    assert [v["padding_share"] for v in values] == [0.0, 0.9, None, 0.2]  # a break in the 14-year gap
    assert spec["encoding"]["color"]["legend"] is None  # one team: its name is the page's title


def test_one_colour_per_team_on_every_chart(app_env):
    from analysis import report
    from dashboard.charts import colour_scale

    engine, settings = app_env
    teams = queries.options(engine, settings.min_group_size)["team"]
    colours = report.team_colours(teams)
    assert len(set(colours.values())) == len(teams)
    assert colour_scale(teams).to_dict() == {"domain": list(colours), "range": list(colours.values())}
    r = audit_data.run(engine, settings, adoption=date(2026, 2, 2))
    assert r["team_colours"] == colours  # the audit's plots use the dashboard's colours
    assert report.team_colours(list(reversed(teams))) == colours  # by name, whatever the order


def test_the_audit_page_defaults_to_a_date_with_data_on_both_sides(app_env, monkeypatch):
    engine, settings = app_env
    monkeypatch.delenv("SLOPRADAR_ADOPTION_DATE")
    at = open_page(PAGES[3])
    picked = at.date_input[0].value
    assert picked == audit_data.default_adoption_date(engine, settings.min_group_size)
    weeks = sorted({r["week"] for r in queries.team_weekly(engine, settings.min_group_size)})
    assert weeks[0] < picked.isoformat() <= weeks[-1]
    assert not at.exception and at.table


def test_no_page_fetches_its_icon_from_the_internet():
    source = (ROOT / "dashboard" / "app.py").read_text()
    assert ":material/radar:" not in source and "icon.png" in source
    assert (ROOT / "dashboard" / "icon.png").stat().st_size < 20_000


# -- speed without changing a figure (issue 20: the overview at 10^6 messages, bench/dashboard.py) -----------
def test_filter_options_are_the_groups_the_views_release(demo_store):
    """queries.options reads distinct (team, value, author) triples, not the summed cells: the same choices as the
    views' own grouping under every threshold."""
    for k in (1, 2, 3, 5, 8):
        opts = queries.options(demo_store, k)
        assert opts["team"] == [r["team"] for r in queries.team_summary(demo_store, k)]
        for key in ("channel", "language"):
            assert opts[key] == sorted({r[key] for r in queries._grouped(demo_store, k, queries.Filters(), "team", key)})
    assert queries.options(demo_store, 5)["channel"] and "*" not in queries.options(demo_store, 1)["language"]


def test_existing_stores_get_the_cell_indexes(engine, settings):
    """An index added to the cell tables reaches a store created before it: create_all alone skips existing tables."""
    def indexes(e) -> set[str]:
        return {i["name"] for i in sa.inspect(e).get_indexes("agg_cell")}

    with engine.begin() as conn:  # a store of the previous version: its cell table without the index
        conn.execute(sa.text("DROP INDEX ix_agg_cell_options"))
    assert "ix_agg_cell_options" not in indexes(engine)
    assert "ix_agg_cell_options" in indexes(open_store(settings))
    assert "ix_agg_cell_options" in indexes(open_store(settings))  # opening it again changes nothing


def test_weekly_lines_break_at_missing_weeks():
    from dashboard.charts import with_gaps

    week = pd.Timestamp("2026-01-05")
    df = pd.DataFrame({"week": [week + pd.Timedelta(weeks=w) for w in (3, 0, 1, 0)], "team": ["A", "A", "A", "B"],
                       "v": [3.0, 1.0, 2.0, 5.0]})
    out = with_gaps(df, "v")
    assert list(out["team"]) == ["A", "A", "A", "A", "B"]
    assert list(out["week"]) == [week + pd.Timedelta(weeks=w) for w in (0, 1, 2, 3, 0)]
    assert out["v"].isna().tolist() == [False, False, True, False, False]
    assert with_gaps(df.iloc[:0], "v").empty
