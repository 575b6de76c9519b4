/* Concurrent next_id + fork pairs: CLIENTS threads, each driving its own simulated thread of a
 * mounted nextidfs with raw system calls (pwrite at offset 0 on fds kept open).
 *
 *   pairs MOUNTPOINT CLIENTS SECONDS [next_id|fork|comm]
 *
 * Start the daemon with --pid-max 4194304. Each client first makes its own simulated process
 * (a fork by init), then repeats
 * pwrite(next_id, "LONG X\n") + pwrite(ctl, "fork\n") with X from its own range, until the time
 * is up. Then each client reads its simulated thread's `children`: every child must have a pid
 * from the client's own range, one per pair (a pid from another range, or a missing one, is a
 * crossed id). With a last argument each client repeats one half of the pair alone (no
 * children are checked then): next_id (the write that sets the ids), fork (a fork with the
 * kernel's next pid), or comm (a ctl write that runs a line and forks nothing: `comm x`).
 * Prints: clients=N pairs=P seconds=S pairs_per_s=R errors=E crossed=C
 * switches_per_pair=W resched_per_pair=I: where the time goes, counted over the whole machine
 * while the clients ran (other processes' share included): context switches (/proc/stat ctxt)
 * and rescheduling interrupts (/proc/interrupts RES, all CPUs), which a wakeup of a thread on
 * another CPU sends to preempt what runs there (in a virtual machine each one exits to the
 * hypervisor).
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

/* Client i forces pids in [range*(i+1), range*(i+2)), all under --pid-max 4194304. */
#define PID_SPACE 4000000L
#define MAX_CLIENTS 64
static long range;

static const char *mnt;
static double seconds;
static volatile int go;
/* What a client repeats: 'p' the pair, or one half alone ('n' next_id, 'f' fork, 'c' comm). */
static char what = 'p';

struct client {
    int index;
    long pairs;
    long errors;
    long crossed;
    pthread_t thread;
};

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The first number after `key` in a /proc file (RES: sums the per-CPU columns); -1 if absent. */
static long proc_count(const char *path, const char *key, int sum) {
    static char line[1 << 16]; /* a line of /proc/interrupts has a column per CPU */
    long total = -1;
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    while (fgets(line, sizeof line, f)) {
        char *p = line + strspn(line, " ");
        if (strncmp(p, key, strlen(key)) != 0) continue;
        p += strlen(key);
        total = 0;
        for (char *end;; p = end) {
            long v = strtol(p, &end, 10);
            if (end == p) break;
            total += v;
            if (!sum) break;
        }
        break;
    }
    fclose(f);
    return total;
}

struct counters {
    long switches, resched;
};

static struct counters machine_counters(void) {
    return (struct counters){proc_count("/proc/stat", "ctxt ", 0), proc_count("/proc/interrupts", "RES:", 1)};
}

static int open_file(const char *fmt, long a, long b, int flags) {
    char path[4096];
    snprintf(path, sizeof path, fmt, mnt, a, b);
    int fd = open(path, flags);
    if (fd < 0) {
        fprintf(stderr, "pairs: open %s: %s\n", path, strerror(errno));
        exit(1);
    }
    return fd;
}

/* A fork by init with a forced pid; returns the child's pid. */
static long make_process(long pid) {
    char line[64];
    int next_id = open_file("%s/%ld/task/%ld/next_id", 1, 1, O_WRONLY);
    int ctl = open_file("%s/%ld/task/%ld/ctl", 1, 1, O_RDWR);
    int n = snprintf(line, sizeof line, "LONG %ld\n", pid);
    if (pwrite(next_id, line, n, 0) != n || pwrite(ctl, "fork\n", 5, 0) != 5) {
        fprintf(stderr, "pairs: cannot make process %ld: %s\n", pid, strerror(errno));
        exit(1);
    }
    close(next_id);
    close(ctl);
    return pid;
}

static void *run(void *arg) {
    struct client *c = arg;
    long self = range * (c->index + 1);
    int next_id = open_file("%s/%ld/task/%ld/next_id", self, self, O_WRONLY);
    int ctl = open_file("%s/%ld/task/%ld/ctl", self, self, O_WRONLY);
    char line[64];
    long x = self + 1;
    while (!go) {}
    double end = now() + seconds;
    while (now() < end && x + 64 < self + range) {
        for (int k = 0; k < 64; k++, x++) {
            int n = snprintf(line, sizeof line, "LONG %ld\n", x);
            if (what != 'f' && what != 'c' && pwrite(next_id, line, n, 0) != n) c->errors++;
            if (what != 'n' && what != 'c' && pwrite(ctl, "fork\n", 5, 0) != 5) c->errors++;
            if (what == 'c' && pwrite(ctl, "comm x\n", 7, 0) != 7) c->errors++;
            c->pairs++;
        }
    }
    close(next_id);
    close(ctl);
    return NULL;
}

/* The client's children: each in its range, one per pair; anything else is a crossed id. */
static void check_children(struct client *c) {
    long self = range * (c->index + 1), seen = 0;
    char path[4096];
    snprintf(path, sizeof path, "%s/%ld/task/%ld/children", mnt, self, self);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "pairs: open %s: %s\n", path, strerror(errno));
        exit(1);
    }
    long pid;
    while (fscanf(f, "%ld", &pid) == 1) {
        seen++;
        if (pid <= self || pid > self + c->pairs) c->crossed++;
    }
    fclose(f);
    if (seen != c->pairs) c->crossed += labs(seen - c->pairs);
}

int main(int argc, char **argv) {
    if (argc == 5 && (strcmp(argv[4], "next_id") == 0 || strcmp(argv[4], "fork") == 0 || strcmp(argv[4], "comm") == 0))
        what = argv[4][0];
    else if (argc != 4) {
        fprintf(stderr, "usage: pairs MOUNTPOINT CLIENTS SECONDS [next_id|fork|comm]\n");
        return 2;
    }
    mnt = argv[1];
    int clients = atoi(argv[2]);
    seconds = atof(argv[3]);
    if (clients < 1 || clients > MAX_CLIENTS) {
        fprintf(stderr, "pairs: 1 to %d clients\n", MAX_CLIENTS);
        return 2;
    }
    range = PID_SPACE / (clients + 1);
    struct client *cs = calloc(clients, sizeof *cs);
    for (int i = 0; i < clients; i++) {
        cs[i].index = i;
        make_process(range * (i + 1));
    }
    for (int i = 0; i < clients; i++) pthread_create(&cs[i].thread, NULL, run, &cs[i]);
    struct counters before = machine_counters();
    double start = now();
    go = 1;
    long pairs = 0, errors = 0, crossed = 0;
    for (int i = 0; i < clients; i++) pthread_join(cs[i].thread, NULL);
    double elapsed = now() - start;
    struct counters after = machine_counters();
    for (int i = 0; i < clients; i++) {
        if (what == 'p') check_children(&cs[i]);
        pairs += cs[i].pairs;
        errors += cs[i].errors;
        crossed += cs[i].crossed;
    }
    double per_pair = pairs ? 1.0 / pairs : 0;
    printf("clients=%d pairs=%ld seconds=%.3f pairs_per_s=%.0f errors=%ld crossed=%ld switches_per_pair=%.2f "
           "resched_per_pair=%.3f\n",
           clients, pairs, elapsed, pairs / elapsed, errors, crossed, (after.switches - before.switches) * per_pair,
           before.resched < 0 ? -1.0 : (after.resched - before.resched) * per_pair);
    return errors || crossed ? 1 : 0;
}
