"""Slack mrkdwn and rich_text decoding."""

from connectors.slack_text import decode_mrkdwn, decode_rich_text, strip_url_secrets


def test_mrkdwn_tokens_entities_quotes_and_code():
    text = ("ping <@U123|alice> and <@U456> in <#C1|general>, <!here>: see <https://x.org/a?b=1|the doc> &amp; "
            "<https://y.org>\n&gt; quoted line\n&gt; second\nback to prose\n```rm -rf /tmp/x```\n5 &lt; 6")
    d = decode_mrkdwn(text, mention=lambda uid: "p_" + uid.lower())
    assert d.authored.startswith("ping @p_u123 and @p_u456 in #general, @here: see the doc & https://y.org")
    assert "back to prose" in d.authored and "5 < 6" in d.authored
    assert "quoted line" not in d.authored and d.quoted == ["quoted line\nsecond"]
    assert d.code == ["rm -rf /tmp/x"] and "rm -rf" not in d.authored
    assert d.mentions == ["U123", "U456"]
    assert d.links == ["https://x.org/a?b=1", "https://y.org"]


def test_permalinks_are_found():
    d = decode_mrkdwn("as said in <https://acme.slack.com/archives/C024BE91L/p1712345678123456>")
    assert d.permalinks() == [{"channel": "C024BE91L", "ts": "1712345678.123456"}]


def test_rich_text_sections_lists_quotes_and_code():
    blocks = [{"type": "rich_text", "elements": [
        {"type": "rich_text_section", "elements": [
            {"type": "text", "text": "Owner: "}, {"type": "user", "user_id": "U9"},
            {"type": "text", "text": " by "}, {"type": "text", "text": "Friday", "style": {"bold": True}},
            {"type": "emoji", "name": "tada"}, {"type": "link", "url": "https://f.slack.com/x?t=xoxe-1", "text": "file"}]},
        {"type": "rich_text_list", "style": "ordered", "elements": [
            {"type": "rich_text_section", "elements": [{"type": "text", "text": "first"}]},
            {"type": "rich_text_section", "elements": [{"type": "text", "text": "second"}]}]},
        {"type": "rich_text_quote", "elements": [{"type": "text", "text": "someone else's words"}]},
        {"type": "rich_text_preformatted", "elements": [{"type": "text", "text": "SELECT 1"}]},
        {"type": "rich_text_section", "elements": [{"type": "canvas", "file_id": "F1"}]},
    ]}]
    d = decode_rich_text(blocks, mention=lambda uid: "p_x")
    assert d.authored == "Owner: @p_x by Friday:tada:file\n1. first\n2. second"
    assert d.quoted == ["someone else's words"] and d.code == ["SELECT 1"]
    assert d.links == ["https://f.slack.com/x"]
    assert decode_rich_text([{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}]) is None


def test_url_secrets_are_stripped():
    assert strip_url_secrets("https://files.slack.com/f/a.png?t=xoxe-123&w=2") == "https://files.slack.com/f/a.png?w=2"
    assert strip_url_secrets("https://files.slack.com/f/a.png?token=xoxe-1") == "https://files.slack.com/f/a.png"
