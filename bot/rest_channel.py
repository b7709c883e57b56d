"""Rasa's REST channel, with each turn all-or-nothing (configured in credentials.yml).

Rasa 3.6 logs and swallows a custom action that cannot reach the action server: the turn
goes on without the action's events, the half-done turn is saved, and the REST channel
answers 200 with an empty reply. For a drill answer that would lose the answer and leave
the form in a wrong state. Here, when the action server cannot be reached (down, being
restarted, killed mid-request), the turn is abandoned before anything is saved and the
client gets 503, so the Telegram channel retries the same message once the server is back
(the action server records an answer once per message id, so a retry never doubles it).
How an unreachable action server ends the turn is in bot/rasa_patches.py.
"""
from __future__ import annotations

import logging
from asyncio import CancelledError
from collections.abc import Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import rasa_patches
from bot.rasa_patches import ActionServerUnavailable

logger = logging.getLogger(__name__)

rasa_patches.install()


class AtomicRestInput(RestInput):
    """POST /webhooks/rest/webhook {sender, message, metadata} -> the reply messages, or
    503 {"error"} when the turn could not be completed and nothing of it was kept."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not isinstance(request.json, dict) or not isinstance(request.json.get("message"), str):
                return response.json({"error": "expected {sender, message, metadata}"}, status=400)
            collector = CollectingOutputChannel()
            message = UserMessage(
                self._extract_message(request), collector, await self._extract_sender(request),
                input_channel=self.name(), metadata=self.get_metadata(request),
            )
            try:
                await on_new_message(message)
            except ActionServerUnavailable as error:
                logger.warning("turn of %s abandoned, nothing saved: %s", message.sender_id, error)
                return response.json({"error": "the action server is unavailable"}, status=503)
            except CancelledError:
                return response.json({"error": "the turn took too long"}, status=503)
            except Exception:
                logger.exception("turn of %s failed, nothing saved", message.sender_id)
                return response.json({"error": "the turn failed"}, status=500)
            return response.json(collector.messages)

        return webhook
