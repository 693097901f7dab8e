# The two set-up commands: `make book` and `make test`. Both create .venv from
# requirements.lock (every package pinned, compiled from requirements.txt) when it
# is missing or out of date.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard book/*.ipynb))

export PYTHONHASHSEED := 0

.PHONY: book test lint pytest nbval strict-book pdf lock browser chromium serve bench mutation clean

# JavaScript the site would otherwise load from a CDN, vendored from the npm
# registry at a pinned version into _vendor/ (git-ignored), which the build
# copies into _build/html/_static/: MathJax's TeX-to-HTML component, the fonts
# it draws with, the TeX extensions it loads on demand and its menu and
# accessibility modules; nothing else of the package.
MATHJAX_VERSION  := 3.2.2
MATHJAX_PARTS := tex-chtml.js input/tex/extensions output/chtml/fonts/woff-v2 ui a11y
VENDOR := _vendor
VENDOR_STAMP := $(VENDOR)/.versions-mathjax-$(MATHJAX_VERSION)

$(VENDOR_STAMP):
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/tmp $(VENDOR)/mathjax
	cd $(VENDOR)/tmp && npm pack --silent mathjax@$(MATHJAX_VERSION) >/dev/null
	tar xzf $(VENDOR)/tmp/mathjax-$(MATHJAX_VERSION).tgz -C $(VENDOR)/mathjax --strip-components=2 \
		$(addprefix package/es5/,$(MATHJAX_PARTS))
	rm -rf $(VENDOR)/tmp
	@touch $@

vendor: $(VENDOR_STAMP)

# axe-core, the accessibility engine the browser test runs on every page: for the
# test only (git-ignored, not part of the site).
AXE_VERSION := 4.14.1
AXE := _testvendor/axe-$(AXE_VERSION).min.js

$(AXE):
	rm -rf _testvendor && mkdir -p _testvendor/tmp
	cd _testvendor/tmp && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null
	tar xzf _testvendor/tmp/axe-core-$(AXE_VERSION).tgz -C _testvendor/tmp package/axe.min.js
	mv _testvendor/tmp/package/axe.min.js $@ && rm -rf _testvendor/tmp

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

## make book: build the site into _build/html
book: $(STAMP) $(VENDOR_STAMP)
	$(BIN)/jupyter-book build . --path-output .

## make test: lint, unit tests, every notebook under nbval, the strict build from clean,
## the PDF, then every page of the built site (and the PDF) in a browser
test: lint pytest nbval strict-book pdf browser

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks _ext tools
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest -q --doctest-modules src/convbook tests --ignore=tests/browser

nbval: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider --nbval-lax $(NOTEBOOKS)

strict-book: $(STAMP) $(VENDOR_STAMP)
	rm -rf _build
	$(BIN)/jupyter-book build . --path-output . -W -n --keep-going
	$(BIN)/python tests/check_site.py _build/html

# The browser test drives Debian's chromium. Installed here when missing and
# when running as root (as CI does); otherwise the test explains how to get it
# and is skipped (a failure under CI=true). CONVBOOK_CHROMIUM names another
# Chromium-based browser. fonts-noto-cjk renders the Chinese terms.
chromium:
	@if [ -z "$$CONVBOOK_CHROMIUM" ] && grep -qi '^ID=ubuntu' /etc/os-release 2>/dev/null; then \
		echo "Ubuntu's chromium package is a snap, which the browser test cannot drive:"; \
		echo "set CONVBOOK_CHROMIUM to Google Chrome (e.g. /usr/bin/google-chrome) or another Chromium"; \
	elif [ -z "$$CONVBOOK_CHROMIUM" ] && ! command -v chromium >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing Debian's chromium for the browser test"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
				chromium fonts-noto-cjk >/dev/null; \
		else echo "chromium not found and not root: the browser test will say how to get it"; fi; \
	fi

## make lock: recompile requirements.lock from requirements.txt with pip-tools (Linux, Python 3.11)
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet pip-tools==7.6.2
	$(BIN)/pip-compile requirements.txt --output-file .lock.tmp --quiet --strip-extras --allow-unsafe \
		--no-emit-index-url --no-emit-find-links --no-header
	sed -n '1,4p' requirements.lock > .lock.head
	sed 's/^torch==\([0-9.]*\)+cpu$$/torch==\1/' .lock.tmp | cat .lock.head - > requirements.lock
	rm -f .lock.tmp .lock.head

## make pdf: the whole book as one PDF, _build/html/convbook.pdf (printed from the built site with Chromium)
pdf: $(STAMP) chromium
	@test -f _build/html/index.html || $(MAKE) book
	$(BIN)/python tools/make_pdf.py _build/html

## make browser: open every page of the built site in Chromium (after strict-book)
browser: $(STAMP) chromium $(AXE)
	CONVBOOK_AXE=$(AXE) $(BIN)/python -m pytest -q -p no:cacheprovider tests/browser

## make serve: read the built site at http://127.0.0.1:8000
serve:
	@test -d _build/html || $(MAKE) book
	$(BIN)/python -m http.server 8000 --bind 127.0.0.1 --directory _build/html

## make bench: speed ratios against torch/scipy, measured in one run
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

## make mutation: mutation testing of the core against the fast unit tests (not part of `make test`;
## one to two hours on two cores); prints the score per module and writes the survivors, sorted into
## changed messages and changed logic, to mutants/survivors.txt
mutation: $(STAMP)
	$(BIN)/python -m pip install --quiet mutmut==3.8.1
	rm -rf mutants
	CONVBOOK_EXAMPLES=10 $(BIN)/mutmut run --max-children 2 || true
	$(BIN)/python tests/mutation_report.py mutants

clean:
	rm -rf _build $(VENDOR) _testvendor mutants
