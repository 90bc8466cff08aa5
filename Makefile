# Sparrow quick start:  make demo   (main job on the bundled ECG example)
#                       make test   (the test suite)
# Both install what is missing first (Debian packages and .venv), see setup.sh.

VENV := .venv
BIN  := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: setup demo test test-slow bench clean

setup:
	./setup.sh

demo: setup
	$(BIN)/sparrow check examples/ecg/ecg.toml
	$(BIN)/sparrow run examples/ecg/ecg.toml --random 1000 --lanes 8

test: setup
	$(BIN)/python -m pytest -n 2 -q

test-slow: setup
	$(BIN)/python -m pytest -n 2 -q -m slow

bench: setup
	$(BIN)/python bench/golden.py

clean:
	rm -rf runs build .pytest_cache
