"""Connectors: pull messages from Slack and mail sources and normalise them to MessageRecord."""

__all__: list[str] = []
