# Sparrow quick start:  make demo   (main job on the bundled ECG example)
#                       make test   (the test suite)
# Both install what is missing first (Debian packages and .venv), see setup.sh.

VENV := .venv
BIN  := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: setup setup-train demo test test-slow bench fpga clean

setup:
	./setup.sh

# The tests train a small ECG model, so they need PyTorch (the CPU build); the FPGA tests
# need the fpga extra (amaranth-boards, the YoWASP Yosys/nextpnr, pyserial).
setup-train:
	./setup.sh train fpga

demo: setup
	$(BIN)/sparrow check examples/ecg/ecg.toml --lanes 8
	$(BIN)/sparrow flow examples/ecg/ecg.toml -o runs/ecg

test: setup-train
	$(BIN)/python -m pytest -n 2 -q

test-slow: setup-train
	$(BIN)/python -m pytest -n 2 -q -m slow

# The report bench takes a screenshot with headless Chromium (Debian's chromium).
bench:
	./setup.sh bench
	$(BIN)/python bench/golden.py
	$(BIN)/python bench/power_reference.py
	$(BIN)/python bench/flow.py
	$(BIN)/python bench/report.py

# The ECG bitstreams for the iCEBreaker and the ULX3S, with utilization and timing.
fpga:
	./setup.sh fpga
	$(BIN)/python bench/fpga.py

clean:
	rm -rf runs build .pytest_cache
