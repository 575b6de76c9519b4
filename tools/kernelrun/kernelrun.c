/*
 * kernelrun: runs conformance operation scripts (docs/ops-format.md) against the running Linux
 * kernel.
 *
 *   kernelrun [-v] SCRIPT...      ("-" reads a script from stdin)
 *
 * Build: gcc -O2 -Wall -Wextra -Werror -o tools/kernelrun/kernelrun tools/kernelrun/kernelrun.c
 *
 * Structure
 * ---------
 * The controller (main process, host namespaces, ordinary glibc code) parses each script and
 * keeps all bookkeeping: handles, pending ids, per-process thread lists, uids, pid namespace
 * levels. For every script it forks a helper that unshares a new pid+IPC namespace and forks
 * the script's init (task 0); the helper stays blocked until the script ends (both have
 * PR_SET_PDEATHSIG, so if the runner dies the whole namespace dies with it).
 *
 * Every simulated task is one real task running "agent" code. The agents and the controller
 * share one MAP_SHARED anonymous mapping created before the first fork, so it sits at the same
 * address in every task: one command area, one result area, one big read buffer and one
 * command word per handle. An agent sleeps in FUTEX_WAIT on its own command word (its command
 * channel); the controller writes the command, bumps that word and wakes it; the agent runs
 * the command with raw system calls, writes the result and bumps/wakes the shared result word.
 * Exactly one command is in flight at any time.
 *
 * Reaping: SIGCHLD is ignored everywhere. After an exit the controller waits until the
 * kernel has freed the pid (see wait_released), then marks every other task that is gone.
 *
 * Agent code (everything reachable from agent_loop) uses only the raw syscall wrappers below:
 * tasks created by raw clone3 have no valid glibc thread state. New tasks (threads and
 * processes alike) start on a fresh mmap'ed stack through the kr_clone3 trampoline.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

/* SysV IPC constants (linux/ipc.h, msg.h, sem.h, shm.h) */
#define K_IPC_CREAT 01000
#define K_IPC_EXCL 02000
#define K_IPC_RMID 0
#define K_IPC_SET 1
#define K_IPC_INFO 3
#define K_MSG_INFO 12
#define K_MSG_STAT_ANY 13
#define K_SHM_INFO 14
#define K_SEM_INFO 19

#define MAXH 65536               /* handles per script */
#define STK (256 * 1024)         /* agent stack */
#define BUFSZ (32u << 20)        /* shared read buffer */
#define MAX_LEVEL 32             /* MAX_PID_NS_LEVEL */

/* ------------------------------------------------------------------------------------------ */
/* raw system calls (x86_64)                                                                   */

static inline long rs6(long n, long a, long b, long c, long d, long e, long f)
{
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}
#define rs1(n, a) rs6(n, (long)(a), 0, 0, 0, 0, 0)
#define rs2(n, a, b) rs6(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define rs3(n, a, b, c) rs6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define rs4(n, a, b, c, d) rs6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

struct kr_clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
        set_tid_size, cgroup;
};

/*
 * long kr_clone3(struct kr_clone_args *args, size_t size, void (*fn)(long), long arg)
 * The parent gets clone3's return value. The child starts on args->stack + stack_size (which
 * must be 16-byte aligned), calls fn(arg) there and exits if fn ever returns. fn and arg ride
 * in r8/r9, which the kernel copies into the child.
 */
__asm__(".text\n"
        ".globl kr_clone3\n"
        ".type kr_clone3,@function\n"
        "kr_clone3:\n"
        "\tmovq %rdx, %r8\n"
        "\tmovq %rcx, %r9\n"
        "\tmovl $435, %eax\n"
        "\tsyscall\n"
        "\ttestq %rax, %rax\n"
        "\tjz 1f\n"
        "\tret\n"
        "1:\n"
        "\txorl %ebp, %ebp\n"
        "\tmovq %r9, %rdi\n"
        "\tcall *%r8\n"
        "\tmovl $60, %eax\n"
        "\txorl %edi, %edi\n"
        "\tsyscall\n"
        "\thlt\n"
        ".size kr_clone3, .-kr_clone3\n");
long kr_clone3(struct kr_clone_args *args, unsigned long size, void (*fn)(long), long arg);

/* ------------------------------------------------------------------------------------------ */
/* shared area                                                                                 */

enum { OP_SYSCALL = 1, OP_EXIT, OP_CREATE, OP_READ, OP_WRITE };

struct cmdarea {
    uint32_t serial;
    uint32_t op;
    long nr;
    long a[6];
    uint32_t set_tid_size;
    int32_t set_tid[64];
    uint32_t data_len;
    char path[256];
    char data[4096];
    char scratch[1024]; /* syscall in/out structures */
};

struct slot {
    uint32_t cmd_seq;
    uint32_t pad[15];
};

struct shared {
    uint32_t res_seq;
    uint32_t pad0[15];
    long res_ret;
    long res_stage;
    struct cmdarea cmd;
    struct slot slots[MAXH];
};

static struct shared *G;
static char *GBUF;

/* ------------------------------------------------------------------------------------------ */
/* agent (raw system calls only)                                                               */

static void agent_reply(long ret, long stage)
{
    G->res_ret = ret;
    G->res_stage = stage;
    __atomic_store_n(&G->res_seq, G->cmd.serial, __ATOMIC_SEQ_CST);
    rs3(SYS_futex, &G->res_seq, FUTEX_WAKE, 1);
}

static void agent_entry(long h);

static void agent_exec(void)
{
    struct cmdarea *c = &G->cmd;
    long ret = 0, stage = 0;
    switch (c->op) {
    case OP_SYSCALL:
        ret = rs6(c->nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
        break;
    case OP_EXIT:
        for (;;)
            rs1(c->nr, 0);
    case OP_CREATE: {
        long st = rs6(SYS_mmap, 0, STK, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
        if (st < 0 && st > -4096) {
            ret = st;
            stage = 1;
            break;
        }
        struct kr_clone_args ca;
        ca.flags = (uint64_t)c->a[0];
        ca.pidfd = 0;
        ca.child_tid = 0;
        ca.parent_tid = 0;
        ca.exit_signal = (uint64_t)c->a[1];
        ca.stack = (uint64_t)st;
        ca.stack_size = STK;
        ca.tls = 0;
        ca.set_tid = c->set_tid_size ? (uint64_t)(uintptr_t)c->set_tid : 0;
        ca.set_tid_size = c->set_tid_size;
        ca.cgroup = 0;
        ret = kr_clone3(&ca, sizeof ca, agent_entry, c->a[2]);
        /* a process child has its own copy of the stack; a thread keeps the parent's */
        if (ret < 0 || !(ca.flags & CLONE_VM))
            rs2(SYS_munmap, st, STK);
        stage = 2;
        break;
    }
    case OP_READ: {
        long fd = rs4(SYS_openat, AT_FDCWD, c->path, O_RDONLY | O_CLOEXEC, 0);
        if (fd < 0) {
            ret = fd;
            stage = 1;
            break;
        }
        long len = 0;
        for (;;) {
            long want = (long)BUFSZ - 1 - len;
            if (want > 65536)
                want = 65536; /* sysctl reads allocate a kernel buffer of the full count */
            long r = rs3(SYS_read, fd, GBUF + len, want);
            if (r < 0) {
                ret = r;
                stage = 2;
                break;
            }
            if (r == 0)
                break;
            len += r;
            if (len >= (long)BUFSZ - 1)
                break;
        }
        rs1(SYS_close, fd);
        if (!stage) {
            GBUF[len] = 0;
            ret = len;
        }
        break;
    }
    case OP_WRITE: {
        long fd = rs4(SYS_openat, AT_FDCWD, c->path, O_WRONLY | O_CLOEXEC, 0);
        if (fd < 0) {
            ret = fd;
            stage = 1;
            break;
        }
        long r = rs3(SYS_write, fd, c->data, c->data_len);
        rs1(SYS_close, fd);
        if (r < 0) {
            ret = r;
            stage = 2;
        }
        break;
    }
    default:
        ret = -ENOSYS;
    }
    agent_reply(ret, stage);
}

static __attribute__((noreturn)) void agent_loop(long h)
{
    uint32_t seen = 0;
    for (;;) {
        uint32_t s;
        while ((s = __atomic_load_n(&G->slots[h].cmd_seq, __ATOMIC_ACQUIRE)) == seen)
            rs4(SYS_futex, &G->slots[h].cmd_seq, FUTEX_WAIT, seen, 0);
        seen = s;
        agent_exec();
    }
}

static void agent_entry(long h) { agent_loop(h); }

/* ------------------------------------------------------------------------------------------ */
/* controller                                                                                  */

struct task {
    int alive;
    int leader;            /* handle of the thread group leader */
    pid_t tid;             /* host tid */
    int pidfd;
    unsigned long ino;     /* pidfs inode of our pidfd */
    int nn;                /* pids from the test's root namespace down */
    int nspid[MAX_LEVEL + 2];
    int pfc_ok;            /* the thread's kernel pid_for_children is the process's */
    int pend_n;            /* pending ids (next_id), per thread */
    int32_t pend[32];
    /* process (leader) fields */
    uint32_t uid;
    int pfc_level;         /* test level of pid_for_children */
};

static struct task *T;
static int g_nh;           /* handles handed out in this script */
static uint32_t g_serial;
static int g_verbose;
static int g_D;            /* levels above the test's root pid namespace (runner's NSpid length) */
static int g_status;
static const char *g_path;
static int g_line;
static jmp_buf g_abort;

static __attribute__((noreturn, format(printf, 1, 2))) void infra(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "kernelrun: %s:%d: ", g_path ? g_path : "-", g_line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    g_status = 2;
    longjmp(g_abort, 1);
}

static __attribute__((format(printf, 1, 2))) void warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "kernelrun: %s:%d: ", g_path ? g_path : "-", g_line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    g_status = 2;
}

static const char *ename(int e)
{
    const char *n = strerrorname_np(e);
    static char b[32];
    if (n)
        return n;
    snprintf(b, sizeof b, "E%d", e);
    return b;
}

static void spin_pause(int i)
{
    if (i < 64) {
        sched_yield();
    } else {
        struct timespec ts = {0, 20000};
        nanosleep(&ts, NULL);
    }
}

static int task_exited(int h)
{
    struct pollfd p = {T[h].pidfd, POLLIN, 0};
    return poll(&p, 1, 0) > 0;
}

static long wait_reply(uint32_t serial, int h)
{
    int slices = 0;
    for (int i = 0;; i++) {
        uint32_t v = __atomic_load_n(&G->res_seq, __ATOMIC_ACQUIRE);
        if (v == serial)
            return G->res_ret;
        if (i < 200) {
            __builtin_ia32_pause();
            continue;
        }
        struct timespec ts = {1, 0};
        long r = syscall(SYS_futex, &G->res_seq, FUTEX_WAIT, v, &ts);
        if (r < 0 && errno == ETIMEDOUT) {
            if (h >= 0 && T[h].pidfd >= 0 && task_exited(h))
                infra("task h%d died without answering", h);
            if (++slices >= 60)
                infra("no answer from task h%d after 60 s", h);
        }
    }
}

/* Sends the command prepared in G->cmd to handle h. */
static long cmd_run(int h, uint32_t op, int noreply)
{
    uint32_t serial = ++g_serial;
    if (serial == 0)
        serial = ++g_serial;
    G->cmd.serial = serial;
    G->cmd.op = op;
    uint32_t s = __atomic_load_n(&G->slots[h].cmd_seq, __ATOMIC_RELAXED) + 1;
    __atomic_store_n(&G->slots[h].cmd_seq, s, __ATOMIC_SEQ_CST);
    syscall(SYS_futex, &G->slots[h].cmd_seq, FUTEX_WAKE, 1);
    if (noreply)
        return 0;
    return wait_reply(serial, h);
}

static long a_sys(int h, long nr, long a0, long a1, long a2, long a3)
{
    G->cmd.nr = nr;
    G->cmd.a[0] = a0;
    G->cmd.a[1] = a1;
    G->cmd.a[2] = a2;
    G->cmd.a[3] = a3;
    G->cmd.a[4] = 0;
    G->cmd.a[5] = 0;
    long r = cmd_run(h, OP_SYSCALL, 0);
    if (g_verbose)
        fprintf(stderr, "  h%d syscall %ld(%ld, %ld, %ld, %ld) = %ld\n", h, nr, a0, a1, a2, a3, r);
    return r;
}

static void set_path(const char *p)
{
    snprintf(G->cmd.path, sizeof G->cmd.path, "%s", p);
}

/* Reads a file in task h into GBUF; returns length or -errno (*stage 1: open, 2: read). */
static long a_read(int h, const char *path, long *stage)
{
    set_path(path);
    long r = cmd_run(h, OP_READ, 0);
    if (stage)
        *stage = G->res_stage;
    if (g_verbose)
        fprintf(stderr, "  h%d read %s = %ld\n", h, path, r);
    return r;
}

/* open(O_WRONLY)+write+close in task h; returns 0 or -errno (*stage 1: open, 2: write). */
static long a_write(int h, const char *path, const char *data, long *stage)
{
    set_path(path);
    size_t n = strlen(data);
    if (n > sizeof G->cmd.data)
        n = sizeof G->cmd.data;
    memcpy(G->cmd.data, data, n);
    G->cmd.data_len = (uint32_t)n;
    long r = cmd_run(h, OP_WRITE, 0);
    if (stage)
        *stage = G->res_stage;
    if (g_verbose)
        fprintf(stderr, "  h%d write %s <- %.*s = %ld (stage %ld)\n", h, path, (int)n - 1, data, r,
                G->res_stage);
    return r;
}

static void open_pidfd(int h)
{
    int fd = (int)syscall(SYS_pidfd_open, T[h].tid, PIDFD_THREAD);
    if (fd < 0)
        infra("pidfd_open(%d): %s", T[h].tid, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0)
        infra("fstat(pidfd): %s", strerror(errno));
    T[h].pidfd = fd;
    T[h].ino = (unsigned long)st.st_ino;
}

static int g_probe_fd = -1; /* any open file: F_SETOWN looks pids up in the idr */

/* Whether host pid nr is still in the pid idr (a struct pid exists for it, with or without a
 * task): F_SETOWN looks the number up with find_vpid() and fails with ESRCH once free_pid()
 * has removed it. pidfd_open() cannot tell: since Linux 6.15 it says ESRCH as soon as the task
 * is reaped, a moment before its pids are freed. */
static int pid_in_idr(pid_t nr)
{
    if (fcntl(g_probe_fd, F_SETOWN, nr) < 0) {
        if (errno == ESRCH)
            return 0;
        infra("fcntl(F_SETOWN, %d): %s", nr, strerror(errno));
    }
    fcntl(g_probe_fd, F_SETOWN, 0);
    return 1;
}

/* Waits until the kernel has released task h's pid (its number is out of the idr, or names a
 * struct pid other than ours); closes our pidfd and marks the handle ended. */
static void wait_released(int h)
{
    struct task *t = &T[h];
    struct pollfd p = {t->pidfd, POLLIN, 0};
    int waited = 0;
    while (poll(&p, 1, 1000) == 0)
        if (++waited >= 30)
            infra("task h%d (tid %d) did not exit", h, t->tid);
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0;; i++) {
        int fd = (int)syscall(SYS_pidfd_open, t->tid, PIDFD_THREAD);
        if (fd >= 0) {
            struct stat st;
            int ok = fstat(fd, &st);
            close(fd);
            if (ok == 0 && (unsigned long)st.st_ino != t->ino)
                break; /* the number was reused: ours is long gone */
        } else if (errno != ESRCH && errno != EINVAL && errno != ENOENT) {
            infra("pidfd_open(%d): %s", t->tid, strerror(errno));
        } else if (!pid_in_idr(t->tid)) {
            break; /* reaped and freed */
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - t0.tv_sec > 30)
            infra("pid of task h%d (tid %d) not released", h, t->tid);
        spin_pause(i);
    }
    close(t->pidfd);
    t->pidfd = -1;
    t->alive = 0;
    t->pend_n = 0;
}

/* After a task ended: every other task that is gone now (threads of an exited group, tasks of
 * a namespace whose init died) is marked ended once its pid is released. */
static void sweep(void)
{
    static struct pollfd pf[MAXH];
    static int who[MAXH];
    int n = 0;
    for (int i = 0; i < g_nh; i++)
        if (T[i].alive) {
            pf[n].fd = T[i].pidfd;
            pf[n].events = POLLIN;
            pf[n].revents = 0;
            who[n++] = i;
        }
    if (n == 0)
        return;
    if (poll(pf, (nfds_t)n, 0) < 0)
        infra("poll: %s", strerror(errno));
    for (int k = 0; k < n; k++)
        if (pf[k].revents)
            wait_released(who[k]);
}

/* Parses NSpid and Pid of a /proc/.../status text (host view). */
static void parse_status(const char *s, pid_t *tid, int *nn, int *nspid)
{
    const char *p = strstr(s, "\nPid:");
    const char *q = strstr(s, "\nNSpid:");
    if (!p || !q)
        infra("status without Pid/NSpid");
    if (tid)
        *tid = (pid_t)strtol(p + 5, NULL, 10);
    q += 7;
    int all[MAX_LEVEL + 8], k = 0;
    while (*q && *q != '\n' && k < MAX_LEVEL + 8) {
        char *e;
        long v = strtol(q, &e, 10);
        if (e == q)
            break;
        all[k++] = (int)v;
        q = e;
    }
    if (k <= g_D)
        infra("NSpid has %d entries, runner has %d", k, g_D);
    *nn = 0;
    for (int i = g_D; i < k; i++)
        nspid[(*nn)++] = all[i];
}

/* ---- output ---- */

static void out_val(long v, const char *mapped)
{
    printf("%d = %ld", g_line, v);
    if (mapped)
        printf(" # mapped: %s", mapped);
    putchar('\n');
}

static void out_err(int e, const char *mapped)
{
    printf("%d ! %s", g_line, ename(e));
    if (mapped)
        printf(" # mapped: %s", mapped);
    putchar('\n');
}

static void out_res(long r, const char *mapped)
{
    if (r < 0)
        out_err((int)-r, mapped);
    else
        out_val(r, mapped);
}

/* ---- number parsing ---- */

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* decimal digits, value <= max */
static int parse_udec(const char *s, unsigned long long max, unsigned long long *out)
{
    if (!all_digits(s) || strlen(s) > 20)
        return -1;
    unsigned long long v = 0;
    for (; *s; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (max - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* optional '-', decimal digits, in int32 range */
static int parse_sdec32(const char *s, int32_t *out)
{
    int neg = *s == '-';
    unsigned long long v;
    if (parse_udec(s + neg, neg ? 2147483648ULL : 2147483647ULL, &v))
        return -1;
    *out = neg ? (int32_t)(-(long long)v) : (int32_t)v;
    return 0;
}

/* C literal: 0x hex, leading 0 octal, else decimal; value <= max (<= 0xffffffff) */
static int parse_clit(const char *s, uint32_t max, uint32_t *out)
{
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    } else if (s[0] == '0' && s[1]) {
        base = 8;
        s++;
    }
    if (!*s)
        return -1;
    unsigned long long v = 0;
    for (; *s; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (*s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (*s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            return -1;
        if (d >= base)
            return -1;
        v = v * base + d;
        if (v > max)
            return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

/* KEY: IPC_PRIVATE, decimal (-2147483648..4294967295, taken modulo 2^32), or 0x-hex up to
 * 0xffffffff */
static int parse_key(const char *s, int32_t *out)
{
    if (!strcmp(s, "IPC_PRIVATE")) {
        *out = 0;
        return 0;
    }
    if (strlen(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        uint32_t v;
        if (parse_clit(s, 0xffffffffu, &v))
            return -1;
        *out = (int32_t)v;
        return 0;
    }
    unsigned long long v;
    if (s[0] != '-' && !parse_udec(s, 0xffffffffULL, &v)) {
        *out = (int32_t)(uint32_t)v;
        return 0;
    }
    return parse_sdec32(s, out);
}

/* FLAGS: '|'-joined IPC_CREAT, IPC_EXCL and numbers (C literals), or one number */
static int parse_flags(const char *s, int32_t *out)
{
    char buf[256];
    if (strlen(s) >= sizeof buf)
        return -1;
    strcpy(buf, s);
    uint32_t f = 0;
    char *p = buf;
    for (;;) {
        char *bar = strchr(p, '|');
        if (bar)
            *bar = 0;
        uint32_t v;
        if (!strcmp(p, "IPC_CREAT"))
            f |= K_IPC_CREAT;
        else if (!strcmp(p, "IPC_EXCL"))
            f |= K_IPC_EXCL;
        else if (!parse_clit(p, 03777, &v))
            f |= v;
        else
            return -1;
        if (!bar)
            break;
        p = bar + 1;
    }
    *out = (int32_t)f;
    return 0;
}

/* SPEC.md section 3: next_id grammar. Returns 0 (n ids, n == 0 for clear) or -1. */
static int parse_next_id(char **tok, int nt, int *n, int32_t *ids)
{
    if (nt == 1 && !strcmp(tok[0], "clear")) {
        *n = 0;
        return 0;
    }
    if (nt < 1 || strncmp(tok[0], "LONG", 4))
        return -1;
    unsigned long long cnt = 1;
    if (tok[0][4] && (tok[0][4] == '0' || parse_udec(tok[0] + 4, 32, &cnt)))
        return -1;
    if (cnt < 1 || cnt > 32 || (unsigned long long)(nt - 1) != cnt)
        return -1;
    for (int i = 0; i < (int)cnt; i++) {
        unsigned long long v;
        if (parse_udec(tok[1 + i], 2147483647ULL, &v))
            return -1;
        ids[i] = (int32_t)v;
    }
    *n = (int)cnt;
    return 0;
}

/* ---- operations ---- */

enum { K_MSG, K_SEM, K_SHM };
static const char *kind_name[] = {"msg", "sem", "shm"};

static int kind_of(const char *s)
{
    for (int k = 0; k < 3; k++)
        if (!strncmp(s, kind_name[k], 3))
            return k;
    return -1;
}

static void register_child(int h, int nh, int is_thread)
{
    struct task *c = &T[nh];
    memset(c, 0, sizeof *c);
    c->alive = 1;
    c->pidfd = -1;
    c->leader = is_thread ? T[h].leader : nh;
    c->pfc_ok = 1;
    long stage;
    long r = a_read(nh, "/proc/thread-self/status", &stage);
    if (r < 0)
        infra("new task h%d cannot read its status: %s", nh, ename((int)-r));
    parse_status(GBUF, &c->tid, &c->nn, c->nspid);
    open_pidfd(nh);
    if (!is_thread) {
        c->uid = T[T[h].leader].uid;
        c->pfc_level = c->nn - 1;
    }
}

/* the other live threads of h's process, in handle order */
static int other_threads(int h, int *out)
{
    int n = 0;
    for (int i = 0; i < g_nh; i++)
        if (i != h && T[i].alive && T[i].leader == T[h].leader)
            out[n++] = i;
    return n;
}

/*
 * pid_for_children is per process in SPEC.md but per thread in Linux. After `unshare pid` by
 * one thread only that thread's kernel pid_for_children is the new namespace (pfc_ok). The
 * others cannot setns(2) into it yet: /proc/.../ns/pid_for_children cannot be opened before
 * the namespace has an init (ENOENT). So they are moved as soon as the namespace has one (after
 * every process creation, before a setuid and before a holder thread exits), and until then a
 * creation or unshare that depends on pid_for_children runs in a thread that holds it.
 */
static void try_sync(int h)
{
    static int oth[MAXH];
    int L = T[h].leader, nu = 0, holder = -1;
    if (T[L].uid != 0) /* setns needs CAP_SYS_ADMIN */
        return;
    for (int i = 0; i < g_nh; i++)
        if (T[i].alive && T[i].leader == L) {
            if (!T[i].pfc_ok)
                oth[nu++] = i;
            else if (holder < 0)
                holder = i;
        }
    if (!nu || holder < 0)
        return;
    set_path("/proc/thread-self/ns/pid_for_children");
    long fd = a_sys(holder, SYS_openat, AT_FDCWD, (long)G->cmd.path, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0) {
        if (fd != -ENOENT) /* ENOENT: the namespace has no init yet */
            warn("open pid_for_children in h%d: %s", holder, ename((int)-fd));
        return;
    }
    for (int k = 0; k < nu; k++) {
        long r = a_sys(oth[k], SYS_setns, fd, CLONE_NEWPID, 0, 0);
        if (r == 0)
            T[oth[k]].pfc_ok = 1;
        else
            warn("setns(pid_for_children) in thread h%d: %s", oth[k], ename((int)-r));
    }
    a_sys(holder, SYS_close, fd, 0, 0, 0);
}

/* The thread that makes a pid_for_children-dependent call on behalf of h. */
static int kernel_actor(int h, const char **mapped)
{
    static char mb[128];
    if (T[h].pfc_ok)
        return h;
    try_sync(h);
    if (T[h].pfc_ok)
        return h;
    for (int i = 0; i < g_nh; i++)
        if (T[i].alive && T[i].leader == T[h].leader && T[i].pfc_ok) {
            snprintf(mb, sizeof mb,
                     "run by thread h%d, which holds the process's pid_for_children (no init yet)", i);
            *mapped = mb;
            return i;
        }
    /* nobody holds the namespace any more: it never had an init (else the threads would have
     * been moved), so a fresh one is the same */
    if (T[T[h].leader].uid == 0) {
        long r = a_sys(h, SYS_unshare, CLONE_NEWPID, 0, 0, 0);
        if (r < 0)
            infra("re-creating pid_for_children: %s", ename((int)-r));
        T[h].pfc_ok = 1;
        *mapped = "pid_for_children (no init yet) re-created: its unsharing thread exited";
        return h;
    }
    *mapped = "INEXACT: pid_for_children lost (its thread exited, process not root)";
    return h;
}

static void op_create(int h, int newpid, int newipc, int thread)
{
    struct task *a = &T[h];
    struct task *L = &T[a->leader];
    uint64_t flags = 0;
    long sig = SIGCHLD;
    const char *mapped = NULL;
    char mbuf[160];
    if (thread) {
        flags = CLONE_THREAD | CLONE_SIGHAND | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SYSVSEM;
        sig = 0;
    }
    if (newpid)
        flags |= CLONE_NEWPID;
    if (newipc)
        flags |= CLONE_NEWIPC;
    G->cmd.set_tid_size = 0;
    int kh = kernel_actor(h, &mapped);
    /* thread with newpid/newipc is not a valid combination: the pending ids stay, and the
     * kernel gives its answer */
    if (!(thread && (newpid || newipc)) && a->pend_n) {
        int n = a->pend_n;
        a->pend_n = 0;
        for (int i = 0; i < n; i++)
            G->cmd.set_tid[i] = a->pend[i];
        int level = L->pfc_level + (newpid ? 1 : 0);
        /* The test's root namespace sits g_D levels below the host's, so the kernel takes up to
         * level + g_D + 1 ids where the simulated machine takes level + 1. Only in between
         * would the kernel accept what the simulation refuses: there the array is padded to
         * one id more than the kernel takes, so that the kernel refuses it at the same point
         * (alloc_pid, after the namespace and permission checks of copy_process). Longer arrays
         * the kernel refuses by itself, at that same point. */
        int klimit = level + g_D + 1;
        if (n > level + 1 && n <= klimit) {
            int s = klimit + 1;
            if (s > MAX_LEVEL) {
                /* clone3 refuses more than MAX_LEVEL ids before anything else: answer as
                 * copy_process would before alloc_pid (EPERM for namespaces without the
                 * capability), else alloc_pid's EINVAL */
                int e = (newpid || newipc) && L->uid != 0 ? EPERM : EINVAL;
                snprintf(mbuf, sizeof mbuf, "LONG%d > nesting level %d + 1 (no kernel call)", n,
                         level);
                out_err(e, mbuf);
                return;
            }
            for (int i = n; i < s; i++)
                G->cmd.set_tid[i] = 1;
            n = s;
            snprintf(mbuf, sizeof mbuf, "set_tid padded to %d ids so the kernel also refuses it%s%s",
                     s, mapped ? "; " : "", mapped ? mapped : "");
            mapped = mbuf;
        }
        G->cmd.set_tid_size = (uint32_t)n;
    }
    int nh = g_nh;
    if (nh >= MAXH)
        infra("too many handles");
    G->slots[nh].cmd_seq = 0;
    G->cmd.a[0] = (long)flags;
    G->cmd.a[1] = sig;
    G->cmd.a[2] = nh;
    long r = cmd_run(kh, OP_CREATE, 0);
    long stage = G->res_stage;
    if (g_verbose)
        fprintf(stderr, "  h%d clone3(flags %#lx, set_tid_size %u) = %ld\n", h,
                (unsigned long)flags, G->cmd.set_tid_size, r);
    if (stage == 1)
        infra("mmap of a stack failed: %s", ename((int)-r));
    if (r < 0) {
        out_err((int)-r, mapped);
        return;
    }
    g_nh = nh + 1;
    register_child(h, nh, thread);
    if (!thread)
        try_sync(h); /* the namespace may have got its init */
    struct task *c = &T[nh];
    printf("%d = %ld h%d", g_line, r, nh);
    for (int i = 0; i < c->nn; i++)
        printf(" %d", c->nspid[i]);
    if (mapped)
        printf(" # mapped: %s", mapped);
    putchar('\n');
}

static void op_unshare(int h, int pid, int ipc)
{
    static int oth[MAXH];
    const char *mapped = NULL;
    long flags = (pid ? CLONE_NEWPID : 0) | (ipc ? CLONE_NEWIPC : 0);
    int kh = pid ? kernel_actor(h, &mapped) : h;
    long r = a_sys(kh, SYS_unshare, flags, 0, 0, 0);
    if (r < 0) {
        out_err((int)-r, mapped);
        return;
    }
    int n = other_threads(kh, oth);
    if (pid) {
        T[T[h].leader].pfc_level = T[h].nn; /* active level + 1 */
        for (int k = 0; k < n; k++)
            T[oth[k]].pfc_ok = 0; /* moved once the namespace has an init */
        T[kh].pfc_ok = 1;
    }
    if (ipc && n) {
        /* SPEC.md makes the IPC namespace per process: move the other threads along */
        set_path("/proc/thread-self/ns/ipc");
        long fd = a_sys(kh, SYS_openat, AT_FDCWD, (long)G->cmd.path, O_RDONLY | O_CLOEXEC, 0);
        if (fd < 0)
            infra("open ns/ipc: %s", ename((int)-fd));
        for (int k = 0; k < n; k++)
            if ((r = a_sys(oth[k], SYS_setns, fd, CLONE_NEWIPC, 0, 0)) < 0)
                warn("setns(ipc) in thread h%d: %s", oth[k], ename((int)-r));
        a_sys(kh, SYS_close, fd, 0, 0, 0);
        if (!mapped)
            mapped = "unshare plus setns of the process's other threads";
    } else if (pid && n && !mapped) {
        mapped = "the other threads follow once the namespace has an init";
    }
    out_val(0, mapped);
}

static void op_exit(int h)
{
    if (h == 0) {
        out_err(EBUSY, "root init");
        return;
    }
    int leader = T[h].leader == h;
    if (!leader && T[h].pfc_ok)
        try_sync(h); /* it may be the last thread holding pid_for_children */
    G->cmd.nr = leader ? SYS_exit_group : SYS_exit;
    cmd_run(h, OP_EXIT, 1);
    wait_released(h);
    sweep();
    out_val(0, NULL);
}

static void op_setid(int h, long nr, uint32_t id)
{
    static int oth[MAXH];
    if (nr == SYS_setuid)
        try_sync(h); /* setns needs the capability that setuid may drop */
    long r = a_sys(h, nr, (long)id, 0, 0, 0);
    if (r < 0) {
        out_err((int)-r, NULL);
        return;
    }
    int n = other_threads(h, oth);
    for (int k = 0; k < n; k++)
        if ((r = a_sys(oth[k], nr, (long)id, 0, 0, 0)) < 0)
            warn("%s in thread h%d: %s", nr == SYS_setuid ? "setuid" : "setgid", oth[k],
                 ename((int)-r));
    if (nr == SYS_setuid)
        T[T[h].leader].uid = id;
    out_val(0, n ? "set in every thread of the process" : NULL);
}

static long ipc_get(int h, int kind, int32_t key, long arg, int32_t flags)
{
    switch (kind) {
    case K_MSG:
        return a_sys(h, SYS_msgget, key, flags, 0, 0);
    case K_SEM:
        return a_sys(h, SYS_semget, key, arg, flags, 0);
    default:
        return a_sys(h, SYS_shmget, key, arg, flags, 0);
    }
}

static long ipc_rm(int h, int kind, int32_t id)
{
    switch (kind) {
    case K_MSG:
        return a_sys(h, SYS_msgctl, id, K_IPC_RMID, 0, 0);
    case K_SEM:
        return a_sys(h, SYS_semctl, id, 0, K_IPC_RMID, 0);
    default:
        return a_sys(h, SYS_shmctl, id, K_IPC_RMID, 0, 0);
    }
}

/* kernel layouts (x86_64) */
struct k_ipc64_perm {
    int32_t key;
    uint32_t uid, gid, cuid, cgid, mode;
    uint16_t seq, pad2;
    uint64_t unused1, unused2;
};
struct k_msqid64_ds {
    struct k_ipc64_perm perm;
    int64_t stime, rtime, ctime;
    uint64_t cbytes, qnum, qbytes;
    int32_t lspid, lrpid;
    uint64_t unused4, unused5;
};
struct k_msginfo {
    int32_t msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz, msgtql;
    uint16_t msgseg;
};
struct k_seminfo {
    int32_t semmap, semmni, semmns, semmnu, semmsl, semopm, semume, semusz, semvmx, semaem;
};
struct k_shminfo64 {
    uint64_t shmmax, shmmin, shmmni, shmseg, shmall, u1, u2, u3, u4;
};
struct k_shm_info {
    int32_t used_ids;
    uint64_t shm_tot, shm_rss, shm_swp, swap_attempts, swap_successes;
};

static void op_ipcset(int h, int kind, int32_t id, uint32_t uid, uint32_t gid, uint32_t mode)
{
    char *b = G->cmd.scratch;
    memset(b, 0, sizeof G->cmd.scratch);
    long r;
    struct k_ipc64_perm *perm = (struct k_ipc64_perm *)b;
    if (kind == K_MSG) {
        /* IPC_SET also sets msg_qbytes: take the current value with MSG_STAT_ANY (no read
         * permission needed, unlike IPC_STAT); if the object does not exist IPC_SET fails */
        a_sys(h, SYS_msgctl, id, K_MSG_STAT_ANY, (long)b, 0);
    }
    perm->uid = uid;
    perm->gid = gid;
    perm->mode = mode & 0777;
    switch (kind) {
    case K_MSG:
        r = a_sys(h, SYS_msgctl, id, K_IPC_SET, (long)b, 0);
        break;
    case K_SEM:
        r = a_sys(h, SYS_semctl, id, 0, K_IPC_SET, (long)b);
        break;
    default:
        r = a_sys(h, SYS_shmctl, id, K_IPC_SET, (long)b, 0);
        break;
    }
    out_res(r < 0 ? r : 0, NULL);
}

static long read_long_file(int h, const char *path)
{
    long r = a_read(h, path, NULL);
    if (r < 0)
        infra("read %s: %s", path, ename((int)-r));
    char *e;
    long v = strtol(GBUF, &e, 10);
    if (e == GBUF)
        infra("%s: not a number: %.40s", path, GBUF);
    return v;
}

static void next_id_path(int kind, char *p, size_t n)
{
    snprintf(p, n, "/proc/sys/kernel/%s_next_id", kind_name[kind]);
}

static void write_next_id(int h, int kind, long v)
{
    char p[64], d[32];
    next_id_path(kind, p, sizeof p);
    snprintf(d, sizeof d, "%ld\n", v);
    long r = a_write(h, p, d, NULL);
    if (r < 0)
        infra("write %s: %s", p, ename((int)-r));
}

/* msgget/semget/shmget, with the pending-id emulation of docs/ops-format.md */
static void op_ipcget(int h, int kind, int32_t key, long arg, int32_t flags)
{
    struct task *a = &T[h];
    if (!a->pend_n) {
        out_res(ipc_get(h, kind, key, arg, flags), NULL);
        return;
    }
    char *b = G->cmd.scratch;
    long limit, in_use, semmsl = 0;
    uint64_t shmmax = 0;
    memset(b, 0, sizeof G->cmd.scratch);
    if (kind == K_MSG) {
        if (a_sys(h, SYS_msgctl, 0, K_MSG_INFO, (long)b, 0) < 0)
            infra("MSG_INFO failed");
        struct k_msginfo *mi = (struct k_msginfo *)b;
        limit = mi->msgmni;
        in_use = mi->msgpool;
    } else if (kind == K_SEM) {
        if (a_sys(h, SYS_semctl, 0, 0, K_SEM_INFO, (long)b) < 0)
            infra("SEM_INFO failed");
        struct k_seminfo *si = (struct k_seminfo *)b;
        limit = si->semmni;
        in_use = si->semusz;
        semmsl = si->semmsl;
    } else {
        if (a_sys(h, SYS_shmctl, 0, K_IPC_INFO, (long)b, 0) < 0)
            infra("IPC_INFO failed");
        struct k_shminfo64 *si = (struct k_shminfo64 *)b;
        limit = (long)si->shmmni;
        shmmax = si->shmmax;
        memset(b, 0, sizeof G->cmd.scratch);
        if (a_sys(h, SYS_shmctl, 0, K_SHM_INFO, (long)b, 0) < 0)
            infra("SHM_INFO failed");
        in_use = ((struct k_shm_info *)b)->used_ids;
    }
    if (limit > 32768)
        limit = 32768;
    /* invalid nsems fails before the key is looked at */
    if (kind == K_SEM && (arg < 0 || arg > semmsl)) {
        out_res(ipc_get(h, kind, key, arg, flags), NULL);
        return;
    }
    int creates = 1;
    if (key != 0) {
        long p = ipc_get(h, kind, key, 0, 0);
        creates = p == -ENOENT && (flags & K_IPC_CREAT);
    }
    if (creates && kind == K_SEM && arg == 0)
        creates = 0;
    if (creates && kind == K_SHM && ((uint64_t)arg < 1 || (uint64_t)arg > shmmax))
        creates = 0;
    if (!creates) { /* finds an existing object or fails on its arguments: nothing consumed */
        out_res(ipc_get(h, kind, key, arg, flags), NULL);
        return;
    }
    int n = a->pend_n;
    int32_t X = a->pend[0];
    a->pend_n = 0;
    char mb[128];
    if (n != 1) {
        snprintf(mb, sizeof mb, "pending LONG%d for an IPC id (no kernel call)", n);
        out_err(EINVAL, mb);
        return;
    }
    if (T[a->leader].uid != 0) {
        out_err(EPERM, "pending id by a non-root task (no kernel call)");
        return;
    }
    if (in_use >= limit) {
        out_err(ENOSPC, "pending id in a full namespace (no kernel call)");
        return;
    }
    char path[64];
    next_id_path(kind, path, sizeof path);
    long saved = read_long_file(h, path);
    write_next_id(h, kind, X);
    long r = ipc_get(h, kind, key, arg, flags);
    if (r >= 0 && r != X) {
        long rr = ipc_rm(h, kind, (int32_t)r);
        if (rr < 0)
            infra("removing fallback object %ld: %s", r, ename((int)-rr));
        r = -EBUSY;
    } else if (r == -ENOSPC) {
        /* the object limit was checked above: the kernel found no free idx from X's up to
         * IPCMNI (its search ends there), so X's idx is taken */
        r = -EBUSY;
    }
    long cur = read_long_file(h, path);
    if (saved >= 0) {
        if (cur != saved)
            write_next_id(h, kind, saved);
    } else if (cur >= 0) {
        /* put "unset" back: consume the leftover value with a create+remove */
        long t = ipc_get(h, kind, 0, kind == K_MSG ? 0 : 1, 0600);
        if (t < 0)
            infra("cannot consume leftover %s_next_id: %s", kind_name[kind], ename((int)-t));
        ipc_rm(h, kind, (int32_t)t);
        if (read_long_file(h, path) != -1)
            infra("%s_next_id not restored", kind_name[kind]);
    }
    snprintf(mb, sizeof mb, "pending id through %s_next_id", kind_name[kind]);
    out_res(r, mb);
}

static const char *sysctl_names[] = {"ns_last_pid", "pid_max", "msg_next_id", "sem_next_id",
                                     "shm_next_id", NULL};

static int sysctl_ok(const char *s)
{
    for (int i = 0; sysctl_names[i]; i++)
        if (!strcmp(s, sysctl_names[i]))
            return 1;
    return 0;
}

static void op_sysctl(int h, const char *name, const char *value)
{
    char path[64];
    static char data[sizeof G->cmd.data + 2];
    snprintf(path, sizeof path, "/proc/sys/kernel/%s", name);
    if (strlen(value) + 1 > sizeof G->cmd.data) {
        out_err(EINVAL, "value too long for the runner (no kernel call)");
        return;
    }
    snprintf(data, sizeof data, "%s\n", value);
    long stage;
    long r = a_write(h, path, data, &stage);
    if (r == -EACCES && stage == 1) {
        out_err(EPERM, "EACCES at open(2)");
        return;
    }
    out_res(r, NULL);
}

static void op_read_sysctl(int h, const char *name)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/sys/kernel/%s", name);
    long r = a_read(h, path, NULL);
    if (r < 0) {
        out_err((int)-r, NULL);
        return;
    }
    char *e;
    long v = strtol(GBUF, &e, 10);
    if (e == GBUF)
        infra("%s: not a number: %.40s", path, GBUF);
    out_val(v, NULL);
}

static void op_read_nspid(int h)
{
    long r = a_read(h, "/proc/thread-self/status", NULL);
    if (r < 0) {
        out_err((int)-r, NULL);
        return;
    }
    int nn, ns[MAX_LEVEL + 2];
    parse_status(GBUF, NULL, &nn, ns);
    printf("%d =", g_line);
    for (int i = 0; i < nn; i++)
        printf(" %d", ns[i]);
    putchar('\n');
}

static void op_read_ipc(int h, int kind)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/sysvipc/%s", kind_name[kind]);
    long r = a_read(h, path, NULL);
    if (r < 0) {
        out_err((int)-r, NULL);
        return;
    }
    printf("%d =", g_line);
    int count = 0;
    char *line = strchr(GBUF, '\n'); /* skip the header */
    while (line && *++line) {
        char *end = strchr(line, '\n');
        if (end)
            *end = 0;
        int key, id, n = 0;
        unsigned mode, uid, gid, cuid, cgid, u1, u2;
        unsigned long l1, l2, l3;
        int p1, p2;
        if (kind == K_MSG) {
            n = sscanf(line, "%d %d %o %lu %lu %d %d %u %u %u %u", &key, &id, &mode, &l1, &l2, &p1,
                       &p2, &uid, &gid, &cuid, &cgid);
            if (n == 11)
                printf(" %d:%d:%o:%u:%u:%u:%u", id, key, mode, uid, gid, cuid, cgid);
        } else if (kind == K_SEM) {
            n = sscanf(line, "%d %d %o %lu %u %u %u %u", &key, &id, &mode, &l1, &uid, &gid, &cuid,
                       &cgid);
            if (n == 8)
                printf(" %d:%d:%o:%u:%u:%u:%u:%lu", id, key, mode, uid, gid, cuid, cgid, l1);
        } else {
            n = sscanf(line, "%d %d %o %lu %u %u %lu %u %u %u %u", &key, &id, &mode, &l1, &u1, &u2,
                       &l3, &uid, &gid, &cuid, &cgid);
            if (n == 11)
                printf(" %d:%d:%o:%u:%u:%u:%u:%lu", id, key, mode, uid, gid, cuid, cgid, l1);
        }
        (void)l2;
        if ((kind == K_SEM && n != 8) || (kind != K_SEM && n != 11)) {
            putchar('\n');
            infra("cannot parse %s line: %s", path, line);
        }
        count++;
        line = end;
    }
    if (!count)
        printf(" -");
    putchar('\n');
}

#define MAXTOK 64

static int tokenize(char *s, char **tok)
{
    int n = 0;
    for (;;) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            return n;
        if (n == MAXTOK)
            return MAXTOK + 1;
        tok[n++] = s;
        while (*s && *s != ' ' && *s != '\t')
            s++;
        if (*s)
            *s++ = 0;
    }
}

static void run_op(int h, char *cmdline)
{
    if (h < 0 || h >= g_nh || !T[h].alive) {
        out_err(ESRCH, NULL);
        return;
    }
    /* comm NAME: the rest of the line after the command word and its blanks, as it is */
    char *w = cmdline;
    while (*w == ' ' || *w == '\t')
        w++;
    if (!strncmp(w, "comm", 4) && (w[4] == ' ' || w[4] == '\t' || !w[4])) {
        w += 4;
        while (*w == ' ' || *w == '\t')
            w++;
        if (!*w) {
            out_err(EINVAL, NULL);
            return;
        }
        set_path(w);
        out_res(a_sys(h, SYS_prctl, PR_SET_NAME, (long)G->cmd.path, 0, 0), NULL);
        return;
    }
    char *tok[MAXTOK + 1];
    int nt = tokenize(cmdline, tok);
    if (nt == 0 || nt > MAXTOK) {
        out_err(EINVAL, NULL);
        return;
    }
    const char *c = tok[0];
    struct task *a = &T[h];
    unsigned long long u;
    int32_t key, id, fl, nsems;
    uint32_t m;

    if (!strcmp(c, "fork")) {
        if (nt != 1)
            goto inval;
        op_create(h, 0, 0, 0);
    } else if (!strcmp(c, "clone")) {
        int np = 0, ni = 0, th = 0;
        for (int i = 1; i < nt; i++) {
            if (!strcmp(tok[i], "newpid") && !np)
                np = 1;
            else if (!strcmp(tok[i], "newipc") && !ni)
                ni = 1;
            else if (!strcmp(tok[i], "thread") && !th)
                th = 1;
            else
                goto inval; /* unknown or repeated flag */
        }
        op_create(h, np, ni, th);
    } else if (!strcmp(c, "unshare")) {
        int p = 0, i_ = 0;
        if (nt < 2)
            goto inval;
        for (int i = 1; i < nt; i++) {
            if (!strcmp(tok[i], "pid") && !p)
                p = 1;
            else if (!strcmp(tok[i], "ipc") && !i_)
                i_ = 1;
            else
                goto inval; /* unknown or repeated word */
        }
        op_unshare(h, p, i_);
    } else if (!strcmp(c, "exit")) {
        if (nt != 1)
            goto inval;
        op_exit(h);
    } else if (!strcmp(c, "setuid") || !strcmp(c, "setgid")) {
        if (nt != 2 || parse_udec(tok[1], 0xfffffffeULL, &u)) /* (uid_t)-1 is no id */
            goto inval;
        op_setid(h, c[3] == 'u' ? SYS_setuid : SYS_setgid, (uint32_t)u);
    } else if (!strcmp(c, "msgget")) {
        if (nt != 3 || parse_key(tok[1], &key) || parse_flags(tok[2], &fl))
            goto inval;
        op_ipcget(h, K_MSG, key, 0, fl);
    } else if (!strcmp(c, "semget")) {
        if (nt != 4 || parse_key(tok[1], &key) || parse_sdec32(tok[2], &nsems) ||
            parse_flags(tok[3], &fl))
            goto inval;
        op_ipcget(h, K_SEM, key, nsems, fl);
    } else if (!strcmp(c, "shmget")) {
        if (nt != 4 || parse_key(tok[1], &key) || parse_udec(tok[2], ~0ULL, &u) ||
            parse_flags(tok[3], &fl))
            goto inval;
        op_ipcget(h, K_SHM, key, (long)u, fl);
    } else if (strlen(c) == 5 && !strcmp(c + 3, "rm") && kind_of(c) >= 0) {
        if (nt != 2 || parse_sdec32(tok[1], &id))
            goto inval;
        long r = ipc_rm(h, kind_of(c), id);
        out_res(r < 0 ? r : 0, NULL);
    } else if (strlen(c) == 6 && !strcmp(c + 3, "set") && kind_of(c) >= 0) {
        unsigned long long uu, gg;
        if (nt != 5 || parse_sdec32(tok[1], &id) || parse_udec(tok[2], 0xfffffffeULL, &uu) ||
            parse_udec(tok[3], 0xfffffffeULL, &gg) || parse_clit(tok[4], 0177777, &m))
            goto inval;
        op_ipcset(h, kind_of(c), id, (uint32_t)uu, (uint32_t)gg, m);
    } else if (!strcmp(c, "next_id")) {
        int n;
        int32_t ids[32];
        if (parse_next_id(tok + 1, nt - 1, &n, ids))
            goto inval;
        a->pend_n = n;
        memcpy(a->pend, ids, sizeof ids);
        out_val(0, NULL);
    } else if (!strcmp(c, "sysctl")) {
        if (nt != 3 || !sysctl_ok(tok[1]))
            goto inval;
        op_sysctl(h, tok[1], tok[2]);
    } else if (!strcmp(c, "read")) {
        if (nt == 2 && !strcmp(tok[1], "nspid"))
            op_read_nspid(h);
        else if (nt == 2 && !strcmp(tok[1], "ppid"))
            out_res(a_sys(h, SYS_getppid, 0, 0, 0, 0), NULL); /* the parent in the task's view */
        else if (nt == 2 && sysctl_ok(tok[1]))
            op_read_sysctl(h, tok[1]);
        else if (nt == 3 && !strcmp(tok[1], "ipc") && strlen(tok[2]) == 3 && kind_of(tok[2]) >= 0)
            op_read_ipc(h, kind_of(tok[2]));
        else
            goto inval;
    } else {
        goto inval;
    }
    return;
inval:
    out_err(EINVAL, NULL);
}

/* ---- scripts ---- */

static __attribute__((noinline)) char *slurp(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    size_t r;
    while (b && (r = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n < 2) {
            char *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
    }
    if (f != stdin)
        fclose(f);
    else
        clearerr(stdin);
    if (b)
        b[n] = 0;
    *len = n;
    return b;
}

static int is_blank_or_comment(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return !*s || *s == '#';
}

static int g_helper_fd = -1; /* the per-script helper that unshared and forked the init */

static void setup_namespace(long pid_max)
{
    char buf[64];
    g_line = 0;
    G->cmd.serial = ++g_serial;
    uint32_t serial = G->cmd.serial;
    G->slots[0].cmd_seq = 0;
    fflush(stdout);
    fflush(stderr);
    pid_t self = getpid();
    pid_t s = fork();
    if (s < 0)
        infra("fork: %s", strerror(errno));
    if (s == 0) {
        /* the helper stays until the script ends; if the runner dies, it dies, and so does
         * the init, which takes its whole namespace along */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != self)
            _exit(1);
        long r = rs1(SYS_unshare, CLONE_NEWPID | CLONE_NEWIPC);
        if (r < 0) {
            agent_reply(r, 1);
            _exit(1);
        }
        pid_t i = fork();
        if (i == 0) {
            rs2(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL);
            agent_loop(0);
        }
        agent_reply(i < 0 ? -errno : i, 2);
        for (;;)
            pause();
    }
    g_helper_fd = (int)syscall(SYS_pidfd_open, s, 0);
    if (g_helper_fd < 0)
        infra("pidfd_open(helper): %s", strerror(errno));
    long r = wait_reply(serial, -1);
    if (r < 0)
        infra("%s: %s", G->res_stage == 1 ? "unshare(CLONE_NEWPID|CLONE_NEWIPC)" : "fork of init",
              strerror((int)-r));
    memset(&T[0], 0, sizeof T[0]);
    T[0].alive = 1;
    T[0].leader = 0;
    T[0].tid = (pid_t)r;
    T[0].pidfd = -1;
    T[0].pfc_ok = 1;
    open_pidfd(0);
    g_nh = 1;
    snprintf(buf, sizeof buf, "%ld\n", pid_max);
    long stage;
    r = a_write(0, "/proc/sys/kernel/pid_max", buf, &stage);
    if (r < 0)
        infra("init cannot set pid_max %ld: %s", pid_max, ename((int)-r));
    r = a_read(0, "/proc/thread-self/status", NULL);
    if (r < 0)
        infra("init cannot read its status: %s", ename((int)-r));
    parse_status(GBUF, NULL, &T[0].nn, T[0].nspid);
    if (T[0].nn != 1 || T[0].nspid[0] != 1)
        infra("init is not pid 1 of its namespace");
}

static void kill_helper(void)
{
    if (g_helper_fd < 0)
        return;
    syscall(SYS_pidfd_send_signal, g_helper_fd, SIGKILL, NULL, 0);
    struct pollfd p = {g_helper_fd, POLLIN, 0};
    poll(&p, 1, 10000);
    close(g_helper_fd);
    g_helper_fd = -1;
}

static void teardown_namespace(void)
{
    if (g_nh > 0 && T[0].alive && T[0].pidfd >= 0) {
        if (syscall(SYS_pidfd_send_signal, T[0].pidfd, SIGKILL, NULL, 0) < 0)
            fprintf(stderr, "kernelrun: pidfd_send_signal: %s\n", strerror(errno));
        wait_released(0);
    }
    for (int i = 0; i < g_nh; i++) {
        if (T[i].alive && T[i].pidfd >= 0)
            wait_released(i);
        if (T[i].pidfd >= 0)
            close(T[i].pidfd);
        T[i].pidfd = -1;
        T[i].alive = 0;
        G->slots[i].cmd_seq = 0;
    }
    g_nh = 0;
    kill_helper();
}

static void run_script(const char *path)
{
    size_t len;
    g_path = path;
    g_line = 0;
    char *text = slurp(path, &len);
    if (!text) {
        fprintf(stderr, "kernelrun: %s: %s\n", path, strerror(errno));
        g_status = 2;
        return;
    }
    /* lines */
    int nlines = 0, cap = 256;
    char **lines = malloc(sizeof(char *) * (size_t)cap);
    for (char *p = text; *p;) {
        if (nlines == cap) {
            cap *= 2;
            lines = realloc(lines, sizeof(char *) * (size_t)cap);
        }
        lines[nlines++] = p;
        char *e = strchr(p, '\n');
        if (!e)
            break;
        *e = 0;
        p = e + 1;
    }
    /* header */
    long pid_max = 32768;
    int first_op = 0;
    for (; first_op < nlines; first_op++)
        if (!is_blank_or_comment(lines[first_op]))
            break;
    int header_line = -1;
    if (first_op < nlines) {
        char copy[256];
        char *tok[MAXTOK + 1];
        snprintf(copy, sizeof copy, "%s", lines[first_op]);
        int nt = tokenize(copy, tok);
        if (nt >= 1 && !strcmp(tok[0], "pid_max")) {
            unsigned long long v;
            g_line = first_op + 1;
            if (nt != 2 || parse_udec(tok[1], 4194304, &v) || v < 301) {
                printf("== %s\n", path);
                fflush(stdout);
                fprintf(stderr, "kernelrun: %s:%d: bad pid_max header\n", path, g_line);
                g_status = 2;
                free(lines);
                free(text);
                return;
            }
            pid_max = (long)v;
            header_line = first_op;
        }
    }
    printf("== %s\n", path);
    if (setjmp(g_abort) == 0) {
        setup_namespace(pid_max);
        for (int i = 0; i < nlines; i++) {
            g_line = i + 1;
            if (i == header_line || is_blank_or_comment(lines[i]))
                continue;
            char *p = lines[i];
            while (*p == ' ' || *p == '\t')
                p++;
            char *q = p;
            while (*q >= '0' && *q <= '9')
                q++;
            unsigned long long hh;
            char save = *q;
            *q = 0;
            int bad = parse_udec(p, 0x7fffffff, &hh) != 0 || (save && save != ' ' && save != '\t');
            *q = save;
            if (bad)
                infra("not an operation (\"T COMMAND\"): %s", lines[i]);
            if (g_verbose)
                fprintf(stderr, "%s:%d: %s\n", path, g_line, lines[i]);
            run_op((int)hh, q);
        }
        g_line = 0;
        teardown_namespace();
    } else {
        /* aborted: kill what is left */
        g_line = 0;
        if (setjmp(g_abort) == 0)
            teardown_namespace();
        else {
            for (int i = 0; i < g_nh; i++)
                if (T[i].pidfd >= 0) {
                    syscall(SYS_pidfd_send_signal, T[i].pidfd, SIGKILL, NULL, 0);
                    close(T[i].pidfd);
                    T[i].pidfd = -1;
                }
            g_nh = 0;
            kill_helper();
        }
    }
    fflush(stdout);
    free(lines);
    free(text);
}

static int self_nspid_len(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[512];
    int n = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "NSpid:", 6)) {
            char *p = line + 6, *e;
            for (;;) {
                strtol(p, &e, 10);
                if (e == p)
                    break;
                n++;
                p = e;
            }
        }
    fclose(f);
    return n;
}

static __attribute__((noreturn)) void die(const char *msg)
{
    fprintf(stderr, "kernelrun: %s\n", msg);
    exit(2);
}

int main(int argc, char **argv)
{
    int i = 1;
    for (; i < argc; i++) {
        if (!strcmp(argv[i], "-v"))
            g_verbose = 1;
        else if (!strcmp(argv[i], "--")) {
            i++;
            break;
        } else if (argv[i][0] == '-' && argv[i][1])
            die("usage: kernelrun [-v] SCRIPT...   (\"-\" reads stdin)");
        else
            break;
    }
    if (i >= argc)
        die("usage: kernelrun [-v] SCRIPT...   (\"-\" reads stdin)");

    if (geteuid() != 0)
        die("must run as root");
    if (syscall(SYS_clone3, NULL, 0) >= 0 || errno == ENOSYS)
        die("clone3 unavailable (ENOSYS)");
    int fd = (int)syscall(SYS_pidfd_open, getpid(), PIDFD_THREAD);
    if (fd < 0)
        die("pidfd_open(PIDFD_THREAD) unavailable (needs Linux 6.9)");
    close(fd);
    if (access("/proc/sys/kernel/msg_next_id", F_OK) || access("/proc/sys/kernel/ns_last_pid", F_OK))
        die("/proc/sys/kernel/{msg_next_id,ns_last_pid} missing (CONFIG_CHECKPOINT_RESTORE)");
    g_probe_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (g_probe_fd < 0 || fcntl(g_probe_fd, F_SETOWN, getpid()) < 0 ||
        fcntl(g_probe_fd, F_SETOWN, 0) < 0)
        die("cannot use fcntl(F_SETOWN) as a pid probe");
    g_D = self_nspid_len();
    if (g_D < 1)
        die("cannot read NSpid of /proc/self/status");
    if (setgroups(0, NULL) < 0)
        die("setgroups(0, NULL) failed");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sa.sa_flags = SA_NOCLDWAIT;
    if (sigaction(SIGCHLD, &sa, NULL) < 0)
        die("sigaction(SIGCHLD)");
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
        die("PR_SET_CHILD_SUBREAPER failed");
    G = mmap(NULL, sizeof(struct shared), PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    GBUF = mmap(NULL, BUFSZ, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE,
                -1, 0);
    T = calloc(MAXH, sizeof *T);
    if (G == MAP_FAILED || GBUF == MAP_FAILED || !T)
        die("out of memory");

    for (; i < argc; i++)
        run_script(argv[i]);
    fflush(stdout);
    return g_status;
}
