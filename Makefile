# SPDX-License-Identifier: GPL-2.0
#
# ctxscope: top-level build. `make help` lists the targets.

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
PREFIX ?= /usr/local
DESTDIR ?=
BUILD := $(CURDIR)/build
# The one version (module, reporter, DKMS, packages): module/ctxscope.h.
VERSION := $(shell sed -n 's/^\#define CTXSCOPE_VERSION[[:space:]]*"\(.*\)"$$/\1/p' module/ctxscope.h)
DKMS_SRC := /usr/src/ctxscope-$(VERSION)

# The kernels `make check` boots; `make check-all` adds the PREEMPT_RT ones.
CHECK_KERNELS ?= 6.1 6.12
ALL_KERNELS := 6.1 6.12 6.1-rt 6.12-rt

# Release directories of the kernels whose headers are installed.
INSTALLED_HEADERS = $(notdir $(patsubst %/build,%,$(wildcard /lib/modules/*/build)))

all: module userspace

help:
	@echo 'ctxscope targets:'
	@echo '  make [all]        build ctxscope.ko for KVER (default: running kernel) and the userspace programs'
	@echo '  make module       build only ctxscope.ko (KVER=release or KDIR=build directory)'
	@echo '  make userspace    build only the userspace programs (into build/userspace)'
	@echo '  make install      install ctxscope.ko into /lib/modules/KVER/updates (then depmod) and the'
	@echo '                    userspace programs into PREFIX (default /usr/local); DESTDIR is honoured'
	@echo '  make dkms-install copy the module sources to $(DKMS_SRC), then dkms add, build and install for KVER'
	@echo '  make dkms-remove  remove ctxscope from DKMS and $(DKMS_SRC)'
	@echo '  make sign KEY=key.priv CERT=cert.der   sign ctxscope.ko for Secure Boot (docs/install.md)'
	@echo '  make deb          Debian packages ctxscope-dkms and ctxscope into build/deb, checked by lintian'
	@echo '  make check        lint, host unit tests, then the VM suite on Debian 6.1 and 6.12 (QEMU)'
	@echo '  make check-all    the same on 6.1, 6.12, 6.1-rt and 6.12-rt'
	@echo '  make check-system the .debs installed on a Debian bookworm system booted with systemd under QEMU,'
	@echo '                    on each of CHECK_KERNELS (image built with mmdebstrap, cached in build/system)'
	@echo '  make check-debug  the VM suite on a 6.12 built with lockdep, KASAN, kmemleak, UBSAN, RCU and'
	@echo '                    list debugging (built once from linux-source-6.12, cached in build/debug-kernel)'
	@echo '  make demo         boot a VM, load the module, show process vs thread switching'
	@echo '  make bench        overhead against bpftrace, perf, ftrace and LTTng in QEMU; writes docs/benchmarks.md'
	@echo '                    (BENCH_KERNEL=6.1 or 6.12, default 6.1; about 35 minutes on 2 cores)'
	@echo '  make bench-rt     worst-case probe times and cyclictest latency on 6.1-rt and 6.12-rt in QEMU;'
	@echo '                    writes the PREEMPT_RT section of docs/benchmarks.md (RT_KERNELS, RT_SECS, RT_REPS,'
	@echo '                    RT_WALL=1 for a 2-vCPU wall-clock boot too; about 30 minutes on 2 cores)'
	@echo '  make lint         checkpatch --strict and sparse on module/, -Werror, cppcheck and clang-tidy on userspace'
	@echo '  make clean        remove every build product'
	@echo 'Variables: KVER=$(KVER) KDIR=$(KDIR) PREFIX=$(PREFIX) CHECK_KERNELS="$(CHECK_KERNELS)"'
	@echo 'Installed kernel headers: $(or $(INSTALLED_HEADERS),none)'

module:
	@if [ ! -d "$(KDIR)" ]; then \
		echo "ctxscope: no kernel build directory for $(KVER) ($(KDIR)); installed headers: $(or $(INSTALLED_HEADERS),none) - run: make KVER=<one of them>" >&2; \
		exit 2; \
	fi
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace:
	$(MAKE) -C userspace O=$(BUILD)/userspace

install: module userspace
	install -D -m 0644 ctxscope.ko $(DESTDIR)/lib/modules/$(KVER)/updates/ctxscope.ko
	@if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); \
	else depmod -a -b $(DESTDIR) $(KVER) 2>/dev/null || true; fi
	$(MAKE) -C userspace O=$(BUILD)/userspace install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)

# Secure Boot: sign with a machine owner key (docs/install.md).
sign: module
	@if [ -z "$(KEY)" ] || [ -z "$(CERT)" ]; then \
		echo "ctxscope: usage: make sign KEY=signing_key.priv CERT=signing_key.der [KVER=...]" >&2; \
		exit 2; \
	fi
	$(KDIR)/scripts/sign-file sha256 $(KEY) $(CERT) ctxscope.ko
	@modinfo -F signer ctxscope.ko | sed 's/^/ctxscope.ko signed by: /'

# DKMS gets only what builds the module, not the whole checkout.
dkms-install:
	rm -rf $(DKMS_SRC)
	install -d $(DKMS_SRC)
	cp -r Kbuild module $(DKMS_SRC)/
	sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf >$(DKMS_SRC)/dkms.conf
	dkms add ctxscope/$(VERSION)
	dkms build ctxscope/$(VERSION) -k $(KVER)
	dkms install ctxscope/$(VERSION) -k $(KVER)

dkms-remove:
	-dkms remove ctxscope/$(VERSION) --all
	rm -rf $(DKMS_SRC)

# The Debian packages, built from a copy of the tree (the package build
# must not see or clean build/) and checked by lintian.
deb:
	@tests/tools/build-deb $(BUILD)/deb

clean:
	@if [ -d "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	rm -rf $(BUILD) ctxscope.ko ctxscope.o ctxscope.mod* modules.order \
		Module.symvers .*.cmd module/*.o module/.*.cmd

lint:
	@tests/lint

check:
	@tests/check --kernels "$(CHECK_KERNELS)"

check-all:
	@tests/check --kernels "$(ALL_KERNELS)"

check-debug:
	@tests/check --kernels debug --vm-only

check-system:
	@tests/system/run --kernels "$(CHECK_KERNELS)"

demo:
	@tests/demo-run

bench:
	@tests/bench/run

bench-rt:
	@tests/bench/rt-latency $(if $(RT_KERNELS),--kernels "$(RT_KERNELS)") \
		$(if $(RT_SECS),--secs $(RT_SECS)) $(if $(RT_REPS),--reps $(RT_REPS)) \
		$(if $(RT_WALL),--wall)

.PHONY: all help module userspace install sign dkms-install dkms-remove deb clean \
	lint check check-all check-debug check-system demo bench bench-rt
