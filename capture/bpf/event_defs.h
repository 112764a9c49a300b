/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * event_defs.h: the contract between the probe (probe.bpf.c) and its loader
 * (capture/live/loader.cpp). Plain C, no kernel or C++ types beyond __u8..__u64.
 *
 * What crosses the boundary:
 *  - ring records: each record in a per-CPU ring buffer is exactly one PPM event as the scap
 *    reader decodes it (CAPTURE.md 2.1): u64 ts | u64 tid | u32 len | u16 type | u32 nparams |
 *    nparams x u16 lengths | params. No cpu id, no padding: the ring index is the CPU. The
 *    2022 event shapes apply (vm/events.def); the probe emits every parameter of the schema.
 *  - struct pg_syscall_cfg: one row per x86_64 syscall number, filled before attach. A row
 *    whose flags lack PG_SC_SELECTED costs one array lookup in the dispatcher and nothing else.
 *  - struct pg_counters: per-CPU counters (a PERCPU_ARRAY with one slot), read at any time.
 *  - struct pg_config: read-only configuration set in .rodata before load.
 *
 * Invariants the probe keeps:
 *  - an event is never larger than PG_MAX_EVENT_SIZE (far below the 64 KiB scap limit);
 *  - an event whose parameter count differs from the table is never submitted (it is counted
 *    in n_shape_errors instead);
 *  - a buffer-full drop produces no record, only a counter increment.
 *
 * Bump PG_PROBE_ABI when any structure below changes.
 */
#ifndef PG_BPF_EVENT_DEFS_H
#define PG_BPF_EVENT_DEFS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PG_PROBE_ABI 1

/* Native syscall numbers the selection table covers (x86_64 uses < 460). */
#define PG_SYSCALL_TABLE_SIZE 512

/* Size of the PPM header (ts, tid, len, type, nparams). */
#define PG_HEADER_SIZE 26

/* Most parameters any emitted event has (execve/clone exits have 20). */
#define PG_MAX_PARAMS 24

/*
 * Per-CPU scratch buffer where an event is assembled before bpf_ringbuf_output(). Writes go to
 * data[pos & PG_PAYLOAD_MASK] with at most PG_MAX_WRITE bytes each, so every access the
 * verifier sees is inside the PG_AUX_DATA_SIZE buffer; an event whose payload would pass
 * PG_MAX_EVENT_SIZE is dropped and counted.
 */
#define PG_AUX_DATA_SIZE  (64 * 1024)
#define PG_PAYLOAD_MASK	  (32 * 1024 - 1)
#define PG_MAX_EVENT_SIZE (32 * 1024)
#define PG_MAX_WRITE	  (16 * 1024)

/* Bounded reads (CAPTURE.md 4.3). */
#define PG_MAX_PATH	     4096 /* one path or string parameter */
#define PG_MAX_PROC_ARGS     4096 /* exe + args of a process */
#define PG_MAX_PROC_ENV	     4096 /* environment of a process */
#define PG_MAX_ARGV_POINTERS 16	  /* argv walked for a failed execve */
#define PG_MAX_CGROUP_DEPTH  10	  /* kernfs parents walked for a cgroup path */
#define PG_MAX_CGROUP_NAME   256  /* one cgroup path component */
#define PG_MAX_UNIX_PATH     108  /* sun_path */
#define PG_MAX_SNAPLEN	     1024 /* I/O payload bytes kept, upper bound of cfg.snaplen */
#define PG_MAX_IOVEC	     8	  /* iovecs summed for sendmsg/recvmsg sizes */

/* struct pg_syscall_cfg.flags */
#define PG_SC_SELECTED (1 << 0) /* emit events for this syscall */
#define PG_SC_GENERIC  (1 << 1) /* the events are PPME_GENERIC_E/X with ppm_sc */

/* One row of the syscall table (indexed by native syscall number). */
struct pg_syscall_cfg {
	__u8 flags;
	__u8 reserved;
	__u16 ppm_sc;	   /* PPM syscall code (the generic events' ID parameter) */
	__u16 enter_event; /* PPM enter event code */
	__u16 exit_event;  /* PPM exit event code */
};

/* Drop categories of pg_counters.n_drops_by_kind. */
enum pg_drop_kind {
	PG_DROP_CLONE = 0,
	PG_DROP_EXECVE = 1,
	PG_DROP_PROCEXIT = 2,
	PG_DROP_OPEN = 3,
	PG_DROP_CLOSE = 4,
	PG_DROP_CONNECT = 5,
	PG_DROP_OTHER = 6,
	PG_DROP_KINDS = 7,
};

/* Per-CPU counters (PERCPU_ARRAY "counters", key 0). */
struct pg_counters {
	__u64 n_evts;		 /* events written to the ring */
	__u64 n_drops_buffer;	 /* ring full: event lost */
	__u64 n_drops_max_size;	 /* event larger than PG_MAX_EVENT_SIZE */
	__u64 n_drops_no_buffer; /* no scratch or ring buffer for this CPU */
	__u64 n_shape_errors;	 /* parameter count differs from the table (a probe bug) */
	__u64 n_ia32_skipped;	 /* 32-bit syscalls (not supported) */
	__u64 n_drops_by_kind[PG_DROP_KINDS];
};

/* Read-only configuration (.rodata "cfg"), set before load. */
struct pg_config {
	__u64 boot_ts;	 /* ns since the epoch at boot: event ts = boot_ts + boot-time clock */
	__u32 snaplen;	 /* I/O payload bytes kept (<= PG_MAX_SNAPLEN) */
	__u32 self_tgid; /* events of this process are not captured (0 = capture all) */
	__u32 n_cpus;	 /* possible CPUs (ring and scratch entries) */
	__u32 flags;	 /* PG_CFG_* */
};

/* pg_config.flags */
#define PG_CFG_CHILD_FROM_FORK (1 << 0) /* clone child events come from sched_process_fork */

/*
 * PPM event codes and per-code parameter counts, expanded from vm/events.def (the single
 * source of truth), so the probe cannot disagree with the reader about a code or a count.
 * The codes are the identifiers of events.def with a PPME_ prefix (PPME_OPENAT_2_X).
 */
#if defined(__bpf__) || defined(PG_EVENT_DEFS_WANT_CODES)
/* clang-format off */
enum pg_ppm_event {
#define EVENT(code, ident, name, dir, cat, flags) PPME_##ident = code,
#define PARAM(name, type, fmt, info)
#include "vm/events.def"
	PPME_EVENT_MAX = 336,
};
/* clang-format on */
#endif

#endif /* PG_BPF_EVENT_DEFS_H */
