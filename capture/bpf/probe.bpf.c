// SPDX-License-Identifier: GPL-2.0
/*
 * probe.bpf.c: Peregrine's CO-RE probe. It writes syscall and process events into per-CPU ring
 * buffers in the scap PPM encoding with the 2022 event shapes (vm/events.def), so that live
 * events and .scap files feed one state engine, and `peregrine trace -w` can save the records
 * unchanged for sysdig 0.29.3.
 *
 * Programs
 *  - pg_sys_enter / pg_sys_exit (tp_btf/sys_enter, tp_btf/sys_exit): dispatchers. One lookup in
 *    syscall_table decides whether the syscall is selected; unselected syscalls return there.
 *    Selected ones tail-call the filler stored for their number in enter_progs / exit_progs.
 *  - fillers f_*: one per parameter *shape*, not per syscall. A filler takes the event code
 *    from syscall_table (the ROUTE rows of vm/syscalls.def), so the code always matches the
 *    syscall; the loader checks each filler's parameter signature (see the comment on each,
 *    and capture/live/selection.cpp) against vm/events.def before putting it in a slot, and
 *    pg_submit() refuses an event whose parameter count differs from the table.
 *  - pg_sched_exec (tp_btf/sched_process_exec): the exit of a successful execve/execveat, built
 *    from the new image (exe and args from mm->arg_start, env from mm->env_start). sys_exit
 *    only reports failed execs. exec_pending (keyed by the thread id at the enter) tells it
 *    which of the two syscalls it ends.
 *  - pg_sched_exit (tp_btf/sched_process_exit): procexit for every exiting thread.
 *  - pg_sched_fork (tp_btf/sched_process_fork): the child's clone exit, only with
 *    PG_CFG_CHILD_FROM_FORK; by default (x86_64) the child's own sys_exit reports it, as the
 *    prototype verified (CAPTURE.md 4.5).
 *
 * Pairing (CAPTURE.md 2.3): every syscall event is an enter from sys_enter followed on the
 * same thread by its exit from sys_exit (or sched_process_exec for a successful exec). The
 * child's clone exit has no enter, as in the kernel module. procexit is enter-only.
 *
 * Not captured: 32-bit (ia32) syscalls, counted in n_ia32_skipped; the consumer process when
 * cfg.self_tgid is set.
 *
 * Kernel requirements: BTF, tp_btf programs and BPF ring buffers (5.8), bpf_task_pt_regs
 * (5.15, only with PG_CFG_CHILD_FROM_FORK), the bpf_rdonly_cast kfunc (6.2) for direct reads
 * through file and socket pointers. Developed and tested on 6.18 (x86_64).
 *
 * Signature letters used in the comments: i = 8-byte integer (fd, pid, errno, u64), u = 4
 * bytes, h = 2 bytes, b = 1 byte, s = string, B = byte buffer, a = sockaddr, t = socktuple,
 * d = dynamic (index byte + u64).
 */
#include "helpers.h"

char LICENSE[] SEC("license") = "GPL";

#define PG_ENTER(name) SEC("tp_btf/sys_enter") int BPF_PROG(name, struct pt_regs *regs, long id)
#define PG_EXIT(name)  SEC("tp_btf/sys_exit") int BPF_PROG(name, struct pt_regs *regs, long ret)

/* Common start of a filler: the scratch buffer and this syscall's table row. */
#define PG_PROLOGUE(nr)                             \
	struct pg_aux *a = pg_aux_get();            \
	struct pg_syscall_cfg *sc = pg_syscall(nr); \
	if (!a || !sc) {                            \
		return 0;                           \
	}

#define PG_BEGIN_ENTER(kind) pg_begin(a, sc->enter_event, (kind))
#define PG_BEGIN_EXIT(kind)  pg_begin(a, sc->exit_event, (kind))

/* ---- dispatchers -------------------------------------------------------------------------- */

SEC("tp_btf/sys_enter")
int BPF_PROG(pg_sys_enter, struct pt_regs *regs, long id)
{
	struct pg_syscall_cfg *sc = pg_syscall(id);

	if (!sc || !(sc->flags & PG_SC_SELECTED))
		return 0;
	if (pg_skip_current())
		return 0;
	bpf_tail_call(ctx, &enter_progs, (__u32)id);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(pg_sys_exit, struct pt_regs *regs, long ret)
{
	long id = regs->orig_ax;
	struct pg_syscall_cfg *sc = pg_syscall(id);

	if (!sc || !(sc->flags & PG_SC_SELECTED))
		return 0;
	if (pg_skip_current())
		return 0;
	bpf_tail_call(ctx, &exit_progs, (__u32)id);
	return 0;
}

/* ---- generic and shape-only fillers ------------------------------------------------------- */

/* SYSCALL_E "hh": ID (PPM syscall code), nativeID. */
PG_ENTER(f_generic_e)
{
	PG_PROLOGUE(id);
	pg_begin(a, PPME_SYSCALL_E, PG_DROP_OTHER);
	pg_push_u16(a, sc->ppm_sc);
	pg_push_u16(a, (__u16)id);
	pg_submit(a);
	return 0;
}

/* SYSCALL_X "h": ID. */
PG_EXIT(f_generic_x)
{
	PG_PROLOGUE(regs->orig_ax);
	pg_begin(a, PPME_SYSCALL_X, PG_DROP_OTHER);
	pg_push_u16(a, sc->ppm_sc);
	pg_submit(a);
	return 0;
}

/* "": enters without parameters (clone family, pipe, chdir, rename, unlink, ...). */
PG_ENTER(f_empty_e)
{
	PG_PROLOGUE(id);
	PG_BEGIN_ENTER(PG_DROP_OTHER);
	pg_submit(a);
	return 0;
}

/* "i": res (errno, fd or pid). */
PG_EXIT(f_res_x)
{
	PG_PROLOGUE(regs->orig_ax);
	PG_BEGIN_EXIT(regs->orig_ax == 3 ? PG_DROP_CLOSE : PG_DROP_OTHER);
	pg_push_s64(a, ret);
	pg_submit(a);
	return 0;
}

/* "i": fd = arg0 (close, dup*, fchdir, bind, recvmsg). */
PG_ENTER(f_fd_e)
{
	PG_PROLOGUE(id);
	PG_BEGIN_ENTER(id == 3 ? PG_DROP_CLOSE : PG_DROP_OTHER);
	pg_push_s64(a, PG_INT_ARG(PG_ARG0(regs)));
	pg_submit(a);
	return 0;
}

/* "u": arg0 as u32 (setuid, setgid). */
PG_ENTER(f_u32_e)
{
	PG_PROLOGUE(id);
	PG_BEGIN_ENTER(PG_DROP_OTHER);
	pg_push_u32(a, (__u32)PG_ARG0(regs));
	pg_submit(a);
	return 0;
}

/* "is": res, path = arg0 (chdir, mkdir, rmdir, unlink, chroot, umount2). */
PG_EXIT(f_res_path_x)
{
	PG_PROLOGUE(regs->orig_ax);
	PG_BEGIN_EXIT(PG_DROP_OTHER);
	pg_push_s64(a, ret);
	pg_push_user_str(a, (const void *)PG_ARG0(regs));
	pg_submit(a);
	return 0;
}

/* "iss": res, arg0 path, arg1 path (rename, link, symlink). */
PG_EXIT(f_res_path_path_x)
{
	PG_PROLOGUE(regs->orig_ax);
	PG_BEGIN_EXIT(PG_DROP_OTHER);
	pg_push_s64(a, ret);
	pg_push_user_str(a, (const void *)PG_ARG0(regs));
	pg_push_user_str(a, (const void *)PG_ARG1(regs));
	pg_submit(a);
	return 0;
}

/*
 * "iisis" or "iisisu": res, olddirfd, oldpath, newdirfd, newpath[, flags = arg4]
 * (renameat, renameat2, linkat; the flags of renameat2 and linkat have the Linux values).
 */
PG_EXIT(f_res_dirpath2_x)
{
	PG_PROLOGUE(regs->orig_ax);
	PG_BEGIN_EXIT(PG_DROP_OTHER);
	pg_push_s64(a, ret);
	pg_push_s64(a, PG_INT_ARG(PG_ARG0(regs)));
	pg_push_user_str(a, (const void *)PG_ARG1(regs));
	pg_push_s64(a, PG_INT_ARG(PG_ARG2(regs)));
	pg_push_user_str(a, (const void *)PG_ARG3(regs));
	if (a->nparams == 6)
		pg_push_u32(a, (__u32)PG_ARG4(regs));
	pg_submit(a);
	return 0;
}

/* "iisu": res, dirfd = arg0, path = arg1, u32 = arg2 (mkdirat mode, unlinkat flags, fchmodat mode). */
PG_EXIT(f_res_dirpath_u32_x)
{
	PG_PROLOGUE(regs->orig_ax);
	PG_BEGIN_EXIT(PG_DROP_OTHER);
	pg_push_s64(a, ret);
	pg_push_s64(a, PG_INT_ARG(PG_ARG0(regs)));
	pg_push_user_str(a, (const void *)PG_ARG1(regs));
	pg_push_u32(a, (__u32)PG_ARG2(regs));
	pg_submit(a);
	return 0;
}

/* ---- files -------------------------------------------------------------------------------- */

/* OPEN_E "suu": name, flags, mode. */
PG_ENTER(f_open_e)
{
	__u64 flags = PG_ARG1(regs);

	PG_PROLOGUE(id);
	PG_BEGIN_ENTER(PG_DROP_OPEN);
	pg_push_user_str(a, (const void *)PG_ARG0(regs));
	pg_push_u32(a, pg_open_flags(flags));
	pg_push_u32(a, pg_open_mode(flags, PG_ARG2(regs)));
	pg_submit(a);
	return 0;
}

/* OPEN_X "isuuu": fd, name, flags, mode, dev. */
PG_EXIT(f_open_x)
{
	__u64 flags = PG_ARG1(regs);

	PG_PROLOGUE(regs->orig_ax);
	PG_BEGIN_EXIT(PG_DROP_OPEN);
	pg_push_s64(a, ret);
	pg_push_user_str(a, (const void *)PG_ARG0(regs));
	pg_push_u32(a, pg_open_flags(flags));
	pg_push_u32(a, pg_open_mode(flags, PG_ARG2(regs)));
	pg_push_u32(a, ret >= 0 ? pg_fd_dev(ret) : 0);
	pg_submit(a);
	return 0;
}

/* CREAT_E "su": name, mode. */
PG_ENTER(f_creat_e)
{
	PG_PROLOGUE(id);
	PG_BEGIN_ENTER(PG_DROP_OPEN);
	pg_push_user_str(a, (const void *)PG_ARG0(regs));
	pg_push_u32(a, PG_ARG1(regs) & 07777);
	pg_submit(a);
	return 0;
}

/* CREAT_X "isuu": fd, name, mode, dev. */
PG_EXIT(f_creat_x)
{
	PG_PROLOGUE(regs->orig_ax);
	PG_BEGIN_EXIT(PG_DROP_OPEN);
	pg_push_s64(a, ret);
	pg_push_user_str(a, (const void *)PG_ARG0(regs));
	pg_push_u32(a, PG_ARG1(regs) & 07777);
	pg_push_u32(a, ret >= 0 ? pg_fd_dev(ret) : 0);
	pg_submit(a);
	return 0;
}

/* OPENAT_2_E "isuu": dirfd, name, flags, mode. */
PG_ENTER(f_openat_e)
{
	__u64 flags = PG_ARG2(regs);

	PG_PROLOGUE(id);
	PG_BEGIN_ENTER(PG_DROP_OPEN);
	pg_push_s64(a, PG_INT_ARG(PG_ARG0(regs)));
	pg_push_user_str(a, (const void *)PG_ARG1(regs));
	pg_push_u32(a, pg_open_flags(flags));
	pg_push_u32(a, pg_open_mode(flags, PG_ARG3(regs)));
	pg_submit(a);
	return 0;
}

/* OPENAT_2_X "iisuuu": fd, dirfd, name, flags, mode, dev. */
PG_EXIT(f_openat_x)
{
	__u64 flags = PG_ARG2(regs);

	PG_PROLOGUE(regs->orig_ax);
	PG_BEGIN_EXIT(PG_DROP_OPEN);
	pg_push_s64(a, ret);
	pg_push_s64(a, PG_INT_ARG(PG_ARG0(regs)));
	pg_push_user_str(a, (const void *)PG_ARG1(regs));
	pg_push_u32(a, pg_open_flags(flags));
	pg_push_u32(a, pg_open_mode(flags, PG_ARG3(regs)));
	pg_push_u32(a, ret >= 0 ? pg_fd_dev(ret) : 0);
	pg_submit(a);
	return 0;
}

/* struct open_how of openat2 (include/uapi/linux/openat2.h). */
struct pg_open_how {
	__u64 flags, mode, resolve;
};

static __always_inline void pg_read_open_how(struct pt_regs *regs, struct pg_open_how *how)
{
	how->flags = how->mode = how->resolve = 0;
	if (PG_ARG3(regs) >= sizeof(*how))
		bpf_probe_read_user(how, sizeof(*how), (const void *)PG_ARG2(regs));
}

/* OPENAT2_E "isuuu": dirfd, name, flags, mode, resolve. */
PG_ENTER(f_openat2_e)
{
	struct pg_open_how how;

	PG_PROLOGUE(id);
	pg_read_open_how(regs, &how);
	PG_BEGIN_ENTER(PG_DROP_OPEN);
	pg_push_s64(a, PG_INT_ARG(PG_ARG0(regs)));
	pg_push_user_str(a, (const void *)PG_ARG1(regs));
	pg_push_u32(a, pg_open_flags(how.flags));
	pg_push_u32(a, pg_open_mode(how.flags, how.mode));
	pg_push_u32(a, pg_openat2_resolve(how.resolve));
	pg_submit(a);
	return 0;
}

/* OPENAT2_X "iisuuu": fd, dirfd, name, flags, mode, resolve. */
PG_EXIT(f_openat2_x)
{
	struct pg_open_how how;

	PG_PROLOGUE(regs->orig_ax);
	pg_read_open_how(regs, &how);
	PG_BEGIN_EXIT(PG_DROP_OPEN);
	pg_push_s64(a, ret);
	pg_push_s64(a, PG_INT_ARG(PG_ARG0(regs)));
	pg_push_user_str(a, (const void *)PG_ARG1(regs));
	pg_push_u32(a, pg_open_flags(how.flags));
	pg_push_u32(a, pg_open_mode(how.flags, how.mode));
	pg_push_u32(a, pg_openat2_resolve(how.resolve));
	pg_submit(a);
	return 0;
}

/* FCNTL_E "ib": fd, cmd (PPM encoding). */
PG_ENTER(f_fcntl_e)
{
	PG_PROLOGUE(id);
	PG_BEGIN_ENTER(PG_DROP_OTHER);
	pg_push_s64(a, PG_INT_ARG(PG_ARG0(regs)));
	pg_push_u8(a, pg_fcntl_cmd(PG_ARG1(regs)));
	pg_submit(a);
	return 0;
}

/* MKDIR_2_E "u": mode = arg1. */
PG_ENTER(f_mkdir_e)
{
	PG_PROLOGUE(id);
	PG_BEGIN_ENTER(PG_DROP_OTHER);
	pg_push_u32(a, (__u32)PG_ARG1(regs));
	pg_submit(a);
	return 0;
}

/* SYMLINKAT_X "isis": res, target = arg0, linkdirfd = arg1, linkpath = arg2. */
PG_EXIT(f_symlinkat_x)
{
	PG_PROLOGUE(regs->orig_ax);
	PG_BEGIN_EXIT(PG_DROP_OTHER);
	pg_push_s64(a, ret);
	pg_push_user_str(a, (const void *)PG_ARG0(regs));
	pg_push_s64(a, PG_INT_ARG(PG_ARG1(regs)));
	pg_push_user_str(a, (const void *)PG_ARG2(regs));
	pg_submit(a);
	return 0;
}

/* CHMOD_X "isu": res, filename, mode. */
PG_EXIT(f_chmod_x)
{
	PG_PROLOGUE(regs->orig_ax);
	PG_BEGIN_EXIT(PG_DROP_OTHER);
	pg_push_s64(a, ret);
	pg_push_user_str(a, (const void *)PG_ARG0(regs));
	pg_push_u32(a, (__u32)PG_ARG1(regs));
	pg_submit(a);
	return 0;
}

/* FCHMOD_X "iiu": res, fd, mode. */
PG_EXIT(f_fchmod_x)
{
	PG_PROLOGUE(regs->orig_ax);
	PG_BEGIN_EXIT(PG_DROP_OTHER);
	pg_push_s64(a, ret);
	pg_push_s64(a, PG_INT_ARG(PG_ARG0(regs)));
	pg_push_u32(a, (__u32)PG_ARG1(regs));
	pg_submit(a);
	return 0;
}

/* PIPE_X "iiii": res, fd1, fd2, ino (pipe, pipe2: arg0 is int[2]). */
PG_EXIT(f_pipe_x)
{
	int fds[2] = {-1, -1};

	PG_PROLOGUE(regs->orig_ax);
	if (ret >= 0)
		bpf_probe_read_user(fds, sizeof(fds), (const void *)PG_ARG0(regs));
	PG_BEGIN_EXIT(PG_DROP_OTHER);
	pg_push_s64(a, ret);
	pg_push_s64(a, fds[0]);
	pg_push_s64(a, fds[1]);
	pg_push_u64(a, ret >= 0 ? pg_fd_ino(fds[0]) : 0);
	pg_submit(a);
	return 0;
}

/* EVENTFD_E "iu": initval, flags (eventfd has no flags argument). */
PG_ENTER(f_eventfd_e)
{
	PG_PROLOGUE(id);
	PG_BEGIN_ENTER(PG_DROP_OTHER);
	pg_push_u64(a, (__u32)PG_ARG0(regs));
	pg_push_u32(a, id == 290 ? (__u32)PG_ARG1(regs) : 0);
	pg_submit(a);
	return 0;
}

/* USERFAULTFD_X "iu": res, flags (open-flag encoding). */
PG_EXIT(f_userfaultfd_x)
{
	PG_PROLOGUE(regs->orig_ax);
	PG_BEGIN_EXIT(PG_DROP_OTHER);
	pg_push_s64(a, ret);
	pg_push_u32(a, pg_open_flags(PG_ARG0(regs)));
	pg_submit(a);
	return 0;
}

/* ---- network ------------------------------------------------------------------------------ */

/* SOCKET_E / SOCKETPAIR_E "uuu": domain (PPM_AF values equal Linux AF_*), type, proto. */
PG_ENTER(f_socket_e)
{
	PG_PROLOGUE(id);
	PG_BEGIN_ENTER(PG_DROP_OTHER);
	pg_push_u32(a, (__u32)PG_ARG0(regs));
	pg_push_u32(a, (__u32)PG_ARG1(regs));
	pg_push_u32(a, (__u32)PG_ARG2(regs));
	pg_submit(a);
	return 0;
}

/* SOCKETPAIR_X "iiiii": res, fd1, fd2, source, peer (kernel socket addresses). */
PG_EXIT(f_socketpair_x)
{
	int fds[2] = {-1, -1};
	struct sock *sk = NULL;

	PG_PROLOGUE(regs->orig_ax);
	if (ret >= 0) {
		bpf_probe_read_user(fds, sizeof(fds), (const void *)PG_ARG3(regs));
		sk = pg_fd_sock(fds[0]);
	}
	PG_BEGIN_EXIT(PG_DROP_OTHER);
	pg_push_s64(a, ret);
	pg_push_s64(a, fds[0]);
	pg_push_s64(a, fds[1]);
	pg_push_u64(a, (__u64)sk);
	pg_push_u64(a, sk ? (__u64)PG_CAST(struct unix_sock, sk)->peer : 0);
	pg_submit(a);
	return 0;
}

/* BIND_X "ia": res, addr (the user sockaddr). */
PG_EXIT(f_bind_x)
{
	PG_PROLOGUE(regs->orig_ax);
	PG_BEGIN_EXIT(PG_DROP_OTHER);
	pg_push_s64(a, ret);
	pg_push_sockaddr(a, (const void *)PG_ARG1(regs), PG_ARG2(regs));
	pg_submit(a);
	return 0;
}

/* CONNECT_E "ia": fd, addr (read before the kernel uses it). */
PG_ENTER(f_connect_e)
{
	PG_PROLOGUE(id);
	PG_BEGIN_ENTER(PG_DROP_CONNECT);
	pg_push_s64(a, PG_INT_ARG(PG_ARG0(regs)));
	pg_push_sockaddr(a, (const void *)PG_ARG1(regs), PG_ARG2(regs));
	pg_submit(a);
	return 0;
}

/*
 * CONNECT_X "it": res, tuple from the socket (local address and port as bound by the connect,
 * the peer from the socket or, before it is set, from the user address). Empty on failure
 * other than EINPROGRESS.
 */
PG_EXIT(f_connect_x)
{
	__s64 fd = PG_INT_ARG(PG_ARG0(regs));

	PG_PROLOGUE(regs->orig_ax);
	PG_BEGIN_EXIT(PG_DROP_CONNECT);
	pg_push_s64(a, ret);
	if (ret == 0 || ret == -115 /* EINPROGRESS */) {
		struct sock *sk = pg_fd_sock(fd);
		struct pg_uaddr u = {};

		if (sk &&
		    (sk->__sk_common.skc_dport == 0 || sk->__sk_common.skc_family == PG_AF_UNIX))
			pg_read_uaddr((const void *)PG_ARG1(regs), PG_ARG2(regs), &u);
		pg_push_socktuple(a, sk, false, &u);
	} else {
		pg_push_empty(a);
	}
	pg_submit(a);
	return 0;
}

/* LISTEN_E "iu": fd, backlog. */
PG_ENTER(f_listen_e)
{
	PG_PROLOGUE(id);
	PG_BEGIN_ENTER(PG_DROP_OTHER);
	pg_push_s64(a, PG_INT_ARG(PG_ARG0(regs)));
	pg_push_u32(a, (__u32)PG_ARG1(regs));
	pg_submit(a);
	return 0;
}

/* ACCEPT_4_E "u": flags. */
PG_ENTER(f_accept4_e)
{
	PG_PROLOGUE(id);
	PG_BEGIN_ENTER(PG_DROP_OTHER);
	pg_push_u32(a, (__u32)PG_ARG3(regs));
	pg_submit(a);
	return 0;
}

/*
 * ACCEPT_3_X / ACCEPT_4_X "itbuu": fd, tuple (peer first), queuepct, queuelen, queuemax of
 * the listening socket.
 */
PG_EXIT(f_accept_x)
{
	struct sock *lsk = pg_fd_sock(PG_INT_ARG(PG_ARG0(regs)));
	__u32 qlen = 0, qmax = 0;

	PG_PROLOGUE(regs->orig_ax);
	if (lsk) {
		qlen = lsk->sk_ack_backlog;
		qmax = lsk->sk_max_ack_backlog;
	}
	PG_BEGIN_EXIT(PG_DROP_CONNECT);
	pg_push_s64(a, ret);
	if (ret >= 0)
		pg_push_socktuple(a, pg_fd_sock(ret), true, NULL);
	else
		pg_push_empty(a);
	pg_push_u8(a, qmax ? (__u8)(qlen * 100 / qmax) : 0);
	pg_push_u32(a, qlen);
	pg_push_u32(a, qmax);
	pg_submit(a);
	return 0;
}

/* SENDTO_E "iut": fd, size, tuple (the destination from the user address when given). */
PG_ENTER(f_sendto_e)
{
	__s64 fd = PG_INT_ARG(PG_ARG0(regs));
	struct pg_uaddr u = {};

	PG_PROLOGUE(id);
	pg_read_uaddr((const void *)PG_ARG4(regs), PG_ARG5(regs), &u);
	PG_BEGIN_ENTER(PG_DROP_OTHER);
	pg_push_s64(a, fd);
	pg_push_u32(a, (__u32)PG_ARG2(regs));
	pg_push_socktuple(a, pg_fd_sock(fd), false, &u);
	pg_submit(a);
	return 0;
}

/* SENDTO_X / SENDMSG_X "iB": res, data (for sendto, at most snaplen bytes of the buffer). */
PG_EXIT(f_sendto_x)
{
	__u64 n = ret > 0 ? (__u64)ret : 0;

	PG_PROLOGUE(regs->orig_ax);
	if (n > cfg.snaplen)
		n = cfg.snaplen;
	PG_BEGIN_EXIT(PG_DROP_OTHER);
	pg_push_s64(a, ret);
	pg_push_user_bytes(a, (const void *)PG_ARG1(regs), n, PG_MAX_SNAPLEN);
	pg_submit(a);
	return 0;
}

/* RECVFROM_E "iu": fd, size. */
PG_ENTER(f_recvfrom_e)
{
	PG_PROLOGUE(id);
	PG_BEGIN_ENTER(PG_DROP_OTHER);
	pg_push_s64(a, PG_INT_ARG(PG_ARG0(regs)));
	pg_push_u32(a, (__u32)PG_ARG2(regs));
	pg_submit(a);
	return 0;
}

/* RECVFROM_X "iBt": res, data, tuple (the source from the user address when given). */
PG_EXIT(f_recvfrom_x)
{
	__s64 fd = PG_INT_ARG(PG_ARG0(regs));
	__u64 n = ret > 0 ? (__u64)ret : 0;
	struct pg_uaddr u = {};
	int ulen = 0;

	PG_PROLOGUE(regs->orig_ax);
	if (n > cfg.snaplen)
		n = cfg.snaplen;
	if (ret >= 0 && PG_ARG4(regs) && PG_ARG5(regs)) {
		bpf_probe_read_user(&ulen, sizeof(ulen), (const void *)PG_ARG5(regs));
		pg_read_uaddr((const void *)PG_ARG4(regs), ulen, &u);
	}
	PG_BEGIN_EXIT(PG_DROP_OTHER);
	pg_push_s64(a, ret);
	pg_push_user_bytes(a, (const void *)PG_ARG1(regs), n, PG_MAX_SNAPLEN);
	if (ret >= 0)
		pg_push_socktuple(a, pg_fd_sock(fd), true, &u);
	else
		pg_push_empty(a);
	pg_submit(a);
	return 0;
}

/* The parts of a user struct msghdr the message events use. */
struct pg_msg {
	const void *name;
	int namelen;
	__u64 size;
	const void *base0;
	__u64 len0;
};

static __always_inline void pg_read_msghdr(const void *umsg, struct pg_msg *m)
{
	struct user_msghdr h = {};
	struct iovec iov[PG_MAX_IOVEC] = {};
	int i;

	m->name = NULL;
	m->namelen = 0;
	m->size = 0;
	m->base0 = NULL;
	m->len0 = 0;
	if (!umsg || bpf_probe_read_user(&h, sizeof(h), umsg) != 0)
		return;
	m->name = h.msg_name;
	m->namelen = h.msg_namelen;
	if (h.msg_iov && h.msg_iovlen > 0)
		bpf_probe_read_user(iov, sizeof(iov), h.msg_iov);
#pragma unroll
	for (i = 0; i < PG_MAX_IOVEC; i++) {
		if (i < h.msg_iovlen)
			m->size += iov[i].iov_len;
	}
	m->base0 = iov[0].iov_base;
	m->len0 = iov[0].iov_len;
}

/* SENDMSG_E "iut": fd, size (sum of the iovecs), tuple (destination from msg_name if set). */
PG_ENTER(f_sendmsg_e)
{
	__s64 fd = PG_INT_ARG(PG_ARG0(regs));
	struct pg_uaddr u = {};
	struct pg_msg m;

	PG_PROLOGUE(id);
	pg_read_msghdr((const void *)PG_ARG1(regs), &m);
	pg_read_uaddr(m.name, m.namelen, &u);
	PG_BEGIN_ENTER(PG_DROP_OTHER);
	pg_push_s64(a, fd);
	pg_push_u32(a, (__u32)m.size);
	pg_push_socktuple(a, pg_fd_sock(fd), false, &u);
	pg_submit(a);
	return 0;
}

/* SENDMSG_X "iB": res, data (the first iovec, at most snaplen bytes). */
PG_EXIT(f_sendmsg_x)
{
	__u64 n = ret > 0 ? (__u64)ret : 0;
	struct pg_msg m;

	PG_PROLOGUE(regs->orig_ax);
	pg_read_msghdr((const void *)PG_ARG1(regs), &m);
	if (n > m.len0)
		n = m.len0;
	if (n > cfg.snaplen)
		n = cfg.snaplen;
	PG_BEGIN_EXIT(PG_DROP_OTHER);
	pg_push_s64(a, ret);
	pg_push_user_bytes(a, m.base0, n, PG_MAX_SNAPLEN);
	pg_submit(a);
	return 0;
}

/* RECVMSG_X "iuBt": res, size, data, tuple (source from msg_name, filled by the kernel). */
PG_EXIT(f_recvmsg_x)
{
	__s64 fd = PG_INT_ARG(PG_ARG0(regs));
	__u64 n = ret > 0 ? (__u64)ret : 0;
	struct pg_uaddr u = {};
	struct pg_msg m;

	PG_PROLOGUE(regs->orig_ax);
	pg_read_msghdr((const void *)PG_ARG1(regs), &m);
	if (ret >= 0)
		pg_read_uaddr(m.name, m.namelen, &u);
	if (n > m.len0)
		n = m.len0;
	if (n > cfg.snaplen)
		n = cfg.snaplen;
	PG_BEGIN_EXIT(PG_DROP_OTHER);
	pg_push_s64(a, ret);
	pg_push_u32(a, ret > 0 ? (__u32)ret : 0);
	pg_push_user_bytes(a, m.base0, n, PG_MAX_SNAPLEN);
	if (ret >= 0)
		pg_push_socktuple(a, pg_fd_sock(fd), true, &u);
	else
		pg_push_empty(a);
	pg_submit(a);
	return 0;
}

/* SHUTDOWN_E "ib": fd, how (SHUT_* values are the PPM ones). */
PG_ENTER(f_shutdown_e)
{
	PG_PROLOGUE(id);
	PG_BEGIN_ENTER(PG_DROP_OTHER);
	pg_push_s64(a, PG_INT_ARG(PG_ARG0(regs)));
	pg_push_u8(a, (__u8)PG_ARG1(regs));
	pg_submit(a);
	return 0;
}

/* ---- processes ---------------------------------------------------------------------------- */

/*
 * EXECVE_8_E "s": filename; EXECVEAT_E "isu": dirfd, pathname, flags (PPM encoding).
 *
 * sinsp derives proc.exepath from this filename, so it matters. A BPF program cannot fault
 * pages in, and a path in a page the process has not touched yet (a string literal of a fresh
 * child, typically) cannot be read here. Then the enter is not emitted now: it is recorded in
 * exec_pending and emitted right before the exit, from bprm->filename (successful exec) or
 * from user memory again (failed exec, by then the kernel has faulted the page in). Either way
 * the thread's stream stays "enter, then its exit".
 */
static __always_inline int pg_exec_enter(struct pt_regs *regs, long id)
{
	__u32 tid = bpf_get_current_pid_tgid() & 0xffffffff;
	struct pg_exec_pending p = {.nr = (__u32)id};
	long n;

	PG_PROLOGUE(id);
	PG_BEGIN_ENTER(PG_DROP_EXECVE);
	if (id == 322) {
		p.dirfd = PG_INT_ARG(PG_ARG0(regs));
		p.flags = pg_execveat_flags(PG_ARG4(regs));
		pg_push_s64(a, p.dirfd);
		n = pg_push_user_str(a, (const void *)PG_ARG1(regs));
		pg_push_u32(a, p.flags);
	} else {
		n = pg_push_user_str(a, (const void *)PG_ARG0(regs));
	}
	p.deferred = n <= 0;
	bpf_map_update_elem(&exec_pending, &tid, &p, BPF_ANY);
	if (!p.deferred)
		pg_submit(a);
	return 0;
}

PG_ENTER(f_execve_e)
{
	return pg_exec_enter(regs, id);
}

PG_ENTER(f_execveat_e)
{
	return pg_exec_enter(regs, id);
}

/* Emits a deferred exec enter, the filename taken from kernel (`kpath`) or user memory. */
static __always_inline void pg_emit_deferred_exec_enter(struct pg_aux *a, __u16 type,
							struct pg_exec_pending *p,
							const char *kpath, const char *upath)
{
	pg_begin(a, type, PG_DROP_EXECVE);
	if (p->nr == 322)
		pg_push_s64(a, p->dirfd);
	if (kpath)
		pg_push_kernel_str(a, kpath, PG_MAX_PATH);
	else
		pg_push_user_str(a, upath);
	if (p->nr == 322)
		pg_push_u32(a, p->flags);
	pg_submit(a);
}

/*
 * The 20 parameters of EXECVE_8_X / EXECVEAT_X "isBiiisiiiuuusBBuiuu": res, exe, args, tid,
 * pid, ptid, cwd ("": sinsp tracks the cwd itself), fdlimit, pgft_maj, pgft_min, vm_size,
 * vm_rss, vm_swap, comm, cgroups, env, tty, pgid, loginuid, flags. After a successful exec, exe,
 * args and env come from the new image; after a failure, from the user argv/envp arrays.
 */
static __always_inline void pg_fill_exec_exit(struct pg_aux *a, struct task_struct *t, long res,
					      const char *const *argv, const char *const *envp)
{
	struct pg_vm vm;

	pg_push_s64(a, res);
	if (res == 0) {
		pg_push_exe_args(a, t);
	} else {
		pg_push_user_argv0(a, argv);
		pg_push_user_strv(a, argv, 1);
	}
	pg_push_s64(a, BPF_CORE_READ(t, pid));
	pg_push_s64(a, BPF_CORE_READ(t, tgid));
	pg_push_s64(a, BPF_CORE_READ(t, real_parent, pid));
	pg_push_empty_str(a); /* cwd */
	pg_push_u64(a, pg_task_fdlimit(t));
	pg_push_u64(a, BPF_CORE_READ(t, maj_flt));
	pg_push_u64(a, BPF_CORE_READ(t, min_flt));
	pg_task_vm(t, &vm);
	pg_push_u32(a, vm.size_kb);
	pg_push_u32(a, vm.rss_kb);
	pg_push_u32(a, vm.swap_kb);
	pg_push_kernel_str(a, &t->comm[0], 16);
	pg_push_cgroups(a, t);
	if (res == 0)
		pg_push_env(a, t);
	else
		pg_push_user_strv(a, envp, 0);
	pg_push_u32(a, pg_task_tty(t));
	pg_push_s64(a, pg_task_vpgid(t));
	pg_push_u32(a, pg_task_loginuid(t));
	pg_push_u32(a, pg_exe_writable(t) ? PPM_EXE_WRITABLE : 0);
}

/* sys_exit of execve/execveat: only failures (successes come from sched_process_exec). */
PG_EXIT(f_execve_x)
{
	long nr = regs->orig_ax;
	__u32 tid = bpf_get_current_pid_tgid() & 0xffffffff;
	const char *const *argv, *const *envp;
	struct pg_exec_pending *p;

	if (ret == 0)
		return 0;
	PG_PROLOGUE(nr);
	p = bpf_map_lookup_elem(&exec_pending, &tid);
	if (p && p->deferred)
		pg_emit_deferred_exec_enter(
			a, sc->enter_event, p, NULL,
			(const char *)(nr == 322 ? PG_ARG1(regs) : PG_ARG0(regs)));
	if (p)
		bpf_map_delete_elem(&exec_pending, &tid);
	argv = (const char *const *)(nr == 322 ? PG_ARG2(regs) : PG_ARG1(regs));
	envp = (const char *const *)(nr == 322 ? PG_ARG3(regs) : PG_ARG2(regs));
	PG_BEGIN_EXIT(PG_DROP_EXECVE);
	pg_fill_exec_exit(a, bpf_get_current_task_btf(), ret, argv, envp);
	pg_submit(a);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(pg_sched_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct task_struct *t = bpf_get_current_task_btf();
	__u32 key = (__u32)old_pid;
	struct pg_exec_pending *pend;
	struct pg_syscall_cfg *sc;
	struct pg_aux *a;
	__u32 nr = 59;

	if (cfg.self_tgid != 0 && (bpf_get_current_pid_tgid() >> 32) == cfg.self_tgid)
		return 0;
	/* The exec'ing thread's id before de_thread() gave it the leader's. An exec that is not
	 * an execve/execveat syscall (a kernel helper) reports as execve. */
	pend = bpf_map_lookup_elem(&exec_pending, &key);
	if (pend)
		nr = pend->nr;
	sc = pg_syscall(nr);
	a = pg_aux_get();
	if (sc && (sc->flags & PG_SC_SELECTED) && a) {
		if (pend && pend->deferred)
			pg_emit_deferred_exec_enter(a, sc->enter_event, pend, bprm->filename, NULL);
		PG_BEGIN_EXIT(PG_DROP_EXECVE);
		pg_fill_exec_exit(a, t, 0, NULL, NULL);
		pg_submit(a);
	}
	if (pend)
		bpf_map_delete_elem(&exec_pending, &key);
	return 0;
}

/* Clone flags of the clone-family syscall `nr` called with `regs`, in PPM encoding. */
static __always_inline __u32 pg_clone_event_flags(long nr, struct pt_regs *regs,
						  struct task_struct *t, bool child)
{
	__u64 raw = 0;
	__u32 flags;

	if (nr == 56) /* clone */
		raw = PG_ARG0(regs);
	else if (nr == 435 && child) /* clone_args may be gone: reconstruct */
		raw = pg_task_raw_clone_flags(t);
	else if (nr == 435) /* clone3: struct clone_args starts with the flags */
		bpf_probe_read_user(&raw, sizeof(raw), (const void *)PG_ARG0(regs));
	else if (nr == 58) /* vfork */
		raw = PG_CLONE_VM | PG_CLONE_VFORK;
	flags = pg_clone_flags(raw);
	if ((raw & PG_CLONE_NEWPID) || pg_task_pidns_level(t) > 0)
		flags |= PPM_CL_CHILD_IN_PIDNS;
	return flags;
}

/*
 * The 20 parameters of CLONE_4_X / FORK_3_X / VFORK_3_X / CLONE3_X "isBiiisiiiuuusBuuuii":
 * res, exe, args, tid, pid, ptid, cwd (""), fdlimit, pgft_maj, pgft_min, vm_size, vm_rss,
 * vm_swap, comm, cgroups, flags, uid, gid, vtid, vpid; all describing task `t` (the caller in
 * the parent's event, the new thread in the child's).
 */
static __always_inline void pg_fill_clone_exit(struct pg_aux *a, struct task_struct *t, long res,
					       __u32 flags)
{
	struct pg_vm vm;

	pg_push_s64(a, res);
	pg_push_exe_args(a, t);
	pg_push_s64(a, BPF_CORE_READ(t, pid));
	pg_push_s64(a, BPF_CORE_READ(t, tgid));
	pg_push_s64(a, BPF_CORE_READ(t, real_parent, pid));
	pg_push_empty_str(a); /* cwd */
	pg_push_s64(a, (__s64)pg_task_fdlimit(t));
	pg_push_u64(a, BPF_CORE_READ(t, maj_flt));
	pg_push_u64(a, BPF_CORE_READ(t, min_flt));
	pg_task_vm(t, &vm);
	pg_push_u32(a, vm.size_kb);
	pg_push_u32(a, vm.rss_kb);
	pg_push_u32(a, vm.swap_kb);
	pg_push_kernel_str(a, &t->comm[0], 16);
	pg_push_cgroups(a, t);
	pg_push_u32(a, flags);
	pg_push_u32(a, BPF_CORE_READ(t, cred, euid.val));
	pg_push_u32(a, BPF_CORE_READ(t, cred, egid.val));
	pg_push_s64(a, pg_task_vtid(t));
	pg_push_s64(a, pg_task_vpid(t));
}

/* sys_exit of clone/fork/vfork/clone3: the parent (res = child id) and, by default, the child. */
PG_EXIT(f_clone_x)
{
	long nr = regs->orig_ax;
	struct task_struct *t = bpf_get_current_task_btf();

	if (ret == 0 && (cfg.flags & PG_CFG_CHILD_FROM_FORK))
		return 0;
	PG_PROLOGUE(nr);
	PG_BEGIN_EXIT(PG_DROP_CLONE);
	pg_fill_clone_exit(a, t, ret, pg_clone_event_flags(nr, regs, t, ret == 0));
	pg_submit(a);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(pg_sched_fork, struct task_struct *parent, struct task_struct *child)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(cur);
	long nr = regs ? regs->orig_ax : -1;
	struct pg_syscall_cfg *sc;
	struct pg_aux *a;

	if (!(cfg.flags & PG_CFG_CHILD_FROM_FORK))
		return 0;
	if (cfg.self_tgid != 0 && (bpf_get_current_pid_tgid() >> 32) == cfg.self_tgid)
		return 0;
	sc = pg_syscall(nr);
	if (!sc || !(sc->flags & PG_SC_SELECTED) || !regs)
		return 0;
	a = pg_aux_get();
	if (!a)
		return 0;
	pg_begin_tid(a, sc->exit_event, BPF_CORE_READ(child, pid), PG_DROP_CLONE);
	pg_fill_clone_exit(a, child, 0, pg_clone_event_flags(nr, regs, child, true));
	pg_submit(a);
	return 0;
}

/* PROCEXIT_2_E "iibb": status, ret (exit status), sig (terminating signal), core. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(pg_sched_exit, struct task_struct *p)
{
	struct pg_aux *a;
	__s64 code;

	if (cfg.self_tgid != 0 && (bpf_get_current_pid_tgid() >> 32) == cfg.self_tgid)
		return 0;
	a = pg_aux_get();
	if (!a)
		return 0;
	code = BPF_CORE_READ(p, exit_code);
	pg_begin_tid(a, PPME_PROCEXIT_2_E, BPF_CORE_READ(p, pid), PG_DROP_PROCEXIT);
	pg_push_s64(a, code);
	pg_push_s64(a, (code >> 8) & 0xff);
	pg_push_u8(a, ((code & 0x7f) != 0 && (code & 0x7f) != 0x7f) ? (code & 0x7f) : 0);
	pg_push_u8(a, (code & 0x80) ? 1 : 0);
	pg_submit(a);
	return 0;
}

/* ---- credentials, namespaces, signals, misc ----------------------------------------------- */

/* SETRESUID_E / SETRESGID_E "uuu". */
PG_ENTER(f_setres_e)
{
	PG_PROLOGUE(id);
	PG_BEGIN_ENTER(PG_DROP_OTHER);
	pg_push_u32(a, (__u32)PG_ARG0(regs));
	pg_push_u32(a, (__u32)PG_ARG1(regs));
	pg_push_u32(a, (__u32)PG_ARG2(regs));
	pg_submit(a);
	return 0;
}

/* SETPGID_E "ii": pid, pgid. */
PG_ENTER(f_setpgid_e)
{
	PG_PROLOGUE(id);
	PG_BEGIN_ENTER(PG_DROP_OTHER);
	pg_push_s64(a, PG_INT_ARG(PG_ARG0(regs)));
	pg_push_s64(a, PG_INT_ARG(PG_ARG1(regs)));
	pg_submit(a);
	return 0;
}

/* SETNS_E "iu": fd, nstype (clone-flag encoding). */
PG_ENTER(f_setns_e)
{
	PG_PROLOGUE(id);
	PG_BEGIN_ENTER(PG_DROP_OTHER);
	pg_push_s64(a, PG_INT_ARG(PG_ARG0(regs)));
	pg_push_u32(a, pg_clone_flags(PG_ARG1(regs)));
	pg_submit(a);
	return 0;
}

/* UNSHARE_E "u": flags (clone-flag encoding). */
PG_ENTER(f_unshare_e)
{
	PG_PROLOGUE(id);
	PG_BEGIN_ENTER(PG_DROP_OTHER);
	pg_push_u32(a, pg_clone_flags(PG_ARG0(regs)));
	pg_submit(a);
	return 0;
}

/* KILL_E / TKILL_E "ib" and TGKILL_E "iib": ids, then the signal. */
PG_ENTER(f_kill_e)
{
	PG_PROLOGUE(id);
	PG_BEGIN_ENTER(PG_DROP_OTHER);
	pg_push_s64(a, PG_INT_ARG(PG_ARG0(regs)));
	if (a->nparams == 3) {
		pg_push_s64(a, PG_INT_ARG(PG_ARG1(regs)));
		pg_push_u8(a, (__u8)PG_ARG2(regs));
	} else {
		pg_push_u8(a, (__u8)PG_ARG1(regs));
	}
	pg_submit(a);
	return 0;
}

/* PTRACE_E "hi": request (PPM encoding), pid. */
PG_ENTER(f_ptrace_e)
{
	PG_PROLOGUE(id);
	PG_BEGIN_ENTER(PG_DROP_OTHER);
	pg_push_u16(a, pg_ptrace_request(PG_ARG0(regs)));
	pg_push_s64(a, PG_INT_ARG(PG_ARG1(regs)));
	pg_submit(a);
	return 0;
}

/* PTRACE_X "idd": res, addr, data (both as the UINT64 alternative). */
PG_EXIT(f_ptrace_x)
{
	PG_PROLOGUE(regs->orig_ax);
	PG_BEGIN_EXIT(PG_DROP_OTHER);
	pg_push_s64(a, ret);
	pg_push_dyn64(a, PPM_PTRACE_IDX_UINT64, PG_ARG2(regs));
	pg_push_dyn64(a, PPM_PTRACE_IDX_UINT64, PG_ARG3(regs));
	pg_submit(a);
	return 0;
}

/* MOUNT_E "u": flags (MS_* are the PPM values; the old magic number is removed). */
PG_ENTER(f_mount_e)
{
	__u64 flags = PG_ARG3(regs);

	PG_PROLOGUE(id);
	if ((flags & 0xffff0000) == 0xc0ed0000)
		flags &= ~0xffff0000ull;
	PG_BEGIN_ENTER(PG_DROP_OTHER);
	pg_push_u32(a, (__u32)flags);
	pg_submit(a);
	return 0;
}

/* MOUNT_X "isss": res, dev, dir, type. */
PG_EXIT(f_mount_x)
{
	PG_PROLOGUE(regs->orig_ax);
	PG_BEGIN_EXIT(PG_DROP_OTHER);
	pg_push_s64(a, ret);
	pg_push_user_str(a, (const void *)PG_ARG0(regs));
	pg_push_user_str(a, (const void *)PG_ARG1(regs));
	pg_push_user_str(a, (const void *)PG_ARG2(regs));
	pg_submit(a);
	return 0;
}

/* UMOUNT_E "u": flags (MNT_* / UMOUNT_NOFOLLOW are the PPM values). */
PG_ENTER(f_umount_e)
{
	PG_PROLOGUE(id);
	PG_BEGIN_ENTER(PG_DROP_OTHER);
	pg_push_u32(a, (__u32)PG_ARG1(regs));
	pg_submit(a);
	return 0;
}

/* BPF_E "i": cmd. */
PG_ENTER(f_bpf_e)
{
	PG_PROLOGUE(id);
	PG_BEGIN_ENTER(PG_DROP_OTHER);
	pg_push_s64(a, (__s64)(int)PG_ARG0(regs));
	pg_submit(a);
	return 0;
}

/* BPF_X "d": res_or_fd (an fd for a successful map create or program load, else the result). */
PG_EXIT(f_bpf_x)
{
	int cmd = (int)PG_ARG0(regs);
	__u8 idx = PPM_BPF_IDX_RES;

	PG_PROLOGUE(regs->orig_ax);
	if (ret >= 0 && (cmd == PG_BPF_MAP_CREATE || cmd == PG_BPF_PROG_LOAD))
		idx = PPM_BPF_IDX_FD;
	PG_BEGIN_EXIT(PG_DROP_OTHER);
	pg_push_dyn64(a, idx, ret);
	pg_submit(a);
	return 0;
}
