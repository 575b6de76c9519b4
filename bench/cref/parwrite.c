/* parwrite: concurrent pwrite throughput on one file, the transport half of bench/clients/pairs
 * (which needs nextidfs's ctl) for any filesystem, cref in particular.
 *
 *   parwrite PATH CLIENTS SECONDS
 *
 * CLIENTS threads each open PATH once (O_WRONLY) and repeat pwrite("LONG 4242\n", 0) until the
 * time is up. A %d in PATH is replaced by the client's index (0, 1, ...): a file of its own, as
 * pairs clients have (a write through the page cache holds its inode's lock for the whole FUSE
 * round trip, so clients of one file take turns). Prints: clients=N writes=W seconds=S writes_per_s=R errors=E switches_per_write=X
 * resched_per_write=Y, the last two counted over the whole machine while the clients ran (context
 * switches from /proc/stat ctxt, rescheduling interrupts from /proc/interrupts RES, all CPUs).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 256

static const char *path;
static double seconds;
static volatile int go;

struct client {
    pthread_t thread;
    int index;
    long writes, errors;
};

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The first number after `key` at the start of a line of a /proc file, or the sum of the numbers
 * after it (RES: one column per CPU); -1 if absent. */
static long proc_number(const char *file, const char *key, int add_columns) {
    static char line[1 << 16];
    long total = -1;
    FILE *f = fopen(file, "r");
    if (f == NULL) return -1;
    while (total < 0 && fgets(line, sizeof line, f)) {
        char *p = line + strspn(line, " "), *end;
        if (strncmp(p, key, strlen(key)) != 0) continue;
        total = 0;
        for (p += strlen(key);; p = end) {
            long v = strtol(p, &end, 10);
            if (end == p) break;
            total += v;
            if (!add_columns) break;
        }
    }
    fclose(f);
    return total;
}

static void *client(void *arg) {
    struct client *c = arg;
    static const char text[] = "LONG 4242\n";
    char file[4096];
    snprintf(file, sizeof file, path, c->index); /* path: at most one %d (checked in main) */
    int fd = open(file, O_WRONLY);
    if (fd < 0) { perror("parwrite: open"); exit(1); }
    while (!go) ;
    double end = now() + seconds;
    while (go) {
        for (int i = 0; i < 64; i++) {
            if (pwrite(fd, text, sizeof text - 1, 0) != (ssize_t)(sizeof text - 1)) c->errors++;
            else c->writes++;
        }
        if (now() >= end) break;
    }
    close(fd);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: parwrite PATH CLIENTS SECONDS\n"); return 2; }
    path = argv[1];
    int n = atoi(argv[2]);
    seconds = atof(argv[3]);
    if (n < 1 || n > MAX_CLIENTS || seconds <= 0) { fprintf(stderr, "parwrite: bad arguments\n"); return 2; }
    const char *pct = strchr(path, '%');
    if (pct && (pct[1] != 'd' || strchr(pct + 2, '%'))) { fprintf(stderr, "parwrite: PATH may hold one %%d and no other %%\n"); return 2; }
    static struct client clients[MAX_CLIENTS];
    for (int i = 0; i < n; i++) clients[i].index = i;
    for (int i = 0; i < n; i++)
        if (pthread_create(&clients[i].thread, NULL, client, &clients[i])) { perror("parwrite: thread"); return 1; }
    usleep(100000); /* every client has opened the file */
    long ctxt0 = proc_number("/proc/stat", "ctxt ", 0), res0 = proc_number("/proc/interrupts", "RES:", 1);
    double t0 = now();
    go = 1;
    long writes = 0, errors = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(clients[i].thread, NULL);
        writes += clients[i].writes;
        errors += clients[i].errors;
    }
    double t = now() - t0;
    long ctxt = proc_number("/proc/stat", "ctxt ", 0) - ctxt0, res = proc_number("/proc/interrupts", "RES:", 1) - res0;
    printf("clients=%d writes=%ld seconds=%.2f writes_per_s=%.0f errors=%ld switches_per_write=%.2f resched_per_write=%.2f\n",
           n, writes, t, writes / t, errors, writes ? (double)ctxt / writes : 0, writes ? (double)res / writes : 0);
    return errors ? 1 : 0;
}
