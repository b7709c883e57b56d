"""The shared secrets of the stack's internal HTTP hops, and their constant-time check.

Two hops carry a candidate's identity and data, so each needs a secret that only its
legitimate caller holds:
- Rasa -> action server: ACTION_SERVER_TOKEN (Rasa sends it as `?token=`, from the
  `token` of `action_endpoint` in endpoints.yml);
- Telegram channel / terminal chat -> Rasa's REST channel: RASA_REST_TOKEN (sent as
  `Authorization: Bearer`, or `?token=` by Rasa's own console client).
`make run` generates both when they are not set; a deployment over several machines sets
the same values on each (README, "Security").
"""
from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping

ACTION_SERVER_TOKEN = "ACTION_SERVER_TOKEN"
RASA_REST_TOKEN = "RASA_REST_TOKEN"
MIN_TOKEN_CHARS = 16


class MissingSecret(RuntimeError):
    """A server was started without its secret: it refuses to run open."""


def new_token() -> str:
    return secrets.token_urlsafe(32)


def required_token(environ: Mapping[str, str], name: str) -> str:
    """The secret `name` from the environment, or MissingSecret saying how to set it."""
    token = (environ.get(name) or "").strip()
    if len(token) < MIN_TOKEN_CHARS:
        raise MissingSecret(f"{name} must be set to a secret of at least {MIN_TOKEN_CHARS} characters "
                            f"(`make run` generates one; see README, Security)")
    return token


def presented_token(query_token: str | None, authorization: str | None) -> str | None:
    """The token a request presents: `Authorization: Bearer <token>`, else `?token=`."""
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return query_token or None


def authorised(presented: str | None, expected: str) -> bool:
    """Whether the presented token is the expected one, in constant time."""
    return presented is not None and hmac.compare_digest(presented.encode(), expected.encode())
