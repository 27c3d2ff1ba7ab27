"""The Slack nudge bot: private, helpful nudges to authors (slack-bolt)."""
