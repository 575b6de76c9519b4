/*
 * The operations of a script line (docs/ops-format.md): one row of `operations` per command
 * word, with the parser of its arguments and the action that runs it in the kernel. Adding an
 * operation is one row, a parser (or one of those below) and an action.
 */
#include "kernelrun.h"

enum { K_MSG, K_SEM, K_SHM };
static const char *kind_name[] = {"msg", "sem", "shm"};

/* What a parser found in the arguments of a line, for its action. */
struct args {
    int param;                     /* the row's param (read ipc: the kind read) */
    int newpid, newipc, thread;    /* clone / unshare */
    int32_t key, id, flags;        /* IPC */
    long size;                     /* semget nsems, shmget size */
    uint32_t uid, gid, mode;       /* setuid/setgid (uid), *set */
    int n;                         /* next_id */
    int32_t ids[32];
    const char *name, *value;      /* comm, sysctl, read */
    int32_t pid, pgid;             /* setpgid, wait PID, read stat (a handle) */
    int has_pid;                   /* wait PID */
    int code;                      /* exit CODE */
    void (*read)(int h, const struct args *a);  /* read: which reading */
};

struct operation {
    const char *verb;
    int param;
    int rest_of_line;              /* the argument is the rest of the line as it is (comm) */
    /* argv: the words after the verb (or the rest of the line); 0, or -1 for EINVAL */
    int (*parse)(char **argv, int argc, struct args *a);
    void (*run)(int h, const struct args *a);
};

/* ---- the kernel's SysV IPC calls and layouts (x86_64) ---- */

struct k_ipc64_perm {
    int32_t key;
    uint32_t uid, gid, cuid, cgid, mode;
    uint16_t seq, pad2;
    uint64_t unused1, unused2;
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

/* msgctl / semctl (semnum 0) / shmctl of id with cmd and buf */
static long ipc_ctl(int h, int kind, int32_t id, int cmd, void *buf)
{
    switch (kind) {
    case K_MSG:
        return a_sys(h, SYS_msgctl, id, cmd, (long)buf, 0);
    case K_SEM:
        return a_sys(h, SYS_semctl, id, 0, cmd, (long)buf);
    default:
        return a_sys(h, SYS_shmctl, id, cmd, (long)buf, 0);
    }
}

/* the scratch area of the command, zeroed: in/out structures of ipc_ctl */
static void *scratch(void)
{
    memset(G->cmd.scratch, 0, sizeof G->cmd.scratch);
    return G->cmd.scratch;
}

/* ---- sysctl files ---- */

static void sysctl_path(const char *name, char *p, size_t n)
{
    snprintf(p, n, "/proc/sys/kernel/%s", name);
}

static void next_id_path(int kind, char *p, size_t n)
{
    char name[16];
    snprintf(name, sizeof name, "%s_next_id", kind_name[kind]);
    sysctl_path(name, p, n);
}

/* the number at the start of GBUF, which a_read filled from path */
static long number_read(const char *path)
{
    char *e;
    long v = strtol(GBUF, &e, 10);
    if (e == GBUF)
        infra("%s: not a number: %.40s", path, GBUF);
    return v;
}

static long read_long_file(int h, const char *path)
{
    long r = a_read(h, path, NULL);
    if (r < 0)
        infra("read %s: %s", path, ename((int)-r));
    return number_read(path);
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

static const char *sysctl_names[] = {"ns_last_pid", "pid_max", "msg_next_id", "sem_next_id",
                                     "shm_next_id", NULL};

static int sysctl_ok(const char *s)
{
    for (int i = 0; sysctl_names[i]; i++)
        if (!strcmp(s, sysctl_names[i]))
            return 1;
    return 0;
}

/* ---- actions ---- */

/* Whether process h's kernel disposition is SIG_IGN: its children are reaped at once. */
static int reaps_at_once(int h) { return is_init(h) || T[h].sigchld_ign; }

static void op_create(int h, const struct args *args)
{
    int newpid = args->newpid, newipc = args->newipc, thread = args->thread;
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
    register_task(nh, thread ? T[h].leader : nh, T[T[h].leader].uid);
    if (!thread) {
        /* the disposition is inherited; the kernel's copy is the creator's real one */
        T[nh].sigchld_ign = L->sigchld_ign;
        long e = 0;
        if (reaps_at_once(nh) != reaps_at_once(a->leader) && (e = set_sigchld(nh, reaps_at_once(nh))) < 0)
            infra("SIGCHLD of h%d: %s", nh, ename((int)-e));
        try_sync(h); /* the namespace may have got its init */
    }
    struct task *c = &T[nh];
    printf("%d = %ld h%d", g_line, r, nh);
    out_pids(c->nn, c->nspid);
    if (mapped)
        printf(" # mapped: %s", mapped);
    putchar('\n');
}

static void op_unshare(int h, const struct args *args)
{
    static int oth[MAXH];
    int pid = args->newpid, ipc = args->newipc;
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
        /* docs/interface.md §4.2: the IPC namespace is per process; the other threads follow */
        if ((r = setns_threads(kh, "ipc", CLONE_NEWIPC, oth, n)) < 0)
            infra("open ns/ipc: %s", ename((int)-r));
        if (!mapped)
            mapped = "unshare plus setns of the process's other threads";
    } else if (pid && n && !mapped) {
        mapped = "the other threads follow once the namespace has an init";
    }
    out_val(0, mapped);
}

/*
 * Which thread of an exiting init runs zap_pid_ns_processes is a race (the last one to exit),
 * and when its namespace cannot empty at once the outcome shows: the leader a zombie and
 * another thread waiting, or the leader waiting. The simulation makes it the leader. So before
 * init h exits, the other threads of every init it is about to end (itself and the inits of
 * the namespaces below its own) exit one by one. Returns how many did.
 */
static int exit_init_threads(int h)
{
    static int oth[MAXH];
    int total = 0;
    for (int x = 0; x < g_nh; x++) {
        if (!T[x].alive || T[x].leader != x || !is_init(x) || !ns_within(T[x].nsino, T[h].nsino))
            continue;
        int n = other_threads(x, oth);
        for (int k = 0; k < n; k++) {
            G->cmd.nr = SYS_exit;
            G->cmd.a[0] = 0;
            cmd_run(oth[k], OP_EXIT, 1);
            await_exit(oth[k]);
            settle();
        }
        total += n;
    }
    return total;
}

static void op_exit(int h, const struct args *args)
{
    const char *mapped = NULL;
    if (h == 0) {
        out_err(EBUSY, "root init");
        return;
    }
    int leader = T[h].leader == h;
    if (!leader && T[h].pfc_ok)
        try_sync(h); /* it may be the last thread holding pid_for_children */
    if (leader && is_init(h) && pinned_init_anywhere() >= 0)
        infra("refusing to exit init h%d while init h%d holds a pid of its own namespace as its "
              "process group: the kernel could never tear that namespace down", h, pinned_init_anywhere());
    if (leader && is_init(h) && exit_init_threads(h))
        mapped = "the other threads of the inits it ends exit first, so that each leader empties its namespace";
    G->cmd.nr = leader ? SYS_exit_group : SYS_exit;
    G->cmd.a[0] = args->code;
    cmd_run(h, OP_EXIT, 1);
    await_exit(h);
    settle();
    out_val(0, mapped);
}

/* setsid / setpgid: the raw call; leaving a group can free a dead leader's pid, and so let an
 * init that waits for its namespace to empty finish */
static void op_setsid(int h, const struct args *a)
{
    (void)a;
    long r = a_sys(h, SYS_setsid, 0, 0, 0, 0);
    settle();
    out_res(r, NULL);
}

static void op_setpgid(int h, const struct args *a)
{
    long r = a_sys(h, SYS_setpgid, a->pid, a->pgid, 0, 0);
    int pinned = pinned_init_anywhere();
    if (pinned >= 0) {
        /* undone at once (it just succeeded, so the caller may), before anything can exit */
        a_sys(h, SYS_setpgid, a->pid, a->pid, 0, 0);
        infra("setpgid made init h%d hold a pid of its own namespace as its process group: the "
              "kernel could never tear that namespace down", pinned);
    }
    settle();
    out_res(r, NULL);
}

/* wait [PID]: waitid(P_ALL or P_PID, WEXITED | WNOHANG); the reaped child's pid in the
 * caller's namespace, 0 when none was waitable */
static void op_wait(int h, const struct args *a)
{
    struct {
        int32_t signo, err, code, pad, pid, uid, status; /* siginfo_t's SIGCHLD layout */
    } *info = scratch();
    long r = a_sys(h, SYS_waitid, a->has_pid ? P_PID : P_ALL, a->has_pid ? a->pid : 0, (long)info,
                   WEXITED | WNOHANG);
    settle();
    out_res(r < 0 ? r : info->pid, NULL);
}

/* sigchld ignore|default: the script's disposition; an init keeps ignoring SIGCHLD */
static void op_sigchld(int h, const struct args *a)
{
    int L = T[h].leader;
    long r = 0;
    T[L].sigchld_ign = a->param;
    if (!is_init(L))
        r = set_sigchld(h, a->param);
    out_res(r, is_init(L) ? "an init reaps at once whatever its disposition" : NULL);
}

static void op_comm(int h, const struct args *a)
{
    set_path(a->name);
    out_res(a_sys(h, SYS_prctl, PR_SET_NAME, (long)G->cmd.path, 0, 0), NULL);
}

/* setuid / setgid (a->param): the raw call in every thread of the process, as glibc does */
static void op_setid(int h, const struct args *a)
{
    static int oth[MAXH];
    long nr = a->param;
    uint32_t id = a->uid;
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

/* The namespace's object limit and objects in use for kind (and semmsl, shmmax). */
static void ipc_usage(int h, int kind, long *limit, long *in_use, long *semmsl, uint64_t *shmmax)
{
    void *b = scratch();
    if (kind == K_MSG) {
        if (ipc_ctl(h, K_MSG, 0, K_MSG_INFO, b) < 0)
            infra("MSG_INFO failed");
        struct k_msginfo *mi = b;
        *limit = mi->msgmni;
        *in_use = mi->msgpool;
    } else if (kind == K_SEM) {
        if (ipc_ctl(h, K_SEM, 0, K_SEM_INFO, b) < 0)
            infra("SEM_INFO failed");
        struct k_seminfo *si = b;
        *limit = si->semmni;
        *in_use = si->semusz;
        *semmsl = si->semmsl;
    } else {
        if (ipc_ctl(h, K_SHM, 0, K_IPC_INFO, b) < 0)
            infra("IPC_INFO failed");
        struct k_shminfo64 *si = b;
        *limit = (long)si->shmmni;
        *shmmax = si->shmmax;
        b = scratch();
        if (ipc_ctl(h, K_SHM, 0, K_SHM_INFO, b) < 0)
            infra("SHM_INFO failed");
        *in_use = ((struct k_shm_info *)b)->used_ids;
    }
    if (*limit > 32768)
        *limit = 32768;
}

/* msgget/semget/shmget, with the pending-id emulation of docs/ops-format.md */
static void op_ipcget(int h, const struct args *args)
{
    int kind = args->param;
    int32_t key = args->key, flags = args->flags;
    long arg = args->size;
    struct task *a = &T[h];
    if (!a->pend_n) {
        out_res(ipc_get(h, kind, key, arg, flags), NULL);
        return;
    }
    long limit, in_use, semmsl = 0;
    uint64_t shmmax = 0;
    ipc_usage(h, kind, &limit, &in_use, &semmsl, &shmmax);
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
        long rr = ipc_ctl(h, kind, (int32_t)r, K_IPC_RMID, NULL);
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
        ipc_ctl(h, kind, (int32_t)t, K_IPC_RMID, NULL);
        if (read_long_file(h, path) != -1)
            infra("%s_next_id not restored", kind_name[kind]);
    }
    snprintf(mb, sizeof mb, "pending id through %s_next_id", kind_name[kind]);
    out_res(r, mb);
}

static void op_ipcrm(int h, const struct args *a)
{
    long r = ipc_ctl(h, a->param, a->id, K_IPC_RMID, NULL);
    out_res(r < 0 ? r : 0, NULL);
}

static void op_ipcset(int h, const struct args *a)
{
    void *b = scratch();
    struct k_ipc64_perm *perm = b;
    if (a->param == K_MSG) {
        /* IPC_SET also sets msg_qbytes: take the current value with MSG_STAT_ANY (no read
         * permission needed, unlike IPC_STAT); if the object does not exist IPC_SET fails */
        ipc_ctl(h, K_MSG, a->id, K_MSG_STAT_ANY, b);
    }
    perm->uid = a->uid;
    perm->gid = a->gid;
    perm->mode = a->mode & 0777;
    long r = ipc_ctl(h, a->param, a->id, K_IPC_SET, b);
    out_res(r < 0 ? r : 0, NULL);
}

static void op_next_id(int h, const struct args *a)
{
    T[h].pend_n = a->n;
    memcpy(T[h].pend, a->ids, sizeof a->ids);
    out_val(0, NULL);
}

static void op_sysctl(int h, const struct args *a)
{
    char path[64];
    static char data[sizeof G->cmd.data + 2];
    sysctl_path(a->name, path, sizeof path);
    if (strlen(a->value) + 1 > sizeof G->cmd.data) {
        out_err(EINVAL, "value too long for the runner (no kernel call)");
        return;
    }
    snprintf(data, sizeof data, "%s\n", a->value);
    long stage;
    long r = a_write(h, path, data, &stage);
    if (r == -EACCES && stage == 1) {
        out_err(EPERM, "EACCES at open(2)");
        return;
    }
    out_res(r, NULL);
}

static void op_read(int h, const struct args *a) { a->read(h, a); }

static void read_sysctl(int h, const struct args *a)
{
    char path[64];
    sysctl_path(a->name, path, sizeof path);
    long r = a_read(h, path, NULL);
    if (r < 0) {
        out_err((int)-r, NULL);
        return;
    }
    out_val(number_read(path), NULL);
}

/* read nspid | nspgid | nssid: the task's status line a->name, from the test's root level */
static void read_nslist(int h, const struct args *a)
{
    long r = a_read(h, "/proc/thread-self/status", NULL);
    if (r < 0) {
        out_err((int)-r, NULL);
        return;
    }
    int nn, ns[MAX_LEVEL + 2];
    parse_status_list(GBUF, a->name, &nn, ns);
    printf("%d =", g_line);
    out_pids(nn, ns);
    putchar('\n');
}

/* read stat H: state ppid pgrp session exit_code of handle H's task, from the test's own
 * procfs (the root namespace's view). A task that is not a zombie is S: whether it happens to
 * be running at this moment is scheduling. */
static void read_stat(int h, const struct args *a)
{
    (void)h;
    int x = a->pid;
    if (x >= g_nh || T[x].gone) {
        out_err(ESRCH, NULL);
        return;
    }
    char path[32], buf[1024];
    snprintf(path, sizeof path, "%d/stat", T[x].nspid[0]);
    int fd = openat(g_procfd, path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    if (fd >= 0)
        close(fd);
    if (n <= 0)
        infra("read stat of h%d: %s", x, strerror(errno));
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    char *f[64];
    int k = 0;
    for (char *q = p ? p + 1 : buf; *q && k < 64; q++)
        if (*q == ' ')
            f[k++] = q + 1; /* f[i] is field i + 3 */
    if (!p || k < 50)
        infra("cannot parse stat of h%d", x);
    printf("%d = %c %ld %ld %ld %ld\n", g_line, *f[0] == 'Z' ? 'Z' : 'S', strtol(f[1], NULL, 10),
           strtol(f[2], NULL, 10), strtol(f[3], NULL, 10), strtol(f[49], NULL, 10));
}

/* the parent in the task's view */
static void read_ppid(int h, const struct args *a)
{
    (void)a;
    out_res(a_sys(h, SYS_getppid, 0, 0, 0, 0), NULL);
}

static void read_ipc(int h, const struct args *a)
{
    int kind = a->param;
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

/* ---- argument parsers ---- */

static int kind_of(const char *s)
{
    for (int k = 0; k < 3; k++)
        if (!strcmp(s, kind_name[k]))
            return k;
    return -1;
}

static int no_args(char **argv, int argc, struct args *a)
{
    (void)argv;
    (void)a;
    return argc == 0 ? 0 : -1;
}

/* clone [newpid] [newipc] [thread]: each at most once, any order */
static int clone_flags(char **argv, int argc, struct args *a)
{
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "newpid") && !a->newpid)
            a->newpid = 1;
        else if (!strcmp(argv[i], "newipc") && !a->newipc)
            a->newipc = 1;
        else if (!strcmp(argv[i], "thread") && !a->thread)
            a->thread = 1;
        else
            return -1; /* unknown or repeated flag */
    }
    return 0;
}

/* unshare pid|ipc ...: at least one, each at most once */
static int unshare_words(char **argv, int argc, struct args *a)
{
    if (argc < 1)
        return -1;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "pid") && !a->newpid)
            a->newpid = 1;
        else if (!strcmp(argv[i], "ipc") && !a->newipc)
            a->newipc = 1;
        else
            return -1; /* unknown or repeated word */
    }
    return 0;
}

/* exit [CODE]: 0..255 */
static int exit_args(char **argv, int argc, struct args *a)
{
    unsigned long long u = 0;
    if (argc > 1 || (argc == 1 && parse_udec(argv[0], 255, &u)))
        return -1;
    a->code = (int)u;
    return 0;
}

/* setpgid PID PGID: pid_t numbers, which the kernel judges */
static int setpgid_args(char **argv, int argc, struct args *a)
{
    return argc == 2 && !parse_sdec32(argv[0], &a->pid) && !parse_sdec32(argv[1], &a->pgid) ? 0 : -1;
}

/* wait [PID] */
static int wait_args(char **argv, int argc, struct args *a)
{
    if (argc > 1 || (argc == 1 && parse_sdec32(argv[0], &a->pid)))
        return -1;
    a->has_pid = argc == 1;
    return 0;
}

/* sigchld ignore|default */
static int sigchld_args(char **argv, int argc, struct args *a)
{
    if (argc != 1 || (strcmp(argv[0], "ignore") && strcmp(argv[0], "default")))
        return -1;
    a->param = !strcmp(argv[0], "ignore");
    return 0;
}

static int rest_of_line(char **argv, int argc, struct args *a)
{
    (void)argc;
    a->name = argv[0];
    return *a->name ? 0 : -1;
}

/* an id of uid_t / gid_t; (uid_t)-1 is no id */
static int parse_xid(const char *s, uint32_t *out)
{
    unsigned long long u;
    if (parse_udec(s, 0xfffffffeULL, &u))
        return -1;
    *out = (uint32_t)u;
    return 0;
}

static int one_id(char **argv, int argc, struct args *a)
{
    return argc == 1 && !parse_xid(argv[0], &a->uid) ? 0 : -1;
}

static int msgget_args(char **argv, int argc, struct args *a)
{
    return argc == 2 && !parse_key(argv[0], &a->key) && !parse_flags(argv[1], &a->flags) ? 0 : -1;
}

static int semget_args(char **argv, int argc, struct args *a)
{
    int32_t nsems;
    if (argc != 3 || parse_key(argv[0], &a->key) || parse_sdec32(argv[1], &nsems) ||
        parse_flags(argv[2], &a->flags))
        return -1;
    a->size = nsems;
    return 0;
}

static int shmget_args(char **argv, int argc, struct args *a)
{
    unsigned long long u;
    if (argc != 3 || parse_key(argv[0], &a->key) || parse_udec(argv[1], ~0ULL, &u) ||
        parse_flags(argv[2], &a->flags))
        return -1;
    a->size = (long)u;
    return 0;
}

static int one_ipc_id(char **argv, int argc, struct args *a)
{
    return argc == 1 && !parse_sdec32(argv[0], &a->id) ? 0 : -1;
}

/* ID UID GID MODE */
static int ipcset_args(char **argv, int argc, struct args *a)
{
    return argc == 4 && !parse_sdec32(argv[0], &a->id) && !parse_xid(argv[1], &a->uid) &&
                   !parse_xid(argv[2], &a->gid) && !parse_clit(argv[3], 0177777, &a->mode)
               ? 0
               : -1;
}

static int next_id_args(char **argv, int argc, struct args *a)
{
    return parse_next_id(argv, argc, &a->n, a->ids);
}

static int sysctl_args(char **argv, int argc, struct args *a)
{
    if (argc != 2 || !sysctl_ok(argv[0]))
        return -1;
    a->name = argv[0];
    a->value = argv[1];
    return 0;
}

/* read nspid | nspgid | nssid | ppid | SYSCTL | ipc KIND | stat H */
static int read_args(char **argv, int argc, struct args *a)
{
    unsigned long long u;
    if (argc == 1 && (!strcmp(argv[0], "nspid") || !strcmp(argv[0], "nspgid") || !strcmp(argv[0], "nssid")))
        a->read = read_nslist, a->name = argv[0] + 2;
    else if (argc == 2 && !strcmp(argv[0], "stat") && !parse_udec(argv[1], 0x7fffffff, &u))
        a->read = read_stat, a->pid = (int32_t)u;
    else if (argc == 1 && !strcmp(argv[0], "ppid"))
        a->read = read_ppid;
    else if (argc == 1 && sysctl_ok(argv[0]))
        a->read = read_sysctl, a->name = argv[0];
    else if (argc == 2 && !strcmp(argv[0], "ipc") && kind_of(argv[1]) >= 0)
        a->read = read_ipc, a->param = kind_of(argv[1]);
    else
        return -1;
    return 0;
}

/* ---- the table ---- */

static const struct operation operations[] = {
    {"fork", 0, 0, no_args, op_create},
    {"clone", 0, 0, clone_flags, op_create},
    {"unshare", 0, 0, unshare_words, op_unshare},
    {"exit", 0, 0, exit_args, op_exit},
    {"setsid", 0, 0, no_args, op_setsid},
    {"setpgid", 0, 0, setpgid_args, op_setpgid},
    {"wait", 0, 0, wait_args, op_wait},
    {"sigchld", 0, 0, sigchld_args, op_sigchld},
    {"comm", 0, 1, rest_of_line, op_comm},
    {"setuid", SYS_setuid, 0, one_id, op_setid},
    {"setgid", SYS_setgid, 0, one_id, op_setid},
    {"msgget", K_MSG, 0, msgget_args, op_ipcget},
    {"semget", K_SEM, 0, semget_args, op_ipcget},
    {"shmget", K_SHM, 0, shmget_args, op_ipcget},
    {"msgrm", K_MSG, 0, one_ipc_id, op_ipcrm},
    {"semrm", K_SEM, 0, one_ipc_id, op_ipcrm},
    {"shmrm", K_SHM, 0, one_ipc_id, op_ipcrm},
    {"msgset", K_MSG, 0, ipcset_args, op_ipcset},
    {"semset", K_SEM, 0, ipcset_args, op_ipcset},
    {"shmset", K_SHM, 0, ipcset_args, op_ipcset},
    {"next_id", 0, 0, next_id_args, op_next_id},
    {"sysctl", 0, 0, sysctl_args, op_sysctl},
    {"read", 0, 0, read_args, op_read},
};

static const struct operation *operation_named(const char *verb, size_t len)
{
    for (size_t i = 0; i < sizeof operations / sizeof operations[0]; i++)
        if (strlen(operations[i].verb) == len && !strncmp(operations[i].verb, verb, len))
            return &operations[i];
    return NULL;
}

static int is_blank(char c) { return c == ' ' || c == '\t'; }

/* One script line's COMMAND by task handle h: one result line. */
void run_op(int h, char *cmdline)
{
    if (h < 0 || h >= g_nh || !T[h].alive) {
        out_err(ESRCH, NULL);
        return;
    }
    char *verb = cmdline;
    while (is_blank(*verb))
        verb++;
    char *end = verb;
    while (*end && !is_blank(*end))
        end++;
    const struct operation *op = operation_named(verb, (size_t)(end - verb));
    struct args a;
    memset(&a, 0, sizeof a);
    if (op)
        a.param = op->param;
    int bad;
    if (op && op->rest_of_line) {
        char *rest = end;
        while (is_blank(*rest))
            rest++;
        bad = op->parse(&rest, 1, &a);
    } else {
        char *tok[MAXTOK + 1];
        int nt = tokenize(cmdline, tok);
        bad = !op || nt == 0 || nt > MAXTOK || op->parse(tok + 1, nt - 1, &a);
    }
    if (bad) {
        out_err(EINVAL, NULL);
        return;
    }
    op->run(h, &a);
}
