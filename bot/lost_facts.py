"""What a message lost of the announcement it derives from: the critical facts it dropped or changed, the link
to that announcement and how the two were linked (the factloss nudge's content)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from slopradar.config import Settings
from slopradar.forwarded import FORWARDED, copy_time, stored_texts, withheld
from slopradar.pipeline import chain_nodes
from slopradar.schema import Conversation, DerivationEdge, Message

CHAIN_WINDOW = timedelta(days=21)


def lost_facts(engine: Engine, settings: Settings, workspace_url: str, mid: int,
               sent_at: datetime) -> tuple[list[dict[str, str]], str | None, str | None]:
    """Critical facts of the announcement this message derives from that it lost or changed, the link to that
    announcement and how the message was linked to it.

    The announcement is the root of the message's chain: a share or permalink names its parent, so a copy of
    a share ("FYI all, please do this 👇" sharing an announcement) is compared with the shared announcement,
    not with the share's own few words; when the announcement itself is outside the window, with the text the
    share carries."""
    from analysis.chain_forwards import is_forwarded_original
    from analysis.chains import build_edges, chain_positions
    from analysis.embeddings import model_profile
    from analysis.factloss import compare
    from analysis.text import sentences

    with Session(engine) as s:
        nodes, by_id = chain_nodes(s, settings, since=sent_at - CHAIN_WINDOW)
        edges = build_edges(nodes, profile=model_profile(settings.embedding_model),
                            cross_language=settings.cross_language_embedding,
                            withheld=withheld(s, nodes, until=None))
        edge = next((e for e in edges if e.child == str(mid)), None)
        if edge is None:
            return [], None, None
        if is_forwarded_original(edge.parent):  # a forward of an original not stored: it carries the whole text
            return [], None, "forward"
        stored = s.get(DerivationEdge, int(edge.parent))  # the parent's own chain, as `analyze` stored it
        root_id = int(stored.root_id) if stored else int(chain_positions(edges)[str(mid)].root)
        root = s.get(Message, root_id)
        child_m, child_n = by_id[str(mid)]
        if root is None:
            return [], None, None
        root_node = by_id.get(str(root_id))
        root_text = stored_texts(s, [root_id])[str(root_id)][0] if root.kind == FORWARDED else \
            "\n".join(x for x in (root.text, root_node[1].forwarded_text if root_node else "") if x)
        if not root_text:
            return [], None, None
        copy_text = "\n".join(x for x in (child_n.text, child_n.forwarded_text) if x)
        root_sents = sentences(root_text)
        facts = [{"kind": f.fact.kind, "value": f.fact.value,
                  "text": ("not " if f.fact.polarity == "-" else "") + f.fact.text, "status": f.status,
                  "source": root_sents[f.fact.sentence] if f.fact.sentence < len(root_sents) else "",
                  "evidence": f.evidence}
                 for f in compare(root_text, copy_text, root.sent_at,
                                  copy_time(edge.relation, child_n.forwarded_text, root.sent_at, child_m.sent_at))
                 if f.status != "kept" and f.fact.critical]
        conv = s.get(Conversation, root.conversation_id)
        link = None
        if conv is not None and root.namespace.startswith("slack:"):
            ts = root.native_id.split(":", 1)[1]
            link = f"{workspace_url}/archives/{conv.native_id}/p{ts.replace('.', '')}"
        method = "share" if edge.method == "share" else "forward" if edge.method == "forward-block" else "similarity"
    return facts, link, method
