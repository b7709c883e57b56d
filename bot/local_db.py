"""The Telegram channel's own SQLite files (its inbox, its state): one way to open them.

Each is private to the user the channel runs as (0600) and in WAL mode with
`synchronous=NORMAL`: a committed write survives a killed channel, which is what these
files are for, without a disk sync per write.
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def open_private(path: Path) -> sqlite3.Connection:
    """The database at `path` (created with its folder if missing), in autocommit mode;
    sqlite3.DatabaseError if the file there is not one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        os.chmod(path, 0o600)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
    except BaseException:
        db.close()
        raise
    return db
