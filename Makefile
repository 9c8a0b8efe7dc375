# Two commands do everything: `make report` and `make test`.
# Each creates .venv from scratch when it is missing and reinstalls only when pyproject.toml changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-from-pyproject
SAMPLE := data/sample
OUT := build/sample

.PHONY: report test clean-build

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

# Runs the furthest step of the pipeline that exists: cleaning the sample programme.
# Exit code 1 from `evalkit clean` means rows were quarantined (the sample plants some): not a failure.
report: $(STAMP)
	@$(BIN)/evalkit clean $(SAMPLE) --out $(OUT)/clean; code=$$?; \
	if [ $$code -gt 1 ]; then exit $$code; fi; \
	echo; echo "Clean tables and summary: $(OUT)/clean/summary.md"; \
	echo "Rendering the sample's reports is the next step of the pipeline and is not built yet."

test: $(STAMP)
	$(BIN)/python -m pytest

clean-build:
	rm -rf build reports
