"""The Rasa server's changes: action responses are still checked (now with one validator),
and an unreachable action server fails the turn instead of being skipped."""
from __future__ import annotations

import aiohttp
import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.exceptions import RasaException

from bot import rasa_patches


def test_a_valid_action_response_passes_and_an_invalid_one_is_refused():
    rasa_patches.install()
    action = RemoteAction("action_x", None)
    assert action._validate_action_result({"events": [{"event": "slot", "name": "a", "value": 1}],
                                           "responses": [{"text": "hi"}]})
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": "not a list"})


async def test_only_an_unreachable_action_server_fails_the_turn():
    async def unreachable(*_args):
        try:
            raise aiohttp.ClientConnectionError("refused")
        except aiohttp.ClientConnectionError:
            raise RasaException("Failed to execute custom action 'a'. Couldn't connect")

    async def broken(*_args):
        raise RasaException("Failed to execute custom action 'a'")

    with pytest.raises(rasa_patches.ActionServerUnavailable):
        await rasa_patches._failing_the_turn(unreachable)()
    with pytest.raises(RasaException):
        await rasa_patches._failing_the_turn(broken)()
