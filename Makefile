# Lochat: `make server`, `make client`, `make test`, `make install`. Needs only make, npm and a
# network that reaches the npm registry: Deno itself is installed into .tools/ when missing.

DENO_VERSION := 2.9.6
TOOLS        := .tools
ARGS         ?=

LOCAL_DENO := $(abspath $(TOOLS))/bin/deno

# Use a `deno` on PATH when it is 2.9.x, else the pinned one in .tools/.
SYSTEM_DENO := $(shell command -v deno 2>/dev/null)
ifneq ($(and $(SYSTEM_DENO),$(shell deno --version 2>/dev/null | grep -E '^deno 2\.9\.')),)
DENO := $(SYSTEM_DENO)
DENO_DEP :=
else
DENO := $(LOCAL_DENO)
DENO_DEP := $(LOCAL_DENO)
endif

# Deno prints a Rust backtrace under every error when this is set; users never need it.
unexport RUST_BACKTRACE

# V8's young generation grows to 16 MB by default; at 4 MB the server holds
# a third less memory per idle connection and peaks lower under load, for no measured CPU
# cost (docs/performance.md). Baked into `make build`, the bundle and the bench.
# --expose-gc: a full collection before memory is given back after a burst
# (lib/server/memory_trim.ts).
SERVER_V8_FLAGS := --max-semi-space-size=4,--expose-gc
# --allow-ffi: glibc's malloc_trim after bursts (lib/server/memory_trim.ts).
SERVER_PERMS := --allow-net --allow-sys=hostname,networkInterfaces --allow-env --allow-read --allow-write --allow-ffi
CLIENT_PERMS := --allow-net --allow-sys=networkInterfaces --allow-env --allow-read --allow-write
# Every module of the programs, however deep lib/ goes: a stale bundle must not pass a test.
LIB_SOURCES := $(shell find lib -name '*.ts' | sort)
# The web page: its TypeScript, HTML and styles, carried inside lochat-server.
WEB_SOURCES := $(shell find web -name '*.ts' -o -name '*.html' -o -name '*.css' -o -name deno.json | sort)
# The page's script, bundled; the server imports it as text (lib/server/web/page.ts).
PAGE_JS := dist/web/app.js
SOURCES := $(wildcard *.ts) $(LIB_SOURCES) $(WEB_SOURCES) $(PAGE_JS) deno.json deno.lock

.PHONY: help server client test check fmt build bundle page install uninstall bench soak cert fuzz clean deno
.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 12

deno: $(DENO_DEP) ## install the pinned Deno into .tools/ (done by every target that needs it)

# Its messages go to stderr: the first `make client` in a script keeps a clean stdout.
$(LOCAL_DENO):
	@echo "Installing deno $(DENO_VERSION) from the npm registry into $(TOOLS)/" >&2
	@mkdir -p $(TOOLS)/bin
	@npm install --prefix $(TOOLS) --no-save --no-audit --no-fund --ignore-scripts --loglevel=error deno@$(DENO_VERSION) >&2
	@bin=$$(ls $(abspath $(TOOLS))/node_modules/@deno/*/deno 2>/dev/null | head -n 1); \
	  if [ -z "$$bin" ]; then echo "No deno binary for this platform in the npm package" >&2; exit 1; fi; \
	  ln -sf "$$bin" $@
	@$@ --version | head -n 1 >&2

# Not echoed: `make client` in a script must print only what the client prints.
server: $(DENO_DEP) $(PAGE_JS) ## run a server (ARGS="--host 127.0.0.1 --port 0")
	@$(DENO) run --v8-flags=$(SERVER_V8_FLAGS) $(SERVER_PERMS) server.ts $(ARGS)

client: $(DENO_DEP) ## run a client (ARGS="--nick ann --host 192.0.2.7")
	@$(DENO) run $(CLIENT_PERMS) client.ts $(ARGS)

test: $(DENO_DEP) $(PAGE_JS) ## run every test
	$(DENO) test --allow-all --parallel tests/

check: $(DENO_DEP) $(PAGE_JS) ## formatting, lint, type check (the page with DOM types), and JSDoc on every export of lib/
	$(DENO) fmt --check
	$(DENO) lint
	$(DENO) check server.ts client.ts lib/ tests/ bench/ web/
	$(DENO) doc --lint $(LIB_SOURCES)

# Checked by `make check` (web/deno.json gives it the DOM's types), not here: a bundle is
# made in milliseconds. Written to a temporary file and renamed, like the bundles below.
page: $(PAGE_JS) ## bundle the web page's script (web/app.ts -> dist/web/app.js)

$(PAGE_JS): $(WEB_SOURCES) $(LIB_SOURCES) deno.json deno.lock $(DENO_DEP)
	@mkdir -p dist/web
	@echo "deno bundle web/app.ts -> $@"
	@tmp=$@.$$$$.js; $(DENO) bundle --quiet --platform browser --format esm --minify --output $$tmp web/app.ts \
	  && mv -f $$tmp $@ || { rm -f $$tmp; exit 1; }

fmt: $(DENO_DEP) ## format the code in place
	$(DENO) fmt

# deno compile downloads its runtime, denort, from dl.deno.land unless DENORT_BIN names one.
ifdef DENORT_BIN
export DENORT_BIN
endif

# $(call compile,FLAGS,OUTPUT,ENTRY): deno compile, with a plain answer in place of Deno's raw
# error chain when what failed is the download of denort.
define compile
@echo "deno compile $(3) -> $(2)"
@log=$$(NO_COLOR=1 $(DENO) compile $(1) --output $(2) $(3) 2>&1); code=$$?; \
  if [ $$code -eq 0 ]; then exit 0; fi; \
  if [ -z "$(DENORT_BIN)" ] && printf '%s\n' "$$log" | grep -q 'Setting up base binary'; then \
    cause=$$(printf '%s\n' "$$log" | sed -n 's/^ *[0-9][0-9]*: //p' | tail -n 1); \
    echo "make build: deno compile could not download its runtime (denort, from dl.deno.land: $$cause); either set DENORT_BIN=/path/to/denort, or use \`make bundle\` / \`make install\`, which need no download" >&2; \
  else printf '%s\n' "$$log" >&2; fi; \
  exit $$code
endef

build: $(DENO_DEP) $(PAGE_JS) ## standalone binaries in dist/ (deno compile fetches its runtime, or set DENORT_BIN)
	@mkdir -p dist
	$(call compile,--v8-flags=$(SERVER_V8_FLAGS) $(SERVER_PERMS),dist/lochat-server,server.ts)
	$(call compile,$(CLIENT_PERMS),dist/lochat-client,client.ts)

# CommonJS npm packages (multicast-dns) call require() for Node built-ins;
# a bundle is an ES module, so it gets a require of its own.
REQUIRE_SHIM := import { createRequire as __lochatRequire } from "node:module"; const require = __lochatRequire(import.meta.url);

bundle: dist/lochat-server.js dist/lochat-client.js ## single-file programs in dist/ that run with deno

# $(call bundle,SHEBANG FLAGS,ENTRY): each run writes its own temporary files and renames the
# result into place, so two makes bundling at once (tests run in parallel) cannot clash.
define bundle
@mkdir -p dist
@echo "deno bundle $(2) -> $@"
@tmp=$@.$$$$; $(DENO) bundle --quiet --output $$tmp.js $(2) \
  && { echo '#!/usr/bin/env -S deno run $(1)'; echo '$(REQUIRE_SHIM)'; grep -v '^#!' $$tmp.js; } > $$tmp \
  && rm $$tmp.js && chmod +x $$tmp && mv -f $$tmp $@ || { rm -f $$tmp $$tmp.js; exit 1; }
endef

dist/lochat-server.js: $(SOURCES) $(DENO_DEP)
	$(call bundle,--v8-flags=$(SERVER_V8_FLAGS) $(SERVER_PERMS),server.ts)

dist/lochat-client.js: $(SOURCES) $(DENO_DEP)
	$(call bundle,$(CLIENT_PERMS),client.ts)

PREFIX  ?= $(HOME)/.local
DESTDIR ?=

# The compiled binaries when `make build` can make them; otherwise the bundles, with launchers
# and a copy of this Deno in PREFIX/lib/lochat, so the install outlives the clone and .tools/.
install: $(DENO_DEP) ## put lochat-server and lochat-client in PREFIX/bin (PREFIX=~/.local, DESTDIR)
	@if why=$$($(MAKE) --no-print-directory build 2>&1 >/dev/null); then kind=binaries; else \
	  why=$$(printf '%s\n' "$$why" | grep -m 1 -E '^(make build: |error)' | sed -e 's/^make build: //' -e 's/; either set DENORT_BIN.*//'); \
	  echo "make install: no compiled binaries, as $${why:-make build failed}; installing the bundles with their own Deno instead"; \
	  $(MAKE) -s --no-print-directory bundle || exit 1; kind=bundles; fi; \
	KIND=$$kind PREFIX='$(PREFIX)' DESTDIR='$(DESTDIR)' DENO='$(DENO)' \
	  SERVER_FLAGS='--v8-flags=$(SERVER_V8_FLAGS) $(SERVER_PERMS)' CLIENT_FLAGS='$(CLIENT_PERMS)' \
	  sh install/install.sh install

uninstall: ## remove what `make install` put in PREFIX (same PREFIX, DESTDIR)
	@PREFIX='$(PREFIX)' DESTDIR='$(DESTDIR)' sh install/install.sh uninstall

CERT ?= lochat-cert.pem
KEY  ?= lochat-key.pem
HOST := $(shell hostname 2>/dev/null || echo lochat)
# The machine's LAN addresses, so that a browser opening https://ADDRESS:4480/ finds the
# address in the certificate (`hostname -I`: every address but loopback and link-local).
LAN_SAN := $(foreach ip,$(shell hostname -I 2>/dev/null),,IP:$(ip))

cert: ## a self-signed TLS pair for the LAN: lochat-cert.pem, lochat-key.pem
	openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=$(HOST)" \
	  -addext "basicConstraints=critical,CA:FALSE" \
	  -addext "subjectAltName=DNS:$(HOST),DNS:$(HOST).local,DNS:localhost,IP:127.0.0.1,IP:::1$(subst $(eval) ,,$(LAN_SAN))" \
	  -keyout $(KEY) -out $(CERT) 2>/dev/null
	@chmod 600 $(KEY)
	@echo "Made $(CERT) and $(KEY). Serve with:"
	@echo "  make server ARGS=\"--tls-cert $(CERT) --tls-key $(KEY)\""
	@echo "Browsers open https://ADDRESS:4480/ at one of the names in the certificate:"
	@openssl x509 -in $(CERT) -noout -ext subjectAltName | tail -n 1 | sed 's/^ */  /'
	@echo "Clients connect with --tls; tell them this fingerprint to check on first use:"
	@openssl x509 -in $(CERT) -noout -fingerprint -sha256 | sed 's/^.*=/  SHA256 /'

bench: $(DENO_DEP) $(PAGE_JS) ## measure fan-out, latency and memory against a real server on 127.0.0.1 (BENCH_ARGS=--quick)
	@# The open-files limit is raised to the hard limit, for the 10000-client run.
	ulimit -n $$(ulimit -Hn) && $(DENO) run --allow-all bench/bench.ts --server-v8-flags=$(SERVER_V8_FLAGS) $(BENCH_ARGS)

soak: $(DENO_DEP) $(PAGE_JS) ## 2000 silent + 500 slowloris sockets + 20 talkers, 60 s, twice: losses, joins, heap, RSS (SOAK_ARGS="--seconds 20")
	@# The open-files limit is raised to the hard limit, for the 2,500 attack sockets.
	ulimit -n $$(ulimit -Hn) && $(DENO) run --allow-all bench/soak.ts --server-v8-flags=$(SERVER_V8_FLAGS) $(SOAK_ARGS)

FUZZ_COUNT ?= 20000
FUZZ_SEED  ?= $(shell date +%s)

fuzz: $(DENO_DEP) $(PAGE_JS) ## a long fuzz run against a live server (FUZZ_COUNT, FUZZ_SEED)
	$(DENO) run --allow-all tests/fuzz.ts --count $(FUZZ_COUNT) --seed $(FUZZ_SEED)

clean: ## remove dist/ and the tools in .tools/ (not what `make install` put in PREFIX)
	rm -rf dist $(TOOLS)

# The browser tests save their screenshots in screenshots/ (git-ignored); the README shows one.
.PHONY: screenshots
screenshots: $(DENO_DEP) ## the web page in headless Chromium: screenshots/ (desktop, phone; light, dark) and docs/web-client.png
	@rm -f screenshots/desktop-light.png
	$(DENO) test --allow-all --filter "screenshots" tests/e2e_web_browser_test.ts
	@test -f screenshots/desktop-light.png || { echo "make screenshots: no screenshot was made (is /usr/bin/chromium installed? apt-get install chromium)" >&2; exit 1; }
	cp screenshots/desktop-light.png docs/web-client.png
	@ls -l screenshots/*.png docs/web-client.png
