"""The custom action server: rasa_sdk's app, closed to everyone but the Rasa server.

`python -m actions.server` (what `make run` starts) instead of `rasa run actions`, because
rasa_sdk 3.6 listens on every interface, answers anyone, and echoes the whole tracker (a
candidate's messages and name) in the body of a failed action's response, which the Rasa
server then logs. Here:
- it listens on ACTION_SERVER_HOST (127.0.0.1 by default) and ACTION_SERVER_PORT (coach.config);
- every request but GET /health must carry ACTION_SERVER_TOKEN (see coach.internal_auth),
  else 401 and nothing runs;
- a failing action answers 500 with the action's name only (Rasa then fails the whole turn,
  which the client retries) and logs the error without the request's content;
- request bodies are bounded (MAX_REQUEST_BYTES; a tracker of a long-time candidate fits).
"""
from __future__ import annotations

import logging
import os
import sys

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from coach.config import Config, ConfigError
from coach.internal_auth import (
    ACTION_SERVER_TOKEN,
    MissingSecret,
    authorised,
    presented_token,
    required_token,
)

logger = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 32 * 1024 * 1024
OPEN_PATHS = frozenset({"/health"})


def build_app(token: str) -> Sanic:
    """rasa_sdk's action server app with authentication, bounded requests and quiet errors."""
    app = create_app("actions", cors_origins=None)
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES

    @app.on_request
    async def require_token(request: Request) -> HTTPResponse | None:
        presented = presented_token(request.args.get("token"), request.headers.get("authorization"))
        if request.path in OPEN_PATHS or authorised(presented, token):
            return None
        logger.warning("refused an unauthenticated %s %s", request.method, request.path)
        return response.json({"error": "unauthorised"}, status=401)

    async def failed(request: Request, exception: Exception) -> HTTPResponse:
        if isinstance(exception, SanicException):  # 404, 413...: Sanic's own status, no body echoed
            return response.json({"error": type(exception).__name__}, status=exception.status_code)
        action = (request.json or {}).get("next_action") if isinstance(request.json, dict) else None
        # The first line only: a database error's later lines quote the SQL parameters,
        # that is the candidate's answer. The traceback, without values, at DEBUG.
        summary = (str(exception).splitlines() or [""])[0][:200]
        logger.error("action %s failed: %s: %s", action, type(exception).__name__, summary)
        logger.debug("traceback of the failed action", exc_info=exception)
        return response.json({"error": "the action failed", "action_name": action}, status=500)

    app.exception(Exception)(failed)  # replaces rasa_sdk's handler, which echoes the request
    return app


def without_tensorflow() -> None:
    """Make `import tensorflow` fail in this process, as if it were not installed. thinc
    (spaCy's machine-learning library) imports TensorFlow whenever it is installed, which Rasa
    needs; here that cost ~400 MB and seconds of start-up for nothing, since the actions use
    only spaCy's tokenizer, lookups and vectors. Call it before anything imports spaCy."""
    if "tensorflow" not in sys.modules:
        sys.modules["tensorflow"] = None  # type: ignore[assignment]  # the import system's "not found"


def main() -> int:
    without_tensorflow()
    utils.configure_colored_logging(os.environ.get("LOG_LEVEL", "INFO"))
    utils.update_sanic_log_level()
    try:
        token = required_token(os.environ, ACTION_SERVER_TOKEN)
        config = Config.from_environ(os.environ)
    except (MissingSecret, ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    logger.info("Action server listening on %s:%s (%d worker(s))", config.action_server_host,
                config.action_server_port, config.action_server_workers)
    # Several workers share the port (Sanic forks them), each with its own grader.
    build_app(token).run(config.action_server_host, config.action_server_port, workers=config.action_server_workers,
                         access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
