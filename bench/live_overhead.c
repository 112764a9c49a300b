// live_overhead: one measurement of bench/live_overhead.sh (see there).
//
//   live_overhead ITERATIONS none
//   live_overhead ITERATIONS PEREGRINE [ARGS...]     e.g. build/capture/peregrine run -r X.yaml
//
// Runs a deterministic syscall-heavy workload in a child pinned to CPU 1, either alone
// ("none") or while PEREGRINE ARGS... runs (pinned to CPU 0, stdout to /dev/null). With
// peregrine, the workload starts once peregrine printed "capture started" (plus 300 ms to
// settle); peregrine's CPU time is read from its process CPU clock (clock_getcpuclockid, ns)
// at that point and 300 ms after the workload ended (drain), then it gets SIGINT and its
// "events=N drops=N alerts=N" line is parsed. Prints one line of key=value pairs.
//
// One iteration = 9 syscalls in one thread, the same every time:
//   openat(/etc/hostname) close  newfstatat(/etc/passwd)
//   socket connect(loopback listener) accept close(accepted) setsockopt(SO_LINGER 0) close
// (SO_LINGER 0 closes with a reset, so no TIME_WAIT piles up.)
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { kSyscallsPerIteration = 9 };

static uint64_t clock_ns(clockid_t c) {
  struct timespec ts;
  if (clock_gettime(c, &ts) != 0) return 0;
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void pin(int cpu) {
  cpu_set_t s;
  CPU_ZERO(&s);
  CPU_SET(cpu, &s);
  sched_setaffinity(0, sizeof s, &s);
}

static uint64_t tv_ns(struct timeval tv) {
  return (uint64_t)tv.tv_sec * 1000000000ull + (uint64_t)tv.tv_usec * 1000ull;
}

// The workload; returns 0 on success. Exits on the first failing syscall (so a run that
// silently does less work cannot be timed).
static int workload(long iterations) {
  int l = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t al = sizeof a;
  if (l < 0 || bind(l, (struct sockaddr*)&a, sizeof a) != 0 || listen(l, 64) != 0 ||
      getsockname(l, (struct sockaddr*)&a, &al) != 0) {
    perror("listener");
    return 1;
  }
  const struct linger lg = {1, 0};
  struct stat st;
  for (long i = 0; i < iterations; i++) {
    int fd = openat(AT_FDCWD, "/etc/hostname", O_RDONLY);
    if (fd < 0 || close(fd) != 0) { perror("open/close"); return 1; }
    if (fstatat(AT_FDCWD, "/etc/passwd", &st, 0) != 0) { perror("stat"); return 1; }
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0 || connect(s, (struct sockaddr*)&a, sizeof a) != 0) { perror("connect"); return 1; }
    int c = accept(l, NULL, NULL);
    if (c < 0 || close(c) != 0) { perror("accept"); return 1; }
    setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    if (close(s) != 0) { perror("close"); return 1; }
  }
  close(l);
  return 0;
}

// Forks the workload pinned to CPU 1; fills wall time and the child's user/sys CPU.
static int run_workload(long iterations, uint64_t* wall, uint64_t* user, uint64_t* sys) {
  uint64_t t0 = clock_ns(CLOCK_MONOTONIC);
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    pin(1);
    _exit(workload(iterations));
  }
  int status = 0;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0) return 1;
  *wall = clock_ns(CLOCK_MONOTONIC) - t0;
  *user = tv_ns(ru.ru_utime);
  *sys = tv_ns(ru.ru_stime);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

// Reads from fd into buf (appending) until `needle` appears or timeout_ms passes.
static int wait_for(int fd, char* buf, size_t cap, size_t* len, const char* needle,
                    int timeout_ms) {
  uint64_t end = clock_ns(CLOCK_MONOTONIC) + (uint64_t)timeout_ms * 1000000ull;
  while (!strstr(buf, needle)) {
    uint64_t now = clock_ns(CLOCK_MONOTONIC);
    if (now >= end) return 1;
    struct pollfd p = {fd, POLLIN, 0};
    int r = poll(&p, 1, (int)((end - now) / 1000000ull) + 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    if (*len + 1 >= cap) return 1;
    ssize_t n = read(fd, buf + *len, cap - 1 - *len);
    if (n <= 0) return 1;
    *len += (size_t)n;
    buf[*len] = 0;
  }
  return 0;
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s ITERATIONS none | ITERATIONS PEREGRINE [ARGS...]\n", argv[0]);
    return 2;
  }
  long iters = atol(argv[1]);
  uint64_t wall = 0, user = 0, sys = 0;
  const double syscalls = (double)iters * kSyscallsPerIteration;
  pin(0);
  if (strcmp(argv[2], "none") == 0) {
    if (run_workload(iters, &wall, &user, &sys)) return 1;
    printf("mode=none iterations=%ld syscalls=%.0f wall_ns=%llu wl_user_ns=%llu wl_sys_ns=%llu\n",
           iters, syscalls, (unsigned long long)wall, (unsigned long long)user,
           (unsigned long long)sys);
    return 0;
  }
  int err[2];
  if (pipe(err) != 0) return 1;
  pid_t pg = fork();
  if (pg < 0) return 1;
  if (pg == 0) {
    pin(0);
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(err[1], 2);
    close(err[0]);
    execv(argv[2], argv + 2);
    perror("exec");
    _exit(127);
  }
  close(err[1]);
  static char buf[1 << 16];
  size_t len = 0;
  buf[0] = 0;
  if (wait_for(err[0], buf, sizeof buf, &len, "capture started", 120000)) {
    fprintf(stderr, "live_overhead: peregrine did not start:\n%s\n", buf);
    kill(pg, SIGKILL);
    return 1;
  }
  sleep_ms(300);
  clockid_t pc;
  if (clock_getcpuclockid(pg, &pc) != 0) {
    fprintf(stderr, "live_overhead: no CPU clock for peregrine\n");
    kill(pg, SIGKILL);
    return 1;
  }
  uint64_t cpu0 = clock_ns(pc), w0 = clock_ns(CLOCK_MONOTONIC);
  int bad = run_workload(iters, &wall, &user, &sys);
  sleep_ms(300);  // let peregrine drain the rings
  uint64_t cpu1 = clock_ns(pc), w1 = clock_ns(CLOCK_MONOTONIC);
  kill(pg, SIGINT);
  int timeout_rc = wait_for(err[0], buf, sizeof buf, &len, "alerts=", 60000);
  int status = 0;
  struct rusage ru;
  wait4(pg, &status, 0, &ru);
  if (bad || timeout_rc) {
    fprintf(stderr, "live_overhead: failed (workload %d); peregrine said:\n%s\n", bad, buf);
    return 1;
  }
  unsigned long long events = 0, drops = 0, alerts = 0;
  const char* p = strstr(buf, "events=");
  if (!p || sscanf(p, "events=%llu drops=%llu alerts=%llu", &events, &drops, &alerts) != 3) {
    fprintf(stderr, "live_overhead: no summary line:\n%s\n", buf);
    return 1;
  }
  uint64_t total_cpu = tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime);
  printf("mode=pg iterations=%ld syscalls=%.0f wall_ns=%llu wl_user_ns=%llu wl_sys_ns=%llu "
         "pg_cpu_ns=%llu pg_window_ns=%llu pg_total_cpu_ns=%llu events=%llu drops=%llu "
         "alerts=%llu\n",
         iters, syscalls, (unsigned long long)wall, (unsigned long long)user,
         (unsigned long long)sys, (unsigned long long)(cpu1 - cpu0),
         (unsigned long long)(w1 - w0), (unsigned long long)total_cpu, events, drops, alerts);
  return 0;
}
