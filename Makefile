# SPDX-License-Identifier: GPL-2.0
#
# disconnectex: kernel module, userspace library, selftests.
#
#   make            module, library, selftests
#   make check      host unit tests, the Windows-surface tests under Wine,
#                   selftests in QEMU on Debian's 6.1 kernel
#   make check-debug  the same on a debug 6.1 kernel (KASAN, lockdep, kmemleak)
#   make coverage   the module's line and branch coverage in check-debug
#   make run        the main job: the Windows IOCP server and client pattern,
#                   AcceptEx/ConnectEx/DisconnectEx recycling, in the VM
#   make bench      docs/SPEC.md section 5 workloads in the VM: bench-wall, then
#                   bench-repeat (the repeatable mode, W2) and bench-profile, see
#                   bench/README.md (bench-quick: < 2 min)
#   make style      checkpatch --strict and sparse on the module and uapi
#   make man-check  the man pages render cleanly and their EXAMPLEs compile
#   make install    library, headers, pkg-config, man pages (PREFIX, DESTDIR,
#                   LIBDIR: see userspace/Makefile); uninstall removes them
#   make install-module  the module under /lib/modules/KREL/updates, then
#                   depmod (DESTDIR=; MODULES_LOAD=1 also loads it at boot);
#                   uninstall-module
#   make deb        the Debian packages, in build/deb (disconnectex-dkms,
#                   libdisconnectex1, libdisconnectex-dev), linted
#   make package-check  build, lint and install the packages and DKMS on this
#                   machine, build a program against them, boot the
#                   DKMS-built module in the VM, then remove it all
#   make deps       install the Debian packages all of this needs
#
# KDIR= builds the module against another kernel tree; KIMAGE= boots another
# kernel image. Neither ever defaults to the running kernel.

# The newest Debian 6.1 image in /boot (from linux-image-amd64).
KVER ?= $(shell scripts/kernel-version.sh)
KDIR ?= /lib/modules/$(KVER)/build
KIMAGE ?= /boot/vmlinuz-$(KVER)
# The release KDIR builds for, as uname -r and modprobe spell it: Debian's
# headers say 6.1.0-N-amd64 in utsrelease.h but the upstream 6.1.x in
# kernel.release, which is why the kernel's own modules_install would put
# the module where modprobe never looks.
KREL = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)

BUILD := $(CURDIR)/build
RESULTS := $(BUILD)/results
# Recursively expanded: only targets that need the source extract it.
KSRC = $(shell scripts/kernel-src.sh)
KSFT_DIR = $(KSRC)/tools/testing/selftests

MODULE := module/disconnectex.ko
MODULE_C := $(filter-out %.mod.c,$(wildcard module/*.c))
MODULE_SRCS := Kbuild module/Kbuild $(MODULE_C) $(wildcard module/*.h) \
	       uapi/linux/disconnectex.h
# Bounds on a whole VM run; the stock run takes ~3 minutes, the debug run
# ~14. Each leaves room for one program to use its whole dcx.timeout and
# still lets CI (90 minutes, the debug kernel built from scratch) finish.
VM_TIMEOUT ?= 1800
DEBUG_VM_TIMEOUT ?= 2400
# DCX_* words on the guest's command line reach the tests' environment,
# e.g. VM_APPEND="DCX_FUZZ_SEED=42 DCX_FUZZ_COUNT=100000".
VM_APPEND ?=
# The tests' TIME_WAIT table: the boot's 8,192 fills within a few programs
# (uring_test alone leaves ~6,000, soak_test fills it on purpose), and with
# the table full the kernel drops an orphan in FIN_WAIT2 instead of keeping
# it, so a later test's peer meets a reset where a FIN belongs. make bench
# keeps the boot's.
VM_TEST_APPEND := sysctl.net.ipv4.tcp_max_tw_buckets=262144
# KASAN and lockdep under TCG make a reuse cycle ~20x slower: the debug run
# soaks 16,384 cycles (the stock run 100,000), posts 16 x 10,000 packets
# through one port (the stock run 16 x 100,000, 12 s there) and gives
# programs 20 minutes.
DEBUG_APPEND ?= DCX_SOAK_CYCLES=16384 DCX_SOAK_RELOADS=20 \
		DCX_PORT_STRESS_PACKETS=10000 DCX_ACCEPT_CYCLES=1600 dcx.timeout=1200

# The VM's programs: our selftests, then the library's tests on the module.
vm_tests = $(shell $(MAKE) -s --no-print-directory -C selftests list O=$(BUILD)/selftests) \
	   $(shell $(MAKE) -s --no-print-directory -C userspace vm-tests)

all: module userspace selftests

module: $(MODULE)

# The tree the module was last built against: a build for another KDIR
# starts from clean, never keeps the old .ko. Only the module's own outputs
# go: the kernel's M= clean would walk the whole tree and take the library's
# objects and archives with it.
MODULE_OUT = module/*.o module/*.ko module/*.mod module/*.mod.c module/.*.cmd \
	     module/*.gcno module/modules.order modules.order Module.symvers .*.cmd
KDIR_STAMP := $(BUILD)/module.kdir

$(KDIR_STAMP): FORCE
	@test -f "$(KDIR)/Makefile" || { echo "make: KDIR='$(KDIR)': no kernel" \
		"build tree there (make deps installs Debian's linux-headers-amd64)" >&2; exit 1; }
	@mkdir -p $(@D); k="$$(realpath $(KDIR)) $(KREL)"; \
	if [ "$$(cat $@ 2>/dev/null)" != "$$k" ]; then \
		rm -f $(MODULE_OUT); \
		echo "$$k" > $@; fi

$(MODULE): $(MODULE_SRCS) $(KDIR_STAMP)
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

# $(call module_copy,DIR): the module's sources alone, in DIR, for a kernel
# build that must not touch the tree's own objects (sparse, the debug
# kernel's build with gcov).
module_copy = rm -rf $(1) && mkdir -p $(1)/module $(1)/uapi/linux && \
	cp Kbuild $(1)/ && cp module/Kbuild $(MODULE_C) $(wildcard module/*.h) $(1)/module/ && \
	cp uapi/linux/disconnectex.h $(1)/uapi/linux/

# What DKMS builds: the module's sources and dkms.conf, into DEST.
module-src:
	@test -n "$(DEST)" || { echo "make: DEST='': the directory to fill" >&2; exit 1; }
	$(call module_copy,$(DEST))
	cp dkms.conf $(DEST)/

userspace:
	$(MAKE) -C userspace KSFT_DIR=$(KSFT_DIR)

selftests:
	$(MAKE) -C selftests KSFT_DIR=$(KSFT_DIR) O=$(BUILD)/selftests

deps:
	@scripts/deps.sh

# The main job: the Windows server pattern end to end, in the VM with the
# module loaded. userspace/examples/iocp_server (AcceptEx pool, RUN_THREADS
# workers on a completion port) and iocp_client (RUN_POOL sockets,
# ConnectEx) recycle their sockets with DisconnectEx(TF_REUSE_SOCKET) over
# RUN_CONNECTIONS connections; selftests/vm/iocp_run starts them and judges
# both with the module's counters. RUN_BACKEND=emulated runs them without.
RUN_CONNECTIONS ?= 5000
RUN_POOL ?= 8
RUN_THREADS ?= 2
RUN_BACKEND ?= kernel
RUN_BIN := $(BUILD)/run/bin
RUN_PROGS := $(RUN_BIN)/iocp_server $(RUN_BIN)/iocp_client $(RUN_BIN)/iocp_run

# The examples as the VM needs them: static, on the library's archive.
$(RUN_BIN)/iocp_server $(RUN_BIN)/iocp_client: $(RUN_BIN)/%: \
		userspace/examples/%.c userspace
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -Wextra -Werror -std=gnu11 -pthread -static \
		-Iuserspace/include -Iuapi -o $@ $< userspace/libdisconnectex.a \
		-luring -lpthread

$(RUN_BIN)/iocp_run: selftests/vm/iocp_run.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -Wextra -Werror -static -o $@ $<

# make check runs the pair too, shorter, with four server workers (a
# DisconnectEx packet and the AcceptEx after it on different threads);
# check-debug fewer connections, KASAN being ~20x slower.
RUN_FILES = $(foreach p,$(RUN_PROGS),$(p):/bin/$(notdir $(p)))
CHECK_RUN = iocp_run 2000 8 4 kernel
CHECK_DEBUG_RUN = iocp_run 300 8 4 kernel

# What reaches the VM is checked before anything is built or booted.
CHECK_VARS = scripts/check-vars.sh "KIMAGE=$(KIMAGE)" "VM_APPEND=$(VM_APPEND)"

run: deps
	@$(CHECK_VARS) "KDIR=$(KDIR)" "RUN_BACKEND=$(RUN_BACKEND)" \
		"RUN_CONNECTIONS=$(RUN_CONNECTIONS)" "RUN_POOL=$(RUN_POOL)" \
		"RUN_THREADS=$(RUN_THREADS)"
	@$(MAKE) --no-print-directory module userspace $(RUN_PROGS)
	selftests/vm/run.sh --kernel $(KIMAGE) --module $(MODULE) \
		--tap $(BUILD)/run/run.tap --timeout 1200 \
		--files "$(RUN_FILES)" \
		--exec "iocp_run $(RUN_CONNECTIONS) $(RUN_POOL) $(RUN_THREADS) $(RUN_BACKEND)"

# Each stage writes normalized TAP into $(RESULTS); a failing stage does not
# stop the next, and summary.sh judges them all at the end.
check: deps
	@$(CHECK_VARS) "KDIR=$(KDIR)"
	@$(MAKE) --no-print-directory all $(RUN_PROGS)
	@rm -rf $(RESULTS) && mkdir -p $(RESULTS)
	-@$(MAKE) --no-print-directory -C userspace check TAP=$(RESULTS)/host.tap \
		KSFT_DIR=$(KSFT_DIR)
	-@$(MAKE) --no-print-directory -C userspace win-check TAP=$(RESULTS)/wine.tap
	-@scripts/man-check.sh $(RESULTS)/man.tap >/dev/null
	-@selftests/vm/boot-hang-test.sh --kernel $(KIMAGE) --module $(MODULE) \
		--tap $(RESULTS)/harness.tap
	-@selftests/vm/run.sh --kernel $(KIMAGE) --module $(MODULE) \
		--timeout $(VM_TIMEOUT) --tap $(RESULTS)/vm.tap \
		--append "$(VM_TEST_APPEND) $(VM_APPEND)" \
		--files "$$(selftests/vm/net-files.sh $(KVER)) $(RUN_FILES)" $(vm_tests) \
		--exec "$(CHECK_RUN)"
	@scripts/summary.sh $(RESULTS)/host.tap $(RESULTS)/wine.tap \
		$(RESULTS)/man.tap $(RESULTS)/harness.tap $(RESULTS)/vm.tap

# The debug kernel is built once per config and cached outside the clone;
# the module is built against it in a copy of its sources, with gcov (its
# CONFIG_GCOV_KERNEL and module/Kbuild's GCOV_PROFILE). dcx.gcov=1 has the
# VM send the counts back; the coverage line comes after the verdict, and
# its absence never changes it.
COVERAGE_ARGS = $(RESULTS)-debug/results.log $(BUILD)/debug-module/module \
		$(BUILD)/coverage

check-debug: deps
	@scripts/check-vars.sh "VM_APPEND=$(VM_APPEND)" "DEBUG_APPEND=$(DEBUG_APPEND)"
	@$(MAKE) --no-print-directory userspace selftests $(RUN_PROGS)
	@rm -rf $(RESULTS)-debug $(BUILD)/coverage && mkdir -p $(RESULTS)-debug
	@dkdir=$$(selftests/vm/debug-kernel.sh) && \
	$(call module_copy,$(BUILD)/debug-module) && \
	$(MAKE) -C $$dkdir M=$(BUILD)/debug-module W=1 modules && \
	{ selftests/vm/run.sh --kernel $$dkdir/arch/x86/boot/bzImage \
		--module $(BUILD)/debug-module/module/disconnectex.ko \
		--timeout $(DEBUG_VM_TIMEOUT) --tap $(RESULTS)-debug/vm.tap \
		--append "$(VM_TEST_APPEND) $(DEBUG_APPEND) $(VM_APPEND) dcx.gcov=1" \
		--files "$$(selftests/vm/net-files.sh $(KVER)) $(RUN_FILES)" $(vm_tests) \
		--exec "$(CHECK_DEBUG_RUN)" || true; }
	@rc=0; scripts/summary.sh $(RESULTS)-debug/vm.tap || rc=$$?; \
	scripts/coverage.sh $(COVERAGE_ARGS) || true; exit $$rc

# From the last check-debug's data; without any, run check-debug first (it
# prints the figures itself). Fails only if there is no coverage to show.
coverage:
	@if scripts/coverage.sh --has-data $(COVERAGE_ARGS); then \
		scripts/coverage.sh $(COVERAGE_ARGS); \
	else \
		echo "coverage: no data from a make check-debug yet: running it"; \
		$(MAKE) --no-print-directory check-debug || true; \
		scripts/coverage.sh --has-data $(COVERAGE_ARGS); \
	fi

style: deps
	@mkdir -p $(BUILD)
	$(KSRC)/scripts/checkpatch.pl --strict --no-tree --terse --show-types \
		-f $(MODULE_C) module/*.h uapi/linux/*.h | \
		grep -v '^total:' | tee $(BUILD)/checkpatch.log; \
		test ! -s $(BUILD)/checkpatch.log
	@$(call module_copy,$(BUILD)/style-module)
	$(MAKE) -C $(KDIR) M=$(BUILD)/style-module C=2 W=1 modules 2>&1 | \
		tee $(BUILD)/sparse.log
	@! grep -E 'warning:|error:' $(BUILD)/sparse.log
	@echo "style: checkpatch --strict and sparse clean"

# Every man page renders without a warning, has its sections, every
# function has one and every EXAMPLE compiles (make check runs it too).
man-check: userspace
	@scripts/man-check.sh

# docs/SPEC.md section 5, in the VM: see bench/README.md.
bench bench-wall bench-quick bench-repeat bench-repeat-full bench-profile: deps
	@scripts/check-vars.sh "KIMAGE=$(KIMAGE)" "KDIR=$(KDIR)"
	@$(MAKE) --no-print-directory module
	$(MAKE) -C bench $@ KIMAGE=$(KIMAGE) MODULE=$(CURDIR)/$(MODULE)

# The library, headers, pkg-config file and man pages (PREFIX=, DESTDIR=).
install:
	$(MAKE) -C userspace install

uninstall: uninstall-module
	$(MAKE) -C userspace uninstall

# The module where modprobe looks for KREL (updates/ wins over the kernel's
# own tree), then depmod. Into a DESTDIR depmod is left to the target: the
# modules of KREL are not there to index.
MODULE_DEST = $(DESTDIR)/lib/modules/$(KREL)/updates/disconnectex.ko
MODULES_LOAD ?= 0
LOAD_CONF = $(DESTDIR)/etc/modules-load.d/disconnectex.conf

install-module: module
	@scripts/check-vars.sh "MODULES_LOAD=$(MODULES_LOAD)"
	install -D -m 644 $(MODULE) $(MODULE_DEST)
	@if [ "$(MODULES_LOAD)" = 1 ]; then echo "install $(LOAD_CONF)"; \
		install -d $(dir $(LOAD_CONF)); echo disconnectex > $(LOAD_CONF); fi
	@$(call run_depmod,modprobe disconnectex now finds it on $(KREL))

uninstall-module:
	rm -f $(MODULE_DEST) $(LOAD_CONF)
	@$(call run_depmod,the module is gone from $(KREL))

run_depmod = if [ -n "$(DESTDIR)" ]; then \
		echo "install-module: DESTDIR is set: run depmod -a $(KREL) on the target"; \
	else echo "depmod -a $(KREL)"; depmod -a $(KREL) && echo "install-module: $(1)"; fi

# Debian packages and DKMS: scripts/deb.sh and scripts/package-check.sh.
deb:
	@scripts/deb.sh $(BUILD)/deb

package-check: deps
	@scripts/check-vars.sh "KIMAGE=$(KIMAGE)" "KDIR=$(KDIR)"
	@$(MAKE) --no-print-directory selftests
	@scripts/package-check.sh $(BUILD)/package $(KREL) $(KIMAGE)

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-$(MAKE) -C userspace clean
	-$(MAKE) -C selftests clean O=$(BUILD)/selftests
	rm -rf $(BUILD)

.PHONY: all module userspace selftests deps run check check-debug coverage \
	style bench bench-wall bench-quick bench-repeat bench-repeat-full bench-profile \
	install uninstall install-module uninstall-module \
	deb package-check module-src man-check clean FORCE
