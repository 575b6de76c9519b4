/* The real kernel's procfs, as the reference for the FUSE figures (bench.sh parts 1 and 7).
 *
 *   procref nslastpid ITER [CPU]   in a new pid namespace, open(O_TRUNC) + write + close of
 *                                  /proc/sys/kernel/ns_last_pid ITER times after 2,000 untimed
 *                                  ones, each timed alone; prints op=procfs_ns_last_pid n=ITER
 *                                  median_ns=.. p10_ns=.. p90_ns=..
 *   procref world N COMMAND        in new pid and mount namespaces: a procfs of its own mounted
 *                                  on a fresh directory, N processes sleeping in pause(), then
 *                                  COMMAND (sh -c) with PROCDIR set to that directory; afterwards
 *                                  everything is killed and the mount goes with the namespace.
 *                                  Exits with COMMAND's status.
 * As root. The ns_last_pid handler acts on the writer's pid namespace, so no remount is needed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static int by_value(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* The child is the new namespace's init, so its writes set that namespace's cursor. */
static int nslastpid(int iter, int cpu) {
    if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if (sched_setaffinity(0, sizeof set, &set)) { perror("procref: sched_setaffinity"); return 1; }
    }
    if (unshare(CLONE_NEWPID)) { perror("procref: unshare"); return 1; }
    pid_t child = fork();
    if (child < 0) { perror("procref: fork"); return 1; }
    if (child == 0) {
        long *t = malloc(sizeof *t * iter);
        for (int i = -2000; i < iter; i++) {
            long start = now_ns();
            int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_TRUNC);
            if (fd < 0 || write(fd, "4242\n", 5) != 5 || close(fd)) { perror("procref: ns_last_pid"); _exit(1); }
            if (i >= 0) t[i] = now_ns() - start;
        }
        qsort(t, iter, sizeof *t, by_value);
        printf("op=procfs_ns_last_pid n=%d median_ns=%ld p10_ns=%ld p90_ns=%ld\n", iter, t[iter / 2], t[iter / 10],
               t[iter * 9 / 10]);
        fflush(stdout);
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int world(int n, const char *command) {
    if (unshare(CLONE_NEWPID | CLONE_NEWNS)) { perror("procref: unshare"); return 1; }
    pid_t init = fork();
    if (init < 0) { perror("procref: fork"); return 1; }
    if (init == 0) {
        char dir[] = "/tmp/procref.XXXXXX";
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) || !mkdtemp(dir) || mount("proc", dir, "proc", 0, NULL)) {
            perror("procref: a procfs of its own");
            _exit(1);
        }
        for (int i = 0; i < n; i++) {
            pid_t c = fork();
            if (c < 0) { perror("procref: fork"); _exit(1); }
            if (c == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                pause();
                _exit(0);
            }
        }
        setenv("PROCDIR", dir, 1);
        int status = system(command);
        kill(-1, SIGKILL);
        while (wait(NULL) > 0) {}
        umount2(dir, MNT_DETACH);
        rmdir(dir);
        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
    }
    int status;
    waitpid(init, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(int argc, char **argv) {
    if (argc >= 3 && argc <= 4 && !strcmp(argv[1], "nslastpid"))
        return nslastpid(atoi(argv[2]), argc == 4 ? atoi(argv[3]) : -1);
    if (argc == 4 && !strcmp(argv[1], "world")) return world(atoi(argv[2]), argv[3]);
    fprintf(stderr, "usage: procref nslastpid ITER [CPU] | procref world N COMMAND\n");
    return 2;
}
