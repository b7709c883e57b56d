"""Two targeted changes to Rasa 3.6's handling of custom actions, for the Rasa server.

Installed by bot/rest_channel.py, which Rasa imports as the configured input channel
(credentials.yml), so they apply to the server that `make run` starts and to nothing else.

- A custom action that cannot reach the action server fails the whole turn (see
  `ActionServerUnavailable`) instead of being logged and skipped, so the turn can be retried.
- The action server's response is checked against Rasa's response schema with a validator
  built once. Rasa builds it, and re-checks the schema itself, on every action call, which
  took about half of the server's CPU time under load (`make bench`).
"""
from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import jsonschema
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.exceptions import RasaException


class ActionServerUnavailable(BaseException):
    """Ends the turn: a BaseException, so Rasa's catch-all for failed actions lets it pass
    and the tracker is not saved."""


def _failing_the_turn(run: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(run)
    async def run_or_fail_the_turn(*args: Any, **kwargs: Any) -> Any:
        try:
            return await run(*args, **kwargs)
        except RasaException as error:
            cause = error.__cause__ or error.__context__
            if isinstance(cause, aiohttp.ClientConnectionError):
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
