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

.PHONY: setup system venv corpus demo test unit slow lint lab sync clean-cache help \
	compare-field compare-generators field-benchmark nolowpass shipped-models perceptual-models
help:
	@echo "make demo   - set up, build the embedded corpus, run the notebooks with $(PARAMS)"
	@echo "make test   - set up, build the embedded corpus, run unit tests and nbval"
	@echo "make unit   - the unit tests alone (no notebooks, no slow tests)"
	@echo "make slow   - the heavier tests marked slow, which make test leaves out"
	@echo "make corpus - (re)build only the embedded corpus in data/embedded"
	@echo "make lab    - JupyterLab on notebooks/ at 127.0.0.1 (prints the URL with its token)"
	@echo "make lint   - ruff: lint, import order, formatting (line length 100)"
	@echo "make sync   - regenerate notebooks/*.ipynb from their jupytext .py sources"
	@echo "Experiments (docs/generators.md, docs/perceptual.md, docs/reproduction.md):"
	@echo "make shipped-models      - retrain and ship audiosr/models/audiounet-{small,piano}-r* (hours)"
	@echo "make perceptual-models   - retrain and ship audiosr/models/audiounet-perceptual-r* (RATIOS=...)"
	@echo "make compare-field       - four generators at equal CPU time, r = 4, then their table"
	@echo "make compare-generators  - AudioUNet against FrameNet at equal CPU time (RATIO=6)"
	@echo "make field-benchmark     - a model on real speech by the field's measures (MODEL=...)"
	@echo "make nolowpass           - Table 2 without the anti-aliasing filter (RATIOS=\"2 4 6\")"

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

# -- experiments: params files run by the package's commands; each resumes where it stopped ------
AUDIOSR := $(PY) -m audiosr.cli
MINUTES ?=
RATIO   ?= 6
RATIOS  ?= 2 4 6
SET     ?=
MODEL   ?= audiosr/models/growing/framenet-r4.safetensors
MAKERS  ?= soxr
DATA    ?= vctk-sample librispeech-test-other
FIELD_RATIO ?= 4
FIELD_OUT ?= figures/field-r$(FIELD_RATIO)
FIELD   := -f params/shipped-speech.yaml -f params/compare-field.yaml
GENERATORS := -f params/shipped-speech.yaml -f params/compare-generators.yaml
NOLOWPASS  := -f params/shipped-speech.yaml -f params/shipped-speech-nolowpass.yaml

# Four networks from scratch, two at a time on one thread each (equal CPU), then the chosen
# models rescored through the whole pipeline on 60 validation files made every way.
compare-field: corpus
	$(AUDIOSR) train $(FIELD) -f params/compare-field/magphase.yaml $(if $(MINUTES),--set max_minutes=$(MINUTES)) & a=$$!; \
	$(AUDIOSR) train $(FIELD) -f params/compare-field/framenet.yaml $(if $(MINUTES),--set max_minutes=$(MINUTES)) & b=$$!; \
	wait $$a && wait $$b
	$(AUDIOSR) train $(FIELD) -f params/compare-field/framenet-stft.yaml $(if $(MINUTES),--set max_minutes=$(MINUTES)) & a=$$!; \
	$(AUDIOSR) train $(FIELD) -f params/compare-field/audiounet.yaml $(if $(MINUTES),--set max_minutes=$(MINUTES)) & b=$$!; \
	wait $$a && wait $$b
	$(AUDIOSR) report runs $(FIELD) --variants $(addprefix params/compare-field/,magphase.yaml \
	  framenet.yaml framenet-stft.yaml audiounet.yaml) --cost 1 --rescore 60

# Both from scratch, each for the same wall time; read at the training time both reached.
compare-generators: corpus
	$(AUDIOSR) train $(GENERATORS) -f params/compare-generators/audiounet.yaml --set ratio=$(RATIO) $(if $(MINUTES),max_minutes=$(MINUTES))
	$(AUDIOSR) train $(GENERATORS) -f params/compare-generators/framenet.yaml --set ratio=$(RATIO) $(if $(MINUTES),max_minutes=$(MINUTES))
	$(AUDIOSR) report runs $(GENERATORS) --variants params/compare-generators/audiounet.yaml \
	  params/compare-generators/framenet.yaml --minutes equal --cost 2

# Real speech no model heard, whole files, low-res by soxr HQ (MAKERS adds the robustness
# matrix, e.g. MAKERS="soxr decimate poly butter mp3"), the model blind beside the spline, sinc
# and the shipped AudioUNet; then the field's goals. FIELD_RATIO: 2, 4 (the default) or 6.
field-benchmark: corpus
	$(PY) -m audiosr.evaluation --real --ratios $(FIELD_RATIO) --data $(DATA) --model $(MODEL) \
	  audiounet-small-r$(FIELD_RATIO) \
	  --lowres $(MAKERS) --perceptual ViSQOL DNSMOS-P808 --out $(FIELD_OUT)
	$(AUDIOSR) report field $(FIELD_OUT).csv | tee $(FIELD_OUT)-goals.md

# Table 2 as the original code ran it: trained and scored without the anti-aliasing filter.
nolowpass: corpus
	for r in $(RATIOS); do \
	  $(AUDIOSR) train $(NOLOWPASS) --set ratio=$$r $(SET) && \
	  $(AUDIOSR) ship $(NOLOWPASS) --set ratio=$$r $(SET) -o runs/nolowpass-r$$r.safetensors --force && \
	  $(PY) -m audiosr.evaluation --real --no-lowpass --ratios $$r --data vctk-sample librispeech-test-other \
	    --device cpu --model audiounet-small-r$$r runs/nolowpass-r$$r.safetensors \
	    --out figures/real-speech-nolowpass-r$$r || exit 1; \
	done

# The shipped models (docs/shipped-models.md), two stages each: trained on `decimate` input alone
# (about two hours on a 2-core CPU for all four), shipped to runs/; then fine-tuned on input made
# every way users' audio is made, through the front end (about 15 minutes each), its start scored
# as epoch 0 and kept unless an epoch beats it; then their tables and figures. Needs the shared
# real speech (LibriSpeech train-clean-100, the spoken commands).
ROBUST := -f params/shipped-speech-robust.yaml
shipped-models: corpus
	for spec in "4 20" "2 14" "6 14"; do set -- $$spec; \
	  $(AUDIOSR) train -f params/shipped-speech.yaml --set ratio=$$1 epochs=$$2 && \
	  $(AUDIOSR) ship -f params/shipped-speech.yaml --set ratio=$$1 epochs=$$2 \
	    -o runs/decimate-only-r$$1.safetensors --force && \
	  $(AUDIOSR) train -f params/shipped-speech.yaml $(ROBUST) --set ratio=$$1 init=runs/decimate-only-r$$1.safetensors && \
	  $(AUDIOSR) ship -f params/shipped-speech.yaml $(ROBUST) --set ratio=$$1 init=runs/decimate-only-r$$1.safetensors \
	    -o audiosr/models/audiounet-small-r$$1.safetensors --force || exit 1; \
	done
	$(AUDIOSR) train -f params/shipped-piano.yaml
	$(AUDIOSR) ship -f params/shipped-piano.yaml -o runs/decimate-only-piano-r4.safetensors --force
	$(AUDIOSR) train -f params/shipped-piano.yaml $(ROBUST) --set init=runs/decimate-only-piano-r4.safetensors
	$(AUDIOSR) ship -f params/shipped-piano.yaml $(ROBUST) --set init=runs/decimate-only-piano-r4.safetensors \
	  -o audiosr/models/audiounet-piano-r4.safetensors --force
	$(PY) -m audiosr.evaluation --real --out figures/real-speech-shipped --figure figures/added-lines-shipped
	$(PY) -m audiosr.evaluation --real --ratios 2 --lowres decimate soxr poly aliased telephone mp3 \
	  --out figures/robustness-r2
	$(PY) -m audiosr.evaluation --real --ratios 4 --lowres all --out figures/robustness-r4
	$(PY) -m audiosr.evaluation --real --ratios 6 --lowres decimate soxr poly aliased --out figures/robustness-r6
	$(AUDIOSR) report robustness
	$(AUDIOSR) report shipped-training

# The perceptual models (docs/perceptual.md), from the shipped MSE models in two stages per
# ratio: MSE + a multi-resolution STFT loss on input made every way (4 x 500 steps, about 15
# minutes), its best epoch by validation LSD shipped to runs/; then trained on against waveform
# and spectral discriminators (about 45 minutes), its best epoch by validation ViSQOL shipped.
# ADV_EPOCHS sets the second stage's epochs (at r = 4 the best came at epoch 1); AMP=false trains
# in fp32 (bf16 autocast is several times slower on a CPU without native bf16: python -m
# audiosr.speed --amp). Needs the perceptual measures (pip install -e '.[perceptual]').
PERCEPTUAL := -f params/shipped-speech.yaml -f params/shipped-speech-robust.yaml -f params/shipped-speech-perceptual.yaml
ADVERSARIAL := $(PERCEPTUAL) -f params/shipped-speech-adversarial.yaml
ADV_EPOCHS ?=
AMP ?=
perceptual-models: corpus
	for r in $(RATIOS); do \
	  $(AUDIOSR) train $(PERCEPTUAL) --set ratio=$$r init=audiounet-small-r$$r $(if $(AMP),amp=$(AMP)) && \
	  $(AUDIOSR) ship $(PERCEPTUAL) --set ratio=$$r init=audiounet-small-r$$r $(if $(AMP),amp=$(AMP)) \
	    -o runs/perceptual-stage1-r$$r.safetensors --force && \
	  $(AUDIOSR) train $(ADVERSARIAL) --set ratio=$$r init=runs/perceptual-stage1-r$$r.safetensors \
	    $(if $(ADV_EPOCHS),epochs=$(ADV_EPOCHS)) $(if $(AMP),amp=$(AMP)) && \
	  $(AUDIOSR) ship $(ADVERSARIAL) --set ratio=$$r init=runs/perceptual-stage1-r$$r.safetensors \
	    $(if $(ADV_EPOCHS),epochs=$(ADV_EPOCHS)) $(if $(AMP),amp=$(AMP)) \
	    -o audiosr/models/audiounet-perceptual-r$$r.safetensors --force || exit 1; \
	done
