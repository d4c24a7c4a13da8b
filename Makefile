# 民情通: `make run` sets everything up and starts web + Celery worker + beat;
# `make test` runs every check CI runs. Only python3 (3.11+) is needed.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.lock | cut -c1-12)

.PHONY: run setup test lint messages catalogue clean bench

run: setup
	@$(BIN)/python manage.py load_demo --if-empty
	@echo "民情通: http://127.0.0.1:8000  (Ctrl-C stops web, worker and beat)"
	@$(BIN)/honcho -f Procfile start

setup: $(STAMP) .env messages
	@$(BIN)/python manage.py migrate --noinput -v0
	@$(BIN)/python manage.py collectstatic --noinput -v0

$(STAMP): requirements.lock
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	@rm -f $(VENV)/.installed-*
	@touch $@

# Fresh keys the first time; never overwritten, since the ID-number key
# decrypts what is already stored.
.env: | $(STAMP)
	@$(BIN)/python -c "import secrets, base64; \
	print('SECRET_KEY=' + secrets.token_urlsafe(50)); \
	print('ID_NUMBER_ENCRYPTION_KEY=' + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()); \
	print('ID_NUMBER_HASH_KEY=' + secrets.token_urlsafe(32))" > $@
	@echo "wrote .env with new keys (keep it: it decrypts stored ID numbers)"

messages: $(STAMP)
	@$(BIN)/pybabel -q compile -d locale -D django

lint: $(STAMP) .env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

test: lint messages
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Regenerate the Chinese catalogue after changing strings (needs gettext's xgettext).
catalogue: $(STAMP) .env
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --no-location -i ".venv/*" -i "var/*" -i "bench/*"

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var
