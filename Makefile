# Two commands do everything: `make report` and `make test`.
# Each creates .venv from scratch when it is missing and reinstalls only when pyproject.toml changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-from-pyproject
SAMPLE := data/sample

.PHONY: report test clean-build

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

# Cleans the sample programme (when its inputs changed) and renders its reports:
# reports/sample/index.html, one report per pilot, the cross-pilot report.
report: $(STAMP)
	$(BIN)/evalkit report $(SAMPLE)

test: $(STAMP)
	$(BIN)/python -m pytest

clean-build:
	rm -rf build reports
