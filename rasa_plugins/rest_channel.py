"""Rasa's REST channel, with each turn all-or-nothing (configured in credentials.yml).

Rasa 3.6 logs and swallows a custom action that cannot reach the action server: the turn
goes on without the action's events, the half-done turn is saved, and the REST channel
answers 200 with an empty reply. For a drill answer that would lose the answer and leave
the form in a wrong state. Here, when the action server cannot be reached (down, being
restarted, killed mid-request), the turn is abandoned before anything is saved and the
client gets 503, so the Telegram channel retries the same message once the server is back
(the action server records an answer once per message id, so a retry never doubles it).
How a failed action ends the turn is in rasa_plugins/patches.py. A turn that did complete is
remembered by the channel's message id, and a retry of it gets the same replies.

Only holders of RASA_REST_TOKEN (the Telegram channel, the terminal chat) may speak for a
candidate: any other request gets 401 and reaches no conversation. Messages are cut to
MAX_MESSAGE_CHARS, and logs name no candidate and quote no message.
"""
from __future__ import annotations

import logging
from asyncio import CancelledError
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from coach.internal_auth import RASA_REST_TOKEN, MissingSecret, authorised, presented_token, required_token
from coach.keyed_locks import KeyedLocks
from rasa_plugins import patches as rasa_patches
from rasa_plugins.patches import ActionServerUnavailable

logger = logging.getLogger(__name__)

rasa_patches.install()

MAX_MESSAGE_CHARS = 4096  # Telegram's own limit; a longer REST message is cut, not refused
MAX_SENDER_CHARS = 128
# Completed turns remembered by channel message id: a retry of one (its replies were lost on
# the way, or the channel crashed before sending them) gets the same replies and changes
# nothing, whatever the message was (a drill's last answer, an FAQ, a deletion...).
REMEMBERED_TURNS = 10_000


class AtomicRestInput(RestInput):
    """POST /webhooks/rest/webhook {sender, message, metadata} -> the reply messages, or
    503 {"error"} when the turn could not be completed and nothing of it was kept, or 401
    without the channel's token."""

    def __init__(self, token: str) -> None:
        self.token = token
        self._answered: OrderedDict[tuple[str, str], list[dict[str, Any]]] = OrderedDict()
        self._one_turn_at_a_time = KeyedLocks()  # per sender: a retry waits for the delivery still running

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> AtomicRestInput:
        token = str((credentials or {}).get("token") or "")
        if "${" in token:  # a quoted, so unexpanded, ${VARIABLE} in credentials.yml
            raise MissingSecret(f"credentials.yml: the REST channel's token is {token!r}, not its value")
        return cls(required_token({RASA_REST_TOKEN: token}, RASA_REST_TOKEN))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not authorised(presented_token(request.args.get("token"), request.headers.get("authorization")), self.token):
                logger.warning("refused a request without the channel's token")
                return response.json({"error": "unauthorised"}, status=401)
            body = request.json
            if (not isinstance(body, dict) or not isinstance(body.get("message"), str)
                    or not isinstance(body.get("sender"), str) or not 0 < len(body["sender"]) <= MAX_SENDER_CHARS):
                return response.json({"error": "expected {sender, message, metadata}"}, status=400)
            collector = CollectingOutputChannel()
            message = UserMessage(
                body["message"][:MAX_MESSAGE_CHARS], collector, body["sender"],
                input_channel=self.name(), metadata=self.get_metadata(request),
            )
            message_id = (message.metadata or {}).get("message_id")
            done = (message.sender_id, str(message_id)) if message_id else None
            try:
                async with self._one_turn_at_a_time.hold(message.sender_id):
                    if done in self._answered:  # a retry of a turn that completed: its replies again
                        return response.json(self._answered[done])
                    await on_new_message(message)
                    if done is not None:
                        self._remember(done, collector.messages)
            except ActionServerUnavailable as error:
                logger.warning("turn abandoned, nothing saved: %s", error)
                return response.json({"error": "the action server is unavailable"}, status=503)
            except CancelledError:
                return response.json({"error": "the turn took too long"}, status=503)
            except Exception:
                logger.exception("turn failed, nothing saved")
                return response.json({"error": "the turn failed"}, status=500)
            return response.json(collector.messages)

        return webhook

    def _remember(self, done: tuple[str, str], replies: list[dict[str, Any]]) -> None:
        self._answered[done] = replies
        while len(self._answered) > REMEMBERED_TURNS:
            self._answered.popitem(last=False)
