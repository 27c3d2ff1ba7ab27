"""Team membership: from a mapping file when given, else derived from where people write.

Mapping file (YAML or CSV). YAML, either form:

    teams:                      # team -> members
      Platform: [alice@example.com, U024BE7LH, "#platform"]
    alice@example.com: Platform # or member -> team

CSV: two columns `member,team` with that header. A member is an e-mail address, a Slack user
id (U.../W...), a Slack handle, or a channel written `#name`. Entries are matched through the
same keyed hashes as the store, so the mapping can be applied at any time, before or after ingest.

The last mapping given is remembered in the store (`meta`: its path, the SHA-256 of its content, and
its entries as keyed hashes, never as addresses): a later recomputation without a mapping (the next
ingest) uses it, re-reading the file when it is still there, so teams never fall back to derived ones
behind the admin's back.

Without a mapping (or for people it does not name): a person's team is the channel where they
write most (general/random channels and DMs excluded), or their e-mail domain for people
only seen in mail. A channel's team is set by `#name` in the mapping, else the team most of
its authors belong to.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from .console import from_csv_cell
from .pseudonym import Pseudonymizer
from .schema import Conversation, Message, Meta, Person, PersonAlias, Team
from .store import upsert

_GENERAL = {"general", "random", "announcements-general", "général", "general-chat"}
_SLACK_ID = re.compile(r"^[UW][A-Z0-9]{6,}$")
MAPPING_META_KEY = "team_mapping"


class MappingError(Exception):
    """The team mapping file is unreadable or malformed."""


def slug(name: str) -> str:
    s = re.sub(r"[^\w]+", "-", name.strip().lower(), flags=re.UNICODE).strip("-")
    return s or "team"


def read_mapping(path: str | Path) -> dict[str, str]:
    """member -> team name."""
    return parse_mapping(Path(path), _read_text(Path(path)))


def _read_text(p: Path) -> str:
    if not p.is_file():
        raise MappingError(f"team mapping file {p} not found")
    try:
        return p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(f"team mapping file {p} is unreadable ({type(exc).__name__})") from None


def parse_mapping(p: Path, text: str) -> dict[str, str]:
    """member -> team name, from the text of the mapping file `p` (its suffix says CSV or YAML)."""
    out: dict[str, str] = {}
    if p.suffix.lower() == ".csv":
        rows = list(csv.DictReader(text.splitlines()))
        if rows and not {"member", "team"} <= set(rows[0]):
            raise MappingError(f"{p}: CSV needs the header 'member,team'")
        for row in rows:
            if row.get("member") and row.get("team"):  # a cell written by slopradar may carry csv_cell's quote
                out[from_csv_cell(row["member"].strip())] = from_csv_cell(row["team"].strip())
        return out
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise MappingError(f"{p}: invalid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise MappingError(f"{p}: expected a mapping")
    teams = data.get("teams")
    if isinstance(teams, dict):
        for team, members in teams.items():
            for m in members or []:
                out[str(m).strip()] = str(team)
    else:
        out = {str(k).strip(): str(v) for k, v in data.items()}
    return out


def member_aliases(pz: Pseudonymizer, member: str) -> list[str]:
    if member.startswith("#"):
        return []
    if "@" in member:
        return [pz.alias("email", member)]
    if _SLACK_ID.match(member):
        return [pz.alias("slack-uid", member)]
    return [pz.alias("slack-name", member.lstrip("@"))]


def _keyed(pz: Pseudonymizer, mapping: dict[str, str]) -> dict[str, dict[str, str]]:
    """The mapping as the store may keep it: people by keyed hash (alias -> team), channels by name."""
    people: dict[str, str] = {}
    channels: dict[str, str] = {}
    for member, team in mapping.items():
        if member.startswith("#"):
            channels[member[1:].lower()] = team
        for alias in member_aliases(pz, member):
            people[alias] = team
    return {"people": people, "channels": channels}


def resolve_mapping(s: Session, pz: Pseudonymizer, mapping_file: str | None) -> dict[str, Any] | None:
    """The mapping to apply: the file given, else the one remembered from the last time a file was given
    (re-read when it is still there, else its remembered entries); None when there never was one.
    A file given or re-read is remembered (the session is committed by the caller)."""
    row = s.get(Meta, MAPPING_META_KEY)
    remembered = json.loads(row.value) if row else None
    if mapping_file is None and remembered is None:
        return None
    path = Path(mapping_file or remembered["path"]).expanduser().resolve()  # type: ignore[index]
    if mapping_file is None and not path.is_file():
        return remembered  # the file is gone: its entries as they were applied
    text = _read_text(path)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if remembered and remembered["path"] == str(path) and remembered["sha256"] == digest:
        return remembered
    current = {"path": str(path), "sha256": digest} | _keyed(pz, parse_mapping(path, text))
    if row is None:
        row = Meta(key=MAPPING_META_KEY, value="")
    row.value = json.dumps(current, sort_keys=True)
    s.add(row)
    return current


def remembered_mapping(engine: Engine) -> dict[str, str] | None:
    """Path and SHA-256 of the mapping file teams are computed from, when one was given."""
    with Session(engine) as s:
        row = s.get(Meta, MAPPING_META_KEY)
    return {k: v for k, v in json.loads(row.value).items() if k in ("path", "sha256")} if row else None


def forget_mapping(engine: Engine) -> None:
    """Drop the remembered mapping: teams are derived again from the next recomputation on."""
    with Session(engine) as s:
        row = s.get(Meta, MAPPING_META_KEY)
        if row is not None:
            s.delete(row)
            s.commit()


def assign_teams(engine: Engine, pz: Pseudonymizer, mapping_file: str | None) -> dict[str, int]:
    """(Re)compute every person's and conversation's team. Idempotent. Without `mapping_file`, the
    mapping last given is used (see resolve_mapping)."""
    with Session(engine) as s:
        mapping = resolve_mapping(s, pz, mapping_file) or {"people": {}, "channels": {}}
        teams: dict[str, tuple[str, str]] = {}
        person_team: dict[str, tuple[str, str]] = {}
        channel_team: dict[str, str] = {}
        for channel, team in mapping["channels"].items():
            teams[slug(team)] = (team, "mapping")
            channel_team[channel] = slug(team)
        people: dict[str, str] = mapping["people"]
        for team in people.values():
            teams[slug(team)] = (team, "mapping")
        aliases = list(people)
        for i in range(0, len(aliases), 500):  # bounded IN lists
            q = select(PersonAlias.alias, PersonAlias.person_id).where(
                PersonAlias.alias.in_(aliases[i:i + 500]))  # type: ignore[attr-defined]
            for alias, pid in s.exec(q):
                person_team[pid] = (slug(people[alias]), "mapping")
        convs = {c.id: c for c in s.exec(select(Conversation))}
        # where each person writes most
        counts: dict[str, Counter[int]] = defaultdict(Counter)
        q = select(Message.author_id, Message.conversation_id, sa.func.count()).where(
            Message.kind == "authored", Message.author_id.is_not(None)  # type: ignore[union-attr]
        ).group_by(Message.author_id, Message.conversation_id)
        for pid, cid, n in s.exec(q):
            counts[pid][cid] += n
        people = list(s.exec(select(Person)))
        for person in people:
            if person.id in person_team or person.is_bot:
                continue
            best = None
            for cid, _n in counts.get(person.id, Counter()).most_common():
                c = convs[cid]
                if c.kind in ("channel", "private") and c.name.lower() not in _GENERAL:
                    best = c
                    break
            if best is not None and best.kind in ("channel", "private"):
                tid = channel_team.get(best.name.lower()) or slug(best.name)
                teams.setdefault(tid, (best.name, "channel"))
                person_team[person.id] = (tid, teams[tid][1])
            elif person.email_domain and any(convs[c].kind == "mail_folder" for c in counts.get(person.id, {})):
                tid = slug(person.email_domain)
                teams.setdefault(tid, (person.email_domain, "domain"))
                person_team[person.id] = (tid, "domain")
        upsert(s, Team, [dict(id=k, name=v[0], origin=v[1]) for k, v in teams.items()], keys=["id"],
               update=["name", "origin"])
        for person in people:
            tid, origin = person_team.get(person.id, (None, None))
            if person.team_id != tid:
                person.team_id, person.team_origin = tid, origin
                s.add(person)
        # conversation teams: mapping first, else the majority team of its authors
        author_teams: dict[int, Counter[str]] = defaultdict(Counter)
        for pid, per_conv in counts.items():
            t = person_team.get(pid, (None, None))[0]
            if t:
                for cid, n in per_conv.items():
                    author_teams[cid][t] += n
        for cid, c in convs.items():
            tid = channel_team.get(c.name.lower())
            if tid is None and author_teams.get(cid) and c.name.lower() not in _GENERAL:
                tid = author_teams[cid].most_common(1)[0][0]
            if c.team_id != tid:
                c.team_id = tid
                s.add(c)
        s.flush()
        # drop derived teams nobody belongs to any more (a mapping replaced them)
        used = {t for t, _ in person_team.values()} | {c.team_id for c in convs.values() if c.team_id}
        for team in s.exec(select(Team)):
            if team.id not in used:
                s.delete(team)
        s.commit()
        return {"teams": len(used), "people_with_team": sum(1 for p in person_team if p)}
