PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: demo serve test lint format messages clean

$(BIN)/undersigned: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/python -m undersigned.core.catalogs
	touch $@

demo: $(BIN)/undersigned
	$(BIN)/undersigned demo --port $(PORT)

serve: $(BIN)/undersigned
	$(BIN)/undersigned serve --port $(PORT)

lint: $(BIN)/undersigned
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/undersigned
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The whole suite on SQLite; again on PostgreSQL when UNDERSIGNED_TEST_DATABASE_URL is set.
test: lint
	$(BIN)/python -m django makemigrations --check --dry-run --settings=undersigned.settings
	$(BIN)/pytest
	@if [ -n "$$UNDERSIGNED_TEST_DATABASE_URL" ]; then \
		echo "--- again on PostgreSQL ---"; \
		DATABASE_URL="$$UNDERSIGNED_TEST_DATABASE_URL" $(BIN)/pytest -m "not browser and not slow"; \
	fi

messages: $(BIN)/undersigned
	cd undersigned && ../$(BIN)/python -m django makemessages --all --no-obsolete --settings=undersigned.settings --ignore=demo/*
	$(BIN)/python -m undersigned.core.catalogs

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
