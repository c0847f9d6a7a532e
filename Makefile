# SPDX-License-Identifier: GPL-2.0
#
# vbdback: Xen block backend, built out of tree.
#
#   make                 build vbdback.ko for the running kernel (or the lab's)
#   make install         install it, blacklist xen-blkback, run depmod
#   make uninstall       undo make install
#   make demo            boot the Xen lab and serve a guest's disk (fio)
#   make check           every check, ending in one pass/fail line
#   make style|sparse|w1|compat|unit|lab    the parts of make check

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

LAB := scripts/lab/lab.sh
LAB_SCENARIOS ?= binding verify stats attach destroy readonly missing \
	ringpages indirect multiqueue persistent discard discard-thin resize \
	lifecycle readonly-cdrom latency qos badkeys
# The whole boot's ceiling: the scenarios above take about 25 minutes.
LAB_TIMEOUT ?= 3000

.PHONY: all module clean install uninstall deps w1 compat sparse style unit \
	lab demo check

all: module

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C tests/unit clean
	$(MAKE) -C tests/fuzz clean
	$(MAKE) -C tests/hostile clean
	rm -rf $(BUILD)

install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	install -D -m 0644 packaging/vbdback-modprobe.conf $(DESTDIR)$(MODPROBE_CONF)
	$(if $(DESTDIR),,$(DEPMOD) -a $(KVER))

uninstall:
	rm -f /lib/modules/$(KVER)/updates/vbdback.ko \
	      /lib/modules/$(KVER)/extra/vbdback.ko $(MODPROBE_CONF)
	$(DEPMOD) -a $(KVER)

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

unit:
	$(MAKE) -C tests/unit run
	$(MAKE) -C tests/hostile run

# libFuzzer on the request decoding: a campaign, and make check's short run.
FUZZ_RUNS ?= 1000000
.PHONY: fuzz fuzz-quick
fuzz:
	$(MAKE) -C tests/fuzz run RUNS=$(FUZZ_RUNS)

fuzz-quick:
	$(MAKE) -C tests/fuzz run RUNS=100000

# The lab boots the 6.1 kernel, whatever this machine runs.
lab demo: KVER := $(LAB_KVER)

lab: module
	$(LAB) --module $(MODULE) --timeout $(LAB_TIMEOUT) $(LAB_SCENARIOS)

demo: deps module
	$(LAB) --module $(MODULE) demo

check: deps
	scripts/check.sh

print-%:
	@echo $($*)
