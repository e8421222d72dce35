# The README's two commands: `make run` and `make test`. Everything Python lives in .venv.
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: install wordlists browser compose run test test-fast lint samples bench clean

install: $(VENV)/.installed wordlists

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first, pinned: the CPU wheel. An unpinned torch would pull a multi-GB CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# Debian's Swedish dictionary and English word list tell Swedish words quoted in English passages from
# English ones, so that a Swedish query word is not "translated" into them (kb/search/word_lists.py).
wordlists:
	@test -f /usr/share/hunspell/sv_SE.dic -a -f /usr/share/dict/british-english-insane || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hunspell-sv wbritish-insane >/dev/null; \
	  else echo "word lists are missing: run 'sudo apt-get install hunspell-sv wbritish-insane' (Swedish queries then carry over fewer good words)"; fi; }

# The browser tests drive Debian's chromium (Playwright cannot download its own browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: run 'sudo apt-get install chromium' (browser tests will be skipped)"; fi; }

# tests/test_deploy.py validates docker-compose.yml with `docker compose config` or Debian's docker-compose (no engine needed).
compose:
	@docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null; \
	  else echo "no compose binary: run 'sudo apt-get install docker-compose' (the compose-file tests will be skipped)"; fi; }

# Plain http on loopback for development: the session cookie may go without Secure only there (kb serve checks).
run: install
	KB_COOKIE_SECURE=$${KB_COOKIE_SECURE:-false} $(VENV)/bin/kb serve

test: install browser compose lint
	$(VENV)/bin/pytest

# The quick suite to run every few minutes (under 90 s): everything but the slow, browser, corpus and server tests.
test-fast: install
	$(VENV)/bin/pytest -q -m "not slow and not browser and not corpus and not server"

# The rules the code follows, checked: style, types, and the architecture's import contracts (pyproject.toml).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

samples: install
	$(PY) samples/make_samples.py samples/

# Retrieval figures on the real corpus (needs ../shared): ingest once, then score every variant.
bench: install
	KB_DATA_DIR=.cache/corpus $(VENV)/bin/kb ingest ../shared/corpus/reports
	$(PY) benchmarks/retrieval.py .cache/corpus ../shared/eval/queries.jsonl --dayone ../shared/corpus/reports

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache
