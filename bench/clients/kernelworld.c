/* Builds a world in the real kernel, the way a restore would: in fresh pid and IPC namespaces,
 * every process with clone3 and set_tid (each parent creates its own children), every message
 * queue with msg_next_id + msgget. Prints the time it took, then tears the world down.
 *
 *   kernelworld LISTFILE
 *
 * LISTFILE lines, parents before children:  P PID PARENT_PID   (PARENT_PID 1: the namespace's
 * init)  and  Q ID KEY. Prints: processes=N queues=M seconds=S
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct proc { long pid, parent; };
struct queue { long id; long key; };
static struct proc *procs;
static struct queue *queues;
static long nprocs, nqueues;
static int done_pipe[2];

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what) {
    fprintf(stderr, "kernelworld: %s: %s\n", what, strerror(errno));
    _exit(1);
}

static pid_t clone_with_pid(long pid) {
    pid_t tid = (pid_t)pid;
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.exit_signal = SIGCHLD;
    args.set_tid = (uint64_t)(uintptr_t)&tid;
    args.set_tid_size = 1;
    return (pid_t)syscall(SYS_clone3, &args, sizeof args);
}

/* The life of every simulated process: make its own children, report, wait to be killed. */
static void live(long self) {
    for (long i = 0; i < nprocs; i++) {
        if (procs[i].parent != self) continue;
        pid_t r = clone_with_pid(procs[i].pid);
        if (r < 0) die("clone3 with set_tid");
        if (r == 0) live(procs[i].pid);
    }
    if (write(done_pipe[1], "x", 1) != 1) die("write");
    if (self != 1) for (;;) pause();
}

static void make_queues(void) {
    for (long i = 0; i < nqueues; i++) {
        char text[32];
        int n = snprintf(text, sizeof text, "%ld\n", queues[i].id);
        int fd = open("/proc/sys/kernel/msg_next_id", O_WRONLY);
        if (fd < 0 || write(fd, text, n) != n) die("msg_next_id");
        close(fd);
        int id = msgget((key_t)queues[i].key, IPC_CREAT | IPC_EXCL | 0600);
        if (id < 0) die("msgget");
        if (id != queues[i].id) {
            fprintf(stderr, "kernelworld: queue %ld got id %d\n", queues[i].id, id);
            _exit(1);
        }
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: kernelworld LISTFILE\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    if (!f) die(argv[1]);
    char kind;
    long a, b, cap = 1024, qcap = 1024;
    procs = malloc(cap * sizeof *procs);
    queues = malloc(qcap * sizeof *queues);
    while (fscanf(f, " %c %ld %ld", &kind, &a, &b) == 3) {
        if (kind == 'P') {
            if (nprocs == cap) procs = realloc(procs, (cap *= 2) * sizeof *procs);
            procs[nprocs++] = (struct proc){a, b};
        } else {
            if (nqueues == qcap) queues = realloc(queues, (qcap *= 2) * sizeof *queues);
            queues[nqueues++] = (struct queue){a, b};
        }
    }
    fclose(f);
    if (pipe(done_pipe) < 0) die("pipe");
    if (setgroups(0, NULL) < 0) die("setgroups");
    signal(SIGCHLD, SIG_IGN);

    double start = now();
    if (unshare(CLONE_NEWPID | CLONE_NEWIPC) < 0) die("unshare");
    pid_t init = fork();
    if (init < 0) die("fork");
    if (init == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        live(1);
        make_queues();
        if (write(done_pipe[1], "q", 1) != 1) die("write");
        for (;;) pause();
    }
    /* One byte per process and init's, then one when the queues are made. */
    long expected = nprocs + 2, got = 0;
    char buf[4096];
    while (got < expected) {
        ssize_t n = read(done_pipe[0], buf, sizeof buf);
        if (n <= 0) die("read");
        got += n;
    }
    double elapsed = now() - start;
    printf("processes=%ld queues=%ld seconds=%.3f\n", nprocs, nqueues, elapsed);
    fflush(stdout);
    kill(init, SIGKILL);
    return 0;
}
