# SPDX-License-Identifier: GPL-2.0
#
# vbdback: Xen block backend, built out of tree.
#
#   make                 build vbdback.ko for the running kernel (or the lab's)
#   make install         install it, blacklist xen-blkback, run depmod, and
#                        vbdtop when libxen-dev and libjson-c-dev are there
#   make install-module  the module and the blacklist only
#   make install-tools   vbdtop and its man page only
#   make uninstall       undo make install
#   make dkms-install    the same through DKMS, rebuilt for every new kernel
#   make dkms-uninstall  undo make dkms-install
#   make deb             Debian packages vbdback-dkms and vbdtop in build/deb/
#   make demo            boot the Xen lab and serve a guest's disk (fio)
#   make check           every check, ending in one pass/fail line
#   make style|sparse|w1|compat|unit|dkms-check|lab    the parts of make check
#   make tools           build tools/vbdtop and its man page (installed by
#                        make install too; needs libxen-dev, libjson-c-dev)
#   make fuzz            a million libFuzzer runs over the decoder and over
#                        the grant clock, then a million fuzzed requests
#                        from a guest in the lab
#   make debug-kernel    build the lab's debug dom0 kernel (kmemleak, lockdep,
#                        fault injection...) from linux-source-6.1, cached
#   make lab-debug       the lab scenarios, hostile and faults on that kernel
#   make bench           stock xen-blkback against vbdback in one lab boot
#                        under icount: ratios, CSV/JSON, chart in build/bench/
#                        (BENCH_PROFILES, BENCH_DEVICES, BENCH_RUNTIME,
#                        BENCH_ROUNDS; FIO_JOB=job.fio runs your own job)

SRC := drivers/block/vbdback
MODULE := $(SRC)/vbdback.ko
BUILD := build

# The lab boots Debian 12's 6.1 kernel in QEMU; build for it when the running
# kernel has no headers (as on a build machine that is not a dom0).
LAB_KVER ?= $(notdir $(lastword $(sort $(wildcard /lib/modules/6.1.*-amd64))))
RUN_KVER := $(shell uname -r)
KVER ?= $(if $(wildcard /lib/modules/$(RUN_KVER)/build),$(RUN_KVER),$(LAB_KVER))
KDIR ?= /lib/modules/$(KVER)/build
# Further kernels the module must compile against (W=1, no warnings).
COMPAT_KDIRS ?= $(sort $(wildcard /usr/src/linux-headers-6.12.*-amd64))

DEPMOD ?= depmod
MODPROBE_CONF ?= /etc/modprobe.d/vbdback.conf
SBINDIR ?= /usr/sbin
MANDIR ?= /usr/share/man
VERSION := $(shell cat $(CURDIR)/VERSION)

# Where make install puts the module, whatever the kernel's own default for
# external modules (extra/ up to 6.1, updates/ later), so that make uninstall
# knows where it is. DKMS installs into updates/dkms/ instead.
INSTALL_MOD_DIR ?= updates
MOD_DIRS = $(foreach d,$(INSTALL_MOD_DIR) extra,\
	$(DESTDIR)/lib/modules/$(KVER)/$(d)/$(SRC))
# Debian's headers carry no signing key: kbuild would try to sign and print
# SSL errors. A kernel tree that has its key signs as usual.
SIG_KEY = $(shell sed -n 's/^CONFIG_MODULE_SIG_KEY="\(.*\)"$$/\1/p' $(KDIR)/.config 2>/dev/null)
NO_SIGN = $(if $(wildcard $(SIG_KEY) $(KDIR)/$(SIG_KEY)),,CONFIG_MODULE_SIG_ALL=)

DKMS ?= dkms
DKMS_SRC ?= /usr/src/vbdback-$(VERSION)
DKMS_FILES = $(filter-out %.mod.c,$(wildcard $(SRC)/*.[ch]))
DKMS_ADDED = $(shell $(DKMS) status -m vbdback -v $(VERSION) 2>/dev/null)

VBDTOP := tools/vbdtop
# vbdtop builds where its libraries' headers are; the module needs neither.
VBDTOP_DEPS = $(and $(wildcard /usr/include/xenstore.h),$(wildcard /usr/include/json-c/json.h))
VBDTOP_SKIP = @echo "vbdtop not installed: it needs libxen-dev and libjson-c-dev (make install-tools)"

LAB := scripts/lab/lab.sh
# make check's scenarios, in order, from each scenario's '# check:' line
# (scripts/lab/scenarios.sh); a scenario without one stops every make. The
# copies of this Makefile in DKMS's and the packages' trees have no tests.
ifneq ($(wildcard scripts/lab/scenarios.sh),)
LAB_CHECK_SCENARIOS := $(shell scripts/lab/scenarios.sh || echo FAILED)
ifneq ($(filter FAILED,$(LAB_CHECK_SCENARIOS)),)
$(error tests/lab/scenarios: a scenario's '# check:' line is missing or wrong, see above)
endif
endif
LAB_SCENARIOS ?= $(LAB_CHECK_SCENARIOS)
# The whole boot's ceiling: make check's lab must end within CI's limit.
LAB_TIMEOUT ?= 4200

.PHONY: all module clean install uninstall deps w1 compat sparse style unit \
	lab demo check tools dkms-source dkms-install dkms-uninstall dkms-check \
	install-module install-tools uninstall-module uninstall-tools deb

all: module

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

tools:
	$(MAKE) -C $(VBDTOP)

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C tests/unit clean
	$(MAKE) -C tests/fuzz clean
	$(MAKE) -C tools/insnprof clean
	$(MAKE) -C tests/vbdtop clean
	$(MAKE) -C $(VBDTOP) clean
	$(MAKE) -C tests/hostile clean
	rm -rf $(BUILD)

install: install-module
	$(if $(VBDTOP_DEPS),$(MAKE) install-tools,$(VBDTOP_SKIP))

install-module: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) $(NO_SIGN) modules_install
	install -D -m 0644 packaging/vbdback-modprobe.conf $(DESTDIR)$(MODPROBE_CONF)
	install -D -m 0755 tools/vbd-handover $(DESTDIR)$(SBINDIR)/vbd-handover
	install -D -m 0644 tools/vbd-handover.8 $(DESTDIR)$(MANDIR)/man8/vbd-handover.8
	$(if $(DESTDIR),,$(DEPMOD) -a $(KVER))

install-tools:
	$(MAKE) -C $(VBDTOP) install DESTDIR=$(DESTDIR)

# Also looks where make install put it before INSTALL_MOD_DIR was fixed
# (extra/), and removes the directories it leaves empty: vbdback's and its
# three parents ($(SRC)), up to and including updates/.
uninstall: uninstall-module uninstall-tools

uninstall-module:
	for d in $(MOD_DIRS); do \
		rm -f $$d/vbdback.ko $$d/vbdback.ko.*; \
		rmdir --ignore-fail-on-non-empty $$d $${d%/*} $${d%/*/*} \
			$${d%/*/*/*} 2>/dev/null || true; \
	done
	rm -f $(DESTDIR)$(MODPROBE_CONF) $(DESTDIR)$(SBINDIR)/vbd-handover \
		$(DESTDIR)$(MANDIR)/man8/vbd-handover.8
	$(if $(DESTDIR),,$(DEPMOD) -a $(KVER))

uninstall-tools:
	$(MAKE) -C $(VBDTOP) uninstall DESTDIR=$(DESTDIR)

# The DKMS source tree: what building needs, and dkms.conf with the version.
dkms-source:
	rm -rf $(DKMS_SRC)
	install -d $(DKMS_SRC)/$(SRC) $(DKMS_SRC)/packaging
	install -m 0644 Kbuild Makefile VERSION $(DKMS_SRC)/
	install -m 0644 $(SRC)/Kbuild $(DKMS_FILES) $(DKMS_SRC)/$(SRC)/
	install -m 0644 packaging/vbdback-modprobe.conf $(DKMS_SRC)/packaging/
	sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf >$(DKMS_SRC)/dkms.conf

# Installing the same version again replaces it (sources changed since).
dkms-install:
	$(if $(DKMS_ADDED),$(DKMS) remove vbdback/$(VERSION) --all)
	$(MAKE) dkms-source
	$(DKMS) add vbdback/$(VERSION)
	$(DKMS) build vbdback/$(VERSION) -k $(KVER)
	$(DKMS) install vbdback/$(VERSION) -k $(KVER)
	install -D -m 0644 packaging/vbdback-modprobe.conf $(MODPROBE_CONF)
	$(if $(VBDTOP_DEPS),$(MAKE) install-tools,$(VBDTOP_SKIP))

dkms-uninstall:
	$(if $(DKMS_ADDED),$(DKMS) remove vbdback/$(VERSION) --all)
	rm -rf $(DKMS_SRC)
	rm -f $(MODPROBE_CONF)
	$(MAKE) uninstall-tools

# Debian packages, built by dpkg-buildpackage in a copy of the sources with
# packaging/debian as debian/, then checked by lintian (its tags, if any,
# fail the build). The version is VERSION's; debian/changelog must agree.
DEB_OUT := $(BUILD)/deb
DEB_SRC := $(DEB_OUT)/src/vbdback-$(VERSION)
DEB_FILES = Kbuild Makefile VERSION dkms.conf README.md packaging/vbdback-modprobe.conf \
	tools/vbd-handover tools/vbd-handover.8 \
	$(SRC)/Kbuild $(DKMS_FILES) $(VBDTOP)/Makefile $(VBDTOP)/vbdtop.1.in \
	$(wildcard $(VBDTOP)/*.[ch])
deb:
	@v=$$(dpkg-parsechangelog -l packaging/debian/changelog -S Version); \
	[ "$$v" = "$(VERSION)" ] || { echo "deb: packaging/debian/changelog is at $$v, VERSION at $(VERSION)" >&2; exit 1; }
	rm -rf $(DEB_OUT)
	mkdir -p $(DEB_SRC)
	cp --parents $(DEB_FILES) $(DEB_SRC)/
	cp -r packaging/debian $(DEB_SRC)/debian
	cd $(DEB_SRC) && dpkg-buildpackage -us -uc -b >../build.log 2>&1 || \
		{ tail -40 ../build.log; exit 1; }
	mv $(DEB_OUT)/src/*.deb $(DEB_OUT)/src/*.changes $(DEB_OUT)/src/*.buildinfo $(DEB_OUT)/
	lintian --pedantic --fail-on error,warning,info,pedantic --info \
		$(DEB_OUT)/vbdback_$(VERSION)_*.changes
	@ls -l $(DEB_OUT)/*.deb

deps:
	scripts/build-deps.sh
	$(if $(wildcard $(LAB)),$(dir $(LAB))deps.sh)

# A build with W=1 whose log must hold no warning at all.
w1:
	scripts/build-clean.sh $(KDIR) $(BUILD)/w1-$(KVER)

compat:
	$(foreach k,$(COMPAT_KDIRS),scripts/build-clean.sh $(k) $(BUILD)/compat-$(notdir $(k)) &&) true

sparse:
	scripts/build-clean.sh $(KDIR) $(BUILD)/sparse-$(KVER) C=2

style:
	scripts/style.sh

# dkms add and build for the 6.1 and 6.12 kernels, in private trees.
dkms-check:
	scripts/dkms-check.sh

unit:
	$(MAKE) -C tests/unit run
	$(MAKE) -C tests/vbdtop run
	$(MAKE) -C tests/hostile run
	$(MAKE) -C tests/insnprof run
	$(MAKE) -C tests/benchreport run

# Fuzzing campaigns: libFuzzer on the request decoding and on the grant
# clock and latency buckets (make check runs fuzz-quick), and a hostile
# guest's fuzzed requests against vbdback in the lab (make check's hostile
# scenario sends 100,000).
FUZZ_RUNS ?= 1000000
FUZZ_REQUESTS ?= 1000000
FUZZ_LAB_TIMEOUT ?= 11000
.PHONY: fuzz fuzz-decoder fuzz-lab fuzz-quick
fuzz: fuzz-decoder fuzz-lab

fuzz-decoder:
	$(MAKE) -C tests/fuzz run RUNS=$(FUZZ_RUNS)

fuzz-lab: module tools
	$(LAB) --module $(MODULE) --timeout $(FUZZ_LAB_TIMEOUT) \
		--env FUZZ_REQUESTS=$(FUZZ_REQUESTS) fuzz

fuzz-quick:
	$(MAKE) -C tests/fuzz run RUNS=100000

# The lab boots the 6.1 kernel, whatever this machine runs.
lab demo bench fuzz-lab upgrade-module: KVER := $(LAB_KVER)

# A second build of the same source, which the upgrade scenario swaps with
# the first under running guests.
UPGRADE_DIR := $(BUILD)/upgrade
UPGRADE_MODULE := $(UPGRADE_DIR)/$(SRC)/vbdback.ko
.PHONY: upgrade-module
upgrade-module:
	mkdir -p $(UPGRADE_DIR)/$(SRC)
	cp -p Kbuild $(UPGRADE_DIR)/
	cp -p $(SRC)/Kbuild $(DKMS_FILES) $(UPGRADE_DIR)/$(SRC)/
	$(MAKE) -C $(KDIR) M=$(CURDIR)/$(UPGRADE_DIR) $(NO_SIGN) modules
	strip --strip-debug $(UPGRADE_MODULE)

# The package scenario installs make deb's packages in dom0.
lab: module tools upgrade-module $(if $(filter package,$(LAB_SCENARIOS)),deb)
	$(LAB) --module $(MODULE) --timeout $(LAB_TIMEOUT) \
		--env UPGRADE_MODULE=$(CURDIR)/$(UPGRADE_MODULE) $(LAB_SCENARIOS)

demo: deps module
	$(LAB) --module $(MODULE) --progress demo

# Settings go to scripts/bench.sh through the environment (make exports
# command-line variables).
.PHONY: bench
bench: deps module
	scripts/bench.sh $(MODULE)

check: deps
	scripts/check.sh

# The debug dom0 kernel, and vbdback built against it from a copy of the
# sources (so that the module for Debian's kernel stays as it is).
DEBUG_KERNEL := $(BUILD)/debug-kernel
DEBUG_MODDIR := $(DEBUG_KERNEL)/module
DEBUG_MODULE := $(DEBUG_MODDIR)/$(SRC)/vbdback.ko
LAB_DEBUG_SCENARIOS ?= $(filter-out hostile,$(LAB_SCENARIOS)) hostile faults
# Everything on the debug kernel takes about twice as long.
LAB_DEBUG_TIMEOUT ?= 9000
.PHONY: debug-kernel debug-module lab-debug

debug-kernel:
	scripts/debug-kernel/build.sh $(CURDIR)/$(DEBUG_KERNEL)

debug-module: debug-kernel
	mkdir -p $(DEBUG_MODDIR)/$(SRC)
	cp -p Kbuild $(DEBUG_MODDIR)/
	cp -p $(SRC)/Kbuild $(DKMS_FILES) $(DEBUG_MODDIR)/$(SRC)/
	$(MAKE) -C $(DEBUG_KERNEL)/src M=$(CURDIR)/$(DEBUG_MODDIR) modules

lab-debug: debug-module tools
	$(LAB) --kernel $(DEBUG_KERNEL) --module $(DEBUG_MODULE) \
		--timeout $(LAB_DEBUG_TIMEOUT) $(LAB_DEBUG_SCENARIOS)

print-%:
	@echo $($*)
