# The README's two commands: `make run` and `make test`. Everything lives in .venv.
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
SAMPLE_QUERY := Hur minskar vi läkemedelsrester i avloppsvatten?

.PHONY: install run test lint samples clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first, pinned: the CPU wheel. An unpinned torch would pull a multi-GB CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

run: install
	$(VENV)/bin/kb ingest samples/
	$(VENV)/bin/kb search "$(SAMPLE_QUERY)" -k 3

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest

samples: install
	$(PY) samples/make_samples.py samples/

clean:
	rm -rf $(VENV) .pytest_cache
