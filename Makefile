# Two commands for users: `make run` (the assistant) and `make test` (the checks).
# Each one sets up .venv with Python 3.10, installs the locked dependencies, builds the
# spaCy pipeline and trains the Rasa model when their inputs changed, then does its job.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
LOCK := requirements/lock.txt
INSTALLED := $(VENV)/.installed
SPACY_BUILT := build/spacy/.built
# Word vectors come from one pinned wheel, fetched and hash-checked once (coach/language/vectors.py).
VECTOR_WHEEL := build/wheels/wordllama-0.3.9-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
MODEL := models/mle-assistant.tar.gz

# Quieter TensorFlow, SQLAlchemy and library deprecation messages; no usage telemetry.
export PYTHONWARNINGS := ignore::DeprecationWarning
export TF_CPP_MIN_LOG_LEVEL := 2
# Same data, same seed, same model: CI retrains and must reproduce the measured quality.
export TF_DETERMINISTIC_OPS := 1
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export RASA_TELEMETRY_ENABLED := false

NLU_INPUTS := config.yml domain.yml rasa_plugins/answer_text.py rasa_plugins/skill_extractor.py rasa_plugins/sentence_features.py rasa_plugins/employer_scope.py rasa_plugins/faq_similarity.py rasa_plugins/faq_selector.py $(shell find data -name '*.yml' 2>/dev/null)
SPACY_INPUTS := content/catalogue.yml content/skill_synonyms.yml coach/language/pipeline.py coach/content/catalogue.py \
	coach/language/vectors.py tools/build.py $(VECTOR_WHEEL) $(shell find content/questions -name '*.yml' 2>/dev/null)

# A failed step never leaves a half-written target that make would take as up to date.
.DELETE_ON_ERROR:

.PHONY: help run run-scaled test bench bench-channel-state bench-faults bench-nlu bench-nlu-dev bench-scoring tune-scoring ratings-report remind-once lock clean

help:
	@echo "make run        start the assistant: on Telegram if TELEGRAM_BOT_TOKEN is set, else in this terminal"
	@echo "make run-scaled the same on the scaled stack: PostgreSQL, Redis, RASA_SERVERS Rasa servers (default 2)"
	@echo "make test       run every check: lint (ruff), types (mypy), data validation, dialogue tests, pytest"
	@echo "make bench      load, latency, CPU and memory of the single and the scaled stack (BENCH_CANDIDATES, BENCH_DURATION_S)"
	@echo "make bench-channel-state  the channel's per-turn state save and start-up load, 1,000 to 100,000 users"
	@echo "make bench-faults  kill, restart and flood the stack; check nothing is lost or doubled"
	@echo "make bench-nlu  5-fold cross-validation of the NLU, with a per-intent table"
	@echo "make bench-nlu-dev  the trained model on the development set (for choosing NLU settings)"
	@echo "make bench-scoring  scorer fairness (calibration, held-out, data-science-interviews), speed, memory"
	@echo "make tune-scoring   choose the scorer's thresholds on the calibration answers (with cross-validation)"
	@echo "make ratings-report the questions whose scores candidates correct most (for content authors)"
	@echo "make remind-once NOW=<ISO-8601 time>  send the reminders due at that moment (Telegram), once"

run: $(MODEL)
	$(PY) -m tools.stack

# The scaled stack on this machine (tools/stack.py): STACK=scaled make run does the same.
run-scaled: $(MODEL)
	STACK=scaled $(PY) -m tools.stack

test: $(MODEL)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy coach
	$(RASA) data validate --fail-on-warnings
	$(RASA) test core --model $(MODEL) --stories tests/stories \
		--fail-on-prediction-errors --out results/core --no-plot
	$(PY) -m pytest

bench: $(MODEL)
	$(PY) -m bench.stack

bench-channel-state: $(INSTALLED)
	$(PY) -m bench.channel_state

bench-faults: $(MODEL)
	$(PY) -m bench.faults

bench-nlu: $(SPACY_BUILT)
	$(PY) -m bench.nlu_crossval

bench-nlu-dev: $(MODEL)
	$(PY) -m bench.nlu_dev

bench-scoring: $(SPACY_BUILT)
	$(PY) -m bench.scoring

tune-scoring: $(SPACY_BUILT)
	$(PY) -m bench.tune_scoring

ratings-report: $(INSTALLED)
	$(PY) -m tools.ratings_report

# The reminder job that the Telegram channel runs every minute, once, for the moment NOW.
remind-once: $(INSTALLED)
	@if [ -z "$(NOW)" ]; then echo "usage: make remind-once NOW=2026-12-01T08:00:00+01:00"; exit 2; fi
	$(PY) -m bot.reminders --now "$(NOW)"

$(INSTALLED): pyproject.toml $(LOCK)
	@if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then \
		echo "$(VENV) is not Python 3.10: recreating it"; rm -rf $(VENV); fi
	@if [ ! -x $(PY) ]; then \
		python=$$(scripts/find-python310) || exit 1; \
		echo "Creating $(VENV) with $$python"; \
		"$$python" -m venv $(VENV) || exit 1; \
	fi
	$(PY) -m pip install --quiet --upgrade "pip>=24,<26"
	$(PY) -m pip install --quiet --constraint $(LOCK) --editable ".[dev]"
	@touch $@

$(VECTOR_WHEEL): $(INSTALLED) coach/language/vectors.py
	$(PY) -m tools.build vectors
	@touch $@

$(SPACY_BUILT): $(INSTALLED) $(SPACY_INPUTS)
	$(PY) -m tools.build language
	@touch $@

# Make decides when to train, so Rasa is told to train whenever it is asked to. The data is
# validated by `make test` (rasa data validate --fail-on-warnings), not again here.
$(MODEL): $(INSTALLED) $(SPACY_BUILT) $(NLU_INPUTS)
	@start=$$(date +%s); $(PY) -m tools.rasa_cli train --force --skip-validation --fixed-model-name mle-assistant --out models \
		&& echo $$(( $$(date +%s) - start )) > models/training-seconds.txt
	@touch $@

# Re-resolve the dependencies of pyproject.toml and pin them (needs network access).
lock:
	rm -rf .venv-lock && "$$(scripts/find-python310)" -m venv .venv-lock
	.venv-lock/bin/pip install --quiet --upgrade "pip>=24,<26"
	.venv-lock/bin/pip install --quiet ".[dev]"
	(echo "# Exact versions of every dependency (make lock regenerates it from pyproject.toml)."; \
		.venv-lock/bin/pip freeze --exclude-editable | grep -v '^-e ') > $(LOCK)
	rm -rf .venv-lock

clean:
	rm -rf build models results .rasa
