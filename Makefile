# SPDX-License-Identifier: GPL-2.0-or-later
#
# Entry points. `make run` boots QEMU's 82576 behind a vIOMMU and runs the
# VFIO selftests in all five IOMMU modes; `make check` verifies the tree.
# `make help` lists every target.

BUILD ?= $(CURDIR)/build
OOT := $(CURDIR)/Kbuild-oot

# Forwarded to the scripts when set on the command line.
export KDIR KSRC VFIO_IGB_CACHE

.DEFAULT_GOAL := help

help:
	@echo 'make run      boot the test VM (emulated 82576 + vIOMMU) and run the suite'
	@echo '              on the series tip (patches/ applied to tree/)'
	@echo '              (BDF=DDDD:BB:DD.F: run on that real device of this host instead)'
	@echo '              (FORCE=1: even if its network interface is up)'
	@echo 'make check    everything CI checks: builds, host tests, lint, series, VM suite'
	@echo 'make bench    time the VM suite (boot, per binary, memcpy_storm per mode)'
	@echo 'make build    build the selftests out of tree with gcc and clang (-Werror)'
	@echo 'make intree   build the mirror inside a kernel tree (TARGETS=vfio)'
	@echo 'make host-test  unit tests that need no device'
	@echo 'make lint     shellcheck every script'
	@echo 'make deps     install the dependencies (Debian 12, needs root)'
	@echo 'make clean    remove build/ (the cache in ~/.cache/vfio-igb stays)'

deps:
	scripts/install-deps

build: build-gcc build-clang

build-gcc:
	$(MAKE) -C $(OOT) O=$(BUILD)/oot/gcc WERROR=1

build-clang:
	$(MAKE) -C $(OOT) O=$(BUILD)/oot/clang WERROR=1 LLVM=1

# The mirror dropped into a kernel tree, built by the kselftest Makefile.
intree:
	$(MAKE) -C $(OOT) intree WERROR=1

host-test: build-gcc
	$(MAKE) -C tests/host OOT=$(BUILD)/oot/gcc run

lint:
	scripts/lint

# The suite on the series tip: the patches applied to tree/ in a scratch
# repo of make run's own, then the VM, or a real device of this host with
# BDF=. The tip is what the series delivers; tree/ alone is its base.
RUN_TREE := $(BUILD)/series/run

run-tree:
	SERIES_SCRATCH=$(RUN_TREE) scripts/series apply --force

run: run-tree
ifeq ($(BDF),)
	scripts/vmtest --tree $(RUN_TREE)
else
	$(MAKE) -C $(OOT) TREE=$(RUN_TREE) O=$(BUILD)/oot/run WERROR=1
	scripts/hw-run --bdf $(BDF) --tree $(RUN_TREE) --build-dir $(BUILD)/oot/run/out $(if $(FORCE),--force)
endif

bench: run-tree
	scripts/bench --tree $(RUN_TREE)

# The series applied to a private scratch repo: patches/ must be exactly
# what it exports, every commit must pass the per-commit checks, and the
# tip must pass the VM suite (for an empty series the tip is tree/ itself).
series-verify:
	scripts/series verify

# series-verify comes last: its final line, the VM cases passed, failed
# and skipped, is the last line of the whole check.
check: build intree host-test lint series-verify

clean:
	rm -rf $(BUILD)

.PHONY: help deps build build-gcc build-clang intree host-test lint run run-tree bench \
	series-verify check clean
