# slopradar — two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DB ?= slopradar.db
PORT ?= 8501
NO_SERVE ?=

.PHONY: install demo lint test test-all bench samples clean

# torch first and pinned: a floating torch pulls a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test,pst,postgres,onnx,ray]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/slopradar --db $(DB) demo $(if $(NO_SERVE),--no-serve,--serve --port $(PORT))

# ruff (pyflakes, pycodestyle errors, bugbear, mccabe complexity <= 15) and mypy on the product packages;
# settings in pyproject.toml. Pinned here so every machine reports the same findings.
LINT_PINS := ruff==0.17.6 mypy==2.4.1 types-PyYAML==6.0.12.20261122 types-python-dateutil==2.9.0.20261116
$(VENV)/.lint-installed: $(VENV)/.installed Makefile
	$(BIN)/pip install -q $(LINT_PINS)
	touch $@

lint: $(VENV)/.lint-installed
	$(BIN)/ruff check
	$(BIN)/mypy

# `make test` leaves out the tests marked slow, postgres or browser (pyproject.toml); `make test-all`, which
# .ci/run runs, runs everything. pytest exits 5 when it collected no tests: a failure here, not a pass.
# Both run in JOBS pytest-xdist workers (2: the cores of our machines). Each worker builds the session fixtures it
# needs (the analysed stores, a PostgreSQL server) once; tests marked with one xdist_group ("real", "enron") go to
# one worker, so the store they share is built once. `make test JOBS=0` runs in one process.
FAST := -m "not slow and not postgres and not browser"
JOBS ?= 2
XDIST = -n $(JOBS) --dist loadgroup
test: install
	$(BIN)/python -m pytest $(XDIST) $(FAST); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: no tests were collected"; exit 1; fi; exit $$rc

test-all: install
	$(BIN)/python -m pytest $(XDIST); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: no tests were collected"; exit 1; fi; exit $$rc

bench: install
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/analyze.py
	$(BIN)/python bench/dashboard.py
	$(BIN)/python bench/connectors.py
	$(BIN)/python bench/chains.py
	$(BIN)/python bench/bot.py

samples: install
	$(BIN)/python samples/make_samples.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache slopradar.db slopradar.db-wal slopradar.db-shm
