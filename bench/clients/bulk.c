/* Bulk creation through multi-line ctl writes: init forks TOTAL processes, BATCH "fork" lines per
 * write(2), and the daemon's resident memory is read before and after.
 *
 *   bulk MOUNTPOINT DAEMON_PID TOTAL BATCH
 *
 * Start the daemon with --pid-max 4194304. Prints:
 *   tasks=N seconds=S tasks_per_s=R rss_before_kib=A rss_after_kib=B bytes_per_task=C
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: bulk MOUNTPOINT DAEMON_PID TOTAL BATCH\n");
        return 2;
    }
    long daemon = atol(argv[2]), total = atol(argv[3]), batch = atol(argv[4]);
    char path[4096];
    snprintf(path, sizeof path, "%s/1/task/1/ctl", argv[1]);
    int ctl = open(path, O_WRONLY);
    if (ctl < 0) {
        fprintf(stderr, "bulk: open %s: %s\n", path, strerror(errno));
        return 1;
    }
    char *lines = malloc(batch * 5);
    for (long i = 0; i < batch; i++) memcpy(lines + i * 5, "fork\n", 5);
    long before = rss_kib(daemon);
    double start = now();
    long made = 0;
    while (made < total) {
        long n = total - made < batch ? total - made : batch;
        ssize_t w = write(ctl, lines, n * 5);
        if (w != n * 5) {
            fprintf(stderr, "bulk: write after %ld tasks: %s\n", made, w < 0 ? strerror(errno) : "short write");
            return 1;
        }
        made += n;
    }
    double elapsed = now() - start;
    long after = rss_kib(daemon);
    printf("tasks=%ld seconds=%.3f tasks_per_s=%.0f rss_before_kib=%ld rss_after_kib=%ld bytes_per_task=%.0f\n",
           made, elapsed, made / elapsed, before, after, (after - before) * 1024.0 / made);
    return 0;
}

