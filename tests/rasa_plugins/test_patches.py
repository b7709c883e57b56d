"""The Rasa server's changes: action responses are still checked (now with one validator),
a failing action server fails the turn instead of being skipped, and they refuse a Rasa they
were not written for."""
from __future__ import annotations

import asyncio

import aiohttp
import jsonschema
import pytest
import rasa
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from rasa_plugins import patches as rasa_patches
from testkit.ports import free_port


def test_the_installed_rasa_is_the_one_the_patches_were_written_for():
    assert rasa.__version__.startswith("3.6.")
    rasa_patches.check_rasa()
    rasa_patches.install()
    rasa_patches.check_rasa()  # the replacements keep the signatures they replace


@pytest.mark.parametrize("version", ["3.7.0", "4.0.0", "3.5.17", "3.60.1"])
def test_another_rasa_version_stops_the_start_with_what_to_do(monkeypatch, version):
    monkeypatch.setattr(rasa, "__version__", version)
    with pytest.raises(rasa_patches.UnsupportedRasa, match=f"written for Rasa 3.6.x and Rasa {version} is installed") \
            as raised:
        rasa_patches.install()
    assert "requirements/lock.txt" in str(raised.value)


async def _run_with_a_new_parameter(self, output_channel, nlg, tracker, domain, metadata=None):
    return []


def _validate_differently(self, result, strict):
    return True


@pytest.mark.parametrize("name, changed", [("run", _run_with_a_new_parameter),
                                           ("_validate_action_result", _validate_differently)])
def test_a_changed_method_stops_the_start_naming_it(monkeypatch, name, changed):
    monkeypatch.setattr(RemoteAction, name, changed)
    with pytest.raises(rasa_patches.UnsupportedRasa, match=f"replaces RemoteAction.{name}") as raised:
        rasa_patches.install()
    assert "PATCHED_SIGNATURES" in str(raised.value)


async def test_rasas_own_remote_action_against_a_closed_port_fails_the_turn():
    rasa_patches.install()
    domain = Domain.empty()
    action = RemoteAction("action_x", EndpointConfig(f"http://127.0.0.1:{free_port()}/webhook"))
    with pytest.raises(rasa_patches.ActionServerUnavailable, match="Couldn't connect"):
        await action.run(CollectingOutputChannel(), TemplatedNaturalLanguageGenerator(domain.responses),
                         DialogueStateTracker("candidate", domain.slots), domain)


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
            raise error  # noqa: B904 - chained by __context__ only, as Rasa does for a refused connection

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
