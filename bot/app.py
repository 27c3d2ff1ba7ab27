"""The Bolt app: events, buttons, the /slopradar command and App Home, wired to NudgeBot.

Bolt acknowledges each request at once and runs listeners in its thread pool
(process_before_response=False), so Slack gets its answer within 3 s while the message is scored
in the background. Retried events (x-slack-retry-num) are deduplicated by event id.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltRequest, Respond
from slack_sdk import WebClient

from .service import NudgeBot

log = logging.getLogger("slopradar.bot")


def build_app(bot: NudgeBot, client: WebClient, signing_secret: str) -> App:
    app = App(client=client, signing_secret=signing_secret, token_verification_enabled=False,
              process_before_response=False, ignoring_self_events_enabled=True)

    @app.event("message")
    def on_message(body: dict[str, Any], event: dict[str, Any], request: BoltRequest) -> None:
        retry = next(iter(request.headers.get("x-slack-retry-num") or []), None)
        decision = bot.handle_message(event, body.get("event_id"))
        log.info("message %s (retry %s): %s", body.get("event_id"), retry, decision.outcome)

    @app.event("app_home_opened")
    def on_home(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") == "home":
            client.views_publish(user_id=event["user"], view=bot.home(event["user"]))

    @app.command("/slopradar")
    def on_command(ack: Ack, command: dict[str, Any]) -> None:
        ack(response_type="ephemeral", text=bot.command(command["user_id"], command.get("text", "")))

    def button(what: str) -> Any:
        def handler(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
            ack()
            text, blocks = bot.feedback(body["user"]["id"], int(action.get("value") or 0), what)
            respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
        return handler

    app.action("slopradar_why")(button("why"))
    app.action("slopradar_not_helpful")(button("not_helpful"))
    app.action("slopradar_stop")(button("stop"))

    @app.action("slopradar_home_toggle")
    def on_toggle(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        uid = body["user"]["id"]
        bot.set_opt_out(uid, action.get("value") == "opt-out")
        client.views_publish(user_id=uid, view=bot.home(uid))

    return app


def run(engine: Any, settings: Any, http: bool = False, port: int = 3000) -> None:  # pragma: no cover - blocking
    """`slopradar bot`: Socket Mode (no public endpoint) by default, or HTTP with signature checks."""
    from slopradar.secrets import require_secret

    client = WebClient(token=require_secret(settings, "slack_bot_token"))
    from connectors.slack_api import BudgetedRateLimitHandler, RetryBudget

    client.retry_handlers.append(BudgetedRateLimitHandler(RetryBudget(1000)))
    bot = NudgeBot(engine, settings, client)
    if http:
        app = build_app(bot, client, require_secret(settings, "slack_signing_secret"))
        app.start(port=port)
    else:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        app = build_app(bot, client, "socket-mode-needs-no-signing-secret")
        SocketModeHandler(app, require_secret(settings, "slack_app_token")).start()
