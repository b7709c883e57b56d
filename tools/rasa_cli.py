"""Rasa's command line set up for training: what `make` and the benchmarks train with.

`rasa train --force` retrains every component, yet Rasa still fingerprints the output of
every training step (each message with all its tokens and features, hashed through JSON)
for a training cache that --force never reads back. On this project that was about 100 of
the 470 seconds of a full training on the 2-core machine (py-spy, 2026-12-01), and the
cache kept 650 MB under .rasa/cache. Rasa has a switch for the cache (RASA_MAX_CACHE_SIZE=0)
but none for the fingerprints, which its training hook computes regardless, so this turns
the cache off and gives the trainer a hook that skips them. It also installs
rasa_plugins/batch_values.py, which converts each training batch's features at once
instead of example by example. Everything else is Rasa's CLI, unchanged:

    python -m tools.rasa_cli train --force --out models

Both replace parts of Rasa, so each first checks the installed Rasa is the 3.6 it was
written for, with the methods it replaces unchanged, and stops otherwise.
"""
from __future__ import annotations

import os
from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.training import graph_trainer, hooks

from rasa_plugins import batch_values
from rasa_plugins.patches import check_replaced

CACHE_SIZE_SETTING = "RASA_MAX_CACHE_SIZE"
# The TrainingHook methods overridden here, as Rasa 3.6 defines them (annotations left out).
OVERRIDDEN_SIGNATURES = {
    "on_before_node": "(self, node_name, execution_context, config, received_inputs)",
    "on_after_node": "(self, node_name, execution_context, config, output, input_hook_data)",
}


class UncachedTrainingHook(hooks.TrainingHook):
    """Rasa's training hook without the work that only feeds the (disabled) training cache."""

    def on_before_node(self, node_name: str, execution_context: ExecutionContext,
                       config: dict[str, Any], received_inputs: dict[str, Any]) -> dict:
        return {}

    def on_after_node(self, node_name: str, execution_context: ExecutionContext,
                      config: dict[str, Any], output: Any, input_hook_data: dict) -> None:
        return None


def disable_training_cache() -> None:
    """Turn Rasa's training cache off and stop the trainer fingerprinting for it."""
    check_replaced(hooks.TrainingHook, OVERRIDDEN_SIGNATURES, "tools/rasa_cli.py", "OVERRIDDEN_SIGNATURES")
    os.environ[CACHE_SIZE_SETTING] = "0"
    graph_trainer.TrainingHook = UncachedTrainingHook  # type: ignore[misc]


def main() -> None:
    disable_training_cache()
    batch_values.install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
