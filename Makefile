# audiosr: the README's two commands are `make demo` (main job) and `make test` (tests).
# Both set everything up first (system packages, a .venv with a CPU torch) and are idempotent.
#
# Which torch: see README ("Which torch"); override with make setup TORCH="...".

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
TORCH  ?= torch==2.13.0
PARAMS ?= params/demo.yaml
OUT    ?= out
NOTEBOOKS := 01_data 02_model 03_train 04_evaluate 05_figures 06_mushra

.PHONY: setup system venv corpus demo test lint sync clean-cache help
help:
	@echo "make demo   - set up, build the embedded corpus, run the notebooks with $(PARAMS)"
	@echo "make test   - set up, build the embedded corpus, run unit tests and nbval"
	@echo "make corpus - (re)build only the embedded corpus in data/embedded"
	@echo "make lint   - ruff: lint, import order, formatting (line length 100)"
	@echo "make sync   - regenerate notebooks/*.ipynb from their jupytext .py sources"

setup: system venv

system:
	@bash scripts/install-system-deps.sh

venv: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check $(TORCH)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

corpus: setup
	$(PY) -m audiosr.corpus

demo: corpus
	@mkdir -p $(OUT)
	@for nb in $(NOTEBOOKS); do \
	  echo "== notebooks/$$nb.ipynb with params from $(PARAMS)"; \
	  $(PY) -m audiosr.notebook_params notebooks/$$nb.ipynb $(OUT)/$$nb.ipynb -f $(PARAMS) || exit 1; \
	done
	@echo "executed notebooks in $(OUT)/, figures in figures/, headline numbers in results/"

test: corpus
	$(PY) -m pytest -q tests notebooks --nbval -p no:cacheprovider

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

sync:
	cd notebooks && ../$(PY) -m jupytext --sync *.py

clean-cache:
	rm -rf data/cache
