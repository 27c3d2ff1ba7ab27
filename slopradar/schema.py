"""The store's tables (sqlmodel). Times are timezone-aware UTC datetimes.

Messages and conversations are keyed by (namespace, native_id), not by source, so the same
message reached through two sources (a Slack export and the Web API of the same workspace, or
one e-mail in two mailboxes) is stored once. Namespaces: "slack:<team id>" and "mail".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, JSON, Column, Index, UniqueConstraint, event
from sqlmodel import Field, SQLModel

SCHEMA_VERSION = 2


class Meta(SQLModel, table=True):
    """Key/value facts about the store itself (schema version)."""

    key: str = Field(primary_key=True)
    value: str


class Source(SQLModel, table=True):
    """One place messages come from: an export, a mailbox file, an API workspace."""

    __table_args__ = (UniqueConstraint("kind", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str  # slack_export | slack_api | mailbox | outlook
    name: str
    state: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    created_at: datetime
    updated_at: datetime


class Checkpoint(SQLModel, table=True):
    """A unit of input (a day file, a mailbox message batch, an API page) fully committed."""

    source_id: int = Field(primary_key=True, foreign_key="source.id")
    key: str = Field(primary_key=True)
    digest: str
    done_at: datetime


class ExternalId(SQLModel, table=True):
    """A source's own id for a stored message (a Graph message id in one mailbox), so that a later
    deletion in that source can find the message; one message can have ids in several sources."""

    source_id: int = Field(primary_key=True, foreign_key="source.id")
    external_id: str = Field(primary_key=True)
    namespace: str
    native_id: str = Field(index=True)


class Team(SQLModel, table=True):
    id: str = Field(primary_key=True)  # slug of the name
    name: str
    origin: str  # mapping | channel | domain


class Person(SQLModel, table=True):
    """A pseudonymous person. Names and addresses only when store_identities is on."""

    id: str = Field(primary_key=True)  # p_<keyed hash>
    team_id: str | None = Field(default=None, foreign_key="team.id", index=True)
    team_origin: str | None = None
    is_bot: bool = False
    opted_out: bool = False
    email_domain: str | None = None  # kept even without store_identities: derives teams from mail
    display_name: str | None = None
    email: str | None = None
    first_seen: datetime


class PersonAlias(SQLModel, table=True):
    """Keyed hash of a native identity (e-mail, Slack id, handle) -> person."""

    alias: str = Field(primary_key=True)
    person_id: str = Field(foreign_key="person.id", index=True)


class Conversation(SQLModel, table=True):
    """A Slack channel / DM / group DM, or a mailbox folder."""

    __table_args__ = (UniqueConstraint("namespace", "native_id"),)
    id: int | None = Field(default=None, primary_key=True)
    namespace: str
    native_id: str
    source_id: int = Field(foreign_key="source.id")
    kind: str  # channel | private | dm | mpim | mail_folder
    name: str
    team_id: str | None = Field(default=None, foreign_key="team.id")
    member_count: int | None = None
    members: list[str] = Field(default_factory=list, sa_column=Column(JSON))  # person ids


class Message(SQLModel, table=True):
    """One normalised message. `text` is what the author wrote; quotes and forwards are references."""

    __table_args__ = (
        UniqueConstraint("namespace", "native_id"),
        Index("ix_message_conv_sent", "conversation_id", "sent_at"),
        Index("ix_message_thread", "namespace", "thread_key"),
    )
    id: int | None = Field(default=None, primary_key=True)
    namespace: str
    native_id: str
    source_id: int = Field(foreign_key="source.id")
    conversation_id: int = Field(foreign_key="conversation.id")
    thread_key: str | None = None  # native id of the thread root (Slack thread_ts, mail root Message-ID)
    parent_native_id: str | None = None  # the message replied to (thread root in Slack, In-Reply-To in mail)
    author_id: str | None = Field(default=None, foreign_key="person.id", index=True)
    sent_at: datetime = Field(index=True)
    kind: str  # authored | system | bot | other | forwarded (a forwarded original not stored: slopradar/forwarded.py)
    subtype: str | None = None
    subject: str | None = None
    text: str | None = None  # authored text; None once retention removed it or when deleted
    quoted: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    language: str | None = None
    word_count: int = 0
    is_bot: bool = False
    edited_at: datetime | None = None
    version_ts: float = 0.0  # newer versions (edits) win; older ones never overwrite them
    deleted: bool = False  # sticky: a deletion seen once stays
    truncated: bool = False
    content_hash: str
    meta: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))


class Embedding(SQLModel, table=True):
    """A message's sentence embedding (float32 bytes), by model: the length-weighted mean of its sentences (of an AI
    assistant's answer, its opening line and notes left out: analysis.messages.answer_sentences); `sentences` holds
    every sentence."""

    message_id: int = Field(primary_key=True, foreign_key="message.id")
    model: str = Field(primary_key=True)
    content_hash: str
    dim: int
    vector: bytes
    sentences: list[str] = Field(default_factory=list, sa_column=Column(JSON))


class MessageScore(SQLModel, table=True):
    """What the message analysers found, by analyzer version. `not_scored` says why a score is missing."""

    message_id: int = Field(primary_key=True, foreign_key="message.id")
    analyzer_version: str = Field(primary_key=True)
    content_hash: str
    language: str | None = None
    language_confidence: float = 0.0
    ai_probability: float | None = None
    ai_flagged: bool = False
    ai_reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    ai_not_scored: str | None = None
    bloat: float | None = None
    bloat_reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    core_sentences: list[int] = Field(default_factory=list, sa_column=Column(JSON))
    core_words: int | None = None
    reading_seconds: float = 0.0
    flesch: float | None = None
    notes: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    analyzed_at: datetime


class DerivationEdge(SQLModel, table=True):
    """A copy and the earlier message it derives from."""

    child_id: int = Field(primary_key=True, foreign_key="message.id")
    parent_id: int = Field(foreign_key="message.id", index=True)
    relation: str  # forward | quote | summary | paraphrase
    confidence: float
    similarity: float
    compression: float
    method: str  # share | forward-block | learned | continued | stated | similarity (analysis/chains.py)
    root_id: int = Field(index=True)
    depth: int
    summary_of_summary: bool = False


class FactLoss(SQLModel, table=True):
    """One critical fact of a chain's root, as found (or not) in one copy."""

    copy_id: int = Field(primary_key=True, foreign_key="message.id")
    fact_key: str = Field(primary_key=True)  # kind:value:polarity of the root fact
    root_id: int = Field(foreign_key="message.id", index=True)
    kind: str
    value: str
    text: str
    critical: bool
    status: str  # kept | lost | distorted
    evidence: str = ""
    # 1 for what the rules read (a value, a status word); the learned check's probability for a judgement
    # ("scope refined" for "removed"): docs/factloss.md
    confidence: float = 1.0


class _CellSums(SQLModel):
    """The sums every aggregate cell holds (see AggCell)."""

    messages: int = 0
    words: int = 0
    reading_seconds: float = 0.0
    scored: int = 0  # messages with an AI probability
    prob_sum: float = 0.0  # sum of calibrated AI probabilities
    ai_words: float = 0.0  # sum of probability x words: expected AI-written words
    ai_words_en: float = 0.0  # the English part of it (tokens per word differ by language)
    bloat_n: int = 0
    bloat_sum: float = 0.0
    padding_words: int = 0  # words outside each message's core sentences
    threads: int = 0  # top-level messages (each starts a thread or stands alone)
    thread_messages: int = 0  # messages in those threads, the top-level ones included
    copies: int = 0  # messages that derive from an earlier announcement
    sos_copies: int = 0  # of which summaries of summaries
    summary_in_words: float = 0.0  # probability x words of the parent, for summary/paraphrase copies
    summary_in_words_en: float = 0.0
    crit_kept: int = 0
    crit_lost: int = 0
    crit_distorted: int = 0
    loss_copies: int = 0  # copies that lost or distorted at least one critical fact


class AggCell(_CellSums, table=True):
    """Precomputed sums per team, week, conversation, language and author, rebuilt after each
    ingest or analysis (slopradar/aggregates.py). Manager views and audits read these cells,
    never the messages, so a page costs about the same on 10^4 and 10^6 messages. The author
    column exists only so that the query layer can count distinct authors (the privacy threshold)
    and resample people for intervals; no query returns it.

    `min_group_size` 0 holds the raw cells (one per author and finest atom); n > 0 holds the
    cells as released under the threshold n (docs/privacy.md): an atom with fewer than n authors
    is pooled into `conversation_id` OTHER_CHANNELS (0), then `language` ANY_LANGUAGE ("*"), or
    left out. Views read only released cells."""

    __tablename__ = "agg_cell"
    # the filter options (queries.options): distinct (team, channel or language, author) per threshold, read from
    # this index without touching the cells; created in existing stores too (_cell_indexes below)
    __table_args__ = (Index("ix_agg_cell_options", "min_group_size", "team_id", "conversation_id", "language",
                            "author_id"),)
    min_group_size: int = Field(default=0, primary_key=True)
    team_id: str = Field(primary_key=True)
    week: str = Field(primary_key=True, index=True)  # ISO date of the Monday starting the week (UTC)
    conversation_id: int = Field(primary_key=True)
    language: str = Field(primary_key=True)  # en | fr | ... | und
    author_id: str = Field(primary_key=True)


class AggTeamWeek(_CellSums, table=True):
    """The released cells (min_group_size n > 0) rolled up over conversations and languages: what
    views without a channel or language filter read (far fewer rows)."""

    __tablename__ = "agg_team_week"
    min_group_size: int = Field(primary_key=True)
    team_id: str = Field(primary_key=True)
    week: str = Field(primary_key=True, index=True)
    author_id: str = Field(primary_key=True)


class Nudge(SQLModel, table=True):
    """A private nudge the Slack bot sent to a message's author, and what they said about it."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: str = Field(foreign_key="person.id", index=True)
    message_id: int = Field(foreign_key="message.id")
    kind: str  # bloat | factloss
    language: str
    delivery: str  # ephemeral | dm
    sent_at: datetime = Field(index=True)
    feedback: str | None = None  # not_helpful | why | stop
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))


class BotEvent(SQLModel, table=True):
    """Slack event ids already handled: Slack retries events, the bot must not nudge twice."""

    event_id: str = Field(primary_key=True)
    received_at: datetime


class Tombstone(SQLModel, table=True):
    """A person who asked to be forgotten (GDPR art. 17), kept so that later ingests skip them: only keyed
    hashes — of the person's identities (kind "person") and of their erased messages' native ids (kind
    "message", so that others' shares of them are dropped too). Nothing readable (slopradar/person.py)."""

    key: str = Field(primary_key=True)
    kind: str  # person | message


class AccessLog(SQLModel, table=True):
    """Who opened what: a dashboard page with its filters, an audit, an export, a person's data. Append-only
    (the store refuses updates, and deletions of rows younger than the shortest retention); rows older than
    access_log_days are purged (slopradar/access_log.py)."""

    __tablename__ = "access_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    actor: str  # the login identity when the dashboard has [auth], else the OS user, marked as such
    channel: str  # dashboard | cli
    action: str  # page | audit | export | person-export | person-forget | person-object | access-log | compliance
    target: str = ""  # page title, output file, keyed hash of a person
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))  # filters, formats


# The access log is append-only in the database itself, not just in slopradar's code: updates are refused, and so
# are deletions of rows younger than 180 days (the shortest access_log_days; the CNIL's floor for access logs).
_GUARD = "the access log is append-only: rows cannot be changed, nor deleted before 180 days"
for _ddl in (
    DDL(f"CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log BEGIN SELECT RAISE(ABORT, '{_GUARD}'); END")
    .execute_if(dialect="sqlite"),
    DDL("CREATE TRIGGER access_log_no_early_delete BEFORE DELETE ON access_log WHEN OLD.at > datetime('now', "
        f"'-180 days') BEGIN SELECT RAISE(ABORT, '{_GUARD}'); END").execute_if(dialect="sqlite"),
    DDL("CREATE OR REPLACE FUNCTION access_log_guard() RETURNS trigger AS $$ BEGIN IF TG_OP = 'UPDATE' OR OLD.at > "
        f"(now() AT TIME ZONE 'utc') - interval '180 days' THEN RAISE EXCEPTION '{_GUARD}'; END IF; RETURN OLD; END "
        "$$ LANGUAGE plpgsql").execute_if(dialect="postgresql"),
    DDL("CREATE TRIGGER access_log_guard BEFORE UPDATE OR DELETE ON access_log FOR EACH ROW EXECUTE FUNCTION "
        "access_log_guard()").execute_if(dialect="postgresql"),
):
    event.listen(AccessLog.__table__, "after_create", _ddl)  # type: ignore[attr-defined]


def _cell_indexes(_metadata: Any, connection: Any, **_kw: Any) -> None:
    """The cell tables' indexes, in stores whose cell tables existed before them: create_all creates a missing
    table with its indexes but adds no index to an existing table (IF NOT EXISTS: two processes may open a store
    at once)."""
    from sqlalchemy.schema import CreateIndex

    for table in (AggCell.__table__, AggTeamWeek.__table__):  # type: ignore[attr-defined]
        for index in table.indexes:
            connection.execute(CreateIndex(index, if_not_exists=True))


event.listen(SQLModel.metadata, "after_create", _cell_indexes)
