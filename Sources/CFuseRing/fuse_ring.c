/* FUSE over io_uring for the nextidfs daemon; fuse_ring.h says what, bench/cref/README.md ("FUSE
 * over io_uring") the kernel facts (fs/fuse/dev_uring.c, include/uapi/linux/fuse.h 7.42).
 *
 * Start-up: the read hook sees INIT; if the kernel offers FUSE_OVER_IO_URING, one thread per
 * possible CPU sets up its io_uring and waits. Only if every one could, the writev hook adds the
 * flag to libfuse's INIT reply (a claimed ring that never registers would hold every request
 * back); once the reply is written, the threads register their entries (the kernel refuses
 * REGISTER before). A completion is a request: the thread lays it out as /dev/fuse would (in
 * header, op header, payload), runs it through fuse_session_process_buf (the Swift handlers reply
 * synchronously, on this thread), and its reply, caught by the writev hook, goes back with
 * COMMIT_AND_FETCH, which also waits for the next request. */
#define _GNU_SOURCE
#define FUSE_USE_VERSION 314
#include "fuse_ring.h"

#include <fuse3/fuse_lowlevel.h>
#include <linux/fuse.h>
#include <liburing.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* The uapi of Linux 6.14+; the system's linux/fuse.h is older. */
#define INIT_EXT (1u << 30)
#define INIT_FLAGS2_OVER_IO_URING (1u << (41 - 32))
enum { CMD_REGISTER = 1, CMD_COMMIT_AND_FETCH = 2 };

struct ring_header {
	char in_out[128]; /* fuse_in_header; fuse_out_header for the commit */
	char op[128];     /* the request's first argument */
	struct {
		uint64_t flags;
		uint64_t commit_id; /* the request's unique */
		uint32_t payload_sz;
		uint32_t padding;
		uint64_t reserved;
	} ent;
};

struct ring_cmd { /* in the SQE128's command area */
	uint64_t flags;
	uint64_t commit_id;
	uint16_t qid;
	uint8_t padding[6];
};

/* Room in front of the payload for the in header and the op header: a request is one buffer. */
#define FRONT 512

struct entry {
	struct ring_header hdr;
	char *buffer; /* FRONT bytes, then the payload */
	struct iovec iov[2];
};

struct queue {
	unsigned qid;
	pthread_t thread;
	int started;
};

enum phase { WAITING, REGISTER, GIVE_UP };

static struct {
	struct fuse_session *se;
	int fd;
	unsigned depth;
	int verbose, insist;
	unsigned nqueues;
	struct queue *queues;
	size_t payload;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	unsigned set_up, failed; /* queues whose io_uring setup ended, and failed */
	enum phase phase;
	/* Read by every thread that writes to /dev/fuse (atomically: the INIT worker sets them). */
	uint64_t init_unique;
	int claimed;
	int told; /* which transport serves was said */
} ring = { .lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER };

static __thread struct entry *serving; /* the entry whose request this ring thread runs */
static __thread int replied;

/* Said once, when known: the first request served on the ring, or the reason for /dev/fuse. */
static void tell(int ring_serves, const char *why, const char *detail)
{
	if (__atomic_exchange_n(&ring.told, 1, __ATOMIC_ACQ_REL))
		return;
	if (ring_serves && ring.verbose)
		fprintf(stderr, "nextidfs: transport: io_uring (%u queues of %u entries)\n",
			ring.nqueues, ring.depth);
	else if (!ring_serves && (ring.verbose || ring.insist))
		fprintf(stderr, "nextidfs: transport: /dev/fuse (%s%s)\n", why, detail);
}

/* --- enable_uring, around this mount's INIT ------------------------------------------------ */

#define ENABLE_URING "/sys/module/fuse/parameters/enable_uring"
#define OFFER_LOCK "/run/nextidfs-enable-uring.lock"

static pthread_mutex_t offer_lock = PTHREAD_MUTEX_INITIALIZER;
static int offer_fd = -1; /* the lock file, held while enable_uring is on for this INIT */

static int set_enable_uring(const char *value)
{
	int fd = open(ENABLE_URING, O_WRONLY | O_CLOEXEC);
	int ok = fd >= 0 && write(fd, value, 1) == 1;

	if (fd >= 0)
		close(fd);
	return ok;
}

static int enable_uring_is_on(void)
{
	char c = 'N';
	int fd = open(ENABLE_URING, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, &c, 1) != 1)
			c = 'N';
		close(fd);
	}
	return c == 'Y';
}

void nextidfs_ring_offer(void)
{
	/* Close-on-exec: fusermount3 (auto_unmount) lives as long as the mount and must not hold it. */
	int fd = open(OFFER_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	int tries = 100;

	if (fd < 0)
		return;
	while (flock(fd, LOCK_EX | LOCK_NB) != 0 && --tries > 0)
		nanosleep(&tick, NULL);
	/* With the lock, Y is the administrator's (another daemon's Y ends before it unlocks). */
	if (tries == 0 || enable_uring_is_on() || !set_enable_uring("Y")) {
		close(fd);
		return;
	}
	pthread_mutex_lock(&offer_lock);
	offer_fd = fd;
	pthread_mutex_unlock(&offer_lock);
}

void nextidfs_ring_withdraw(void)
{
	pthread_mutex_lock(&offer_lock);
	if (offer_fd >= 0) {
		set_enable_uring("N");
		close(offer_fd);
		offer_fd = -1;
	}
	pthread_mutex_unlock(&offer_lock);
}

/* --- the ring threads -------------------------------------------------------------------------- */

/* The kernel has a queue per possible CPU ("0-N" or a list in sysfs) and waits for all of them. */
static unsigned possible_cpus(void)
{
	char text[256];
	unsigned count = 0;
	FILE *f = fopen("/sys/devices/system/cpu/possible", "re");
	char *p = text;

	if (f == NULL || fgets(text, sizeof(text), f) == NULL) {
		if (f != NULL)
			fclose(f);
		return (unsigned)sysconf(_SC_NPROCESSORS_CONF);
	}
	fclose(f);
	while (*p >= '0' && *p <= '9') {
		unsigned long first = strtoul(p, &p, 10), last = first;

		if (*p == '-')
			last = strtoul(p + 1, &p, 10);
		count += (unsigned)(last - first + 1);
		if (*p != ',')
			break;
		p++;
	}
	return count;
}

static void prepare_cmd(struct io_uring *r, struct entry *e, unsigned qid, unsigned op, uint64_t commit_id)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(r); /* never NULL: two slots per entry */
	struct ring_cmd cmd = { .commit_id = commit_id, .qid = (uint16_t)qid };

	memset(sqe, 0, 2 * sizeof(*sqe)); /* SQE128: the command runs into the second half */
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = ring.fd;
	sqe->cmd_op = op;
	if (op == CMD_REGISTER) {
		sqe->addr = (uint64_t)(uintptr_t)e->iov;
		sqe->len = 2;
	}
	memcpy(sqe->cmd, &cmd, sizeof(cmd));
	io_uring_sqe_set_data(sqe, e);
}

/* Runs the request in `e` through libfuse; its reply is then in `e`, ready for the commit. */
static void serve(struct entry *e)
{
	const struct fuse_in_header *in = (const void *)e->hdr.in_out;
	size_t payload = e->hdr.ent.payload_sz;
	size_t op = in->len - sizeof(*in) - payload;
	struct fuse_out_header *out = (void *)e->hdr.in_out;
	char *start;
	struct fuse_buf buf = { 0 };

	replied = 0;
	if (in->len >= sizeof(*in) + payload && op <= sizeof(e->hdr.op) && payload <= ring.payload) {
		start = e->buffer + FRONT - sizeof(*in) - op;
		memcpy(start, in, sizeof(*in));
		memcpy(start + sizeof(*in), e->hdr.op, op);
		buf.size = in->len;
		buf.mem = start;
		serving = e;
		fuse_session_process_buf(ring.se, &buf);
		serving = NULL;
	}
	if (!replied) { /* every nextidfs reply is made before its handler returns */
		out->unique = e->hdr.ent.commit_id;
		out->error = -EIO;
		out->len = sizeof(*out);
		e->hdr.ent.payload_sz = 0;
	}
}

/* The queue's io_uring (0 when it could be set up), then the start-up's decision. */
static enum phase set_up_ring(struct queue *q, struct io_uring *r, int *ret)
{
	struct io_uring_params p = { 0 };
	cpu_set_t cpu;
	enum phase phase;

	CPU_ZERO(&cpu);
	CPU_SET(q->qid, &cpu);
	pthread_setaffinity_np(pthread_self(), sizeof(cpu), &cpu); /* unpinned still works */
	pthread_setname_np(pthread_self(), "nextidfs-ring");
	/* Completions (the kernel's task work) run only when this thread waits for them. */
	p.flags = IORING_SETUP_SQE128 | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	*ret = io_uring_queue_init_params(2 * ring.depth, r, &p);
	pthread_mutex_lock(&ring.lock);
	ring.set_up++;
	if (*ret < 0 && ring.failed++ == 0)
		tell(0, "io_uring_queue_init: ", strerror(-*ret));
	pthread_cond_broadcast(&ring.changed);
	while (ring.phase == WAITING)
		pthread_cond_wait(&ring.changed, &ring.lock);
	phase = ring.phase;
	pthread_mutex_unlock(&ring.lock);
	return phase;
}

static struct entry *register_entries(struct queue *q, struct io_uring *r)
{
	struct entry *entries = calloc(ring.depth, sizeof(*entries));
	unsigned i;

	for (i = 0; entries != NULL && i < ring.depth; i++) {
		struct entry *e = &entries[i];

		/* (aligned_alloc wants a size that is a multiple of the alignment) */
		if (posix_memalign((void **)&e->buffer, 4096, FRONT + ring.payload) != 0) {
			perror("nextidfs: ring buffers");
			exit(1); /* the kernel waits for this queue: a hang otherwise */
		}
		e->iov[0] = (struct iovec){ &e->hdr, sizeof(e->hdr) };
		e->iov[1] = (struct iovec){ e->buffer + FRONT, ring.payload };
		prepare_cmd(r, e, q->qid, CMD_REGISTER, 0);
	}
	if (entries == NULL) {
		perror("nextidfs: ring entries");
		exit(1);
	}
	return entries;
}

/* kill -9 and auto_unmount: fusermount3 unmounts once the daemon's end of its socket closes, only
 * if the mount then answers ENOTCONN, so the connection must be aborted first (FuseDaemon's copy of
 * /dev/fuse at the highest descriptor). A pending FUSE command holds /dev/fuse, and an exiting
 * thread cancels its commands at once only if one of its requests is tracked, i.e. uses an
 * io_uring file (io_uring_files_cancel); otherwise they go later, from the ring's own teardown, and
 * the mount stays dead. This poll of an idle ring (it never fires) is that tracked request. */
static int track_exit(struct io_uring *r, struct io_uring *idle)
{
	struct io_uring_sqe *sqe;

	if (io_uring_queue_init(1, idle, 0) != 0)
		return 0;
	sqe = io_uring_get_sqe(r);
	io_uring_prep_poll_add(sqe, idle->ring_fd, POLLIN);
	io_uring_sqe_set_data(sqe, NULL);
	return 1;
}

/* Serves until every entry came back with an error: the connection ended (ENOTCONN), or the
 * kernel did not take the claim (EOPNOTSUPP: enable_uring was off when it read the reply). */
static void serve_queue(struct queue *q, struct io_uring *r)
{
	struct io_uring idle;
	int tracked = track_exit(r, &idle);
	struct entry *entries = register_entries(q, r);
	unsigned live = ring.depth, i;

	while (live > 0) {
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0;
		int ret = io_uring_submit_and_wait(r, 1);

		if (ret < 0 && ret != -EINTR) {
			fprintf(stderr, "nextidfs: ring queue %u: %s\n", q->qid, strerror(-ret));
			exit(1); /* requests of this CPU would wait forever */
		}
		io_uring_for_each_cqe(r, head, cqe) {
			struct entry *e = io_uring_cqe_get_data(cqe);

			seen++;
			if (e == NULL) /* the idle poll, cancelled */
				continue;
			if (cqe->res < 0) {
				live--;
				if (cqe->res == -EOPNOTSUPP)
					tell(0, "the kernel did not take the io_uring claim: ", "enable_uring was N");
				else if (cqe->res != -ENOTCONN && cqe->res != -ECANCELED)
					fprintf(stderr, "nextidfs: ring queue %u: %s\n", q->qid, strerror(-cqe->res));
				continue;
			}
			tell(1, "", "");
			serve(e);
			prepare_cmd(r, e, q->qid, CMD_COMMIT_AND_FETCH, e->hdr.ent.commit_id);
		}
		io_uring_cq_advance(r, seen);
	}
	for (i = 0; i < ring.depth; i++)
		free(entries[i].buffer);
	free(entries);
	if (tracked)
		io_uring_queue_exit(&idle);
}

static void *queue_thread(void *arg)
{
	struct queue *q = arg;
	struct io_uring r;
	int ret;
	enum phase phase = set_up_ring(q, &r, &ret);

	if (ret == 0 && phase == REGISTER)
		serve_queue(q, &r);
	if (ret == 0)
		io_uring_queue_exit(&r);
	return NULL;
}

/* Starts the ring threads and waits for their io_uring setup: whether all could. */
static int start_queues(void)
{
	unsigned i, missing = 0;
	int all;

	ring.nqueues = possible_cpus();
	ring.queues = calloc(ring.nqueues, sizeof(*ring.queues));
	if (ring.queues == NULL)
		return 0;
	for (i = 0; i < ring.nqueues; i++) {
		ring.queues[i].qid = i;
		ring.queues[i].started =
			pthread_create(&ring.queues[i].thread, NULL, queue_thread, &ring.queues[i]) == 0;
	}
	pthread_mutex_lock(&ring.lock);
	for (i = 0; i < ring.nqueues; i++)
		missing += !ring.queues[i].started;
	ring.set_up += missing;
	ring.failed += missing;
	while (ring.set_up < ring.nqueues)
		pthread_cond_wait(&ring.changed, &ring.lock);
	all = ring.failed == 0;
	if (!all) {
		ring.phase = GIVE_UP;
		pthread_cond_broadcast(&ring.changed);
	}
	pthread_mutex_unlock(&ring.lock);
	return all;
}

/* --- the custom I/O hooks ---------------------------------------------------------------------- */

static void on_init(const struct fuse_in_header *in, const struct fuse_init_in *arg)
{
	int offered = (arg->flags & INIT_EXT) && (arg->flags2 & INIT_FLAGS2_OVER_IO_URING);

	if (!offered)
		tell(0, "the kernel does not offer FUSE over io_uring: ", ENABLE_URING " is N");
	if (offered && start_queues()) {
		__atomic_store_n(&ring.init_unique, in->unique, __ATOMIC_RELEASE);
		__atomic_store_n(&ring.claimed, 1, __ATOMIC_RELEASE);
		return;
	}
	if (offered)
		tell(0, "the io_uring queues could not be set up", "");
	nextidfs_ring_withdraw(); /* the reply will not claim it */
}

static ssize_t hook_read(int fd, void *buf, size_t len, void *userdata)
{
	ssize_t n = read(fd, buf, len);
	const struct fuse_in_header *in = buf;

	(void)userdata;
	if (n >= (ssize_t)(sizeof(*in) + sizeof(struct fuse_init_in)) && in->opcode == FUSE_INIT)
		on_init(in, (const void *)(in + 1));
	return n;
}

/* A reply made on a ring thread goes into its entry. */
static ssize_t capture(struct entry *e, const struct iovec *iov, int count)
{
	size_t used = 0;
	int i;

	for (i = 1; i < count; i++) {
		if (used + iov[i].iov_len > ring.payload) {
			errno = ENOBUFS;
			return -1;
		}
		memcpy(e->buffer + FRONT + used, iov[i].iov_base, iov[i].iov_len);
		used += iov[i].iov_len;
	}
	memcpy(e->hdr.in_out, iov[0].iov_base, sizeof(struct fuse_out_header));
	e->hdr.ent.payload_sz = (uint32_t)used;
	replied = 1;
	return (ssize_t)(sizeof(struct fuse_out_header) + used);
}

/* libfuse's INIT reply with the claim added (libfuse 3.14 does not know the flag); then the
 * threads register, or give up when the reply could not be written. */
static ssize_t claim(int fd, struct iovec *iov, int count)
{
	struct fuse_out_header *out = iov[0].iov_base;
	struct fuse_init_out init = { 0 };
	ssize_t n;

	if (count == 2 && out->error == 0 && iov[1].iov_len <= sizeof(init)) {
		memcpy(&init, iov[1].iov_base, iov[1].iov_len);
		init.flags |= INIT_EXT;
		init.flags2 |= INIT_FLAGS2_OVER_IO_URING;
		iov[1] = (struct iovec){ &init, sizeof(init) };
		out->len = (uint32_t)(sizeof(*out) + sizeof(init));
	}
	n = writev(fd, iov, count);
	nextidfs_ring_withdraw(); /* the kernel has read the reply: the connection keeps its ring */
	/* The payload must hold the largest request or reply the kernel may send. */
	ring.payload = init.max_write;
	if (ring.payload < (size_t)init.max_pages * 4096)
		ring.payload = (size_t)init.max_pages * 4096;
	if (ring.payload < 256 * 4096) /* the kernel's default max_pages limit */
		ring.payload = 256 * 4096;
	pthread_mutex_lock(&ring.lock);
	ring.phase = n >= 0 && (init.flags2 & INIT_FLAGS2_OVER_IO_URING) ? REGISTER : GIVE_UP;
	pthread_cond_broadcast(&ring.changed);
	pthread_mutex_unlock(&ring.lock);
	return n;
}

static ssize_t hook_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	const struct fuse_out_header *out = iov[0].iov_base;

	(void)userdata;
	if (serving != NULL && out->unique != 0) /* notifications (unique 0) go to /dev/fuse */
		return capture(serving, iov, count);
	if (out->unique != 0 && __atomic_load_n(&ring.claimed, __ATOMIC_ACQUIRE) &&
	    out->unique == __atomic_load_n(&ring.init_unique, __ATOMIC_ACQUIRE))
		return claim(fd, iov, count);
	return writev(fd, iov, count);
}

static const struct fuse_custom_io hooks = { .read = hook_read, .writev = hook_writev };

int nextidfs_ring_attach(struct fuse_session *se, unsigned depth, int verbose, int insist)
{
	ring.se = se;
	ring.fd = fuse_session_fd(se);
	ring.depth = depth;
	ring.verbose = verbose;
	ring.insist = insist;
	return fuse_session_custom_io(se, &hooks, ring.fd) == 0 ? 0 : -1;
}

void nextidfs_ring_join(void)
{
	struct timespec deadline;
	unsigned i;

	pthread_mutex_lock(&ring.lock);
	if (ring.phase == WAITING) /* no INIT reply */
		ring.phase = GIVE_UP;
	pthread_cond_broadcast(&ring.changed);
	pthread_mutex_unlock(&ring.lock);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 5; /* a thread still waiting then is left to the exit */
	for (i = 0; i < ring.nqueues; i++)
		if (ring.queues[i].started && pthread_timedjoin_np(ring.queues[i].thread, NULL, &deadline) != 0)
			fprintf(stderr, "nextidfs: ring queue %u did not end\n", i);
	nextidfs_ring_withdraw();
}
