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

.PHONY: setup system venv corpus demo test unit slow lint lab sync clean-cache help
help:
	@echo "make demo   - set up, build the embedded corpus, run the notebooks with $(PARAMS)"
	@echo "make test   - set up, build the embedded corpus, run unit tests and nbval"
	@echo "make unit   - the unit tests alone (no notebooks, no slow tests)"
	@echo "make slow   - the heavier tests marked slow, which make test leaves out"
	@echo "make corpus - (re)build only the embedded corpus in data/embedded"
	@echo "make lab    - JupyterLab on notebooks/ at 127.0.0.1 (prints the URL with its token)"
	@echo "make lint   - ruff: lint, import order, formatting (line length 100)"
	@echo "make sync   - regenerate notebooks/*.ipynb from their jupytext .py sources"

setup: system venv

system:
	@bash scripts/install-system-deps.sh

venv: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check $(TORCH)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[notebooks,corpus,perceptual,test]'
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	@# commit notebooks without outputs, whatever a save in JupyterLab left in them (.gitattributes)
	-@git rev-parse --git-dir >/dev/null 2>&1 && \
	  git config filter.nbstripout.clean "'$(abspath $(PY))' -m nbstripout" && \
	  git config filter.nbstripout.smudge cat && \
	  git config filter.nbstripout.extrakeys "metadata.language_info metadata.widgets" && \
	  git config diff.ipynb.textconv "'$(abspath $(PY))' -m nbstripout -t"
	touch $@

corpus: setup
	$(PY) -m audiosr.data.corpus

demo: corpus
	@mkdir -p $(OUT)
	@for nb in $(NOTEBOOKS); do \
	  echo "== notebooks/$$nb.ipynb with params from $(PARAMS)"; \
	  $(PY) -m audiosr.notebook_params notebooks/$$nb.ipynb $(OUT)/$$nb.ipynb -f $(PARAMS) --force || exit 1; \
	done
	@echo "executed notebooks in $(OUT)/, figures in figures/, headline numbers in results/"

test: corpus
	$(PY) -m pytest -q tests notebooks --nbval-lax -p no:cacheprovider

unit: corpus
	$(PY) -m pytest -q tests -p no:cacheprovider

slow: corpus
	$(PY) -m pytest -q -m slow tests -p no:cacheprovider

# JupyterLab on the notebooks, on this machine only (127.0.0.1); as root it needs --allow-root.
lab: corpus
	cd notebooks && ../$(PY) -m jupyter lab --ip 127.0.0.1 --no-browser $$([ "$$(id -u)" = 0 ] && echo --allow-root) $(LABFLAGS)

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

sync:
	cd notebooks && ../$(PY) -m jupytext --sync *.py

clean-cache:
	rm -rf data/cache
