/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * maps.h: every map of the probe. Sizes marked "set by the loader" are placeholders that
 * capture/live/loader.cpp replaces before load (bpf_map__set_max_entries), because they depend
 * on the number of possible CPUs.
 *
 *  ringbufs      ARRAY_OF_MAPS, one BPF_MAP_TYPE_RINGBUF per possible CPU (CAPTURE.md 4.2). The
 *                inner rings are created by the loader; a program writes only to the ring of
 *                the CPU it runs on, so each ring is single-producer in practice and userspace
 *                merges the rings by timestamp.
 *  aux_maps      ARRAY of struct pg_aux, one per possible CPU: the scratch space where an event
 *                is assembled (tracing programs cannot be preempted by another program on the
 *                same CPU while they build an event: they run with preemption disabled and
 *                the same program never nests; one buffer per CPU suffices).
 *  counters      PERCPU_ARRAY with one struct pg_counters: events, drops, shape errors.
 *  syscall_table ARRAY of struct pg_syscall_cfg indexed by native syscall number: the
 *                kernel-side selection (PG_SC_SELECTED) and the PPM codes of each syscall.
 *  enter_progs / exit_progs
 *                PROG_ARRAY indexed by native syscall number: the filler that builds the
 *                event. The dispatchers tail-call into them; an empty slot ends the program.
 *  exec_pending  LRU_HASH tid -> struct pg_exec_pending: an execve/execveat between its enter
 *                and its exit. It tells sched_process_exec which syscall it ends, and holds
 *                an enter whose filename could not be read yet (see f_execve_e).
 */
#ifndef PG_BPF_MAPS_H
#define PG_BPF_MAPS_H

#include "event_defs.h"

/* Scratch space of one CPU. */
struct pg_aux {
	__u8 data[PG_AUX_DATA_SIZE];
	__u64 payload_pos; /* next free byte of the payload */
	__u32 lengths_pos; /* where the next parameter length goes */
	__u16 event_type;
	__u8 nparams;	/* parameters the table requires */
	__u8 written;	/* parameters pushed so far */
	__u8 overflow;	/* the payload would pass PG_MAX_EVENT_SIZE */
	__u8 drop_kind; /* enum pg_drop_kind of the event being built */
};

/* An exec in flight (exec_pending). */
struct pg_exec_pending {
	__u32 nr;	/* 59 execve, 322 execveat */
	__u32 deferred; /* the enter was not emitted: its filename was not readable */
	__s64 dirfd;	/* execveat arguments, for a deferred enter */
	__u32 flags;
	__u32 reserved;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
	__uint(max_entries, 1); /* set by the loader */
} ringbufs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct pg_aux);
	__uint(max_entries, 1); /* set by the loader */
} aux_maps SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct pg_counters);
	__uint(max_entries, 1);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct pg_syscall_cfg);
	__uint(max_entries, PG_SYSCALL_TABLE_SIZE);
} syscall_table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
	__uint(max_entries, PG_SYSCALL_TABLE_SIZE);
} enter_progs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
	__uint(max_entries, PG_SYSCALL_TABLE_SIZE);
} exit_progs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, __u32);
	__type(value, struct pg_exec_pending);
	__uint(max_entries, 4096);
} exec_pending SEC(".maps");

#endif /* PG_BPF_MAPS_H */
