"""Two targeted changes to Rasa 3.6's handling of custom actions, for the Rasa server.

Installed by rasa_plugins/rest_channel.py, which Rasa imports as the configured input channel
(credentials.yml), so they apply to the server that `make run` starts and to nothing else.

- A custom action that fails on the action server's side (unreachable, refused, an HTTP
  5xx such as a locked or full database, or no answer within ACTION_TIMEOUT_S) fails the
  whole turn (see `ActionServerUnavailable`) instead of being logged and skipped, so the
  turn can be retried. Rasa itself would wait 300 s, far beyond its clients' patience.
  Only a rejection (HTTP 400, a form's "not mine" answer) is left to Rasa as before.
- The action server's response is checked against Rasa's response schema with a validator
  built once. Rasa builds it, and re-checks the schema itself, on every action call, which
  took about half of the server's CPU time under load (`make bench`).
"""
from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import jsonschema
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.exceptions import RasaException

ACTION_TIMEOUT_S = 20.0  # per action call; the clients' timeout (bot/rasa_client.py) allows a few


class ActionServerUnavailable(BaseException):
    """Ends the turn: a BaseException, so Rasa's catch-all for failed actions lets it pass
    and the tracker is not saved."""


def _failing_the_turn(run: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(run)
    async def run_or_fail_the_turn(*args: Any, **kwargs: Any) -> Any:
        try:
            return await asyncio.wait_for(run(*args, **kwargs), ACTION_TIMEOUT_S)
        except asyncio.TimeoutError as error:
            raise ActionServerUnavailable(f"no answer within {ACTION_TIMEOUT_S:.0f} s") from error
        except ActionExecutionRejection:
            raise
        except RasaException as error:
            cause = error.__cause__ or error.__context__
            if isinstance(cause, aiohttp.ClientError):  # connection, HTTP >= 401, bad payload
                raise ActionServerUnavailable(str(error)) from error
            raise

    return run_or_fail_the_turn


@functools.lru_cache(maxsize=1)
def _response_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(_action: RemoteAction, result: dict[str, Any]) -> bool:
    """Rasa's check of an action server response (same errors), with one validator."""
    error = jsonschema.exceptions.best_match(_response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def install() -> None:
    """Apply both changes (once)."""
    if getattr(RemoteAction, "_patched_by_mle_coach", False):
        return
    RemoteAction.run = _failing_the_turn(RemoteAction.run)  # type: ignore[method-assign]
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    RemoteAction._patched_by_mle_coach = True  # type: ignore[attr-defined]
