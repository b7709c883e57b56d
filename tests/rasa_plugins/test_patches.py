"""The Rasa server's changes: action responses are still checked (now with one validator),
and a failing action server fails the turn instead of being skipped."""
from __future__ import annotations

import asyncio

import aiohttp
import jsonschema
import pytest
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import ClientResponseError

from rasa_plugins import patches as rasa_patches


def test_a_valid_action_response_passes_and_an_invalid_one_is_refused():
    rasa_patches.install()
    action = RemoteAction("action_x", None)
    assert action._validate_action_result({"events": [{"event": "slot", "name": "a", "value": 1}],
                                           "responses": [{"text": "hi"}]})
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": "not a list"})


def _raising(error: BaseException, cause: BaseException | None = None):
    async def run(*_args):
        if cause is None:
            raise error
        try:
            raise cause
        except type(cause):
            raise error

    return run


@pytest.mark.parametrize("cause", [
    aiohttp.ClientConnectionError("refused"),
    ClientResponseError(500, "Internal Server Error", "database is locked"),
    ClientResponseError(401, "Unauthorized", ""),
])
async def test_an_action_server_that_fails_fails_the_whole_turn(cause):
    run = _raising(RasaException("Failed to execute custom action 'a'"), cause)
    with pytest.raises(rasa_patches.ActionServerUnavailable):
        await rasa_patches._failing_the_turn(run)()


async def test_an_action_server_that_does_not_answer_in_time_fails_the_turn(monkeypatch):
    monkeypatch.setattr(rasa_patches, "ACTION_TIMEOUT_S", 0.05)

    async def hangs(*_args):
        await asyncio.sleep(10)

    with pytest.raises(rasa_patches.ActionServerUnavailable, match="no answer"):
        await rasa_patches._failing_the_turn(hangs)()


async def test_a_rejection_and_rasas_own_errors_are_left_to_rasa():
    rejection = ActionExecutionRejection("validate_drill_form", "not mine")
    with pytest.raises(ActionExecutionRejection):
        await rasa_patches._failing_the_turn(_raising(rejection, ClientResponseError(400, "Bad Request", "{}")))()
    with pytest.raises(RasaException) as raised:
        await rasa_patches._failing_the_turn(_raising(RasaException("Failed to execute custom action 'a'")))()
    assert not isinstance(raised.value, rasa_patches.ActionServerUnavailable)
