/*
 * fsbench: per-syscall latency client for the nextidfs benchmarks.
 *
 * Usage: fsbench [-n ITER] [-w WARMUP] [-o OP]... [-c CPU] NEXT_ID_PATH STATUS_PATH
 *
 * For each operation, runs WARMUP untimed then ITER timed repetitions,
 * timing each single repetition with clock_gettime(CLOCK_MONOTONIC), and
 * prints one line:
 *   op=<name> n=<ITER> median_ns=<..> p10_ns=<..> p90_ns=<..> mean_ns=<..>
 *
 * Operations:
 *   trunc_write_close  open(NEXT_ID, O_WRONLY|O_TRUNC) + write + close
 *   pwrite             pwrite at offset 0 on an fd opened once
 *   open_read_close    open(STATUS, O_RDONLY) + read(4096) + read (0) + close
 *   stat               stat(STATUS)
 * and, only when named with -o, the parts of trunc_write_close (where its time goes):
 *   open_close         open(NEXT_ID, O_WRONLY) + close
 *   trunc_close        open(NEXT_ID, O_WRONLY|O_TRUNC) + close
 *   write_close        open(NEXT_ID, O_WRONLY) + write + close
 *
 * Any syscall failure aborts with a message naming the op; exit status 1.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char PAYLOAD[] = "LONG 4242\n";
#define PAYLOAD_LEN (sizeof(PAYLOAD) - 1)

static const char *next_id_path;
static const char *status_path;
static int pwrite_fd = -1;

static void fail(const char *op, const char *what, int err)
{
	if (err)
		fprintf(stderr, "fsbench: op=%s: %s failed: %s (errno %d)\n",
			op, what, strerror(err), err);
	else
		fprintf(stderr, "fsbench: op=%s: %s\n", op, what);
	exit(1);
}

/* open(NEXT_ID, O_WRONLY | extra_flags), the write if asked, close. */
static void open_write_close(const char *op, int extra_flags, int with_write)
{
	ssize_t n;
	int fd = open(next_id_path, O_WRONLY | extra_flags);

	if (fd < 0)
		fail(op, "open", errno);
	if (with_write) {
		n = write(fd, PAYLOAD, PAYLOAD_LEN);
		if (n < 0)
			fail(op, "write", errno);
		if ((size_t)n != PAYLOAD_LEN)
			fail(op, "short write", 0);
	}
	if (close(fd) != 0)
		fail(op, "close", errno);
}

static void op_trunc_write_close(void) { open_write_close("trunc_write_close", O_TRUNC, 1); }
static void op_open_close(void) { open_write_close("open_close", 0, 0); }
static void op_trunc_close(void) { open_write_close("trunc_close", O_TRUNC, 0); }
static void op_write_close(void) { open_write_close("write_close", 0, 1); }

static void op_pwrite(void)
{
	ssize_t n = pwrite(pwrite_fd, PAYLOAD, PAYLOAD_LEN, 0);

	if (n < 0)
		fail("pwrite", "pwrite", errno);
	if ((size_t)n != PAYLOAD_LEN)
		fail("pwrite", "short pwrite", 0);
}

static void op_open_read_close(void)
{
	static const char *op = "open_read_close";
	char buf[4096];
	ssize_t n;
	int fd = open(status_path, O_RDONLY);

	if (fd < 0)
		fail(op, "open", errno);
	n = read(fd, buf, sizeof(buf));
	if (n < 0)
		fail(op, "read", errno);
	if (n == 0)
		fail(op, "first read returned 0 bytes", 0);
	n = read(fd, buf, sizeof(buf));
	if (n < 0)
		fail(op, "second read", errno);
	if (n != 0)
		fail(op, "second read did not return 0 (content > 4096 bytes?)", 0);
	if (close(fd) != 0)
		fail(op, "close", errno);
}

static void op_stat(void)
{
	struct stat st;

	if (stat(status_path, &st) != 0)
		fail("stat", "stat", errno);
}

static const struct {
	const char *name;
	void (*fn)(void);
	int by_default; /* run when no -o is given */
} ops[] = {
	{ "trunc_write_close", op_trunc_write_close, 1 },
	{ "pwrite", op_pwrite, 1 },
	{ "open_read_close", op_open_read_close, 1 },
	{ "stat", op_stat, 1 },
	{ "open_close", op_open_close, 0 },
	{ "trunc_close", op_trunc_close, 0 },
	{ "write_close", op_write_close, 0 },
};
#define NOPS (sizeof(ops) / sizeof(ops[0]))

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Nearest-rank-ish percentile on sorted samples: index p*(n-1). */
static uint64_t pct(const uint64_t *s, long n, int p)
{
	return s[(long)((double)(n - 1) * p / 100.0 + 0.5)];
}

static void run(size_t i, long iter, long warmup, uint64_t *samples)
{
	void (*fn)(void) = ops[i].fn;
	long k;
	double sum = 0;

	if (fn == op_pwrite) {
		pwrite_fd = open(next_id_path, O_WRONLY);
		if (pwrite_fd < 0)
			fail("pwrite", "open", errno);
	}
	for (k = 0; k < warmup; k++)
		fn();
	for (k = 0; k < iter; k++) {
		uint64_t t0 = now_ns();
		fn();
		samples[k] = now_ns() - t0;
	}
	if (fn == op_pwrite) {
		if (close(pwrite_fd) != 0)
			fail("pwrite", "close", errno);
		pwrite_fd = -1;
	}
	for (k = 0; k < iter; k++)
		sum += (double)samples[k];
	qsort(samples, (size_t)iter, sizeof(samples[0]), cmp_u64);
	printf("op=%s n=%ld median_ns=%llu p10_ns=%llu p90_ns=%llu mean_ns=%.0f\n",
	       ops[i].name, iter,
	       (unsigned long long)pct(samples, iter, 50),
	       (unsigned long long)pct(samples, iter, 10),
	       (unsigned long long)pct(samples, iter, 90),
	       sum / (double)iter);
	fflush(stdout);
}

static void usage(void)
{
	size_t i;

	fprintf(stderr, "usage: fsbench [-n ITER] [-w WARMUP] [-o OP]... [-c CPU] "
		"NEXT_ID_PATH STATUS_PATH\nops:");
	for (i = 0; i < NOPS; i++)
		fprintf(stderr, " %s", ops[i].name);
	fprintf(stderr, "\n");
	exit(2);
}

static long parse_num(const char *s, long min)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < min)
		usage();
	return v;
}

int main(int argc, char *argv[])
{
	long iter = 20000, warmup = 2000, cpu = -1;
	int selected[NOPS] = { 0 };
	int any_selected = 0;
	uint64_t *samples;
	size_t i;
	int c;

	while ((c = getopt(argc, argv, "n:w:o:c:h")) != -1) {
		switch (c) {
		case 'n':
			iter = parse_num(optarg, 1);
			break;
		case 'w':
			warmup = parse_num(optarg, 0);
			break;
		case 'c':
			cpu = parse_num(optarg, 0);
			break;
		case 'o':
			for (i = 0; i < NOPS; i++)
				if (strcmp(optarg, ops[i].name) == 0)
					break;
			if (i == NOPS) {
				fprintf(stderr, "fsbench: unknown op '%s'\n", optarg);
				usage();
			}
			selected[i] = 1;
			any_selected = 1;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	next_id_path = argv[optind];
	status_path = argv[optind + 1];

	if (cpu >= 0) {
		cpu_set_t set;

		if (cpu >= CPU_SETSIZE) {
			fprintf(stderr, "fsbench: cpu %ld out of range\n", cpu);
			return 1;
		}
		CPU_ZERO(&set);
		CPU_SET((int)cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) != 0) {
			fprintf(stderr, "fsbench: sched_setaffinity(%ld): %s\n",
				cpu, strerror(errno));
			return 1;
		}
	}

	samples = malloc((size_t)iter * sizeof(*samples));
	if (samples == NULL) {
		fprintf(stderr, "fsbench: out of memory\n");
		return 1;
	}
	for (i = 0; i < NOPS; i++)
		if (any_selected ? selected[i] : ops[i].by_default)
			run(i, iter, warmup, samples);
	free(samples);
	return 0;
}
