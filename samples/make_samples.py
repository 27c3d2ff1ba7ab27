"""Build the demo workspace from story.py: a Slack export folder, a mailbox, a team mapping and
the ground truth. Deterministic (fixed seed): re-running it rewrites identical files.

    python samples/make_samples.py            # writes next to this file
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
import sys
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import story  # noqa: E402

SEED = 20260105
START, END = date(2026, 1, 5), date(2026, 4, 3)
ADOPTION = date(2026, 2, 2)
TEAM_ID = "T0NWIND01"
DOMAIN = "northwind.example"
OUT = Path(__file__).resolve().parent

rng = random.Random(SEED)
FR_DAYS = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."]
FR_MONTHS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]


def handle(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.lower().split()[0]) + "." + re.sub(r"[^a-z]", "", name.lower().split()[-1])


PEOPLE = [(name, team) for team, names in story.TEAMS.items() for name in names]
TEAM_OF = {name: team for name, team in PEOPLE}
UID = {name: f"U0NW{i:05d}" for i, (name, _) in enumerate(PEOPLE, 1)}
CID = {ch: f"C0NW{i:05d}" for i, ch in enumerate(story.CHANNELS, 1)}
EMAIL = {name: f"{handle(name)}@{DOMAIN}" for name, _ in PEOPLE}


def members_of(channel: str) -> list[str]:
    team, _lang, extra = story.CHANNELS[channel]
    if extra == "all":
        return [n for n, _ in PEOPLE]
    return story.TEAMS[team] + list(extra)


def ts_of(dt: datetime, salt: str) -> str:
    micro = int(hashlib.sha256(salt.encode()).hexdigest(), 16) % 1_000_000
    return f"{int(dt.timestamp())}.{micro:06d}"


def parse_at(s: str) -> datetime:
    return datetime.strptime(s, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


class Workspace:
    def __init__(self) -> None:
        self.messages: dict[str, list[dict]] = defaultdict(list)  # channel -> messages
        self.truth: dict[str, dict] = {}  # message id -> labels
        self.mails: list[EmailMessage] = []
        self.used_ts: set[str] = set()

    def post(self, channel: str, author: str, at: datetime, text: str, origin: str = "human",
             thread_of: dict | None = None, **extra: object) -> dict:
        ts = ts_of(at, f"{channel}{author}{text}")
        while ts in self.used_ts:
            at += timedelta(seconds=1)
            ts = ts_of(at, f"{channel}{author}{text}")
        self.used_ts.add(ts)
        msg: dict = {"type": "message", "user": UID[author], "text": text, "ts": ts, "team": TEAM_ID,
                     "client_msg_id": hashlib.md5(ts.encode()).hexdigest()}
        if "\n•" in text or "*" in text:
            msg["blocks"] = [rich_text_blocks(text)]
        if thread_of is not None:
            msg["thread_ts"] = thread_of["ts"]
            msg["parent_user_id"] = thread_of["user"]
            thread_of.setdefault("thread_ts", thread_of["ts"])
            thread_of["reply_count"] = thread_of.get("reply_count", 0) + 1
            users = thread_of.setdefault("reply_users", [])
            if UID[author] not in users:
                users.append(UID[author])
            thread_of["reply_users_count"] = len(users)
            thread_of["latest_reply"] = max(ts, thread_of.get("latest_reply", "0"))
        msg.update(extra)
        self.messages[channel].append(msg)
        self.truth[f"{CID[channel]}:{ts}"] = {"origin": origin, "channel": channel, "team": TEAM_OF[author],
                                               "lang": story.CHANNELS[channel][1]}
        return msg

    def mail(self, author: str, to_team: str, at: datetime, subject: str, body: str, origin: str = "human",
             in_reply_to: EmailMessage | None = None, quoted: EmailMessage | None = None,
             forward: EmailMessage | None = None, headers: dict | None = None) -> EmailMessage:
        m = EmailMessage()
        m["From"] = f"{author} <{EMAIL[author]}>"
        m["To"] = ", ".join(EMAIL[n] for n in story.TEAMS[to_team] if n != author)
        m["Subject"] = subject
        m["Date"] = format_datetime(at)
        m["Message-ID"] = f"<{hashlib.sha256((subject + author + str(at)).encode()).hexdigest()[:24]}@{DOMAIN}>"
        for k, v in (headers or {}).items():
            m[k] = v
        text = body
        if in_reply_to is not None:
            m["In-Reply-To"] = in_reply_to["Message-ID"]
            refs = (in_reply_to.get("References", "") + " " + in_reply_to["Message-ID"]).strip()
            m["References"] = refs
        if quoted is not None:
            qdate = quoted["Date"]
            qtext = quoted.get_content().strip()
            qd = quoted["Date"].datetime
            fr_date = f"{FR_DAYS[qd.weekday()]} {qd.day} {FR_MONTHS[qd.month - 1]} {qd.year} à {qd:%H:%M}"
            header = (f"Le {fr_date}, {quoted['From']} a écrit :" if to_team == "Lyon Ops"
                      else f"On {qdate}, {quoted['From']} wrote:")
            text += f"\n\n{header}\n" + "\n".join("> " + ln for ln in qtext.split("\n"))
        if forward is not None:
            text += ("\n\n---------- Forwarded message ---------\n"
                     f"From: {forward['From']}\nDate: {forward['Date']}\nSubject: {forward['Subject']}\n"
                     f"To: {forward['To'].split(',')[0]}\n\n" + forward.get_content().strip())
        m.set_content(text + "\n")
        self.mails.append(m)
        self.truth[m["Message-ID"].strip("<>")] = {"origin": origin, "channel": None, "team": TEAM_OF[author],
                                                   "lang": "fr" if to_team == "Lyon Ops" and origin != "human" else "en"}
        return m


def rich_text_blocks(text: str) -> dict:
    """The rich_text block Slack's composer would produce for a message with bold labels and bullets."""
    elements: list[dict] = []
    items: list[str] = []

    def inline(line: str) -> list[dict]:
        out = []
        for i, part in enumerate(re.split(r"\*([^*]+)\*", line)):
            if part:
                out.append({"type": "text", "text": part, **({"style": {"bold": True}} if i % 2 else {})})
        return out

    def flush() -> None:
        if items:
            elements.append({"type": "rich_text_list", "style": "bullet", "indent": 0, "elements": [
                {"type": "rich_text_section", "elements": inline(it)} for it in items]})
            items.clear()

    for line in text.split("\n"):
        if line.startswith("• "):
            items.append(line[2:])
            continue
        flush()
        elements.append({"type": "rich_text_section", "elements": inline(line + "\n")})
    flush()
    return {"type": "rich_text", "block_id": hashlib.md5(text.encode()).hexdigest()[:5], "elements": elements}


def fill(template: str, team: str) -> str:
    names = story.TEAMS[team] if team in story.TEAMS else [n for n, _ in PEOPLE]
    return template.format(
        pr=rng.randint(300, 480), comp=rng.choice(story.COMPONENTS), svc=rng.choice(story.SERVICES),
        ver=f"{rng.randint(2, 4)}.{rng.randint(0, 19)}.{rng.randint(0, 9)}", first=rng.choice(names).split()[0],
        pct=rng.randint(62, 97), n=rng.randint(40, 900), m=rng.randint(20, 300), small=rng.randint(1, 9),
        screen=rng.choice(story.SCREENS), client=rng.choice(story.CLIENTS), city=rng.choice(story.CITIES),
        srv=rng.choice(story.SERVERS), h=rng.choice([7, 12, 18, 20, 22]), topic=rng.choice(story.SLOP_TOPICS),
    )


def slop(lang: str) -> str:
    bank = story.SLOP_FR if lang == "fr" else story.SLOP_EN
    topics = story.SLOP_TOPICS_FR if lang == "fr" else story.SLOP_TOPICS
    topic = rng.choice(topics)
    body = rng.sample(bank["body"], k=rng.randint(3, 5))
    text = rng.choice(bank["open"]) + " " + " ".join(b for b in body if not b.startswith("*"))
    labelled = [b for b in body if b.startswith("*")]
    if labelled:
        text += "\n\n" + "\n\n".join(labelled)
    return (text + "\n\n" + rng.choice(bank["close"])).replace("{topic}", topic)


def workdays() -> list[date]:
    d, out = START, []
    while d <= END:
        if d.weekday() < 5:
            out.append(d)
        d += timedelta(days=1)
    return out


def at_time(d: date, hour_lo: int = 8, hour_hi: int = 18) -> datetime:
    return datetime(d.year, d.month, d.day, rng.randint(hour_lo, hour_hi - 1), rng.randint(0, 59),
                    rng.randint(0, 59), tzinfo=UTC)


def everyday(ws: Workspace) -> None:
    team_channel = {"Platform": "platform", "Mobile": "mobile", "Sales": "sales", "Legal": "legal"}
    for d in workdays():
        # team channels
        for team, channel in team_channel.items():
            n = {"Legal": rng.choice([0, 0, 1]), "Sales": rng.randint(1, 3)}.get(team, rng.randint(2, 4))
            for _ in range(n):
                author = rng.choice(story.TEAMS[team])
                parent = ws.post(channel, author, at_time(d), fill(rng.choice(story.EVERYDAY_EN[team]), team))
                if rng.random() < 0.35:
                    for k in range(rng.randint(1, 3)):
                        replier = rng.choice([p for p in story.TEAMS[team] if p != author])
                        ws.post(channel, replier, at_time(d, 8, 19) + timedelta(hours=1 + k), rng.choice(story.REPLIES_EN),
                                thread_of=parent)
        # the French team
        for _ in range(rng.randint(1, 3)):
            author = rng.choice(story.TEAMS["Lyon Ops"])
            parent = ws.post("lyon-ops", author, at_time(d), fill(rng.choice(story.EVERYDAY_FR), "Lyon Ops"))
            if rng.random() < 0.3:
                ws.post("lyon-ops", rng.choice(story.TEAMS["Lyon Ops"]), at_time(d, 9, 19) + timedelta(hours=1),
                        rng.choice(story.REPLIES_FR), thread_of=parent)
        # mobile-dev chatter
        if rng.random() < 0.5:
            ws.post("mobile-dev", rng.choice(story.TEAMS["Mobile"]), at_time(d), fill(rng.choice(story.EVERYDAY_EN["Mobile"]), "Mobile"))
        # company-wide
        if rng.random() < 0.3:
            ws.post(rng.choice(["general", "random"]), rng.choice([n for n, _ in PEOPLE]), at_time(d),
                    fill(rng.choice(story.EVERYDAY_EN["general"]), "general"))
        # after adoption: bloated AI-polished posts appear, more as weeks pass
        if d >= ADOPTION and rng.random() < 0.25 + 0.25 * (d - ADOPTION).days / (END - ADOPTION).days:
            if rng.random() < 0.2:
                ws.post("lyon-ops", rng.choice(story.TEAMS["Lyon Ops"]), at_time(d), slop("fr"), origin="ai_polished")
            else:
                team = rng.choice(["Platform", "Mobile", "Sales"])
                ws.post(team_channel[team], rng.choice(story.TEAMS[team]), at_time(d), slop("en"), origin="ai_polished")
        # deploy bot
        if rng.random() < 0.4:
            at = at_time(d)
            ts = ts_of(at, f"bot{at}")
            ws.messages["deploys"].append({
                "type": "message", "user": "U0NWBOT01", "bot_id": "B0NWDEPLOY",
                "bot_profile": {"id": "B0NWDEPLOY", "app_id": "A0NWDEPLOY", "name": "deploybot", "team_id": TEAM_ID},
                "text": f"✅ {rng.choice(story.SERVICES)} deployed to production ({fill('{ver}', 'Platform')})", "ts": ts,
                "team": TEAM_ID})
            ws.truth[f"{CID['deploys']}:{ts}"] = {"origin": "bot", "channel": "deploys", "team": None, "lang": "en"}
    for channel, author, text in story.LONG_HUMAN:
        ws.post(channel, author, at_time(rng.choice(workdays())), text)


def chains(ws: Workspace) -> list[dict]:
    out = []
    for chain in story.CHAINS:
        ids: dict[str, str] = {}
        objs: dict[str, object] = {}
        root = chain["root"]
        if root.get("mail"):
            m = ws.mail(root["author"], root["to"], parse_at(root["at"]), root["subject"], root["text"])
            ids["root"], objs["root"] = m["Message-ID"].strip("<>"), m
        else:
            msg = ws.post(root["channel"], root["author"], parse_at(root["at"]), root["text"])
            ids["root"], objs["root"] = f"{CID[root['channel']]}:{msg['ts']}", (root["channel"], msg)
        copies = []
        for c in chain["copies"]:
            parent_obj = objs[c["parent"]]
            if c.get("mail"):
                m = ws.mail(c["author"], c["to"], parse_at(c["at"]), c["subject"], c["text"], origin=c["origin"],
                            forward=parent_obj if c["relation"] == "forward" else None)  # type: ignore[arg-type]
                ids[c["key"]], objs[c["key"]] = m["Message-ID"].strip("<>"), m
            else:
                extra = {}
                if c.get("share"):
                    pch, pmsg = parent_obj  # type: ignore[misc]
                    extra["attachments"] = [{
                        "is_share": True, "channel_id": CID[pch], "ts": pmsg["ts"], "text": pmsg["text"],
                        "author_id": pmsg["user"], "fallback": "[shared message]",
                        "from_url": f"https://northwind.slack.com/archives/{CID[pch]}/p{pmsg['ts'].replace('.', '')}",
                        "channel_name": pch, "footer": f"Posted in #{pch}"}]
                msg = ws.post(c["channel"], c["author"], parse_at(c["at"]), c["text"], origin=c["origin"], **extra)
                ids[c["key"]], objs[c["key"]] = f"{CID[c['channel']]}:{msg['ts']}", (c["channel"], msg)
            copies.append({"id": ids[c["key"]], "parent": ids[c["parent"]], "relation": c["relation"],
                           "origin": c["origin"], "team": TEAM_OF[c["author"]],
                           "lost": c["lost"], "distorted": c["distorted"],
                           "kept": [f["id"] for f in chain["facts"] if f["id"] not in c["lost"] + c["distorted"]]})
        by_id = {cp["id"]: cp for cp in copies}
        for cp in copies:
            path, node = [], cp
            while node is not None:
                path.append(node["relation"])
                node = by_id.get(node["parent"])
            cp["depth"] = len(path)
            cp["summary_of_summary"] = cp["depth"] >= 2 and "summary" in path
        out.append({"id": chain["id"], "story": chain["story"], "root": ids["root"], "facts": chain["facts"],
                    "copies": copies})
    for channel, author, at, text in story.AFTERMATH:
        ws.post(channel, author, parse_at(at), text)
    return out


def special_cases(ws: Workspace) -> None:
    """Edits, a deleted thread parent, a broadcast reply, joins: what real exports contain."""
    d = date(2026, 2, 11)
    edited = ws.post("platform", "Grace Kim", at_time(d), "retro moved to Thursday 15:00 (not Wednesday)")
    edited["edited"] = {"user": edited["user"], "ts": f"{int(float(edited['ts'])) + 120}.000000"}
    # a thread whose parent was deleted: Slack keeps a tombstone so the replies stay attached
    parent = ws.post("mobile", "Ryan Walsh", at_time(date(2026, 2, 19), 9, 10), "placeholder")
    parent.update({"user": "USLACKBOT", "text": "This message was deleted.", "subtype": "tombstone", "hidden": True})
    ws.truth[f"{CID['mobile']}:{parent['ts']}"].update(origin="deleted", team=None)
    ws.post("mobile", "Zoe Adams", at_time(date(2026, 2, 19), 11, 12), "answered in DM", thread_of=parent)
    # a reply also sent to the channel
    root = ws.post("sales", "Sara Lind", at_time(date(2026, 3, 3), 9, 10), "who is covering the Kestrel Bank demo?")
    ws.post("sales", "Fatima Zahra", at_time(date(2026, 3, 3), 11, 12), "I'll do it, deck is ready",
            thread_of=root, subtype="thread_broadcast",
            root={"text": root["text"], "user": root["user"], "ts": root["ts"], "thread_ts": root["ts"]})
    # channel joins (system messages)
    for name in ["Zoe Adams", "Elif Yilmaz", "Inès Chevalier"]:
        at = at_time(START)
        ts = ts_of(at, "join" + name)
        ch = {"Mobile": "mobile", "Platform": "platform", "Lyon Ops": "lyon-ops"}[TEAM_OF[name]]
        ws.messages[ch].append({"type": "message", "subtype": "channel_join", "user": UID[name],
                                "text": f"<@{UID[name]}> has joined the channel", "ts": ts})
        ws.truth[f"{CID[ch]}:{ts}"] = {"origin": "system", "channel": ch, "team": TEAM_OF[name], "lang": "en"}


def mailbox(ws: Workspace) -> None:
    """Everyday e-mail: threads with quotes, French mail, an out-of-office that ingestion skips."""
    for i, d in enumerate(workdays()[::4]):
        team = rng.choice(["Platform", "Mobile", "Sales", "Lyon Ops"])
        a, b = rng.sample(story.TEAMS[team], 2)
        if team == "Lyon Ops":
            first = ws.mail(a, team, at_time(d), f"Planning astreinte semaine {i + 2}",
                            f"Bonjour,\n\nPeux-tu prendre l'astreinte du mardi ? Je suis en formation ce jour-là.\n\nMerci,\n{a.split()[0]}")
            ws.mail(b, team, at_time(d, 15, 18), f"RE: Planning astreinte semaine {i + 2}",
                    f"Pas de souci, je prends le mardi.\n\n{b.split()[0]}", in_reply_to=first, quoted=first)
        else:
            client = rng.choice(story.CLIENTS)
            first = ws.mail(a, team, at_time(d), f"{client} follow-up",
                            f"Hi {b.split()[0]},\n\nCan you send me the notes from the {client} meeting before Friday? "
                            f"I want to prepare the quote.\n\nThanks,\n{a.split()[0]}")
            ws.mail(b, team, at_time(d, 15, 18), f"Re: {client} follow-up",
                    f"Sure, notes attached in the shared folder. Short version: they want {rng.randint(2, 40)} licences "
                    f"and a pilot in {rng.choice(['April', 'May', 'June'])}.\n\n{b.split()[0]}", in_reply_to=first, quoted=first)
    ooo = ws.mail("Paul Weiss", "Legal", parse_at("2026-03-16 07:00"), "Automatic reply: contract review",
                  "I am out of the office until 23 March with limited access to e-mail.",
                  headers={"Auto-Submitted": "auto-replied"})
    ws.truth[ooo["Message-ID"].strip("<>")]["origin"] = "auto-reply"


def write(ws: Workspace, chain_truth: list[dict]) -> None:
    export = OUT / "slack-export"
    if export.exists():
        shutil.rmtree(export)
    export.mkdir()
    users = [{"id": UID[n], "team_id": TEAM_ID, "name": handle(n), "real_name": n, "deleted": False, "is_bot": False,
              "tz": "Europe/Paris", "profile": {"real_name": n, "display_name": n.split()[0], "email": EMAIL[n]}}
             for n, _ in PEOPLE]
    users.append({"id": "U0NWBOT01", "team_id": TEAM_ID, "name": "deploybot", "real_name": "deploybot", "deleted": False,
                  "is_bot": True, "profile": {"real_name": "deploybot", "bot_id": "B0NWDEPLOY"}})
    channels = [{"id": CID[ch], "name": ch, "created": int(datetime(2025, 6, 1, tzinfo=UTC).timestamp()),
                 "creator": UID["Helen Carter"], "is_archived": False, "is_general": ch == "general",
                 "members": [UID[n] for n in members_of(ch)],
                 "topic": {"value": "", "creator": "", "last_set": 0}, "purpose": {"value": "", "creator": "", "last_set": 0}}
                for ch in story.CHANNELS]
    (export / "users.json").write_text(json.dumps(users, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (export / "channels.json").write_text(json.dumps(channels, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    for f in ("groups.json", "dms.json", "mpims.json"):
        (export / f).write_text("[]\n", encoding="utf-8")
    for channel, msgs in ws.messages.items():
        by_day: dict[str, list[dict]] = defaultdict(list)
        for m in msgs:
            day = datetime.fromtimestamp(float(m["ts"]), UTC).date().isoformat()
            by_day[day].append(m)
        (export / channel).mkdir()
        for day, items in by_day.items():
            items.sort(key=lambda m: float(m["ts"]))
            (export / channel / f"{day}.json").write_text(json.dumps(items, indent=1, ensure_ascii=False) + "\n",
                                                          encoding="utf-8")
    ws.mails.sort(key=lambda m: m["Date"].datetime)
    with (OUT / "mailbox.mbox").open("w", encoding="utf-8", newline="\n") as fh:
        for m in ws.mails:
            fh.write(f"From {EMAIL.get(m['From'].addresses[0].display_name, 'x@' + DOMAIN)} "
                     f"{m['Date'].datetime.strftime('%a %b %d %H:%M:%S %Y')}\n")
            body = m.as_string(policy=m.policy.clone(linesep="\n"))
            fh.write(re.sub(r"(?m)^From ", ">From ", body).rstrip("\n") + "\n\n")
    owned = defaultdict(list)
    for ch, (team, _lang, _extra) in story.CHANNELS.items():
        if team:
            owned[team].append(ch)
    teams_yaml = "# Team mapping for the demo workspace (see README: Teams).\nteams:\n" + "".join(
        f"  {team}:\n" + "".join(f"    - {EMAIL[n]}\n" for n in names) + "".join(f"    - \"#{c}\"\n" for c in owned[team])
        for team, names in story.TEAMS.items())
    (OUT / "teams.yaml").write_text(teams_yaml, encoding="utf-8")
    truth = {
        "workspace": {"team_id": TEAM_ID, "start": START.isoformat(), "end": END.isoformat(),
                      "adoption_date": ADOPTION.isoformat(), "people": len(PEOPLE), "teams": list(story.TEAMS)},
        "chains": chain_truth,
        "messages": dict(sorted(ws.truth.items())),
    }
    (OUT / "ground_truth.json").write_text(json.dumps(truth, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main() -> None:
    ws = Workspace()
    everyday(ws)
    special_cases(ws)
    truth = chains(ws)
    mailbox(ws)
    write(ws, truth)
    n_slack = sum(len(v) for v in ws.messages.values())
    print(f"wrote {n_slack} Slack messages in {len(ws.messages)} channels, {len(ws.mails)} e-mails, "
          f"{len(PEOPLE)} people, {len(truth)} chains")


if __name__ == "__main__":
    main()
