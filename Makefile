# Two commands on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: run test bench lint fmt clean lock

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs take the exact versions in requirements/*.lock (written by `make lock` from
# pyproject.toml), so every machine and CI run test the same set.
$(STAMP): pyproject.toml requirements/run.lock | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/run.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(DEVSTAMP): pyproject.toml requirements/dev.lock | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP) $@

run: $(STAMP)
	$(BIN)/tradechat run

test: $(DEVSTAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot handlers nlp broker reports store scheduler.py
	$(BIN)/python -m pytest -q

lint: $(DEVSTAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot handlers nlp broker reports store scheduler.py

fmt: $(DEVSTAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# `make bench` prints the numbers; `make bench WRITE=1` also writes docs/BENCHMARKS.md;
# `make bench ONLY="reports startup"` runs those modules only (bench/run.py says how one plugs in).
bench: $(DEVSTAMP)
	$(BIN)/python -m bench.run $(if $(WRITE),--write) $(ONLY)

# After changing dependencies in pyproject.toml: universal locks (every platform and Python
# the project supports, markers included), for the run and the dev installs.
lock: $(DEVSTAMP)
	$(BIN)/uv pip compile --quiet --universal --python-version 3.11 pyproject.toml -o requirements/run.lock
	$(BIN)/uv pip compile --quiet --universal --python-version 3.11 --extra dev pyproject.toml -o requirements/dev.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
