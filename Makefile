# Kinlink's two commands (see README.md):
#   make demo   builds Kinlink and starts the demo (embedded SQLite, demo data, printed logins)
#   make test   runs every test: formatting, lints, Rust tests (SQLite, and PostgreSQL when
#               KINLINK_TEST_POSTGRES_URL is set), and the browser tests in Chromium

CARGO ?= cargo

.PHONY: demo test assets lint rust-test browser-test

demo: assets
	$(CARGO) run -p kinlink -- demo

test: assets lint rust-test browser-test

assets: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

rust-test:
	scripts/ensure-python-tools
	$(CARGO) build -p kinlink --locked
	KINLINK_TEST_PYTHON="$(CURDIR)/target/python-tools/bin/python" \
		$(CARGO) nextest run --workspace --locked --no-fail-fast

browser-test: assets
	scripts/ensure-chromium
	$(CARGO) build -p kinlink --locked
	node --test tests/browser/
