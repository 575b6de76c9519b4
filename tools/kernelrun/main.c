/* One fresh pid+IPC namespace per script, its lines run in order; main. */
#include "kernelrun.h"

#include <grp.h>
#include <poll.h>

static int g_helper_fd = -1; /* the per-script helper that unshared and forked the init */

/* A procfs instance of the test's root pid namespace, made by its init (fsopen, fsmount
 * without a mount point) and taken over by the controller: `read stat` reads pid and state
 * fields there as the simulated tree's root namespace shows them. */
static void open_test_proc(void)
{
    set_path("proc");
    long fs = a_sys(0, 430 /* fsopen */, (long)G->cmd.path, 1 /* FSOPEN_CLOEXEC */, 0, 0);
    if (fs < 0)
        infra("fsopen(proc) in init: %s", ename((int)-fs));
    long r = a_sys(0, 431 /* fsconfig */, fs, 6 /* FSCONFIG_CMD_CREATE */, 0, 0);
    long m = r < 0 ? r : a_sys(0, 432 /* fsmount */, fs, 1 /* FSMOUNT_CLOEXEC */, 0, 0);
    a_sys(0, SYS_close, fs, 0, 0, 0);
    if (m < 0)
        infra("mounting a procfs in init: %s", ename((int)-m));
    g_procfd = (int)syscall(438 /* pidfd_getfd */, T[0].pidfd, (int)m, 0);
    if (g_procfd < 0)
        infra("pidfd_getfd: %s", strerror(errno));
    a_sys(0, SYS_close, m, 0, 0, 0);
}

static void close_test_proc(void)
{
    if (g_procfd >= 0)
        close(g_procfd);
    g_procfd = -1;
}

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
    forget_held_pids();
    forget_namespaces();
    register_task(0, 0, 0);
    g_nh = 1;
    if (T[0].nn != 1 || T[0].nspid[0] != 1)
        infra("init is not pid 1 of its namespace");
    /* the simulated root init has pgid 1 and sid 1; it reaps at once (SIGCHLD stays ignored,
     * as the helper left it) */
    if ((r = a_sys(0, SYS_setsid, 0, 0, 0, 0)) != 1)
        infra("setsid in init: %ld", r);
    open_test_proc();
    snprintf(buf, sizeof buf, "%ld\n", pid_max);
    r = a_write(0, "/proc/sys/kernel/pid_max", buf, NULL);
    if (r < 0)
        infra("init cannot set pid_max %ld: %s", pid_max, ename((int)-r));
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
    unpin_inits();
    close_test_proc();
    if (g_nh > 0 && !T[0].gone && T[0].pidfd >= 0) {
        if (syscall(SYS_pidfd_send_signal, T[0].pidfd, SIGKILL, NULL, 0) < 0)
            fprintf(stderr, "kernelrun: pidfd_send_signal: %s\n", strerror(errno));
    }
    await_all_gone();
    for (int i = 0; i < g_nh; i++)
        G->slots[i].cmd_seq = 0;
    g_nh = 0;
    kill_helper();
}

/* After an abort: whatever is left is killed without waiting. */
static void kill_namespace(void)
{
    close_test_proc();
    for (int i = 0; i < g_nh; i++)
        if (T[i].pidfd >= 0) {
            syscall(SYS_pidfd_send_signal, T[i].pidfd, SIGKILL, NULL, 0);
            close(T[i].pidfd);
            T[i].pidfd = -1;
        }
    g_nh = 0;
    kill_helper();
}

static void run_lines(const struct script *s)
{
    for (int i = 0; i < s->nlines; i++) {
        g_line = i + 1;
        if (i == s->header_line || is_blank_or_comment(s->lines[i]))
            continue;
        int h;
        char *command;
        if (parse_operation(s->lines[i], &h, &command))
            infra("not an operation (\"T COMMAND\"): %s", s->lines[i]);
        if (g_verbose)
            fprintf(stderr, "%s:%d: %s\n", s->path, g_line, s->lines[i]);
        run_op(h, command);
    }
}

static void run_script(const char *path)
{
    struct script s;
    g_path = path;
    g_line = 0;
    int r = load_script(path, &s);
    if (r == -1) {
        fprintf(stderr, "kernelrun: %s: %s\n", path, strerror(errno));
        g_status = 2;
        return;
    }
    printf("== %s\n", path);
    if (r == -2) {
        fflush(stdout);
        fprintf(stderr, "kernelrun: %s:%d: bad pid_max header\n", path, g_line);
        g_status = 2;
        free_script(&s);
        return;
    }
    if (setjmp(g_abort) == 0) {
        setup_namespace(s.pid_max);
        run_lines(&s);
        g_line = 0;
        teardown_namespace();
    } else {
        /* aborted: kill what is left */
        g_line = 0;
        if (setjmp(g_abort) == 0)
            teardown_namespace();
        else
            kill_namespace();
    }
    fflush(stdout);
    free_script(&s);
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
