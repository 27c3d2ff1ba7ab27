"""Slack users as both the export (users.json) and the Web API (users.list) describe them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeGuard

from slopradar.records import PersonRef


@dataclass
class SlackUser:
    id: str
    team_id: str | None
    name: str | None
    real_name: str | None
    email: str | None
    is_bot: bool
    deleted: bool

    def ref(self, team: str) -> PersonRef:
        ids: list[tuple[str, str]] = []
        if self.email:
            ids.append(("email", self.email))
        ids.append(("slack", f"{team}:{self.id}"))
        ids.append(("slack-uid", self.id))
        if self.name:
            ids.append(("slack-name", self.name))
        return PersonRef(identities=ids, display_name=self.real_name or self.name, email=self.email,
                         is_bot=self.is_bot or self.id == "USLACKBOT")


def text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def is_slack_id(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and 0 < len(value) <= 100


def parse_user(u: Any) -> tuple[SlackUser | None, bool]:
    """A users.json entry as a SlackUser (None if it has no usable id), and whether a field had to be dropped."""
    if not isinstance(u, dict) or not is_slack_id(u.get("id")):
        return None, False
    prof = u.get("profile")
    bad = not isinstance(prof, dict | None) or any(
        not isinstance(u.get(k), str | None) for k in ("name", "real_name", "team_id"))
    prof = prof if isinstance(prof, dict) else {}
    bad = bad or any(not isinstance(prof.get(k), str | None) for k in ("real_name", "display_name", "email"))
    return SlackUser(
        id=u["id"], team_id=text_or_none(u.get("team_id")), name=text_or_none(u.get("name")),
        real_name=text_or_none(u.get("real_name")) or text_or_none(prof.get("real_name")) or text_or_none(prof.get("display_name")),
        email=text_or_none(prof.get("email")), is_bot=bool(u.get("is_bot") or u.get("is_app_user")),
        deleted=bool(u.get("deleted")),
    ), bad
