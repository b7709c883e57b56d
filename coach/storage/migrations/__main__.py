"""Alembic's command line on the records database (DATABASE_URL), configured as at start:
`python -m coach.storage.migrations <command>`, see the package docstring."""
from __future__ import annotations

import logging

from alembic.config import CommandLine

from coach.storage.migrations import alembic_config


def main(argv: list[str] | None = None) -> None:
    cli = CommandLine(prog="python -m coach.storage.migrations")
    options = cli.parser.parse_args(argv)
    if not hasattr(options, "cmd"):  # no command given (argparse does not insist on one)
        cli.parser.error("too few arguments")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s [%(name)s] %(message)s")  # what Alembic does
    config = alembic_config()
    config.cmd_opts = options
    cli.run_cmd(config, options)


if __name__ == "__main__":
    main()
