/*
 * The controller's side of the simulated tasks: one command at a time to an agent, new tasks
 * registered, ended tasks waited for until the kernel has released their pids, the threads of a
 * process kept in one pid_for_children, and the result lines.
 */
#include "kernelrun.h"

#include <poll.h>
#include <stdarg.h>
#include <sys/ioctl.h>
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
int g_procfd = -1;

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

static void hold(pid_t nr);

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
    if (!p)
        infra("status without Pid");
    if (tid)
        *tid = (pid_t)strtol(p + 5, NULL, 10);
    parse_status_list(s, "pid", nn, nspid);
}

/* The NS<name> line (pid, pgid, sid) of a /proc/.../status text, without the levels above the
 * test's root namespace. */
void parse_status_list(const char *s, const char *name, int *nn, int *nspid)
{
    char key[16];
    snprintf(key, sizeof key, "\nNS%s:", name);
    const char *q = strstr(s, key);
    if (!q)
        infra("status without NS%s", name);
    q += strlen(key);
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
        infra("NS%s has %d entries, runner has %d", name, k, g_D);
    *nn = 0;
    for (int i = g_D; i < k; i++)
        nspid[(*nn)++] = all[i];
}

/* ---- pid namespaces ---- */

/* Each pid namespace a task of the script lives in, by inode, with its parent's. */
static struct {
    unsigned long ino, parent;
} g_ns[4096];
static int g_nns;

#define K_NS_GET_PARENT _IO(0xb7, 0x2)

/* The inode of tid's pid namespace, entered (again: the inode of a namespace that went may be
 * reused) with its parent's (ioctl NS_GET_PARENT). */
static unsigned long pid_namespace_of(pid_t tid)
{
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d/ns/pid", tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0)
        infra("%s: %s", path, strerror(errno));
    unsigned long ino = (unsigned long)st.st_ino;
    int i = 0;
    while (i < g_nns && g_ns[i].ino != ino)
        i++;
    if (i == g_nns) {
        if (g_nns == (int)(sizeof g_ns / sizeof g_ns[0]))
            infra("too many pid namespaces");
        g_nns++;
    }
    int pfd = ioctl(fd, K_NS_GET_PARENT);
    g_ns[i].ino = ino;
    g_ns[i].parent = pfd >= 0 && fstat(pfd, &st) == 0 ? (unsigned long)st.st_ino : 0;
    if (pfd >= 0)
        close(pfd);
    close(fd);
    return ino;
}

/* Whether pid namespace ns is ancestor or below it. */
int ns_within(unsigned long ns, unsigned long ancestor)
{
    for (int depth = 0; ns && depth <= MAX_LEVEL + 8; depth++) {
        if (ns == ancestor)
            return 1;
        unsigned long parent = 0;
        for (int i = 0; i < g_nns; i++)
            if (g_ns[i].ino == ns)
                parent = g_ns[i].parent;
        ns = parent;
    }
    return 0;
}

void forget_namespaces(void) { g_nns = 0; }

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
    c->nsino = pid_namespace_of(c->tid);
    hold(c->tid);
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

/* SIGCHLD of h's process: SIG_IGN or SIG_DFL (rt_sigaction in h; the handlers are shared by
 * the threads). Returns 0 or -errno. */
long set_sigchld(int h, int ignore)
{
    struct k_sigaction {
        unsigned long handler, flags, restorer, mask;
    } *sa = (struct k_sigaction *)G->cmd.scratch;
    memset(sa, 0, sizeof *sa);
    sa->handler = ignore ? (unsigned long)SIG_IGN : (unsigned long)SIG_DFL;
    return a_sys(h, SYS_rt_sigaction, SIGCHLD, (long)sa, 0, sizeof sa->mask);
}

/* ---- waiting for the kernel to settle ---- */

/* What the host's /proc/<tid>/stat says of a task. */
struct hstat {
    char state;
    unsigned long flags;      /* field 9 */
    unsigned long signal;     /* field 31: the thread's pending signals */
    long threads;             /* field 20 */
};

/* /proc/<tid>/<file> of the host into buf; its length, or -errno. */
static long host_file(pid_t tid, const char *file, char *buf, size_t n)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", tid, file);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t r = read(fd, buf, n - 1);
    int e = errno;
    close(fd);
    if (r < 0)
        return -e;
    buf[r] = 0;
    return r;
}

static int host_stat(pid_t tid, struct hstat *st)
{
    char buf[1024];
    if (host_file(tid, "stat", buf, sizeof buf) < 0)
        return -1;
    char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ')
        infra("cannot parse /proc/%d/stat", tid);
    p += 2;
    st->state = *p;
    char *f[64];
    int n = 1;
    f[0] = p;
    for (char *q = p; *q && n < 64; q++)
        if (*q == ' ')
            f[n++] = q + 1;
    if (n < 30) /* f[k] is field k + 3 */
        infra("short /proc/%d/stat", tid);
    st->flags = strtoul(f[6], NULL, 10);
    st->threads = strtol(f[17], NULL, 10);
    st->signal = strtoul(f[28], NULL, 10);
    return 0;
}

/* A pid namespace init asleep in zap_pid_ns_processes: it waits for its children to be
 * reapable or for the other pids of its namespace to go (its stack, as root reads it). Whether
 * anything can still change that, settle decides. */
static int waits_in_zap(pid_t tid)
{
    char buf[4096];
    if (host_file(tid, "stack", buf, sizeof buf) < 0)
        return 0;
    return strstr(buf, "zap_pid_ns_processes") != NULL;
}

static int hung_up(int h)
{
    struct pollfd p = {T[h].pidfd, POLLIN, 0};
    return poll(&p, 1, 0) > 0 && (p.revents & POLLHUP);
}

enum { ST_RUNNING, ST_ZOMBIE, ST_DYING, ST_GONE, ST_MOVING };

/* Where task h is, as far as its /proc entry tells. A zombie is only a candidate: its parent
 * may be about to reap it (see settle). */
static int task_state(int h)
{
    struct task *t = &T[h];
    if (hung_up(h))
        return ST_GONE;
    struct hstat st;
    int ok = host_stat(t->tid, &st) == 0;
    if (hung_up(h)) /* released meanwhile: the number may name another task now */
        return ST_GONE;
    if (!ok)
        return ST_MOVING;
    if (st.state == 'Z')
        return st.threads == 1 ? ST_ZOMBIE : ST_MOVING; /* a leader waits for its threads */
    if (st.state == 'X')
        return ST_MOVING;
    if (st.flags & K_PF_EXITING)
        return st.state == 'S' && waits_in_zap(t->tid) ? ST_DYING : ST_MOVING;
    if (st.signal & (1UL << (SIGKILL - 1)))
        return ST_MOVING; /* killed, not yet exiting */
    /* An idle agent sleeps in FUTEX_WAIT. A running one is finishing a command or has just
     * taken a fatal signal: get_signal clears the pending SIGKILL before do_exit sets
     * PF_EXITING, so in between only the state tells. */
    if (st.state == 'R')
        return ST_MOVING;
    return ST_RUNNING;
}

static long seconds_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec - t0->tv_sec;
}

static void slow_pause(int i, const struct timespec *t0, const char *what)
{
    if (seconds_since(t0) > 30)
        infra("%s: no settled state after 30 s", what);
    spin_pause(i);
}

/* After `exit` was sent to h: until the kernel has started on it. */
void await_exit(int h)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; task_state(h) == ST_RUNNING; i++)
        slow_pause(i, &t0, "exit");
}

/* Host pid numbers the test's tasks held after the last settle: each is freed by the kernel
 * once nothing is attached to it. */
static pid_t *g_held;
static int g_nheld, g_capheld;

static void hold(pid_t nr)
{
    for (int i = 0; i < g_nheld; i++)
        if (g_held[i] == nr)
            return;
    if (g_nheld == g_capheld) {
        g_capheld = g_capheld ? 2 * g_capheld : 1024;
        g_held = realloc(g_held, sizeof *g_held * (size_t)g_capheld);
        if (!g_held)
            infra("out of memory");
    }
    g_held[g_nheld++] = nr;
}

void forget_held_pids(void) { g_nheld = 0; }

/* A fork of the controller (vfork, so nothing is copied): its alloc_pid takes pidmap_lock,
 * after any free_pid under way has let it go. */
static void pidmap_barrier(void)
{
    pid_t c = vfork();
    if (c == 0)
        _exit(0);
    if (c < 0)
        infra("vfork: %s", strerror(errno));
}

/* Every pid number a task still has as pid, process group or session; the others of
 * g_held must leave the idr (free_pid runs after release_task, a moment after the pidfd says
 * the task is gone). */
static void await_freed_pids(void)
{
    static pid_t now[3 * MAXH];
    int n = 0;
    for (int i = 0; i < g_nh; i++) {
        if (T[i].gone)
            continue;
        now[n++] = T[i].tid;
        if (T[i].leader == i) {
            pid_t g = (pid_t)getpgid(T[i].tid), s = (pid_t)getsid(T[i].tid);
            if (g > 0)
                now[n++] = g;
            if (s > 0)
                now[n++] = s;
        }
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int k = 0; k < g_nheld; k++) {
        int kept = 0;
        for (int j = 0; j < n && !kept; j++)
            kept = now[j] == g_held[k];
        for (int i = 0; !kept && pid_in_idr(g_held[k]); i++)
            slow_pause(i, &t0, "free_pid");
    }
    g_nheld = 0;
    for (int j = 0; j < n; j++)
        hold(now[j]);
}

/*
 * Until nothing moves: every task that is not released runs, is a zombie, or is an init that
 * waits in zap_pid_ns_processes while nothing else moves (its namespace holds a pid that only
 * another operation can free). A zombie is settled once a read of tasklist_lock (kill(0, 0))
 * has passed the exit_notify that made it: whoever was to reap it at once has done so under
 * that lock. Then the handles: released ones gone, zombies and dying inits no longer alive; and
 * the pids nothing holds out of the idr.
 */
void settle(void)
{
    static unsigned char st[MAXH];
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int round = 0;; round++) {
        for (int i = 0;; i++) {
            int moving = 0, zombies = 0;
            for (int h = 0; h < g_nh; h++) {
                if (T[h].gone)
                    continue;
                st[h] = (unsigned char)task_state(h);
                moving += st[h] == ST_MOVING;
                zombies += st[h] == ST_ZOMBIE;
            }
            if (!moving && zombies) {
                kill(0, 0);
                for (int h = 0; h < g_nh; h++)
                    if (!T[h].gone && st[h] == ST_ZOMBIE && task_state(h) != ST_ZOMBIE)
                        moving++;
            }
            if (!moving)
                break;
            if (seconds_since(&t0) > 30) {
                for (int h = 0; h < g_nh; h++) {
                    char buf[1024];
                    if (!T[h].gone && st[h] == ST_MOVING && host_file(T[h].tid, "stat", buf, sizeof buf) >= 0)
                        fprintf(stderr, "kernelrun: still moving: h%d: %s", h, buf);
                }
            }
            slow_pause(i, &t0, "settle");
        }
        for (int h = 0; h < g_nh; h++) {
            if (T[h].gone)
                continue;
            if (st[h] == ST_RUNNING) {
                if (!T[h].alive)
                    infra("task h%d runs again after it exited", h);
                continue;
            }
            T[h].alive = 0;
            T[h].pend_n = 0;
            if (st[h] == ST_GONE) {
                close(T[h].pidfd);
                T[h].pidfd = -1;
                T[h].gone = 1;
            }
        }
        await_freed_pids();
        /* free_pid wakes a waiting init when the last other pid of its namespace goes, in the
         * same pidmap_lock section that takes the number out of every level's idr, root level
         * first: once alloc_pid has had that lock after it, the init is awake. One that has
         * stirred finishes its exit in another round. */
        int dying = 0;
        for (int h = 0; h < g_nh; h++)
            dying += !T[h].gone && st[h] == ST_DYING;
        if (dying)
            pidmap_barrier();
        int woken = 0;
        for (int h = 0; h < g_nh; h++)
            woken += !T[h].gone && st[h] == ST_DYING && task_state(h) != ST_DYING;
        if (!woken)
            break;
        if (round > 1000)
            infra("settle: an init keeps waking");
    }
}

/* End of a script: after the init of the test's namespace was killed, every task goes. */
void await_all_gone(void)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int h = 0; h < g_nh; h++) {
        for (int i = 0; !T[h].gone && T[h].pidfd >= 0 && !hung_up(h); i++) {
            char buf[1024];
            if (seconds_since(&t0) > 30 && host_file(T[h].tid, "stat", buf, sizeof buf) >= 0)
                fprintf(stderr, "kernelrun: not gone: h%d: %s", h, buf);
            slow_pause(i, &t0, "teardown");
        }
        if (T[h].pidfd >= 0)
            close(T[h].pidfd);
        T[h].pidfd = -1;
        T[h].gone = 1;
        T[h].alive = 0;
    }
    g_nheld = 0;
}

/* ---- inits that could never finish ---- */

/*
 * An init whose process group is a pid of its own namespace (or of one below it) other than
 * its own holds that pid itself: once it exits, zap_pid_ns_processes waits for the pid to go,
 * which happens only when the init is released, after zap_pid_ns_processes. Nothing can end
 * such a namespace any more, not even SIGKILL: its tasks would stay on this machine until it
 * reboots. The generator never makes one; these checks keep a hand-written script from it.
 */
/* An init of a pid namespace: pid 1 in its own (it ignores SIGCHLD whatever the script says). */
int is_init(int h) { return T[h].nspid[T[h].nn - 1] == 1; }

static int pinned_init(int h)
{
    char buf[4096];
    if (T[h].gone || T[h].leader != h || !is_init(h) || host_file(T[h].tid, "status", buf, sizeof buf) < 0)
        return 0;
    const char *q = strstr(buf, "\nNSpgid:");
    if (!q)
        infra("status without NSpgid");
    long last = -1;
    for (q += 8; *q && *q != '\n';) {
        char *e;
        long v = strtol(q, &e, 10);
        if (e == q)
            break;
        last = v;
        q = e;
    }
    return last != 0 && last != 1;
}

/* The first init (running, dying or a zombie) that holds a pid of its own namespace as its
 * process group, or -1. */
int pinned_init_anywhere(void)
{
    for (int h = 0; h < g_nh; h++)
        if (pinned_init(h))
            return h;
    return -1;
}

/* Before the test's namespace goes: every running init takes its own group back. */
void unpin_inits(void)
{
    for (int h = 0; h < g_nh; h++)
        if (T[h].alive && pinned_init(h))
            a_sys(h, SYS_setpgid, 0, 0, 0, 0);
    int h = pinned_init_anywhere();
    if (h >= 0)
        fprintf(stderr, "kernelrun: %s: init h%d holds a pid of its own namespace as its process group "
                "and has exited: its namespace can never be torn down\n", g_path, h);
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
