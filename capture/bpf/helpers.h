/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * helpers.h: building PPM events in the per-CPU scratch buffer, and the CO-RE reads that
 * supply their parameters (process identity, memory, credentials, cgroups, tty, files and
 * sockets). Included by probe.bpf.c only.
 *
 * Event builder (modelled on Falco modern_bpf's auxmap):
 *   pg_begin(a, type, kind)   header: ts, tid, type, nparams (from vm/events.def), lengths slot
 *   pg_push_*(a, ...)         one parameter each, in the table's order; a failed read pushes an
 *                             empty parameter (length 0), never a partial one
 *   pg_submit(a)              checks the parameter count and the size, copies the event into
 *                             this CPU's ring buffer (no wakeup: userspace polls), counts
 * Every write lands at data[pos & PG_PAYLOAD_MASK] with a constant upper bound on its size, so
 * the verifier can prove it stays inside the 64 KiB buffer; the logical position is tracked
 * separately and an event past PG_MAX_EVENT_SIZE is dropped at submit.
 *
 * Encodings (CAPTURE.md 2.2 and trap 6): integers little-endian; fds, pids and errnos as
 * signed 64-bit; flags in PPM encodings (converters below), not Linux values; strings with
 * their NUL; IPv4/IPv6 addresses in network order, ports in host order.
 */
#ifndef PG_BPF_HELPERS_H
#define PG_BPF_HELPERS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "event_defs.h"
#include "maps.h"

/* Configuration, set by the loader before load. */
const volatile struct pg_config cfg = {};

/* Parameter count of every event code, expanded from vm/events.def. */
/* clang-format off */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Winitializer-overrides"
static const __u8 pg_nparams[PPME_EVENT_MAX] = {
	0
#define EVENT(code, ident, name, dir, cat, flags) , [code] = 0
#define PARAM(name, type, fmt, info) +1
#include "vm/events.def"
};
#pragma clang diagnostic pop
/* clang-format on */

/* ---- Linux constants that vmlinux.h (types only) does not carry ---------------------- */

#define PG_O_ACCMODE   00000003
#define PG_O_WRONLY    00000001
#define PG_O_RDWR      00000002
#define PG_O_CREAT     00000100
#define PG_O_EXCL      00000200
#define PG_O_TRUNC     00001000
#define PG_O_APPEND    00002000
#define PG_O_NONBLOCK  00004000
#define PG_O_DSYNC     00010000
#define PG_O_DIRECT    00040000
#define PG_O_LARGEFILE 00100000
#define PG_O_DIRECTORY 00200000
#define PG_O_CLOEXEC   02000000
#define PG_O_SYNC      04010000
#define PG_O_TMPFILE   020200000

#define PG_S_IFMT   00170000
#define PG_S_IFSOCK 0140000
#define PG_S_IWUSR  00200
#define PG_S_IWGRP  00020
#define PG_S_IWOTH  00002

#define PG_AF_UNIX  1
#define PG_AF_INET  2
#define PG_AF_INET6 10

#define PG_TS_COMPAT	    0x0002
#define PG_CAP_DAC_OVERRIDE 1

#define PG_CLONE_VM		0x00000100
#define PG_CLONE_FS		0x00000200
#define PG_CLONE_FILES		0x00000400
#define PG_CLONE_SIGHAND	0x00000800
#define PG_CLONE_PTRACE		0x00002000
#define PG_CLONE_VFORK		0x00004000
#define PG_CLONE_PARENT		0x00008000
#define PG_CLONE_THREAD		0x00010000
#define PG_CLONE_NEWNS		0x00020000
#define PG_CLONE_SYSVSEM	0x00040000
#define PG_CLONE_SETTLS		0x00080000
#define PG_CLONE_PARENT_SETTID	0x00100000
#define PG_CLONE_CHILD_CLEARTID 0x00200000
#define PG_CLONE_UNTRACED	0x00800000
#define PG_CLONE_CHILD_SETTID	0x01000000
#define PG_CLONE_NEWCGROUP	0x02000000
#define PG_CLONE_NEWUTS		0x04000000
#define PG_CLONE_NEWIPC		0x08000000
#define PG_CLONE_NEWUSER	0x10000000
#define PG_CLONE_NEWPID		0x20000000
#define PG_CLONE_NEWNET		0x40000000
#define PG_CLONE_IO		0x80000000

/* PPM_CL_* (vm/flags.def clone_flags) */
#define PPM_CL_CLONE_FILES	    (1 << 0)
#define PPM_CL_CLONE_FS		    (1 << 1)
#define PPM_CL_CLONE_IO		    (1 << 2)
#define PPM_CL_CLONE_NEWIPC	    (1 << 3)
#define PPM_CL_CLONE_NEWNET	    (1 << 4)
#define PPM_CL_CLONE_NEWNS	    (1 << 5)
#define PPM_CL_CLONE_NEWPID	    (1 << 6)
#define PPM_CL_CLONE_NEWUTS	    (1 << 7)
#define PPM_CL_CLONE_PARENT	    (1 << 8)
#define PPM_CL_CLONE_PARENT_SETTID  (1 << 9)
#define PPM_CL_CLONE_PTRACE	    (1 << 10)
#define PPM_CL_CLONE_SIGHAND	    (1 << 11)
#define PPM_CL_CLONE_SYSVSEM	    (1 << 12)
#define PPM_CL_CLONE_THREAD	    (1 << 13)
#define PPM_CL_CLONE_UNTRACED	    (1 << 14)
#define PPM_CL_CLONE_VM		    (1 << 15)
#define PPM_CL_CLONE_NEWUSER	    (1 << 20)
#define PPM_CL_CLONE_CHILD_CLEARTID (1 << 23)
#define PPM_CL_CLONE_CHILD_SETTID   (1 << 24)
#define PPM_CL_CLONE_SETTLS	    (1 << 25)
#define PPM_CL_CLONE_VFORK	    (1 << 27)
#define PPM_CL_CLONE_NEWCGROUP	    (1 << 28)
#define PPM_CL_CHILD_IN_PIDNS	    (1 << 29)

/* PPM_O_* (vm/flags.def file_flags) */
#define PPM_O_RDONLY	(1 << 0)
#define PPM_O_WRONLY	(1 << 1)
#define PPM_O_RDWR	(PPM_O_RDONLY | PPM_O_WRONLY)
#define PPM_O_CREAT	(1 << 2)
#define PPM_O_APPEND	(1 << 3)
#define PPM_O_DSYNC	(1 << 4)
#define PPM_O_EXCL	(1 << 5)
#define PPM_O_NONBLOCK	(1 << 6)
#define PPM_O_SYNC	(1 << 7)
#define PPM_O_TRUNC	(1 << 8)
#define PPM_O_DIRECT	(1 << 9)
#define PPM_O_DIRECTORY (1 << 10)
#define PPM_O_LARGEFILE (1 << 11)
#define PPM_O_CLOEXEC	(1 << 12)
#define PPM_O_TMPFILE	(1 << 13)

#define PPM_EXE_WRITABLE (1 << 0)

/* PT_DYN indexes (vm/flags.def ptrace_dynamic_param, bpf_dynamic_param) */
#define PPM_PTRACE_IDX_UINT64 0
#define PPM_BPF_IDX_FD	      0
#define PPM_BPF_IDX_RES	      1
#define PG_BPF_MAP_CREATE     0
#define PG_BPF_PROG_LOAD      5

/* Syscall arguments as the x86_64 syscall ABI passes them. */
#define PG_ARG0(r) ((r)->di)
#define PG_ARG1(r) ((r)->si)
#define PG_ARG2(r) ((r)->dx)
#define PG_ARG3(r) ((r)->r10)
#define PG_ARG4(r) ((r)->r8)
#define PG_ARG5(r) ((r)->r9)

/* An int argument (fd, dirfd, pid) sign-extended to the 64 bits of PT_FD/PT_PID. */
#define PG_INT_ARG(v) ((__s64)(__s32)(v))

/* CO-RE flavours for fields renamed across kernel versions. */
struct kernfs_node___new {
	struct kernfs_node *__parent;
} __attribute__((preserve_access_index));

struct kernfs_node___old {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

/* ---- event builder ----------------------------------------------------------------------- */

static __always_inline struct pg_aux *pg_aux_get(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&aux_maps, &cpu);
}

static __always_inline struct pg_counters *pg_counters_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&counters, &zero);
}

/* Starts an event of `type` for thread `tid` (host tid). */
static __always_inline void pg_begin_tid(struct pg_aux *a, __u32 type, __u64 tid, __u8 kind)
{
	__u8 n = 0;

	if (type < PPME_EVENT_MAX)
		n = pg_nparams[type];
	*(__u64 *)&a->data[0] = cfg.boot_ts + bpf_ktime_get_boot_ns();
	*(__u64 *)&a->data[8] = tid;
	*(__u16 *)&a->data[20] = type;
	*(__u32 *)&a->data[22] = n;
	a->lengths_pos = PG_HEADER_SIZE;
	a->payload_pos = PG_HEADER_SIZE + 2 * (__u32)n;
	a->event_type = type;
	a->nparams = n;
	a->written = 0;
	a->overflow = (type >= PPME_EVENT_MAX || n > PG_MAX_PARAMS);
	a->drop_kind = kind;
}

/* Starts an event of `type` for the current thread. */
static __always_inline void pg_begin(struct pg_aux *a, __u32 type, __u8 kind)
{
	pg_begin_tid(a, type, bpf_get_current_pid_tgid() & 0xffffffff, kind);
}

/* Records the length of the parameter just written at payload_pos. */
static __always_inline void pg_set_len(struct pg_aux *a, __u32 len)
{
	*(__u16 *)&a->data[a->lengths_pos & 127] = (__u16)len;
	a->lengths_pos += 2;
	a->payload_pos += len;
	a->written++;
	if (a->payload_pos > PG_MAX_EVENT_SIZE)
		a->overflow = 1;
}

/* Where the next parameter's bytes go. */
static __always_inline __u8 *pg_dst(struct pg_aux *a)
{
	return &a->data[a->payload_pos & PG_PAYLOAD_MASK];
}

static __always_inline void pg_push_empty(struct pg_aux *a)
{
	pg_set_len(a, 0);
}

static __always_inline void pg_push_u8(struct pg_aux *a, __u8 v)
{
	*pg_dst(a) = v;
	pg_set_len(a, 1);
}

static __always_inline void pg_push_u16(struct pg_aux *a, __u16 v)
{
	*(__u16 *)pg_dst(a) = v;
	pg_set_len(a, 2);
}

static __always_inline void pg_push_u32(struct pg_aux *a, __u32 v)
{
	*(__u32 *)pg_dst(a) = v;
	pg_set_len(a, 4);
}

static __always_inline void pg_push_u64(struct pg_aux *a, __u64 v)
{
	*(__u64 *)pg_dst(a) = v;
	pg_set_len(a, 8);
}

static __always_inline void pg_push_s64(struct pg_aux *a, __s64 v)
{
	pg_push_u64(a, (__u64)v);
}

/* A PT_DYN parameter: one index byte selecting the layout, then a 64-bit value. */
static __always_inline void pg_push_dyn64(struct pg_aux *a, __u8 idx, __u64 v)
{
	__u8 *d = pg_dst(a);

	d[0] = idx;
	*(__u64 *)&d[1] = v;
	pg_set_len(a, 9);
}

/*
 * An empty string: a single NUL. String parameters are never zero-length, because sysdig
 * 0.29.3 renders a zero-length CHARBUF with garbage (the 2022 drivers sent "\0" for the
 * execve/clone cwd, for instance).
 */
static __always_inline void pg_push_empty_str(struct pg_aux *a)
{
	*pg_dst(a) = 0;
	pg_set_len(a, 1);
}

/*
 * A NUL-terminated user string of at most PG_MAX_PATH bytes; "" when the pointer is NULL or
 * the memory cannot be read without faulting (a page not yet touched by the process).
 */
static __always_inline long pg_push_user_str(struct pg_aux *a, const void *ptr)
{
	long n = 0;

	if (ptr)
		n = bpf_probe_read_user_str(pg_dst(a), PG_MAX_PATH, ptr);
	if (n <= 0)
		pg_push_empty_str(a);
	else
		pg_set_len(a, n);
	return n;
}

/* A NUL-terminated kernel string of at most `max` (a constant) bytes; "" on failure. */
#define pg_push_kernel_str(a, ptr, max)                                           \
	({                                                                        \
		long __n = 0;                                                     \
		if (ptr)                                                          \
			__n = bpf_probe_read_kernel_str(pg_dst(a), (max), (ptr)); \
		if (__n <= 0)                                                     \
			pg_push_empty_str(a);                                     \
		else                                                              \
			pg_set_len((a), __n);                                     \
	})

/* At most `max` (a constant <= PG_MAX_WRITE) raw bytes of user memory. */
#define pg_push_user_bytes(a, ptr, len, max)                                               \
	({                                                                                 \
		__u64 __n = (len);                                                         \
		if (__n > (max))                                                           \
			__n = (max);                                                       \
		barrier_var(__n);                                                          \
		__n &= (PG_MAX_WRITE - 1);                                                 \
		if (!(ptr) || __n == 0 || bpf_probe_read_user(pg_dst(a), __n, (ptr)) != 0) \
			__n = 0;                                                           \
		pg_set_len((a), __n);                                                      \
	})

/*
 * Copies the event into this CPU's ring. Events with the wrong parameter count (a probe bug)
 * or past the size limit are counted and dropped.
 */
static __always_inline void pg_submit(struct pg_aux *a)
{
	struct pg_counters *c = pg_counters_get();
	__u32 cpu = bpf_get_smp_processor_id();
	__u64 len = a->payload_pos;
	void *rb;

	if (!c)
		return;
	if (a->written != a->nparams) {
		c->n_shape_errors++;
		return;
	}
	if (a->overflow || len > PG_MAX_EVENT_SIZE) {
		c->n_drops_max_size++;
		return;
	}
	*(__u32 *)&a->data[16] = (__u32)len;
	rb = bpf_map_lookup_elem(&ringbufs, &cpu);
	if (!rb) {
		c->n_drops_no_buffer++;
		return;
	}
	len &= (PG_AUX_DATA_SIZE - 1);
	if (bpf_ringbuf_output(rb, a->data, len, BPF_RB_NO_WAKEUP) != 0) {
		c->n_drops_buffer++;
		if (a->drop_kind < PG_DROP_KINDS)
			c->n_drops_by_kind[a->drop_kind & 7]++;
		return;
	}
	c->n_evts++;
}

/* ---- syscall table ------------------------------------------------------------------------ */

static __always_inline struct pg_syscall_cfg *pg_syscall(__u64 nr)
{
	__u32 k = (__u32)nr;

	if (nr >= PG_SYSCALL_TABLE_SIZE)
		return NULL;
	return bpf_map_lookup_elem(&syscall_table, &k);
}

/* True when the current thread's events are not captured (32-bit syscalls, the consumer). */
static __always_inline bool pg_skip_current(void)
{
	struct task_struct *t = bpf_get_current_task_btf();

	if (cfg.self_tgid != 0 && (bpf_get_current_pid_tgid() >> 32) == cfg.self_tgid)
		return true;
	if (t->thread_info.status & PG_TS_COMPAT) {
		struct pg_counters *c = pg_counters_get();

		if (c)
			c->n_ia32_skipped++;
		return true;
	}
	return false;
}

/* ---- flag conversions (Linux -> PPM) ----------------------------------------------------- */

static __always_inline __u32 pg_open_flags(__u64 flags)
{
	__u32 res = 0;

	switch (flags & PG_O_ACCMODE) {
	case PG_O_WRONLY:
		res |= PPM_O_WRONLY;
		break;
	case PG_O_RDWR:
		res |= PPM_O_RDWR;
		break;
	default:
		res |= PPM_O_RDONLY;
		break;
	}
	if (flags & PG_O_CREAT)
		res |= PPM_O_CREAT;
	if ((flags & PG_O_TMPFILE) == PG_O_TMPFILE)
		res |= PPM_O_TMPFILE;
	if (flags & PG_O_APPEND)
		res |= PPM_O_APPEND;
	if (flags & PG_O_DSYNC)
		res |= PPM_O_DSYNC;
	if (flags & PG_O_EXCL)
		res |= PPM_O_EXCL;
	if (flags & PG_O_NONBLOCK)
		res |= PPM_O_NONBLOCK;
	if ((flags & PG_O_SYNC) == PG_O_SYNC)
		res |= PPM_O_SYNC;
	if (flags & PG_O_TRUNC)
		res |= PPM_O_TRUNC;
	if (flags & PG_O_DIRECT)
		res |= PPM_O_DIRECT;
	if (flags & PG_O_DIRECTORY)
		res |= PPM_O_DIRECTORY;
	if (flags & PG_O_LARGEFILE)
		res |= PPM_O_LARGEFILE;
	if (flags & PG_O_CLOEXEC)
		res |= PPM_O_CLOEXEC;
	return res;
}

/* open_modes_to_scap: the mode only matters (and is only sent) with O_CREAT or O_TMPFILE. */
static __always_inline __u32 pg_open_mode(__u64 flags, __u64 mode)
{
	if (!(flags & PG_O_CREAT) && (flags & PG_O_TMPFILE) != PG_O_TMPFILE)
		return 0;
	return mode & 07777;
}

static __always_inline __u32 pg_clone_flags(__u64 f)
{
	__u32 r = 0;

	if (f & PG_CLONE_FILES)
		r |= PPM_CL_CLONE_FILES;
	if (f & PG_CLONE_FS)
		r |= PPM_CL_CLONE_FS;
	if (f & PG_CLONE_IO)
		r |= PPM_CL_CLONE_IO;
	if (f & PG_CLONE_NEWIPC)
		r |= PPM_CL_CLONE_NEWIPC;
	if (f & PG_CLONE_NEWNET)
		r |= PPM_CL_CLONE_NEWNET;
	if (f & PG_CLONE_NEWNS)
		r |= PPM_CL_CLONE_NEWNS;
	if (f & PG_CLONE_NEWPID)
		r |= PPM_CL_CLONE_NEWPID;
	if (f & PG_CLONE_NEWUTS)
		r |= PPM_CL_CLONE_NEWUTS;
	if (f & PG_CLONE_PARENT)
		r |= PPM_CL_CLONE_PARENT;
	if (f & PG_CLONE_PARENT_SETTID)
		r |= PPM_CL_CLONE_PARENT_SETTID;
	if (f & PG_CLONE_PTRACE)
		r |= PPM_CL_CLONE_PTRACE;
	if (f & PG_CLONE_SIGHAND)
		r |= PPM_CL_CLONE_SIGHAND;
	if (f & PG_CLONE_SYSVSEM)
		r |= PPM_CL_CLONE_SYSVSEM;
	if (f & PG_CLONE_THREAD)
		r |= PPM_CL_CLONE_THREAD;
	if (f & PG_CLONE_UNTRACED)
		r |= PPM_CL_CLONE_UNTRACED;
	if (f & PG_CLONE_VM)
		r |= PPM_CL_CLONE_VM;
	if (f & PG_CLONE_NEWUSER)
		r |= PPM_CL_CLONE_NEWUSER;
	if (f & PG_CLONE_CHILD_CLEARTID)
		r |= PPM_CL_CLONE_CHILD_CLEARTID;
	if (f & PG_CLONE_CHILD_SETTID)
		r |= PPM_CL_CLONE_CHILD_SETTID;
	if (f & PG_CLONE_SETTLS)
		r |= PPM_CL_CLONE_SETTLS;
	if (f & PG_CLONE_VFORK)
		r |= PPM_CL_CLONE_VFORK;
	if (f & PG_CLONE_NEWCGROUP)
		r |= PPM_CL_CLONE_NEWCGROUP;
	return r;
}

/*
 * Clone flags reconstructed from the new task (the kernel keeps no copy of them): used for a
 * clone3 child, whose clone_args may already be gone from the parent's stack when the child
 * reaches sys_exit. Covers what sinsp uses: THREAD, VM, FILES, FS, SIGHAND, VFORK.
 */
static __always_inline __u64 pg_task_raw_clone_flags(struct task_struct *t)
{
	struct task_struct *creator;
	__u64 f = 0;

	if (BPF_CORE_READ(t, pid) != BPF_CORE_READ(t, tgid)) {
		f |= PG_CLONE_THREAD | PG_CLONE_VM | PG_CLONE_SIGHAND;
		creator = BPF_CORE_READ(t, group_leader);
	} else {
		creator = BPF_CORE_READ(t, real_parent);
		if (BPF_CORE_READ(t, mm) == BPF_CORE_READ(creator, mm))
			f |= PG_CLONE_VM;
		if (BPF_CORE_READ(t, sighand) == BPF_CORE_READ(creator, sighand))
			f |= PG_CLONE_SIGHAND;
	}
	if (BPF_CORE_READ(t, files) == BPF_CORE_READ(creator, files))
		f |= PG_CLONE_FILES;
	if (BPF_CORE_READ(t, fs) == BPF_CORE_READ(creator, fs))
		f |= PG_CLONE_FS;
	if (BPF_CORE_READ(t, vfork_done))
		f |= PG_CLONE_VFORK;
	return f;
}

/* fcntl_cmd_to_scap */
static __always_inline __u8 pg_fcntl_cmd(__u64 cmd)
{
	switch (cmd) {
	case 0:
		return 1; /* F_DUPFD */
	case 1:
		return 2; /* F_GETFD */
	case 2:
		return 3; /* F_SETFD */
	case 3:
		return 4; /* F_GETFL */
	case 4:
		return 5; /* F_SETFL */
	case 5:
		return 6; /* F_GETLK */
	case 6:
		return 8; /* F_SETLK */
	case 7:
		return 9; /* F_SETLKW */
	case 8:
		return 10; /* F_SETOWN */
	case 9:
		return 12; /* F_GETOWN */
	case 10:
		return 13; /* F_SETSIG */
	case 11:
		return 15; /* F_GETSIG */
	case 15:
		return 21; /* F_SETOWN_EX */
	case 16:
		return 22; /* F_GETOWN_EX */
	case 36:
		return 30; /* F_OFD_GETLK */
	case 37:
		return 31; /* F_OFD_SETLK */
	case 38:
		return 32; /* F_OFD_SETLKW */
	case 1024:
		return 23; /* F_SETLEASE */
	case 1025:
		return 24; /* F_GETLEASE */
	case 1026:
		return 27; /* F_NOTIFY */
	case 1029:
		return 25; /* F_CANCELLK */
	case 1030:
		return 26; /* F_DUPFD_CLOEXEC */
	case 1031:
		return 28; /* F_SETPIPE_SZ */
	case 1032:
		return 29; /* F_GETPIPE_SZ */
	default:
		return 0;
	}
}

/* ptrace_requests_to_scap */
static __always_inline __u16 pg_ptrace_request(__u64 req)
{
	switch (req) {
	case 0:
		return 0x1; /* PTRACE_TRACEME */
	case 1:
		return 0x2; /* PTRACE_PEEKTEXT */
	case 2:
		return 0x3; /* PTRACE_PEEKDATA */
	case 3:
		return 0x4; /* PTRACE_PEEKUSR */
	case 4:
		return 0x5; /* PTRACE_POKETEXT */
	case 5:
		return 0x6; /* PTRACE_POKEDATA */
	case 6:
		return 0x7; /* PTRACE_POKEUSR */
	case 7:
		return 0x8; /* PTRACE_CONT */
	case 8:
		return 0x9; /* PTRACE_KILL */
	case 9:
		return 0xa; /* PTRACE_SINGLESTEP */
	case 12:
		return 0x1a; /* PTRACE_GETREGS */
	case 13:
		return 0x1b; /* PTRACE_SETREGS */
	case 14:
		return 0x1c; /* PTRACE_GETFPREGS */
	case 15:
		return 0x1d; /* PTRACE_SETFPREGS */
	case 16:
		return 0xb; /* PTRACE_ATTACH */
	case 17:
		return 0xc; /* PTRACE_DETACH */
	case 18:
		return 0x1e; /* PTRACE_GETFPXREGS */
	case 19:
		return 0x1f; /* PTRACE_SETFPXREGS */
	case 21:
		return 0x20; /* PTRACE_OLDSETOPTIONS */
	case 24:
		return 0xd; /* PTRACE_SYSCALL */
	case 25:
		return 0x21; /* PTRACE_GET_THREAD_AREA */
	case 26:
		return 0x22; /* PTRACE_SET_THREAD_AREA */
	case 30:
		return 0x23; /* PTRACE_ARCH_PRCTL */
	case 31:
		return 0x24; /* PTRACE_SYSEMU */
	case 32:
		return 0x25; /* PTRACE_SYSEMU_SINGLESTEP */
	case 33:
		return 0x26; /* PTRACE_SINGLEBLOCK */
	case 0x4200:
		return 0xe; /* PTRACE_SETOPTIONS */
	case 0x4201:
		return 0xf; /* PTRACE_GETEVENTMSG */
	case 0x4202:
		return 0x10; /* PTRACE_GETSIGINFO */
	case 0x4203:
		return 0x11; /* PTRACE_SETSIGINFO */
	case 0x4204:
		return 0x12; /* PTRACE_GETREGSET */
	case 0x4205:
		return 0x13; /* PTRACE_SETREGSET */
	case 0x4206:
		return 0x14; /* PTRACE_SEIZE */
	case 0x4207:
		return 0x15; /* PTRACE_INTERRUPT */
	case 0x4208:
		return 0x16; /* PTRACE_LISTEN */
	case 0x4209:
		return 0x17; /* PTRACE_PEEKSIGINFO */
	case 0x420a:
		return 0x18; /* PTRACE_GETSIGMASK */
	case 0x420b:
		return 0x19; /* PTRACE_SETSIGMASK */
	default:
		return 0; /* PTRACE_UNKNOWN */
	}
}

/* openat2 RESOLVE_* -> PPM_RESOLVE_* */
static __always_inline __u32 pg_openat2_resolve(__u64 r)
{
	__u32 res = 0;

	if (r & 0x08)
		res |= 0x01; /* RESOLVE_BENEATH */
	if (r & 0x10)
		res |= 0x02; /* RESOLVE_IN_ROOT */
	if (r & 0x02)
		res |= 0x04; /* RESOLVE_NO_MAGICLINKS */
	if (r & 0x04)
		res |= 0x08; /* RESOLVE_NO_SYMLINKS */
	if (r & 0x01)
		res |= 0x10; /* RESOLVE_NO_XDEV */
	if (r & 0x20)
		res |= 0x20; /* RESOLVE_CACHED */
	return res;
}

/* execveat AT_* -> PPM_EXVAT_* */
static __always_inline __u32 pg_execveat_flags(__u64 f)
{
	__u32 res = 0;

	if (f & 0x1000)
		res |= 0x1; /* AT_EMPTY_PATH */
	if (f & 0x100)
		res |= 0x2; /* AT_SYMLINK_NOFOLLOW */
	return res;
}

/* new_encode_dev() of a kernel dev_t (MINORBITS 20). */
static __always_inline __u32 pg_encode_dev(__u32 dev)
{
	__u32 major = dev >> 20;
	__u32 minor = dev & 0xfffff;

	return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

/* ---- process identity -------------------------------------------------------------------- */

/* pid->numbers[pid->level].nr: the id as the pid's own namespace sees it. */
static __always_inline __s64 pg_pid_vnr(struct pid *pid)
{
	struct upid upid = {};
	unsigned int level;

	if (!pid)
		return 0;
	level = BPF_CORE_READ(pid, level);
	bpf_probe_read_kernel(&upid, sizeof(upid), &pid->numbers[level & 31]);
	return upid.nr;
}

static __always_inline __s64 pg_task_vtid(struct task_struct *t)
{
	return pg_pid_vnr(BPF_CORE_READ(t, thread_pid));
}

static __always_inline __s64 pg_task_vpid(struct task_struct *t)
{
	return pg_pid_vnr(BPF_CORE_READ(t, group_leader, thread_pid));
}

/* Process group id in the task's pid namespace (the execve "pgid" parameter, sinsp vpgid). */
static __always_inline __s64 pg_task_vpgid(struct task_struct *t)
{
	struct pid *tp = BPF_CORE_READ(t, thread_pid);
	struct pid *pg = BPF_CORE_READ(t, signal, pids[PIDTYPE_PGID]);
	struct upid upid = {};
	unsigned int level;

	if (!tp || !pg)
		return 0;
	level = BPF_CORE_READ(tp, level);
	bpf_probe_read_kernel(&upid, sizeof(upid), &pg->numbers[level & 31]);
	return upid.nr;
}

static __always_inline unsigned int pg_task_pidns_level(struct task_struct *t)
{
	return BPF_CORE_READ(t, thread_pid, level);
}

/* RLIMIT_NOFILE soft limit. */
static __always_inline __u64 pg_task_fdlimit(struct task_struct *t)
{
	return BPF_CORE_READ(t, signal, rlim[7].rlim_cur);
}

static __always_inline __u32 pg_task_loginuid(struct task_struct *t)
{
	if (bpf_core_field_exists(t->loginuid))
		return BPF_CORE_READ(t, loginuid.val);
	return 0xffffffff;
}

/* The controlling terminal as new_encode_dev(MKDEV(major, minor_start) + index), or 0. */
static __always_inline __u32 pg_task_tty(struct task_struct *t)
{
	struct tty_struct *tty = BPF_CORE_READ(t, signal, tty);
	__u32 major, minor;

	if (!tty)
		return 0;
	major = BPF_CORE_READ(tty, driver, major);
	minor = BPF_CORE_READ(tty, driver, minor_start) + BPF_CORE_READ(tty, index);
	return pg_encode_dev((major << 20) | (minor & 0xfffff));
}

/* Memory counters in kB, as /proc/<pid>/status reports them. */
struct pg_vm {
	__u32 size_kb, rss_kb, swap_kb;
};

static __always_inline void pg_task_vm(struct task_struct *t, struct pg_vm *vm)
{
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	__s64 file, anon, swap, shmem;

	vm->size_kb = vm->rss_kb = vm->swap_kb = 0;
	if (!mm)
		return;
	vm->size_kb = BPF_CORE_READ(mm, total_vm) << 2;
	/* MM_FILEPAGES 0, MM_ANONPAGES 1, MM_SWAPENTS 2, MM_SHMEMPAGES 3 (percpu counters). */
	file = BPF_CORE_READ(mm, rss_stat[0].count);
	anon = BPF_CORE_READ(mm, rss_stat[1].count);
	swap = BPF_CORE_READ(mm, rss_stat[2].count);
	shmem = BPF_CORE_READ(mm, rss_stat[3].count);
	file = file > 0 ? file : 0;
	anon = anon > 0 ? anon : 0;
	shmem = shmem > 0 ? shmem : 0;
	vm->rss_kb = (file + anon + shmem) << 2;
	vm->swap_kb = swap > 0 ? swap << 2 : 0;
}

/* execve's PPM_EXE_WRITABLE: the task's fs credentials may write its executable. */
static __always_inline bool pg_exe_writable(struct task_struct *t)
{
	struct inode *ino = BPF_CORE_READ(t, mm, exe_file, f_inode);
	const struct cred *cred = BPF_CORE_READ(t, cred);
	__u32 caps = 0, mode, fsuid, fsgid;

	if (!ino || !cred)
		return false;
	bpf_probe_read_kernel(&caps, sizeof(caps), &cred->cap_effective);
	if (caps & (1u << PG_CAP_DAC_OVERRIDE))
		return true;
	mode = BPF_CORE_READ(ino, i_mode);
	fsuid = BPF_CORE_READ(cred, fsuid.val);
	fsgid = BPF_CORE_READ(cred, fsgid.val);
	if (BPF_CORE_READ(ino, i_uid.val) == fsuid)
		return mode & PG_S_IWUSR;
	if (BPF_CORE_READ(ino, i_gid.val) == fsgid)
		return mode & PG_S_IWGRP;
	return mode & PG_S_IWOTH;
}

/*
 * exe (argv[0]) and args (argv[1..], NUL-separated, NUL-terminated) read from the process's
 * argument area mm->arg_start..arg_end (CAPTURE.md 4.3): after an exec the argv pointers point
 * into the old image, so the area is the only reliable source. At most PG_MAX_PROC_ARGS bytes.
 * Reads the current address space, so `t` must be current or share its memory image.
 */
static __always_inline void pg_push_exe_args(struct pg_aux *a, struct task_struct *t)
{
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	unsigned long start = 0, end = 0, total, rest;
	long n = 0;

	if (mm) {
		start = BPF_CORE_READ(mm, arg_start);
		end = BPF_CORE_READ(mm, arg_end);
	}
	total = end > start ? end - start : 0;
	if (total > PG_MAX_PROC_ARGS)
		total = PG_MAX_PROC_ARGS;
	if (total > 0)
		n = bpf_probe_read_user_str(pg_dst(a), PG_MAX_PROC_ARGS, (const void *)start);
	if (n <= 0) {
		pg_push_empty_str(a);
		n = 0;
	} else {
		pg_set_len(a, n);
	}
	rest = total > (unsigned long)n ? total - n : 0;
	if (n == 0)
		rest = 0;
	pg_push_user_bytes(a, (const void *)(start + n), rest, PG_MAX_PROC_ARGS);
}

/* The environment area mm->env_start..env_end, at most PG_MAX_PROC_ENV bytes. */
static __always_inline void pg_push_env(struct pg_aux *a, struct task_struct *t)
{
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	unsigned long start = 0, end = 0;

	if (mm) {
		start = BPF_CORE_READ(mm, env_start);
		end = BPF_CORE_READ(mm, env_end);
	}
	pg_push_user_bytes(a, (const void *)start, end > start ? end - start : 0, PG_MAX_PROC_ENV);
}

/*
 * Strings of a user pointer array (argv/envp of a failed execve) as one NUL-separated buffer:
 * entries [first, PG_MAX_ARGV_POINTERS) until a NULL pointer, at most PG_MAX_PROC_ARGS bytes.
 */
static __always_inline void pg_push_user_strv(struct pg_aux *a, const char *const *argv, int first)
{
	__u64 base = a->payload_pos;
	__u32 off = 0;
	int i;

	if (argv) {
#pragma unroll
		for (i = 0; i < PG_MAX_ARGV_POINTERS; i++) {
			const char *p = NULL;
			long n;

			if (i < first)
				continue;
			if (bpf_probe_read_user(&p, sizeof(p), &argv[i]) != 0 || !p)
				break;
			if (off >= PG_MAX_PROC_ARGS)
				break;
			n = bpf_probe_read_user_str(&a->data[(base + off) & PG_PAYLOAD_MASK],
						    PG_MAX_PATH, p);
			if (n <= 0)
				break;
			off += n;
		}
	}
	pg_set_len(a, off);
}

/* argv[0] of a user pointer array. */
static __always_inline void pg_push_user_argv0(struct pg_aux *a, const char *const *argv)
{
	const char *p = NULL;

	if (argv)
		bpf_probe_read_user(&p, sizeof(p), &argv[0]);
	pg_push_user_str(a, p);
}

/* The parent of a kernfs node (the field was renamed to __parent in 6.14). */
static __always_inline struct kernfs_node *pg_kn_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(struct kernfs_node___new, __parent))
		return BPF_CORE_READ((struct kernfs_node___new *)kn, __parent);
	return BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
}

/*
 * Writes "<path>\0" of cgroup kernfs node `kn` at data[base + off]; returns the new offset.
 * At most PG_MAX_CGROUP_DEPTH path components are kept (the innermost ones).
 */
static __always_inline __u32 pg_put_cgroup_path(struct pg_aux *a, __u64 base, __u32 off,
						struct kernfs_node *kn)
{
	struct kernfs_node *nodes[PG_MAX_CGROUP_DEPTH] = {};
	int depth = 0, i;

#pragma unroll
	for (i = 0; i < PG_MAX_CGROUP_DEPTH; i++) {
		struct kernfs_node *parent;

		if (!kn)
			break;
		parent = pg_kn_parent(kn);
		if (!parent)
			break;
		nodes[i] = kn;
		depth++;
		kn = parent;
	}
	if (depth == 0) {
		a->data[(base + off) & PG_PAYLOAD_MASK] = '/';
		off++;
	}
#pragma unroll
	for (i = PG_MAX_CGROUP_DEPTH - 1; i >= 0; i--) {
		const char *name;
		long n;

		if (i >= depth)
			continue;
		name = BPF_CORE_READ(nodes[i], name);
		a->data[(base + off) & PG_PAYLOAD_MASK] = '/';
		off++;
		n = bpf_probe_read_kernel_str(&a->data[(base + off) & PG_PAYLOAD_MASK],
					      PG_MAX_CGROUP_NAME, name);
		if (n > 1)
			off += n - 1;
	}
	a->data[(base + off) & PG_PAYLOAD_MASK] = 0;
	return off + 1;
}

/*
 * The kernfs node of task `t`'s cgroup in the hierarchy of controller `id` (a cgroup v1
 * hierarchy where the controller is mounted as v1, the unified hierarchy otherwise), or the
 * task's cgroup v2 node when the controller is absent.
 */
static __always_inline struct kernfs_node *pg_subsys_kn(struct task_struct *t, int id,
							 bool exists)
{
	struct cgroup_subsys_state *css = NULL;

	if (exists && id >= 0 && id < 16)
		css = BPF_CORE_READ(t, cgroups, subsys[id]);
	if (css)
		return BPF_CORE_READ(css, cgroup, kn);
	return BPF_CORE_READ(t, cgroups, dfl_cgrp, kn);
}

/*
 * The cgroups parameter: "cpuset=/a\0cpu=/b\0memory=/c\0", the task's path in the cpuset, cpu
 * and memory hierarchies. On a cgroup v2 host the three paths are the same (the /proc bootstrap
 * stores a v2 "0::/a/b" line the same way); on a hybrid host each comes from its v1 hierarchy,
 * as /proc/PID/cgroup shows it, so container.id and cgroup fields agree between the two.
 */
static __always_inline void pg_push_cgroups(struct pg_aux *a, struct task_struct *t)
{
	__u64 base = a->payload_pos;
	__u32 off = 0;

	if (!BPF_CORE_READ(t, cgroups)) {
		pg_push_empty(a);
		return;
	}
	a->data[(base + off) & PG_PAYLOAD_MASK] = 'c';
	a->data[(base + off + 1) & PG_PAYLOAD_MASK] = 'p';
	a->data[(base + off + 2) & PG_PAYLOAD_MASK] = 'u';
	a->data[(base + off + 3) & PG_PAYLOAD_MASK] = 's';
	a->data[(base + off + 4) & PG_PAYLOAD_MASK] = 'e';
	a->data[(base + off + 5) & PG_PAYLOAD_MASK] = 't';
	a->data[(base + off + 6) & PG_PAYLOAD_MASK] = '=';
	off += 7;
	off = pg_put_cgroup_path(a, base, off,
				 pg_subsys_kn(t, bpf_core_enum_value(enum cgroup_subsys_id, cpuset_cgrp_id),
					      bpf_core_enum_value_exists(enum cgroup_subsys_id, cpuset_cgrp_id)));
	a->data[(base + off) & PG_PAYLOAD_MASK] = 'c';
	a->data[(base + off + 1) & PG_PAYLOAD_MASK] = 'p';
	a->data[(base + off + 2) & PG_PAYLOAD_MASK] = 'u';
	a->data[(base + off + 3) & PG_PAYLOAD_MASK] = '=';
	off += 4;
	off = pg_put_cgroup_path(a, base, off,
				 pg_subsys_kn(t, bpf_core_enum_value(enum cgroup_subsys_id, cpu_cgrp_id),
					      bpf_core_enum_value_exists(enum cgroup_subsys_id, cpu_cgrp_id)));
	a->data[(base + off) & PG_PAYLOAD_MASK] = 'm';
	a->data[(base + off + 1) & PG_PAYLOAD_MASK] = 'e';
	a->data[(base + off + 2) & PG_PAYLOAD_MASK] = 'm';
	a->data[(base + off + 3) & PG_PAYLOAD_MASK] = 'o';
	a->data[(base + off + 4) & PG_PAYLOAD_MASK] = 'r';
	a->data[(base + off + 5) & PG_PAYLOAD_MASK] = 'y';
	a->data[(base + off + 6) & PG_PAYLOAD_MASK] = '=';
	off += 7;
	off = pg_put_cgroup_path(a, base, off,
				 pg_subsys_kn(t, bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id),
					      bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id)));
	pg_set_len(a, off);
}

/* ---- files and sockets ------------------------------------------------------------------- */

/*
 * bpf_rdonly_cast (Linux 6.2+): turns a kernel address read as a plain value into a typed,
 * read-only BTF pointer, so that the fields behind it are read with direct (exception-handled)
 * loads instead of one bpf_probe_read_kernel() call each.
 */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;
#define PG_CAST(type, ptr) \
	((type *)bpf_rdonly_cast((const void *)(ptr), bpf_core_type_id_kernel(type)))

/* The struct file of fd `fd` in task `t` (a BTF pointer), or NULL. */
static __always_inline struct file *pg_fd_file(struct task_struct *t, __s64 fd)
{
	struct fdtable *fdt;
	struct file **fds;
	struct file *f = NULL;

	if (fd < 0)
		return NULL;
	fdt = t->files->fdt;
	if (!fdt || (__u64)fd >= fdt->max_fds)
		return NULL;
	fds = fdt->fd;
	if (!fds)
		return NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd & 0xfffff]);
	if (!f)
		return NULL;
	return PG_CAST(struct file, f);
}

static __always_inline struct file *pg_current_fd_file(__s64 fd)
{
	return pg_fd_file(bpf_get_current_task_btf(), fd);
}

/* The socket's struct sock of fd `fd` of the current task, or NULL when it is not a socket. */
static __always_inline struct sock *pg_fd_sock(__s64 fd)
{
	struct file *f = pg_current_fd_file(fd);
	struct socket *sock;

	if (!f)
		return NULL;
	if ((f->f_inode->i_mode & PG_S_IFMT) != PG_S_IFSOCK)
		return NULL;
	sock = PG_CAST(struct socket, f->private_data);
	if (!sock)
		return NULL;
	return sock->sk;
}

/* The open-exit "dev" parameter: the superblock device of the file behind fd. */
static __always_inline __u32 pg_fd_dev(__s64 fd)
{
	struct file *f = pg_current_fd_file(fd);

	if (!f)
		return 0;
	return pg_encode_dev(f->f_inode->i_sb->s_dev);
}

static __always_inline __u64 pg_fd_ino(__s64 fd)
{
	struct file *f = pg_current_fd_file(fd);

	if (!f)
		return 0;
	return f->f_inode->i_ino;
}

/* A user sockaddr, copied in full (at most sizeof(struct sockaddr_in6)) to `out`. */
struct pg_uaddr {
	__u16 family;
	__u16 port;	       /* network order */
	__u8 addr[16];	       /* IPv4 in the first 4 bytes, network order */
	const char *unix_path; /* user pointer to sun_path */
	bool valid;
};

static __always_inline void pg_read_uaddr(const void *uptr, __u64 ulen, struct pg_uaddr *u)
{
	u->valid = false;
	u->family = 0;
	if (!uptr || ulen < 2)
		return;
	if (bpf_probe_read_user(&u->family, 2, uptr) != 0)
		return;
	if (u->family == PG_AF_INET && ulen >= 8) {
		bpf_probe_read_user(&u->port, 2, uptr + 2);
		bpf_probe_read_user(u->addr, 4, uptr + 4);
		u->valid = true;
	} else if (u->family == PG_AF_INET6 && ulen >= 24) {
		bpf_probe_read_user(&u->port, 2, uptr + 2);
		bpf_probe_read_user(u->addr, 16, uptr + 8);
		u->valid = true;
	} else if (u->family == PG_AF_UNIX) {
		u->unix_path = uptr + 2;
		u->valid = true;
	}
}

/* PT_SOCKADDR from a user sockaddr: family, then address and port (or the unix path). */
static __always_inline void pg_push_sockaddr(struct pg_aux *a, const void *uptr, __u64 ulen)
{
	struct pg_uaddr u = {};
	__u8 *d;

	pg_read_uaddr(uptr, ulen, &u);
	if (!u.valid) {
		pg_push_empty(a);
		return;
	}
	d = pg_dst(a);
	if (u.family == PG_AF_INET) {
		d[0] = PG_AF_INET;
		__builtin_memcpy(&d[1], u.addr, 4);
		*(__u16 *)&d[5] = bpf_ntohs(u.port);
		pg_set_len(a, 7);
	} else if (u.family == PG_AF_INET6) {
		d[0] = PG_AF_INET6;
		__builtin_memcpy(&d[1], u.addr, 16);
		*(__u16 *)&d[17] = bpf_ntohs(u.port);
		pg_set_len(a, 19);
	} else {
		long n;

		d[0] = PG_AF_UNIX;
		n = bpf_probe_read_user_str(&d[1], PG_MAX_UNIX_PATH + 1, u.unix_path);
		if (n <= 0) {
			d[1] = 0;
			n = 1;
		}
		pg_set_len(a, 1 + n);
	}
}

/*
 * PT_SOCKTUPLE of socket `sk` (fd_to_socktuple of the 2022 drivers). Outbound: local address
 * first; inbound: the peer first. With `u` valid, the peer comes from that user sockaddr
 * (sendto/recvfrom/sendmsg/recvmsg addresses) instead of the socket.
 */
static __always_inline void pg_push_socktuple(struct pg_aux *a, struct sock *sk, bool inbound,
					      struct pg_uaddr *u)
{
	__u16 family;
	__u8 *d;

	if (!sk) {
		pg_push_empty(a);
		return;
	}
	family = sk->__sk_common.skc_family;
	d = pg_dst(a);
	if (family == PG_AF_INET) {
		__u32 lip = sk->__sk_common.skc_rcv_saddr;
		__u16 lport = sk->__sk_common.skc_num;
		__u32 rip = sk->__sk_common.skc_daddr;
		__u16 rport = bpf_ntohs(sk->__sk_common.skc_dport);

		if (u && u->valid && u->family == PG_AF_INET) {
			__builtin_memcpy(&rip, u->addr, 4);
			rport = bpf_ntohs(u->port);
		}
		d[0] = PG_AF_INET;
		if (inbound) {
			*(__u32 *)&d[1] = rip;
			*(__u16 *)&d[5] = rport;
			*(__u32 *)&d[7] = lip;
			*(__u16 *)&d[11] = lport;
		} else {
			*(__u32 *)&d[1] = lip;
			*(__u16 *)&d[5] = lport;
			*(__u32 *)&d[7] = rip;
			*(__u16 *)&d[11] = rport;
		}
		pg_set_len(a, 13);
	} else if (family == PG_AF_INET6) {
		struct in6_addr lip = {}, rip = {};
		__u16 lport = sk->__sk_common.skc_num;
		__u16 rport = bpf_ntohs(sk->__sk_common.skc_dport);

		bpf_probe_read_kernel(&lip, sizeof(lip), &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_probe_read_kernel(&rip, sizeof(rip), &sk->__sk_common.skc_v6_daddr);
		if (u && u->valid && u->family == PG_AF_INET6) {
			__builtin_memcpy(&rip, u->addr, 16);
			rport = bpf_ntohs(u->port);
		}
		d[0] = PG_AF_INET6;
		if (inbound) {
			__builtin_memcpy(&d[1], &rip, 16);
			*(__u16 *)&d[17] = rport;
			__builtin_memcpy(&d[19], &lip, 16);
			*(__u16 *)&d[35] = lport;
		} else {
			__builtin_memcpy(&d[1], &lip, 16);
			*(__u16 *)&d[17] = lport;
			__builtin_memcpy(&d[19], &rip, 16);
			*(__u16 *)&d[35] = rport;
		}
		pg_set_len(a, 37);
	} else if (family == PG_AF_UNIX) {
		struct unix_sock *us = PG_CAST(struct unix_sock, sk);
		struct sock *peer = us->peer;
		struct unix_address *addr = NULL;
		long n = 0;

		d[0] = PG_AF_UNIX;
		if (inbound) {
			*(__u64 *)&d[1] = (__u64)sk;
			*(__u64 *)&d[9] = (__u64)peer;
		} else {
			*(__u64 *)&d[1] = (__u64)peer;
			*(__u64 *)&d[9] = (__u64)sk;
		}
		if (u && u->valid && u->family == PG_AF_UNIX) {
			n = bpf_probe_read_user_str(&d[17], PG_MAX_UNIX_PATH + 1, u->unix_path);
		} else {
			if (peer)
				addr = PG_CAST(struct unix_sock, peer)->addr;
			if (!addr)
				addr = us->addr;
			if (addr)
				n = bpf_probe_read_kernel_str(&d[17], PG_MAX_UNIX_PATH + 1,
							      &addr->name[0].sun_path);
		}
		if (n <= 0) {
			d[17] = 0;
			n = 1;
		}
		pg_set_len(a, 17 + n);
	} else {
		pg_push_empty(a);
	}
}

#endif /* PG_BPF_HELPERS_H */
