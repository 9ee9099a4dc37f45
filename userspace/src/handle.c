// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * Handles: WSA events and completion ports.
 *
 * A HANDLE is not a pointer: an index into one table plus a generation, so
 * that a closed or made-up handle is detected instead of dereferenced, and
 * the slot says what kind of object it names (CloseHandle() takes either).
 * The table is under dcx_handle_lock, which event.c also uses for the state
 * of every event.
 *
 * Value: generation in the high 32 bits, (index + 1) << 2 in the low ones.
 * A socket (an fd) is therefore never mistaken for a handle. Bit 0 stays
 * clear because Windows programs set it on hEvent to keep a completion off
 * an I/O completion port; it is ignored on lookup.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

struct dcx_handle_slot {
	void *obj;
	uint32_t gen;
	int kind;
	uint32_t next_free;	/* index + 1 of the next free slot, 0: none */
};

pthread_mutex_t dcx_handle_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dcx_handle_slot *dcx_slots;
static uint32_t dcx_nslots;
static uint32_t dcx_free_head;	/* index + 1, 0: none */

static bool dcx_handle_index(void *handle, uint32_t *idx)
{
	uintptr_t v = (uintptr_t)handle & ~(uintptr_t)1;
	uint32_t low = (uint32_t)v, gen = (uint32_t)(v >> 32);

	if (!v || (low & 3) || low < 4)
		return false;
	*idx = (low >> 2) - 1;
	return *idx < dcx_nslots && dcx_slots[*idx].gen == gen &&
	       dcx_slots[*idx].obj;
}

/* Under the lock: a new handle for @obj, or NULL (no memory). */
void *dcx_handle_alloc(void *obj, int kind)
{
	struct dcx_handle_slot *slots;
	uint32_t i, n, idx;

	if (!dcx_free_head) {
		n = dcx_nslots ? dcx_nslots * 2 : 64;
		if (n > (1U << 29))
			return NULL;
		slots = realloc(dcx_slots, n * sizeof(*slots));
		if (!slots)
			return NULL;
		for (i = dcx_nslots; i < n; i++) {
			slots[i].obj = NULL;
			slots[i].gen = 1;
			slots[i].kind = 0;
			slots[i].next_free = i + 1 < n ? i + 2 : 0;
		}
		dcx_slots = slots;
		dcx_free_head = dcx_nslots + 1;
		dcx_nslots = n;
	}
	idx = dcx_free_head - 1;
	dcx_free_head = dcx_slots[idx].next_free;
	dcx_slots[idx].obj = obj;
	dcx_slots[idx].kind = kind;
	return (void *)(((uintptr_t)dcx_slots[idx].gen << 32) |
			((uintptr_t)(idx + 1) << 2));
}

/* Under the lock: the object of kind @kind that @handle names, or NULL. */
void *dcx_handle_lookup(void *handle, int kind)
{
	uint32_t idx;

	if (!dcx_handle_index(handle, &idx) || dcx_slots[idx].kind != kind)
		return NULL;
	return dcx_slots[idx].obj;
}

/* Under the lock: the kind of object @handle names, 0 for none. */
int dcx_handle_kind(void *handle)
{
	uint32_t idx;

	return dcx_handle_index(handle, &idx) ? dcx_slots[idx].kind : 0;
}

/* Under the lock: @handle stops naming anything, for good. */
void dcx_handle_free(void *handle)
{
	uint32_t idx;

	if (!dcx_handle_index(handle, &idx))
		return;
	dcx_slots[idx].obj = NULL;
	/* A stale handle must never match again; 0 is skipped for clarity. */
	if (++dcx_slots[idx].gen == 0)
		dcx_slots[idx].gen = 1;
	dcx_slots[idx].next_free = dcx_free_head;
	dcx_free_head = idx + 1;
}

/* Under the lock: call @fn on every object of @kind. */
void dcx_handle_each(int kind, void (*fn)(void *obj))
{
	uint32_t i;

	for (i = 0; i < dcx_nslots; i++)
		if (dcx_slots[i].obj && dcx_slots[i].kind == kind)
			fn(dcx_slots[i].obj);
}

/* Under the lock: every handle of @kind stops naming anything. */
void dcx_handle_free_kind(int kind)
{
	uint32_t i;

	for (i = 0; i < dcx_nslots; i++)
		if (dcx_slots[i].obj && dcx_slots[i].kind == kind)
			dcx_handle_free((void *)(((uintptr_t)dcx_slots[i].gen
						  << 32) |
						 ((uintptr_t)(i + 1) << 2)));
}
