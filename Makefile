# Two entry points for users: `make demo` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install demo test test-fast lint typecheck bench soak clean bundle

$(STAMP): pyproject.toml package.json
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@# setuptools says "Editable installation" at length for any package-dir mapping (ours maps server/ onto
	@# salesforce_flow_mcp); it is information, not a problem, so the build runs with warnings off.
	PYTHONWARNINGS=ignore $(PY) -m pip install --quiet -e '.[dev]'
	@if command -v npm >/dev/null 2>&1; then npm ci --silent --no-audit --no-fund || npm install --silent --no-audit --no-fund; \
	 else echo "npm not found: the manifest check (mcpb validate) will be skipped" >&2; fi
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/salesforce-flow-mcp demo

test: $(STAMP) lint typecheck
	$(PY) -m pytest -q

# The tests that start no process and run no npm tool: the quick loop while working.
test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow"

lint: $(STAMP)
	$(VENV)/bin/ruff check server tools tests packaging $(wildcard bench)
	$(VENV)/bin/ruff format --check server tools tests packaging $(wildcard bench)

# The source folders are installed under one package name; type-check them under that name.
typecheck: $(STAMP)
	@rm -rf build/typecheck && mkdir -p build/typecheck/salesforce_flow_mcp
	@for f in server/*; do ln -s "$(CURDIR)/$$f" build/typecheck/salesforce_flow_mcp/; done
	@ln -s "$(CURDIR)/tools" build/typecheck/salesforce_flow_mcp/tools
	cd build/typecheck && $(CURDIR)/$(VENV)/bin/mypy -p salesforce_flow_mcp --config-file $(CURDIR)/pyproject.toml

bench: $(STAMP)
	$(PY) -m bench.run
	$(PY) -m bench.remote_load
	$(PY) -m bench.engine

# 10,000 fuzzed lines over stdio: every one answered, and resident memory before and after (docs/benchmarks.md).
soak: $(STAMP)
	$(PY) -m bench.soak

clean:
	rm -rf $(VENV) build node_modules .pytest_cache .mypy_cache .ruff_cache

# The MCP Bundle for Claude Desktop and other MCPB hosts (dist/*.mcpb), built for this machine's OS and Python.
bundle: $(STAMP)
	$(PY) packaging/build_bundle.py
