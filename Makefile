# convrec — set-up and everyday commands. Every target installs what it needs first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: chat test install data train lint bench clean

chat: train                       ## set up whatever is missing, then chat
	$(BIN)/convrec chat $(ARGS)

test: train                       ## set up whatever is missing, then run the whole test suite
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

install: $(STAMP)
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

data: install                     ## build the catalog and behavior history (skipped when current)
	$(BIN)/convrec data build

train: data                       ## encode the catalog, train the intent classifier (when stale)
	$(BIN)/convrec train

lint: install
	$(BIN)/ruff check .

bench: train
	$(BIN)/python bench/turn_latency.py

clean:                            ## remove built artifacts (not sessions)
	rm -rf data/build
