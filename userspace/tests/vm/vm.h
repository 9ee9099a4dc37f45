/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Common to the VM tests: they run, statically linked, in a guest with the
 * disconnectex module loaded, and skip cleanly anywhere else.
 *
 * The 6.1 harness runs the test body even when FIXTURE_SETUP skipped, so
 * setup only records the absence and every test starts with VM_REQUIRE().
 */
#ifndef DCX_VM_H
#define DCX_VM_H

#include "disconnectex.h"
#include "helpers.h"

#define VM_TIMEOUT_MS	20000

#define VM_NO_MODULE	"/dev/disconnectex absent (disconnectex module not loaded)"

#ifndef VM_ON_EMULATED
#define VM_REQUIRE() do { \
	if (!tst_device_present()) \
		SKIP(return, VM_NO_MODULE); \
} while (0)

#define vm_present()	tst_device_present()

/* Auto selection must find the module: nothing forced. */
static inline int vm_backend_setup(void)
{
	unsetenv("DCX_BACKEND");
	unsetenv("DCX_DEVICE");
	return dcx_backend() == DCX_BACKEND_KERNEL && !dcx_backend_error() ?
	       0 : -1;
}
#else
/*
 * make vm-selfcheck: the same tests against the emulated backend on the
 * host, to check the tests themselves before a VM ever runs them. Only
 * backend_is_kernel is meaningless there.
 */
#define VM_REQUIRE()	do { } while (0)
#define vm_present()	true

#define vm_backend_setup	tst_use_emulated
#endif

#endif /* DCX_VM_H */
