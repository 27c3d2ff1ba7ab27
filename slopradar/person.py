"""A person's rights as commands: access (GDPR art. 15), erasure (art. 17) and objection (art. 21).

The admin who receives a request names the person by e-mail address or Slack user id; the store holds
neither, so the identifier is hashed with the store's key exactly as at ingestion (pseudonym.py) and looked
up among the keyed aliases. `export` gathers everything the store holds on that person as readable JSON;
`forget` erases it, rebuilds what was derived from it (scores that used it, chains, facts, aggregate cells)
and leaves a tombstone of keyed hashes so that later ingests skip the person (`Forgotten`, called from
ingest.py); `object_to_processing` is the existing opt-out. docs/privacy.md, "A person's rights".

This module holds the lookup, the tombstone and the objection; `export` is in person_export.py, `forget` and
`compact` in person_forget.py (all importable from here).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from . import aggregates
from .pseudonym import Pseudonymizer
from .records import MessageRecord, PersonRef
from .schema import Person, PersonAlias, Tombstone

ERASED_MENTION = "@someone"  # what a mention of a forgotten person becomes in other people's messages
PERSON, MESSAGE = "person", "message"
_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_SLACK_ID = re.compile(r"^(?:(?P<team>T[A-Z0-9]{6,}):)?(?P<user>[UW][A-Z0-9]{6,})$")


class PersonError(Exception):
    """The identifier given does not name a person the way slopradar can look one up."""


def aliases_of(pz: Pseudonymizer, ident: str) -> list[str]:
    """The keyed hashes an identifier is stored under: an e-mail address, a Slack user id (U..., or T...:U...)."""
    ident = ident.strip()
    if "@" in ident and not ident.startswith("@") and " " not in ident:
        return [pz.alias("email", ident)]
    m = _SLACK_ID.match(ident)
    if m:
        out = [pz.alias("slack-uid", m["user"])]
        if m["team"]:
            out.append(pz.alias("slack", f"{m['team']}:{m['user']}"))
        return out
    raise PersonError(f"{ident!r} is neither an e-mail address nor a Slack user id (U0123ABCD or T0123ABCD:U0123ABCD)")


def message_key(pz: Pseudonymizer, namespace: str, native_id: str) -> str:
    """The keyed hash a forgotten message is remembered by (so that a later share of it is dropped too)."""
    return pz.alias(MESSAGE, f"{namespace} {native_id}")


def _people(s: Session, aliases: list[str]) -> list[str]:
    return sorted(set(s.exec(select(PersonAlias.person_id).where(PersonAlias.alias.in_(aliases))).all()))  # type: ignore[attr-defined]


def _chunks(ids: list[Any], n: int = 500) -> Iterable[list[Any]]:
    for i in range(0, len(ids), n):
        yield ids[i:i + n]


def _iso(t: datetime | None) -> str | None:
    if t is None:
        return None
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).isoformat()


# -- the tombstone, applied at ingestion ----------------------------------------------------------------------
class Forgotten:
    """What ingestion must keep out: forgotten people (by the keyed hashes of their identities) and their
    erased messages (by keyed hashes of their native ids). `admit` drops a record they wrote and scrubs them
    from any other record (recipients, members, mentions, quotes of their messages), so that a store that
    re-reads an old export stays as if it never held them."""

    def __init__(self, pz: Pseudonymizer, people: Iterable[str], messages: Iterable[str],
                 labels: Iterable[str] = ()):
        self.pz = pz
        self.people = set(people)
        self.messages = set(messages)
        # the pseudonyms (person ids, mention labels, reply headers) derive from one of the person's aliases
        self.pseudonyms = {"p_" + a[:16] for a in self.people}
        self.labels = sorted(self.pseudonyms | {x for x in labels if x}, key=len, reverse=True)
        self._label = re.compile("|".join(re.escape(x) for x in self.labels)) if self.labels else None
        # a pseudonym (16 hex digits) ends where its digits do ("@p_0123456789abcdef-led"); a display name is not
        # followed by a word, nor by "." or "-" going on with one ("@alice.b" is another), but a sentence's full stop
        # ends it ("Questions to @alice.")
        fixed = [x for x in self.labels if re.fullmatch(r"p_[0-9a-f]{16}", x)]
        named = [x for x in self.labels if x not in fixed]
        alts = ([f"(?:{'|'.join(map(re.escape, fixed))})(?![0-9a-z])"] if fixed else []) + \
            ([f"(?:{'|'.join(map(re.escape, named))})(?![\\w]|[.-]\\w)"] if named else [])
        self._mention = re.compile("@(?:" + "|".join(alts) + ")") if alts else None

    @classmethod
    def load(cls, engine: Engine, pz: Pseudonymizer) -> "Forgotten | None":
        """The store's tombstones; None when nobody was ever forgotten (ingestion then does nothing more)."""
        with Session(engine) as s:
            rows = s.exec(select(Tombstone.key, Tombstone.kind)).all()
        if not rows:
            return None
        return cls(pz, [k for k, kind in rows if kind == PERSON], [k for k, kind in rows if kind == MESSAGE])

    def is_forgotten(self, ref: PersonRef) -> bool:
        return any(self.pz.alias(k, v) in self.people for k, v in ref.identities)

    def admit(self, r: MessageRecord) -> bool:
        """False for a record a forgotten person wrote (or a forgotten message); else scrub them out of it."""
        if (r.author is not None and self.is_forgotten(r.author)) or \
                message_key(self.pz, r.namespace, r.native_id) in self.messages:
            return False
        r.recipients = [p for p in r.recipients if not self.is_forgotten(p)]
        r.conversation.members = [p for p in r.conversation.members if not self.is_forgotten(p)]
        r.text, r.quoted, r.meta = self.scrub(r.namespace, r.text, r.quoted, r.meta)
        return True

    def scrub(self, namespace: str, text: str | None, quoted: list[dict[str, Any]],
              meta: dict[str, Any]) -> tuple[str | None, list[dict[str, Any]], dict[str, Any]]:
        """Another person's message without the forgotten: mentions become ERASED_MENTION; quotes of their
        messages (a Slack share, a mail reply's quoted part whose header names them, a forwarded block whose
        header or an inner forward's header names them) are dropped."""
        from analysis.chain_forwards import forwarded_headers

        def clean(t: Any) -> Any:
            return self._mention.sub(ERASED_MENTION, t) if isinstance(t, str) and self._mention else t

        kept = []
        for q in quoted or []:
            ref = q.get("ref") if isinstance(q, dict) else None
            if isinstance(ref, dict) and ref.get("channel") and ref.get("ts") and message_key(
                    self.pz, namespace, f"{ref['channel']}:{ref['ts']}") in self.messages:
                continue
            header = q.get("header") if isinstance(q, dict) else None
            if isinstance(header, str) and q.get("kind") == "forward":  # and the forwarded original's own header
                header += "\n" + forwarded_headers(str(q.get("text") or ""))
            if isinstance(header, str) and ((self._label and self._label.search(header)) or any(
                    self.pz.alias("email", a) in self.people for a in _ADDRESS.findall(header))):
                continue  # "On <date>, <name> <address> wrote:" above a forgotten person's words
            kept.append({k: clean(v) for k, v in q.items()} if isinstance(q, dict) else q)
        meta = dict(meta or {})
        for key in ("recipients", "mentions"):
            if isinstance(meta.get(key), list):
                meta[key] = [x for x in meta[key] if x not in self.pseudonyms and x not in self.labels]
        if isinstance(meta.get("shares"), list):
            meta["shares"] = [sh for sh in meta["shares"] if not (
                isinstance(sh, dict) and message_key(self.pz, namespace, f"{sh.get('channel')}:{sh.get('ts')}")
                in self.messages)]
        return clean(text), kept, meta


# -- objection (art. 21) ------------------------------------------------------------------------------------
def object_to_processing(engine: Engine, pz: Pseudonymizer, ident: str, withdraw: bool = False) -> dict[str, Any]:
    """Record (or withdraw) a person's objection: the opt-out the Slack bot also sets. Their messages are no
    longer scored, chained, counted in any figure or nudged; the messages themselves stay (use forget)."""
    aliases = aliases_of(pz, ident)
    with Session(engine) as s:
        pids = _people(s, aliases)
        if not pids:
            raise PersonError("the store holds nothing on this person")
        s.exec(sa.update(Person).where(Person.id.in_(pids)).values(opted_out=not withdraw))  # type: ignore[call-overload,attr-defined]
        s.commit()
    aggregates.refresh(engine)
    return {"people": len(pids), "opted_out": not withdraw}


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"


# Access and erasure live in their own modules; these names stay importable from here.
from .person_export import export  # noqa: E402,F401
from .person_forget import compact, forget  # noqa: E402,F401
