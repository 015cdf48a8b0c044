# Fasten desktop. `make run` builds and opens the app; `make test` runs every
# test; both install what is missing first (see build/setup.sh).
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
GO_TAGS := webkit2_41 sqlite_fts5 sqlite_json
WAILS := $(shell go env GOPATH)/bin/wails
BIN := build/bin/fasten
# The version is written once, in wails.json; every binary and installer is
# stamped with it (internal/version).
VERSION := $(shell sed -n 's/.*"productVersion": *"\([^"]*\)".*/\1/p' wails.json)
LDFLAGS := -X github.com/fastenhealth/fasten-desktop/internal/version.Version=$(VERSION)

.PHONY: package package-deps package-macos package-linux package-windows test-package run build sandbox deps test-deps frontend test test-go test-frontend test-e2e test-window bench clean ccda-converter

run: build
	./$(BIN) $(ARGS)

deps:
	build/setup.sh

test-deps:
	build/setup.sh --test

# The production binary: frontend built and embedded, SQLCipher with FTS5/JSON1.
build: deps
	$(WAILS) build -tags "$(GO_TAGS)" -ldflags "$(LDFLAGS)" -o fasten
	@ls -l $(BIN)

# Installers: every one that can be built on Linux, into build/dist with
# their SHA-256 sums (the macOS .dmg is built by .github/workflows/release.yml
# on a macOS runner). Each script reads VERSION and LDFLAGS from here.
DIST := build/dist
package: package-linux package-windows
	cd $(DIST) && rm -f SHA256SUMS && sha256sum -- * > SHA256SUMS && cat SHA256SUMS

package-deps:
	build/setup.sh --package

# .deb and AppImage of the production binary.
package-linux: package-deps build
	VERSION=$(VERSION) DIST=$(DIST) build/package/linux.sh $(BIN)

# Cross-built with mingw (CGO on: SQLCipher must be real), NSIS setup .exe
# and a wixl .msi.
package-windows: package-deps
	VERSION=$(VERSION) DIST=$(DIST) LDFLAGS="$(LDFLAGS)" GO_TAGS="$(GO_TAGS)" build/package/windows.sh

# The universal .app in a .dmg: macOS only (the release workflow's macOS job).
package-macos: deps
	VERSION=$(VERSION) DIST=$(DIST) LDFLAGS="$(LDFLAGS)" GO_TAGS="$(GO_TAGS)" build/package/macos.sh

# What the installers do, proven here: the .deb in a fresh Debian root, the
# AppImage in a real window, the Windows artifacts by inspection.
test-package: package
	DIST=$(DIST) VERSION=$(VERSION) build/package/test-linux.sh
	DIST=$(DIST) VERSION=$(VERSION) build/package/test-windows.sh

# The loopback SMART/FHIR test EHR: a development tool, kept out of the app.
sandbox:
	go build -o build/bin/fasten-sandbox ./internal/devtools/cmd/fasten-sandbox

frontend:
	cd frontend && npm run build

test: test-deps build test-go test-frontend test-e2e test-window test-package
	@echo "all test suites passed"

# The whole Go suite's output is kept and scanned: no sandbox-issued code or
# token may ever reach a log line or an error message.
test-go:
	go vet -tags "$(GO_TAGS)" ./...
	mkdir -p build/logs
	go test -tags "$(GO_TAGS)" -count=1 -timeout 30m -v ./... > build/logs/go-test.log 2>&1 || { grep -E '^(--- FAIL|FAIL|ok|panic)' -A20 build/logs/go-test.log | tail -150; exit 1; }
	grep -E '^(ok|FAIL|---)' build/logs/go-test.log | grep -v -- '--- PASS' || true
	@! grep -n sbxsecret build/logs/go-test.log || { echo "a sandbox secret appeared in the test output"; exit 1; }
	@echo "no sandbox secret in the Go test log"; echo "go-tests: $$(grep -c -- "--- PASS" build/logs/go-test.log) passed, 0 failed"

test-frontend:
	cd frontend && npm test

# Browser end-to-end: the real Go backend (wails dev) driven by Debian's
# Chromium through playwright-core.
test-e2e: build sandbox
	mkdir -p build/logs
	cd frontend && node e2e/run.mjs 2>&1 | tee ../build/logs/e2e.log
	@! grep -n sbxsecret build/logs/e2e.log || { echo "a sandbox secret appeared in the e2e output"; exit 1; }

# The production binary in a real X window under Xvfb.
test-window: build
	build/window-test.sh $(BIN)

# Rebuilds internal/ccda/converter.js (committed; see internal/ccda/js/README.md).
ccda-converter:
	cd internal/ccda/js && npm ci --no-audit --no-fund && ./node_modules/.bin/esbuild entry.js --bundle --format=iife \
	  --target=es2020 --platform=neutral --main-fields=module,main --minify --legal-comments=eof --outfile=../converter.js

# Every phase in turn; the Apple Health one (a generated 1 GB export.xml read
# to FHIR against the floor of inflating it) alone: fasten-bench -only applehealth.
# dbstat (compiled in here only) gives the vault's bytes per table.
bench: deps
	CGO_CFLAGS="$${CGO_CFLAGS:--O2 -g} -DSQLITE_ENABLE_DBSTAT_VTAB" go run -tags "$(GO_TAGS)" ./internal/devtools/cmd/fasten-bench

clean:
	rm -rf build/bin frontend/dist
