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

Both replace private parts of Rasa's RemoteAction, and the first relies on how Rasa 3.6
chains the aiohttp error to the RasaException it raises (`__cause__`, or `__context__` for
a refused connection). So `install` first checks the installed Rasa is 3.6.x and that the
methods it replaces still have the signatures the patches were written for, and stops the
Rasa server's start with `UnsupportedRasa` otherwise.
"""
from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import jsonschema
import rasa
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.exceptions import RasaException

ACTION_TIMEOUT_S = 20.0  # per action call; the clients' timeout (bot/rasa_client.py) allows a few
SUPPORTED_RASA = "3.6."  # requirements/lock.txt pins rasa==3.6.21
# The parameters of the RemoteAction methods replaced here, as Rasa 3.6 defines them
# (annotations left out: only a change of the call matters).
PATCHED_SIGNATURES = {
    "run": "(self, output_channel, nlg, tracker, domain)",
    "_validate_action_result": "(self, result)",
}


class UnsupportedRasa(RasaException):
    """The installed Rasa is not the one these patches were written for (a RasaException, so
    `rasa run` prints the message and exits)."""


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


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """Rasa's check of an action server response (same errors), with one validator."""
    error = jsonschema.exceptions.best_match(_response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def _parameters(method: Callable[..., Any]) -> str:
    """The method's signature without annotations: its parameters, kinds and defaults."""
    signature = inspect.signature(method)
    bare = [parameter.replace(annotation=inspect.Parameter.empty) for parameter in signature.parameters.values()]
    return str(signature.replace(parameters=bare, return_annotation=inspect.Signature.empty))


def check_rasa() -> None:
    """Raise UnsupportedRasa unless the installed Rasa is one these patches were written for.
    (The replacements keep the signatures they replace, so this holds once installed too.)"""
    check_replaced(RemoteAction, PATCHED_SIGNATURES, "rasa_plugins/patches.py", "PATCHED_SIGNATURES")


def check_replaced(cls: type, signatures: dict[str, str], by: str, table: str) -> None:
    """Raise UnsupportedRasa unless Rasa is 3.6 and `cls` defines the methods `by` replaces with
    the `signatures` (its constant `table`) it was written for."""
    if not rasa.__version__.startswith(SUPPORTED_RASA):
        raise UnsupportedRasa(
            f"{by} was written for Rasa {SUPPORTED_RASA}x and Rasa {rasa.__version__} "
            f"is installed: install the pinned one (requirements/lock.txt), or re-check it "
            f"against this version's {cls.__name__} before changing SUPPORTED_RASA.")
    for name, expected in signatures.items():
        found = _parameters(getattr(cls, name))
        if found != expected:
            raise UnsupportedRasa(
                f"{by} replaces {cls.__name__}.{name}{expected}, but Rasa {rasa.__version__} "
                f"defines {cls.__name__}.{name}{found}: adapt it to this version's method (and update "
                f"{table}), or install the pinned Rasa (requirements/lock.txt).")


def install() -> None:
    """Check the installed Rasa, then apply both changes (once)."""
    check_rasa()
    if getattr(RemoteAction, "_patched_by_mle_coach", False):
        return
    RemoteAction.run = _failing_the_turn(RemoteAction.run)  # type: ignore[method-assign]
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    RemoteAction._patched_by_mle_coach = True  # type: ignore[attr-defined]
