/*
 * The controller's side of the simulated tasks: one command at a time to an agent, new tasks
 * registered, ended tasks waited for until the kernel has released their pids, the threads of a
 * process kept in one pid_for_children, and the result lines.
 */
#include "kernelrun.h"

#include <poll.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>

struct task *T;
int g_nh;
uint32_t g_serial;
int g_verbose;
int g_D;
int g_status;
const char *g_path;
int g_line;
jmp_buf g_abort;
int g_probe_fd = -1;

static void vreport(const char *fmt, va_list ap)
{
    fprintf(stderr, "kernelrun: %s:%d: ", g_path ? g_path : "-", g_line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    g_status = 2;
}

/* The runner itself failed: abandons the script (run_script's setjmp). */
void infra(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(fmt, ap);
    va_end(ap);
    longjmp(g_abort, 1);
}

void warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(fmt, ap);
    va_end(ap);
}

const char *ename(int e)
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

/* ---- commands ---- */

static int task_exited(int h)
{
    struct pollfd p = {T[h].pidfd, POLLIN, 0};
    return poll(&p, 1, 0) > 0;
}

long wait_reply(uint32_t serial, int h)
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
long cmd_run(int h, uint32_t op, int noreply)
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

long a_sys(int h, long nr, long a0, long a1, long a2, long a3)
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

void set_path(const char *p)
{
    snprintf(G->cmd.path, sizeof G->cmd.path, "%s", p);
}

/* Reads a file in task h into GBUF; returns length or -errno (*stage 1: open, 2: read). */
long a_read(int h, const char *path, long *stage)
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
long a_write(int h, const char *path, const char *data, long *stage)
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

/* ---- task life ---- */

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

/* Parses NSpid and Pid of a /proc/.../status text (host view). */
void parse_status(const char *s, pid_t *tid, int *nn, int *nspid)
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

/* A new task at handle h, already running agent_loop(h): its pids (from its own status, in the
 * host's /proc) and a pidfd. uid is the process's (used when h leads it). */
void register_task(int h, int leader, uint32_t uid)
{
    struct task *c = &T[h];
    memset(c, 0, sizeof *c);
    c->alive = 1;
    c->pidfd = -1;
    c->leader = leader;
    c->pfc_ok = 1;
    long r = a_read(h, "/proc/thread-self/status", NULL);
    if (r < 0)
        infra("new task h%d cannot read its status: %s", h, ename((int)-r));
    parse_status(GBUF, &c->tid, &c->nn, c->nspid);
    open_pidfd(h);
    if (leader == h) {
        c->uid = uid;
        c->pfc_level = c->nn - 1;
    }
}

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
void wait_released(int h)
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
void sweep(void)
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

/* ---- the threads of a process ---- */

/* the other live threads of h's process, in handle order */
int other_threads(int h, int *out)
{
    int n = 0;
    for (int i = 0; i < g_nh; i++)
        if (i != h && T[i].alive && T[i].leader == T[h].leader)
            out[n++] = i;
    return n;
}

/* setns(2) of threads[0..n) into the namespace /proc/thread-self/ns/<ns> of thread `from`.
 * Returns 0, or -errno when `from` cannot open that file (nobody moves). */
long setns_threads(int from, const char *ns, long nstype, const int *threads, int n)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/thread-self/ns/%s", ns);
    set_path(path);
    long fd = a_sys(from, SYS_openat, AT_FDCWD, (long)G->cmd.path, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0)
        return fd;
    for (int k = 0; k < n; k++) {
        long r = a_sys(threads[k], SYS_setns, fd, nstype, 0, 0);
        if (r < 0)
            warn("setns(%s) in thread h%d: %s", ns, threads[k], ename((int)-r));
        else if (nstype == CLONE_NEWPID)
            T[threads[k]].pfc_ok = 1;
    }
    a_sys(from, SYS_close, fd, 0, 0, 0);
    return 0;
}

/*
 * pid_for_children is per process in docs/interface.md §4.2 but per thread in Linux. After `unshare
 * pid` by one thread only that thread's kernel pid_for_children is the new namespace (pfc_ok). The
 * others cannot setns(2) into it yet: /proc/.../ns/pid_for_children cannot be opened before the
 * namespace has an init (ENOENT). So they are moved as soon as the namespace has one (after every
 * process creation, before a setuid and before a holder thread exits), and until then a creation or
 * unshare that depends on pid_for_children runs in a thread that holds it.
 */
void try_sync(int h)
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
    long r = setns_threads(holder, "pid_for_children", CLONE_NEWPID, oth, nu);
    if (r < 0 && r != -ENOENT) /* ENOENT: the namespace has no init yet */
        warn("open pid_for_children in h%d: %s", holder, ename((int)-r));
}

/* The thread that makes a pid_for_children-dependent call on behalf of h. */
int kernel_actor(int h, const char **mapped)
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

/* ---- result lines (docs/ops-format.md "Output") ---- */

static void out_mapped(const char *mapped)
{
    if (mapped)
        printf(" # mapped: %s", mapped);
    putchar('\n');
}

void out_val(long v, const char *mapped)
{
    printf("%d = %ld", g_line, v);
    out_mapped(mapped);
}

void out_err(int e, const char *mapped)
{
    printf("%d ! %s", g_line, ename(e));
    out_mapped(mapped);
}

void out_res(long r, const char *mapped)
{
    if (r < 0)
        out_err((int)-r, mapped);
    else
        out_val(r, mapped);
}

/* " p0 p1 ..." */
void out_pids(int nn, const int *nspid)
{
    for (int i = 0; i < nn; i++)
        printf(" %d", nspid[i]);
}
