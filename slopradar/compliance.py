"""The documents a DPO and a works council ask for, generated from the deployment itself (issue 23): a DPIA
pre-filled with what slopradar does, the employees' information notice (GDPR art. 13), the note for the works
council (CSE, French Code du travail L2312-38) and the record-of-processing entry (art. 30), in English and
French. Every figure and setting in them is read from the store and the settings, so the documents match the
deployment they describe; what only the organisation can decide (its name, legal basis, DPO) is left as a
marked blank. Templates: slopradar/templates/compliance/<lang>/*.md.j2 (package data).
"""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from .config import Settings
from .schema import AccessLog, Conversation, DerivationEdge, Message, MessageScore, Nudge, Person, Source, Team, Tombstone

LANGUAGES = ("en", "fr")
DOCUMENTS = ("dpia", "notice", "works-council", "record")
TEMPLATES = Path(__file__).parent / "templates" / "compliance"
WARNINGS = {  # what the documents flag in bold, also said by `slopradar compliance`
    "retention": "no retention period: set retention_days once the audit's baseline is ingested",
    "identities": "store_identities is on: names and e-mail addresses are stored",
    "login": "no dashboard login ([auth] in .streamlit/secrets.toml): the access log cannot name viewers",
    "small_groups": "min_group_size is below 5",
}


def login_configured(search: list[Path] | None = None) -> bool | None:
    """Whether the dashboard asks for a login: an `[auth]` section in .streamlit/secrets.toml (working directory
    or home, where Streamlit reads it). None when no secrets file was found at all."""
    found = False
    for base in search if search is not None else [Path.cwd(), Path.home()]:
        path = base / ".streamlit" / "secrets.toml"
        if path.is_file():
            found = True
            try:
                if "auth" in tomllib.loads(path.read_text(encoding="utf-8")):
                    return True
            except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError):
                continue
    return False if found else None


def deployment(engine: Engine, settings: Settings, organisation: str | None = None, dpo: str | None = None,
               today: date | None = None, login: bool | None = None) -> dict[str, Any]:
    """What the documents say about this deployment: its settings and what its store holds (counts only)."""
    with Session(engine) as s:
        def count(q: Any) -> int:
            return int(s.exec(q).one())

        kinds = sorted(set(s.exec(select(Source.kind)).all()))
        first, last = s.exec(select(sa.func.min(Message.sent_at), sa.func.max(Message.sent_at))
                             .where(Message.kind == "authored")).one()
        store: dict[str, Any] = {
            "sources": kinds,
            "messages": count(select(sa.func.count()).select_from(Message).where(Message.kind == "authored")),
            "texts_kept": count(select(sa.func.count()).select_from(Message).where(
                Message.kind == "authored", Message.text.is_not(None))),  # type: ignore[union-attr]
            "people": count(select(sa.func.count()).select_from(Person).where(Person.is_bot == sa.false())),
            "teams": count(select(sa.func.count()).select_from(Team)),
            "conversations": count(select(sa.func.count()).select_from(Conversation)),
            "opted_out": count(select(sa.func.count()).select_from(Person).where(Person.opted_out)),
            "forgotten_identities": count(select(sa.func.count()).select_from(Tombstone)
                                          .where(Tombstone.kind == "person")),
            "scored": count(select(sa.func.count()).select_from(MessageScore)) > 0,
            "chains": count(select(sa.func.count()).select_from(DerivationEdge)) > 0,
            "nudges": count(select(sa.func.count()).select_from(Nudge)),
            "access_log_rows": count(select(sa.func.count()).select_from(AccessLog)),
            "first": first.date().isoformat() if first else None,
            "last": last.date().isoformat() if last else None,
        }
    with_names = settings.store_identities
    return {
        "organisation": organisation, "dpo": dpo,
        "date": (today or datetime.now(UTC).date()).isoformat(),
        "settings": settings.model_dump(include={
            "min_group_size", "retention_days", "store_identities", "access_log_days", "adoption_date",
            "embedding_model", "bot_daily_cap", "bot_quiet_hours", "bot_min_words", "max_text_chars",
            "graph_mailboxes", "graph_folders", "skip_auto_replies"}),
        "database": "PostgreSQL" if settings.db_url().startswith("postgresql") else "SQLite",
        "login": login if login is not None else login_configured(),
        "bot": "slack_bot" in kinds or store["nudges"] > 0,
        "store": store,
        "warnings": [w for w, on in (
            ("retention", settings.retention_days is None),
            ("identities", with_names),
            ("login", (login if login is not None else login_configured()) is not True),
            ("small_groups", settings.min_group_size < 5),
        ) if on],
    }


def render(context: dict[str, Any], lang: str, document: str) -> str:
    """One document in one language."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES / lang), autoescape=False,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    return env.get_template(f"{document}.md.j2").render(**context)


def write_documents(engine: Engine, settings: Settings, out: Path, langs: list[str] | tuple[str, ...] = LANGUAGES,
                    organisation: str | None = None, dpo: str | None = None, today: date | None = None,
                    login: bool | None = None) -> list[Path]:
    """Write every document in every language under out/<lang>/; returns the files written."""
    context = deployment(engine, settings, organisation, dpo, today, login)
    written = []
    for lang in langs:
        (out / lang).mkdir(parents=True, exist_ok=True)
        for doc in DOCUMENTS:
            path = out / lang / f"{doc}.md"
            path.write_text(render(context, lang, doc), encoding="utf-8")
            written.append(path)
    return written
