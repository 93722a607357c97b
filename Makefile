# SPDX-License-Identifier: GPL-2.0-or-later
#
# Entry points. `make run` boots QEMU's 82576 behind a vIOMMU and runs the
# VFIO selftests in all five IOMMU modes; `make check` verifies the tree.
# `make help` lists every target.

BUILD ?= $(CURDIR)/build
OOT := $(CURDIR)/Kbuild-oot

# Forwarded to the scripts when set on the command line. KSRC, the old
# name of KDIR, is read here only (see run).
export KDIR VFIO_IGB_CACHE
unexport KSRC

# Inputs that reach a shell or a kernel build are checked before anything
# runs, one line each, rather than split at a space, broken by a quote or
# run as a command. A path may hold letters, digits and / . _ + - ~ @ =
# (the kernel's own build refuses spaces and colons in its source path).
# BDF counts only on the command line: an exported BDF left in a shell
# must not send make run to a real device (nor FORCE=1 let it go ahead).
comma := ,
empty :=
tab := $(empty)	$(empty)
PATH_CHARS := a b c d e f g h i j k l m n o p q r s t u v w x y z \
	A B C D E F G H I J K L M N O P Q R S T U V W X Y Z \
	0 1 2 3 4 5 6 7 8 9 / . _ + - ~ @ =
BDF_CHARS := 0 1 2 3 4 5 6 7 8 9 a b c d e f A B C D E F : .
# unsafe TEXT,CHARS: what is left of TEXT with every one of CHARS removed.
unsafe = $(if $(2),$(call unsafe,$(subst $(firstword $(2)),,$(1)),$(wordlist 2,$(words $(2)),$(2))),$(1))
shown = $(subst $(tab),<tab>,$(subst $(empty) ,<space>,$(1)))
# check_path NAME,VALUE,WHAT-TO-DO: stop unless VALUE is a safe path.
check_path = $(if $(call unsafe,$(2),$(PATH_CHARS)),$(error $(1) '$(2)' has $(call shown,$(call unsafe,$(2),$(PATH_CHARS))) in it$(comma) which make or the kernel's build cannot take; $(3)))
SAFE_PATH := a path of letters$(comma) digits and / . _ + - ~ @ =
ifneq ($(filter-out help,$(or $(MAKECMDGOALS),help)),)
$(call check_path,the project path,$(CURDIR),clone or move the project to $(SAFE_PATH))
$(call check_path,BUILD,$(BUILD),use $(SAFE_PATH))
$(call check_path,KDIR,$(KDIR),use a tree at $(SAFE_PATH))
$(call check_path,KSRC,$(KSRC),use a tree at $(SAFE_PATH))
endif
ifneq ($(BDF),)
ifneq ($(origin BDF),command line)
ifneq ($(filter run,$(MAKECMDGOALS)),)
$(error BDF=$(BDF) is set in the environment; make run takes a real device only from its command line (make run BDF=...): unset BDF to run the VM)
endif
override BDF :=
endif
endif
ifneq ($(call unsafe,$(BDF),$(BDF_CHARS)),)
$(error BDF '$(BDF)' is not a PCI address (DDDD:BB:DD.F: hex digits$(comma) ':' and '.'))
endif
FORCE := $(if $(filter command line,$(origin FORCE)),$(FORCE))

.DEFAULT_GOAL := help

help:
	@echo 'make run      boot the test VM (emulated 82576 + vIOMMU) and run the suite'
	@echo '              on the series tip (patches/ applied to tree/)'
	@echo '              (BDF=DDDD:BB:DD.F: run on that 82576 of this host instead;'
	@echo '              BDF and FORCE count only on the command line)'
	@echo '              (FORCE=1: even if its network interface is up or carries traffic;'
	@echo '              never a disk or a device other than an 82576)'
	@echo 'make check    everything CI checks: builds, host tests, lint, series, VM suite'
	@echo 'make bench    time the VM suite (boot, per binary, memcpy_storm per mode,'
	@echo '              and the cost of vmtest --trace-device)'
	@echo 'make soak     the igb recovery test of the series tip, ROUNDS=10 times in one VM'
	@echo 'make build    build the selftests out of tree with gcc and clang (-Werror),'
	@echo '              and cross-built for arm64 (build-arm64)'
	@echo 'make intree   build the mirror inside a kernel tree (TARGETS=vfio)'
	@echo 'make compat   Linux 7.x tests/drivers on the mirror and back (upstream-compat)'
	@echo 'make vm-7x    the VM suite of the series tip on a Linux 7.x test kernel'
	@echo 'make vm-machines  the matrix on q35-virtio-iommu and virt-smmuv3 (in check)'
	@echo 'make matrix   the suite on every machine (vIOMMU), one table; MACHINES=a,b'
	@echo '              picks some, KDIR= runs a kernel tree'"'"'s suite on its kernels,'
	@echo '              ENGINE= who runs the cells (local, or lava: a LAVA server)'
	@echo 'make lab-check  a local LAVA lab: four matrix cells as LAVA jobs equal the'
	@echo '              same cells run locally (root; installs LAVA; CI runs it)'
	@echo 'make host-test  unit tests that need no device'
	@echo 'make lint     shellcheck every script, pyflakes3 and mypy on the Python'
	@echo 'make deps     install the dependencies (Debian 12, needs root)'
	@echo 'make clean    remove build/ (the cache in ~/.cache/vfio-igb stays)'

deps:
	scripts/install-deps

# Run first by everything that needs the tools: nothing when they are all
# there; as root it installs what is missing (as .ci/run does), else it
# stops at once with one line naming the command that installs them.
ensure-deps:
	@scripts/install-deps --if-missing

build: build-gcc build-clang build-arm64

build-gcc: | ensure-deps
	$(MAKE) -C $(OOT) O=$(BUILD)/oot/gcc WERROR=1

build-clang: | ensure-deps
	$(MAKE) -C $(OOT) O=$(BUILD)/oot/clang WERROR=1 LLVM=1

# Static, as an arm64 guest's initramfs carries them.
build-arm64: | ensure-deps
	$(MAKE) -C $(OOT) O=$(BUILD)/oot/arm64 WERROR=1 STATIC=1 \
		ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-

# The mirror dropped into a kernel tree, built by the kselftest Makefile.
intree: | ensure-deps
	$(MAKE) -C $(OOT) intree WERROR=1

host-test: build-gcc
	$(MAKE) -C tests/host OOT=$(BUILD)/oot/gcc run

lint: | ensure-deps
	scripts/lint

# The suite on the series tip: the patches applied to tree/ in a scratch
# repo of make run's own, then the VM, or a real device of this host with
# BDF=. The tip is what the series delivers; tree/ alone is its base.
RUN_TREE := $(BUILD)/series/run

run-tree: | ensure-deps
	SERIES_SCRATCH=$(RUN_TREE) scripts/series apply --force

# KDIR= on the command line: the kernel tree make run works with. The test
# kernel is built from it, and when it has its own VFIO selftests those run
# (its library, drivers and tests); a KDIR without them (6.12) gets the
# series tip on its kernel. A KDIR that is only in the environment stays
# what it is for every build, the kernel source the tests compile against:
# it changes neither the suite nor the test kernel of make run. KSRC=, the
# old name, is taken from anywhere, as it was, with one line on stderr.
RUN_KDIR := $(or $(KSRC),$(if $(filter command line,$(origin KDIR)),$(KDIR)))
RUN_SUITE := $(if $(RUN_KDIR),$(wildcard $(RUN_KDIR)/tools/testing/selftests/vfio/lib/libvfio.mk))
VM_TREE := $(if $(RUN_SUITE),$(RUN_KDIR),$(RUN_TREE))

# test_kernel KDIR-SETTING: run scripts/build-test-kernel for VM_TREE with
# the given KDIR environment ("env -u KDIR" for the default) into $kernel.
test_kernel = kernel=$$($(1) scripts/build-test-kernel --tree '$(VM_TREE)') || exit 1; \
	kernel=$$(printf '%s\n' "$$kernel" | tail -n 1)

run: $(if $(RUN_SUITE),,run-tree) | ensure-deps
ifeq ($(BDF),)
ifneq ($(KSRC),)
	@echo "make run: KSRC= is deprecated, use KDIR=" >&2
endif
ifneq ($(RUN_KDIR),)
ifeq ($(RUN_SUITE),)
	@echo "make run: $(RUN_KDIR) has no tools/testing/selftests/vfio; running the series tip on its kernel"
endif
	$(call test_kernel,env KDIR='$(RUN_KDIR)'); scripts/vmtest --tree '$(VM_TREE)' --kernel "$$kernel"
else
	$(call test_kernel,env -u KDIR); scripts/vmtest --tree '$(VM_TREE)' --kernel "$$kernel"
endif
else
	$(MAKE) -C $(OOT) TREE=$(RUN_TREE) O=$(BUILD)/oot/run WERROR=1
	scripts/hw-run --bdf '$(BDF)' --tree '$(RUN_TREE)' --build-dir '$(BUILD)/oot/run/out' $(if $(FORCE),--force)
endif

bench: run-tree
ifneq ($(KSRC),)
	@echo "make bench: KSRC= is deprecated, use KDIR=" >&2
endif
	scripts/bench $(if $(RUN_KDIR),--kdir '$(RUN_KDIR)') --tree $(RUN_TREE)

# Not in CI: the recovery test of the series tip, ROUNDS times in one VM.
ROUNDS ?= 10
soak: run-tree
	scripts/soak --tree $(RUN_TREE) --rounds $(ROUNDS)

# The series applied to a private scratch repo: patches/ must be exactly
# what it exports, every commit must pass the per-commit checks, and the
# tip must pass the VM suite (for an empty series the tip is tree/ itself).
series-verify: | ensure-deps
	scripts/series verify

# The Linux 7.x tree's tests and drivers on the series tip's library, and
# the tip's tests on 7.x's library. Without a 7.x source (no archive), one
# line says so and the check goes on.
compat: run-tree
	@rc=0; scripts/upstream-compat --tree $(RUN_TREE) || rc=$$?; \
	if [ $$rc = 3 ]; then echo "compat: no Linux 7.x source; not checked"; \
	elif [ $$rc != 0 ]; then exit $$rc; fi

# The kernel matrix: series-verify runs the VM suite on the 6.12 test
# kernel; this leg runs the series tip on a test kernel built from the
# newest Linux 7.x. Without a 7.x source, one line says so.
# The tests build against KDIR (or the default source) as everywhere; only
# the kernel comes from 7.x.
vm-7x: VM_TREE := $(RUN_TREE)
vm-7x: run-tree
	@kdir=$$(scripts/kernel-source 7) || { echo "vm-7x: no Linux 7.x source; the 7.x leg did not run"; exit 0; }; \
	$(call test_kernel,env KDIR="$$kdir"); scripts/vmtest --tree '$(VM_TREE)' --kernel "$$kernel"

# The suite on several machines, one table (scripts/matrix). MACHINES and
# ENGINE count only on the command line, like KDIR (see run): a MACHINES
# left in the environment must not narrow the matrix unseen.
MATRIX_CHARS := $(filter-out / + ~ @ =,$(PATH_CHARS)) ,
MATRIX_MACHINES := $(if $(filter command line,$(origin MACHINES)),$(MACHINES))
MATRIX_ENGINE := $(or $(if $(filter command line,$(origin ENGINE)),$(ENGINE)),local)
ifneq ($(call unsafe,$(MATRIX_MACHINES)$(MATRIX_ENGINE),$(MATRIX_CHARS)),)
$(error MACHINES '$(MATRIX_MACHINES)' or ENGINE '$(MATRIX_ENGINE)' has characters other than letters$(comma) digits$(comma) - _ . and commas)
endif

matrix: $(if $(RUN_SUITE),,run-tree) | ensure-deps
	scripts/matrix --engine '$(MATRIX_ENGINE)' --tree '$(RUN_TREE)' \
		$(if $(MATRIX_MACHINES),--machines '$(MATRIX_MACHINES)') \
		$(if $(RUN_KDIR),--kdir '$(RUN_KDIR)')

# The matrix's slice in make check: the machines that are not VT-d, one
# per architecture (virtio-iommu on x86, without interrupt remapping; the
# SMMUv3 on arm64, MSIs through the GIC ITS), through scripts/matrix.
CHECK_MACHINES := q35-virtio-iommu,virt-smmuv3
vm-machines: run-tree
	scripts/matrix --tree '$(RUN_TREE)' --machines '$(CHECK_MACHINES)'

# The matrix through a LAVA lab on this host against the local engine
# (tests/lab/lab-check.sh; LAB_MACHINES= picks the cells).
lab-check: | ensure-deps
	tests/lab/lab-check.sh

# series-verify comes last: its final line, the VM cases passed, failed
# and skipped on the 6.12 kernel, is the last line of the whole check.
check: build intree host-test lint compat vm-7x vm-machines series-verify

clean:
	rm -rf $(BUILD)

.PHONY: help deps ensure-deps build build-gcc build-clang build-arm64 intree host-test lint run run-tree \
	bench soak compat vm-7x matrix vm-machines series-verify check lab-check clean
