"""Secrets (API tokens, client secrets): from the environment, else from <data_dir>/secrets.toml.

The file must not be readable by other users (0600); its values are never logged, stored or
echoed in errors. Keys: slack_bot_token, slack_app_token, slack_signing_secret, graph_client_secret,
graph_certificate_password (of the .pfx file, or of an encrypted PEM key).
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

from .config import ConfigError, Settings

SECRETS_FILE = "secrets.toml"
ENV = {"slack_bot_token": "SLACK_BOT_TOKEN", "slack_app_token": "SLACK_APP_TOKEN",
       "slack_signing_secret": "SLACK_SIGNING_SECRET", "graph_client_secret": "GRAPH_CLIENT_SECRET",
       "graph_certificate_password": "GRAPH_CERTIFICATE_PASSWORD"}


def secrets_path(settings: Settings) -> Path:
    return settings.data_path / SECRETS_FILE


def get_secret(settings: Settings, name: str) -> str | None:
    """The secret from its environment variable, else from the secrets file, else None."""
    value = os.environ.get(ENV[name])
    if value:
        return value
    path = secrets_path(settings)
    if not path.is_file():
        return None
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"{path} is readable by other users: run `chmod 600 {path}`")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML ({type(exc).__name__})") from None
    value = data.get(name)
    return str(value) if value else None


def require_secret(settings: Settings, name: str) -> str:
    value = get_secret(settings, name)
    if not value:
        raise ConfigError(f"no {name}: set the environment variable {ENV[name]} or add {name} to "
                          f"{secrets_path(settings)} (mode 0600)")
    return value
