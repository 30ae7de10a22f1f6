# convrec — set-up and everyday commands. Every target installs what it needs first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: chat test install data train lint bench clean serve bench-load bench-voice rasa rasa-lock rasa-train rasa-test bench-rasa

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

serve: train                      ## serve HTTP: REST, Rasa webhook, socket.io, widget, voice, Alexa
	$(BIN)/convrec serve $(ARGS)

bench-load: train                 ## 32 concurrent chatting sessions against `convrec serve`
	$(BIN)/python bench/load.py $(ARGS)

bench-voice: train                ## word error rate of the offline recogniser (espeak-ng speech)
	$(BIN)/python bench/voice_wer.py $(ARGS)

clean:                            ## remove built artifacts (not sessions)
	rm -rf data/build

# --- Rasa: convrec as custom actions of a Rasa 3.6 assistant (bot/channels/rasa_actions.py, served by bot/server/rasa_action_server.py; bot/rasa_assistant/)
RASA_VENV  := .venv-rasa
RASA_LOCK  := bot/rasa_assistant/requirements-rasa.lock
RASA_STAMP := $(RASA_VENV)/.installed
RASA_DIR   := bot/rasa_assistant
RASA_OUT   := data/build/rasa
RASA_ENV   := RASA_TELEMETRY_ENABLED=false RASA_CACHE_DIRECTORY=$(CURDIR)/$(RASA_OUT)/cache

rasa: $(RASA_STAMP)               ## the Rasa 3.6.21 venv, installed exactly from the lock (~2 min)
$(RASA_STAMP): $(RASA_LOCK)
	rm -rf $(RASA_VENV)
	$(PYTHON) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/python -m pip install --quiet --upgrade "pip>=24"
	$(RASA_VENV)/bin/python -m pip install --quiet --no-deps --ignore-requires-python -r $(RASA_LOCK)
	touch $@

rasa-lock:                        ## re-resolve Rasa's dependencies into the lock (lock-rasa.sh)
	PYTHON=$(PYTHON) $(RASA_DIR)/lock-rasa.sh

rasa-train: rasa                  ## train the assistant from data/nlu.yml and its rules and stories
	cd $(RASA_DIR) && $(RASA_ENV) $(CURDIR)/$(RASA_VENV)/bin/rasa train --data $(CURDIR)/data/nlu.yml data \
		--out $(CURDIR)/$(RASA_OUT)/models --fixed-model-name convrec

rasa-test: train rasa-train       ## Rasa's REST webhook → convrec's action server → items
	CONVREC_RASA_MODEL=$(RASA_OUT)/models/convrec.tar.gz $(BIN)/python -m pytest -q tests/channels/test_rasa_assistant.py

bench-rasa: train rasa            ## convrec vs Rasa + convrec's actions: latency, memory, NLU
	$(BIN)/python bench/vs_rasa.py
