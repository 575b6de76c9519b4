/* Memory after mass exits: CYCLES times, init makes a new pid namespace (clone newpid), its init
 * forks FORKS processes (BATCH "fork" lines per write(2)) and exits, which ends them all. The
 * daemon's resident memory is read after every cycle.
 *
 *   churn MOUNTPOINT DAEMON_PID CYCLES FORKS BATCH
 *
 * Start the daemon with --pid-max 4194304. Prints one line per cycle and a summary:
 *   cycle=I rss_kib=R seconds=S
 *   cycles=N forks=F rss_cycle2_kib=A rss_last_kib=B ratio=B/A
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"

static void die(const char *what, const char *path) {
    fprintf(stderr, "churn: %s %s: %s\n", what, path, strerror(errno));
    exit(1);
}

/* Writes LEN bytes of TEXT to PATH in one write(2); the ctl read-back. */
static long ctl(const char *path, const char *text, size_t len) {
    int fd = open(path, O_RDWR);
    if (fd < 0) die("open", path);
    if (write(fd, text, len) != (ssize_t)len) die("write", path);
    char back[64] = {0};
    if (pread(fd, back, sizeof back - 1, 0) < 0) die("read", path);
    close(fd);
    return atol(back);
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: churn MOUNTPOINT DAEMON_PID CYCLES FORKS BATCH\n");
        return 2;
    }
    const char *mnt = argv[1];
    long daemon = atol(argv[2]), cycles = atol(argv[3]), forks = atol(argv[4]), batch = atol(argv[5]);
    char *lines = malloc(batch * 5);
    for (long i = 0; i < batch; i++) memcpy(lines + i * 5, "fork\n", 5);
    char path[4096];
    long second = -1, last = -1;
    for (long cycle = 1; cycle <= cycles; cycle++) {
        double start = now();
        snprintf(path, sizeof path, "%s/1/task/1/ctl", mnt);
        long init = ctl(path, "clone newpid\n", 13);
        snprintf(path, sizeof path, "%s/%ld/task/%ld/ctl", mnt, init, init);
        int fd = open(path, O_WRONLY);
        if (fd < 0) die("open", path);
        for (long made = 0; made < forks;) {
            long n = forks - made < batch ? forks - made : batch;
            if (write(fd, lines, n * 5) != n * 5) die("write", path);
            made += n;
        }
        if (write(fd, "exit\n", 5) != 5) die("write exit", path);
        close(fd);
        last = rss_kib(daemon);
        if (cycle == 2) second = last;
        printf("cycle=%ld rss_kib=%ld seconds=%.2f\n", cycle, last, now() - start);
        fflush(stdout);
    }
    printf("cycles=%ld forks=%ld rss_cycle2_kib=%ld rss_last_kib=%ld ratio=%.2f\n", cycles, forks, second, last,
           second > 0 ? (double)last / second : 0);
    return 0;
}
