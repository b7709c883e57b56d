"""Rasa's CLI without the training cache: the trainer's hook skips fingerprints, training still works."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rasa.engine.training import graph_trainer, hooks

from rasa_plugins.patches import UnsupportedRasa
from tools import rasa_cli

ROOT = Path(__file__).resolve().parents[2]

NLU = """version: "3.1"
nlu:
- intent: greet
  examples: |
    - hello
    - hi there
    - good morning
- intent: goodbye
  examples: |
    - bye
    - see you later
    - good night
"""

CONFIG = """recipe: default.v1
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: LogisticRegressionClassifier
"""


class Unfingerprintable:
    def fingerprint(self) -> str:
        raise AssertionError("the training hook fingerprinted an output")


def test_the_trainer_gets_a_hook_that_neither_fingerprints_nor_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graph_trainer, "TrainingHook", graph_trainer.TrainingHook)
    monkeypatch.setenv(rasa_cli.CACHE_SIZE_SETTING, "1000")  # restored after the test

    rasa_cli.disable_training_cache()

    assert graph_trainer.TrainingHook is rasa_cli.UncachedTrainingHook
    hook = rasa_cli.UncachedTrainingHook(cache=None, model_storage=None, pruned_schema=None)  # type: ignore[arg-type]
    assert hook.on_before_node("node", None, {}, {"input": Unfingerprintable()}) == {}  # type: ignore[arg-type]
    hook.on_after_node("node", None, {}, Unfingerprintable(), {})  # type: ignore[arg-type]
    assert os.environ[rasa_cli.CACHE_SIZE_SETTING] == "0"


def test_training_through_it_makes_a_model_and_leaves_no_cache(tmp_path: Path) -> None:
    (tmp_path / "nlu.yml").write_text(NLU)
    (tmp_path / "config.yml").write_text(CONFIG)
    env = {"PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin"}

    done = subprocess.run(
        [sys.executable, "-m", "tools.rasa_cli", "train", "nlu", "--config", "config.yml",
         "--nlu", "nlu.yml", "--out", "models", "--fixed-model-name", "tiny"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)

    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert (tmp_path / "models" / "tiny.tar.gz").is_file()
    assert not (tmp_path / ".rasa" / "cache").exists()


def test_it_refuses_a_rasa_whose_training_hook_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graph_trainer, "TrainingHook", graph_trainer.TrainingHook)

    def on_after_node(self: object, node_name: str, output: object) -> None:
        return None

    monkeypatch.setattr(hooks.TrainingHook, "on_after_node", on_after_node)
    with pytest.raises(UnsupportedRasa, match="on_after_node"):
        rasa_cli.disable_training_cache()
    assert graph_trainer.TrainingHook is hooks.TrainingHook
