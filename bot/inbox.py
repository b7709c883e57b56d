"""The Telegram channel's inbox: updates received and not yet fully handled, kept on disk.

python-telegram-bot confirms updates to Telegram as soon as it has fetched them, so a
channel killed in the middle of a turn would lose the message it was relaying, and the
candidate would never get an answer. Each update is written here before it is handled and
removed once it has been; on start, whatever is left is handled again. A message relayed
twice this way is recorded once (the assistant keys answers by Telegram message id).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.local_db import open_private


class Inbox:
    def __init__(self, path: Path) -> None:
        self._db = open_private(path)
        self._db.execute("CREATE TABLE IF NOT EXISTS pending (update_id INTEGER PRIMARY KEY, body TEXT NOT NULL)")

    def add(self, update_id: int, body: dict[str, Any]) -> None:
        self._db.execute("INSERT OR IGNORE INTO pending VALUES (?, ?)", (update_id, json.dumps(body)))

    def done(self, update_id: int) -> None:
        self._db.execute("DELETE FROM pending WHERE update_id = ?", (update_id,))

    def pending(self) -> list[dict[str, Any]]:
        """The updates left unhandled, oldest first."""
        rows = self._db.execute("SELECT body FROM pending ORDER BY update_id").fetchall()
        return [json.loads(body) for (body,) in rows]

    def close(self) -> None:
        self._db.close()
