/*
 * cref: minimal reference FUSE filesystem for the nextidfs benchmarks.
 *
 * libfuse3 low-level API. The tree is a root directory holding two files:
 *
 *   next_id  0600  read/write; a write at offset 0 (at most 4096 bytes)
 *                  replaces the stored text, a write at offset > 0 fails
 *                  with EINVAL; a read returns the stored text.
 *   status   0444  read-only; procfs-status-like text rendered with
 *                  snprintf from the caller's pid/uid/gid.
 *
 * Both files report st_size 0 and are opened with direct_io and without FLUSH
 * at close (neither has work to do there, as nextidfs's next_id); the content is
 * built into a per-open buffer by the read at offset 0 and later offsets
 * are served from that buffer. This is the "physical limit" reference: it
 * does the least work a correct filesystem of this shape must do.
 *
 * With --no-open it answers OPEN and FLUSH with ENOSYS, as nextidfs does: the kernel then sends
 * no OPEN, FLUSH or RELEASE, files go through the page cache and an open(O_TRUNC)+write+close
 * of next_id is one WRITE request. That is the transport's floor for nextidfs's echo pipeline
 * (bench.sh part 1 times it against procfs); the per-open buffer is not used then.
 *
 * With --uring (built with -DCREF_URING -luring) requests come through FUSE over io_uring when
 * the kernel offers it (enable_uring = Y at mount time), else through /dev/fuse; see below.
 *
 * CREF_WORK_NS=N makes every WRITE spend N ns of its worker's CPU time before its reply: a
 * daemon with work to do per request (what throughput with many clients does then: part 2's
 * "Reading the figures" in BENCHMARKS.md).
 *
 * Usage: cref [--no-open] [--uring] [-f] [-s] [-d] [-o opts] MOUNTPOINT
 * (always foreground; default_permissions and auto_unmount are always on)
 */
#define FUSE_USE_VERSION 314
#define _GNU_SOURCE /* --uring: pthread_setaffinity_np */

#include <fuse_lowlevel.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define INO_ROOT    1
#define INO_NEXT_ID 2
#define INO_STATUS  3
/* next_id.0 ... next_id.255: more files that behave as next_id (and share its text), hidden from
 * readdir, so concurrent clients can each write their own inode as nextidfs's pairs clients do
 * (writes through the page cache hold the inode's lock across the WRITE round trip). */
#define INO_CLONES  16
#define NCLONES     256

#define CONTENT_MAX 4096 /* max stored next_id text and per-open buffer */

static const double TIMEOUT = 1.0;

/* Stored next_id text. */
static pthread_mutex_t next_id_lock = PTHREAD_MUTEX_INITIALIZER;
static char next_id_text[CONTENT_MAX];
static size_t next_id_len;

static int no_open; /* --no-open */
static long work_ns; /* CREF_WORK_NS */
static uid_t owner_uid;
static gid_t owner_gid;
static struct timespec start_time;

/* Per-open state (fi->fh). */
struct handle {
	pthread_mutex_t lock;
	int built; /* content valid */
	size_t len;
	char data[CONTENT_MAX];
};

struct handle;
static void build_content(fuse_req_t req, fuse_ino_t ino, struct handle *h);

static int is_next_id(fuse_ino_t ino)
{
	return ino == INO_NEXT_ID || (ino >= INO_CLONES && ino < INO_CLONES + NCLONES);
}

/* "K" of next_id.K in decimal without leading zeros, K < NCLONES; -1 otherwise. */
static int clone_index(const char *k)
{
	char *end;
	long v = strtol(k, &end, 10);

	if (*k < '0' || *k > '9' || *end != '\0' || v >= NCLONES || (k[0] == '0' && k[1] != '\0'))
		return -1;
	return (int)v;
}

static void fill_attr(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_uid = owner_uid;
	st->st_gid = owner_gid;
	st->st_atim = start_time;
	st->st_mtim = start_time;
	st->st_ctim = start_time;
	if (ino == INO_ROOT) {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
	} else {
		st->st_mode = S_IFREG | (is_next_id(ino) ? 0600 : 0444);
		st->st_nlink = 1;
	}
	/* st_size stays 0: content is dynamic (served with direct_io). */
}

/* --no-open: files go through the page cache, so their attributes carry the exact size of
 * what a read at offset 0 would return to this caller. */
static void fill_sized_attr(fuse_req_t req, fuse_ino_t ino, struct stat *st)
{
	fill_attr(ino, st);
	if (no_open && ino != INO_ROOT) {
		static __thread struct handle sized;
		build_content(req, ino, &sized);
		st->st_size = (off_t)sized.len;
	}
}

static int valid_ino(fuse_ino_t ino)
{
	return ino == INO_ROOT || is_next_id(ino) || ino == INO_STATUS;
}

static void cref_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	fuse_ino_t ino;

	if (parent != INO_ROOT) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	if (strcmp(name, "next_id") == 0)
		ino = INO_NEXT_ID;
	else if (strncmp(name, "next_id.", 8) == 0 && clone_index(name + 8) >= 0)
		ino = INO_CLONES + (fuse_ino_t)clone_index(name + 8);
	else if (strcmp(name, "status") == 0)
		ino = INO_STATUS;
	else {
		fuse_reply_err(req, ENOENT);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = ino;
	e.generation = 1;
	e.attr_timeout = TIMEOUT;
	e.entry_timeout = TIMEOUT;
	fill_sized_attr(req, ino, &e.attr);
	fuse_reply_entry(req, &e);
}

static void cref_getattr(fuse_req_t req, fuse_ino_t ino,
			 struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	if (!valid_ino(ino)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fill_sized_attr(req, ino, &st);
	fuse_reply_attr(req, &st, TIMEOUT);
}

/* Only truncation of next_id is accepted, and it is a no-op: the next
 * write at offset 0 replaces the whole text anyway (O_TRUNC support). */
static void cref_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
			 int to_set, struct fuse_file_info *fi)
{
	struct stat st;

	(void)attr;
	(void)fi;
	if (!valid_ino(ino)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (!is_next_id(ino)) {
		fuse_reply_err(req, (to_set & FUSE_SET_ATTR_SIZE) ? EACCES : EPERM);
		return;
	}
	if (!(to_set & FUSE_SET_ATTR_SIZE)) {
		fuse_reply_err(req, EPERM);
		return;
	}
	fill_sized_attr(req, ino, &st);
	fuse_reply_attr(req, &st, TIMEOUT);
}

static void cref_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct handle *h;
	int accmode = fi->flags & O_ACCMODE;

	if (no_open) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	if (ino == INO_ROOT) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	if (!valid_ino(ino)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	/* default_permissions does the mode checks, but root bypasses them. */
	if (ino == INO_STATUS && accmode != O_RDONLY) {
		fuse_reply_err(req, EACCES);
		return;
	}
	h = malloc(sizeof(*h));
	if (h == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_mutex_init(&h->lock, NULL);
	h->built = 0;
	h->len = 0;
	fi->fh = (uint64_t)(uintptr_t)h;
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fi->noflush = 1;
	if (fuse_reply_open(req, fi) == -ENOENT) {
		/* Open was interrupted: no release will follow. */
		pthread_mutex_destroy(&h->lock);
		free(h);
	}
}

static void build_content(fuse_req_t req, fuse_ino_t ino, struct handle *h)
{
	if (is_next_id(ino)) {
		pthread_mutex_lock(&next_id_lock);
		memcpy(h->data, next_id_text, next_id_len);
		h->len = next_id_len;
		pthread_mutex_unlock(&next_id_lock);
	} else {
		const struct fuse_ctx *c = fuse_req_ctx(req);
		int pid = (int)c->pid;
		unsigned uid = (unsigned)c->uid, gid = (unsigned)c->gid;
		int n = snprintf(h->data, sizeof(h->data),
			"Name:\tcref\n"
			"Umask:\t0022\n"
			"State:\tS (sleeping)\n"
			"Tgid:\t%d\n"
			"Ngid:\t0\n"
			"Pid:\t%d\n"
			"PPid:\t%d\n"
			"TracerPid:\t0\n"
			"Uid:\t%u\t%u\t%u\t%u\n"
			"Gid:\t%u\t%u\t%u\t%u\n"
			"FDSize:\t64\n"
			"Groups:\t%u\n"
			"NStgid:\t%d\n"
			"NSpid:\t%d\n"
			"NSpgid:\t%d\n"
			"NSsid:\t%d\n"
			"Threads:\t%d\n"
			"SigQ:\t0/%d\n"
			"SigPnd:\t0000000000000000\n"
			"ShdPnd:\t0000000000000000\n"
			"SigBlk:\t0000000000000000\n"
			"SigIgn:\t0000000000000000\n"
			"SigCgt:\t0000000000000000\n"
			"Seccomp:\t0\n"
			"voluntary_ctxt_switches:\t%d\n"
			"nonvoluntary_ctxt_switches:\t%d\n",
			pid, pid, 1, uid, uid, uid, uid, gid, gid, gid, gid,
			gid, pid, pid, pid, pid, 1, 63432, 0, 0);
		h->len = n < 0 ? 0 : (size_t)n;
		if (h->len >= sizeof(h->data))
			h->len = sizeof(h->data) - 1;
	}
	h->built = 1;
}

static void cref_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	static __thread struct handle own; /* --no-open: no handle, the read builds its own */
	struct handle *h = fi->fh ? (struct handle *)(uintptr_t)fi->fh : &own;
	char out[CONTENT_MAX];
	size_t n = 0;

	if (h == &own)
		own.built = 0;
	else
		pthread_mutex_lock(&h->lock);
	if (off == 0 || !h->built)
		build_content(req, ino, h);
	if (off >= 0 && (size_t)off < h->len) {
		n = h->len - (size_t)off;
		if (n > size)
			n = size;
		memcpy(out, h->data + off, n);
	}
	if (h != &own)
		pthread_mutex_unlock(&h->lock);
	/* h must not be touched after the reply: once the caller has its data
	 * it may close the file, and RELEASE (another thread) frees h. */
	fuse_reply_buf(req, out, n);
}

/* Spends `ns` of the calling thread's CPU time (time preempted does not count). */
static void work(long ns)
{
	struct timespec start, now;
	if (ns <= 0)
		return;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
	do
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
	while ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) < ns);
}

static void cref_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		       size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)fi;
	if (!is_next_id(ino)) {
		fuse_reply_err(req, EBADF);
		return;
	}
	if (off != 0 || size > CONTENT_MAX) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	work(work_ns);
	pthread_mutex_lock(&next_id_lock);
	memcpy(next_id_text, buf, size);
	next_id_len = size;
	pthread_mutex_unlock(&next_id_lock);
	fuse_reply_write(req, size);
}

/* Nothing is buffered, so flush has nothing to do; it is implemented (rather
 * than left ENOSYS) so the kernel sends the same requests as to nextidfs. */
static void cref_flush(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, no_open ? ENOSYS : 0);
}

static void cref_release(fuse_req_t req, fuse_ino_t ino,
			 struct fuse_file_info *fi)
{
	struct handle *h = (struct handle *)(uintptr_t)fi->fh;

	(void)ino;
	pthread_mutex_destroy(&h->lock);
	free(h);
	fuse_reply_err(req, 0);
}

static void cref_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
			 off_t off, struct fuse_file_info *fi)
{
	static const struct {
		const char *name;
		fuse_ino_t ino;
		mode_t type;
	} ents[] = {
		{ ".", INO_ROOT, S_IFDIR },
		{ "..", INO_ROOT, S_IFDIR },
		{ "next_id", INO_NEXT_ID, S_IFREG },
		{ "status", INO_STATUS, S_IFREG },
	};
	char buf[512];
	size_t used = 0;
	size_t i;

	(void)fi;
	if (ino != INO_ROOT) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	if (size > sizeof(buf))
		size = sizeof(buf);
	for (i = off < 0 ? 0 : (size_t)off;
	     i < sizeof(ents) / sizeof(ents[0]); i++) {
		struct stat st;
		size_t len;

		memset(&st, 0, sizeof(st));
		st.st_ino = ents[i].ino;
		st.st_mode = ents[i].type;
		len = fuse_add_direntry(req, buf + used, size - used,
					ents[i].name, &st, (off_t)(i + 1));
		if (len > size - used)
			break;
		used += len;
	}
	fuse_reply_buf(req, buf, used);
}

#ifdef CREF_URING
/*
 * --uring: FUSE over io_uring (Linux 6.14+, /sys/module/fuse/parameters/enable_uring = Y when the
 * filesystem is mounted). libfuse 3.14 has no io_uring support, so its custom I/O hooks carry it:
 *
 *  - read: plain read(2) of /dev/fuse; it remembers the INIT request and whether the kernel
 *    offered FUSE_OVER_IO_URING (flags2 bit 9, sent only while enable_uring is Y).
 *  - writev: a reply made on a ring thread (ring_ent set) is copied into that ring entry; the
 *    INIT reply gets FUSE_INIT_EXT + FUSE_OVER_IO_URING added (libfuse 3.14 does not know the
 *    flag), but only if every ring thread could set up its io_uring while the INIT request was
 *    read; once the reply is written (the kernel then counts the connection initialized), the
 *    ring threads register; everything else (replies to INTERRUPT, notifications: the kernel does not
 *    take those through the ring) goes to /dev/fuse.
 *
 * One ring thread per possible CPU (the kernel has one queue per possible CPU and serves a request
 * from the queue of the CPU its caller runs on), pinned to that CPU, with its own io_uring
 * (SQE128: the command lives in the SQE's 80-byte area). Each registers uring_depth entries
 * (FUSE_IO_URING_CMD_REGISTER); the kernel routes requests through the ring once every queue has
 * an entry, and until then holds new requests back. A completion is a request: the thread
 * rebuilds the /dev/fuse layout (in header, op header, payload) in front of the payload, runs it
 * through fuse_session_process_buf, and sends the captured reply with
 * FUSE_IO_URING_CMD_COMMIT_AND_FETCH, which also waits for the next request. FORGET and INTERRUPT
 * still come through /dev/fuse, so the ordinary libfuse loop keeps running.
 */
#include <linux/fuse.h>
#include <liburing.h>
#include <sched.h>
#include <sys/uio.h>

/* uapi of Linux 6.14+ (include/uapi/linux/fuse.h, protocol 7.42); the system header is older. */
#define URING_FUSE_INIT_EXT     (1u << 30)
#define URING_FLAGS2_OVER_URING (1u << (41 - 32))
#define URING_HEADER_IN_OUT_SZ  128
#define URING_HEADER_OP_SZ      128
enum { URING_CMD_REGISTER = 1, URING_CMD_COMMIT_AND_FETCH = 2 };

struct uring_ent_in_out {
	uint64_t flags;
	uint64_t commit_id; /* the request's unique, echoed in the commit */
	uint32_t payload_sz;
	uint32_t padding;
	uint64_t reserved;
};

struct uring_req_header {
	char in_out[URING_HEADER_IN_OUT_SZ]; /* fuse_in_header; fuse_out_header on commit */
	char op_in[URING_HEADER_OP_SZ];      /* the request's first argument (per-op header) */
	struct uring_ent_in_out ent_in_out;
};

struct uring_cmd_req { /* in the SQE's command area */
	uint64_t flags;
	uint64_t commit_id;
	uint16_t qid;
	uint8_t padding[6];
};

/* Entries per queue (CREF_URING_DEPTH): requests beyond them wait in the kernel's queue. */
static unsigned uring_depth = 4;
/* Room in front of the payload for the in header and the op header, so a request is one buffer. */
#define URING_GAP 512

struct uring_queue;

struct uring_ent {
	struct uring_req_header hdr;
	char *base;    /* URING_GAP bytes, then the payload */
	struct iovec iov[2];
	struct uring_queue *q;
};

struct uring_queue {
	unsigned qid;
	pthread_t thread;
	struct io_uring ring;
	struct uring_ent *ents;
};

static int use_uring;      /* --uring */
static struct fuse_session *uring_se;
static int uring_fd;
static uint64_t init_unique;
static int init_offered;   /* the kernel offered FUSE_OVER_IO_URING */
static size_t uring_payload_sz;
static unsigned uring_nqueues;
static struct uring_queue *uring_queues;
/* Start-up: the rings are set up before the INIT reply claims them (a claimed ring that never
 * registers would hold every request back), and register after it (the kernel refuses REGISTER
 * before the connection is initialized). */
static pthread_mutex_t uring_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t uring_cond = PTHREAD_COND_INITIALIZER;
static unsigned uring_set_up, uring_failed; /* queues whose ring setup ended, and failed */
static int uring_go;                        /* 1: register, -1: give up, 0: wait */
static __thread struct uring_ent *ring_ent; /* the entry whose request this thread is running */
static __thread int ring_replied;

static size_t possible_cpus(void)
{
	/* "0-N" (or a list); the kernel's queue count is num_possible_cpus(). */
	FILE *f = fopen("/sys/devices/system/cpu/possible", "r");
	unsigned a, b, n = 0;
	char sep;

	if (f == NULL)
		return (size_t)sysconf(_SC_NPROCESSORS_CONF);
	while (fscanf(f, "%u", &a) == 1) {
		b = a;
		if (fscanf(f, "%c", &sep) == 1 && sep == '-') {
			if (fscanf(f, "%u", &b) != 1)
				break;
			if (fscanf(f, "%c", &sep) != 1)
				sep = '\n';
		}
		n += b - a + 1;
		if (sep != ',')
			break;
	}
	fclose(f);
	return n;
}

static void uring_prep_cmd(struct io_uring_sqe *sqe, struct uring_ent *e, unsigned op,
			   uint64_t commit_id)
{
	struct uring_cmd_req req = { .commit_id = commit_id, .qid = (uint16_t)e->q->qid };

	if (sqe == NULL) { /* cannot happen: the ring has two slots per entry */
		fprintf(stderr, "cref: io_uring submission queue full\n");
		exit(1);
	}
	memset(sqe, 0, 2 * sizeof(*sqe)); /* SQE128: the command area runs into the second half */
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = uring_fd;
	sqe->cmd_op = op;
	if (op == URING_CMD_REGISTER) {
		sqe->addr = (uint64_t)(uintptr_t)e->iov;
		sqe->len = 2;
	}
	memcpy(sqe->cmd, &req, sizeof(req));
	io_uring_sqe_set_data(sqe, e);
}

/* Runs one request of entry e through libfuse and queues its commit (and the next fetch). */
static void uring_serve(struct uring_ent *e, struct io_uring_sqe *sqe)
{
	const struct fuse_in_header *in = (const void *)e->hdr.in_out;
	size_t payload = e->hdr.ent_in_out.payload_sz;
	size_t op_len = in->len - sizeof(*in) - payload;
	char *start = e->base + URING_GAP - sizeof(*in) - op_len;
	struct fuse_buf buf = { .size = in->len, .mem = start };

	memcpy(start, in, sizeof(*in));
	memcpy(start + sizeof(*in), e->hdr.op_in, op_len);
	ring_ent = e;
	ring_replied = 0;
	fuse_session_process_buf(uring_se, &buf);
	ring_ent = NULL;
	if (!ring_replied) { /* cref answers every request at once; FORGET never comes here */
		struct fuse_out_header *out = (void *)e->hdr.in_out;
		out->unique = e->hdr.ent_in_out.commit_id;
		out->error = -EIO;
		out->len = sizeof(*out);
		e->hdr.ent_in_out.payload_sz = 0;
	}
	uring_prep_cmd(sqe, e, URING_CMD_COMMIT_AND_FETCH, e->hdr.ent_in_out.commit_id);
}

/* CREF_URING_SETUP: how completions (the kernel's task work) reach this thread. defer (default):
 * only when it waits in io_uring_enter; coop: at its next kernel entry, without an IPI; plain:
 * at once (interrupting it). */
static unsigned uring_setup_flags(void)
{
	const char *v = getenv("CREF_URING_SETUP");

	if (v != NULL && strcmp(v, "plain") == 0)
		return 0;
	if (v != NULL && strcmp(v, "coop") == 0)
		return IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
	return IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
}

static void *uring_thread(void *arg)
{
	struct uring_queue *q = arg;
	struct io_uring_params p;
	cpu_set_t set;
	unsigned i;
	int ret;

	CPU_ZERO(&set);
	CPU_SET(q->qid, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
		fprintf(stderr, "cref: queue %u runs unpinned\n", q->qid);
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQE128 | uring_setup_flags();
	ret = io_uring_queue_init_params(2 * uring_depth, &q->ring, &p);
	if (ret < 0)
		fprintf(stderr, "cref: io_uring_queue_init: %s\n", strerror(-ret));
	pthread_mutex_lock(&uring_lock);
	uring_set_up++;
	uring_failed += ret < 0;
	pthread_cond_broadcast(&uring_cond);
	while (uring_go == 0)
		pthread_cond_wait(&uring_cond, &uring_lock);
	pthread_mutex_unlock(&uring_lock);
	if (uring_go < 0) {
		if (ret >= 0)
			io_uring_queue_exit(&q->ring);
		return NULL;
	}
	q->ents = calloc(uring_depth, sizeof(*q->ents));
	if (q->ents == NULL) {
		perror("cref: ring entries");
		exit(1);
	}
	for (i = 0; i < uring_depth; i++) {
		struct uring_ent *e = &q->ents[i];

		e->q = q;
		e->base = aligned_alloc(4096, URING_GAP + uring_payload_sz);
		if (e->base == NULL) {
			perror("cref: ring buffer");
			exit(1);
		}
		e->iov[0] = (struct iovec){ &e->hdr, sizeof(e->hdr) };
		e->iov[1] = (struct iovec){ e->base + URING_GAP, uring_payload_sz };
		uring_prep_cmd(io_uring_get_sqe(&q->ring), e, URING_CMD_REGISTER, 0);
	}
	ret = io_uring_submit(&q->ring); /* a REGISTER stays pending until a request comes */
	if (ret != (int)uring_depth) {
		fprintf(stderr, "cref: io_uring_submit: %s\n", strerror(ret < 0 ? -ret : EIO));
		exit(1);
	}
	fprintf(stderr, "cref: io_uring queue %u: %u entries of %zu bytes, setup flags %#x\n",
		q->qid, uring_depth, uring_payload_sz, p.flags);
	for (;;) {
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0;

		ret = io_uring_submit_and_wait(&q->ring, 1);
		if (ret < 0 && ret != -EINTR) {
			fprintf(stderr, "cref: io_uring_submit_and_wait: %s\n", strerror(-ret));
			exit(1);
		}
		io_uring_for_each_cqe(&q->ring, head, cqe) {
			struct uring_ent *e = io_uring_cqe_get_data(cqe);

			seen++;
			if (cqe->res == -ENOTCONN || cqe->res == -ECANCELED)
				return NULL; /* the connection is gone (unmount) */
			if (cqe->res < 0) {
				fprintf(stderr, "cref: ring queue %u: %s\n", q->qid, strerror(-cqe->res));
				exit(1);
			}
			uring_serve(e, io_uring_get_sqe(&q->ring));
		}
		io_uring_cq_advance(&q->ring, seen);
	}
}

static void uring_start(void)
{
	unsigned i;

	if (getenv("CREF_URING_DEPTH") != NULL && atoi(getenv("CREF_URING_DEPTH")) > 0)
		uring_depth = (unsigned)atoi(getenv("CREF_URING_DEPTH"));
	uring_nqueues = (unsigned)possible_cpus();
	uring_queues = calloc(uring_nqueues, sizeof(*uring_queues));
	if (uring_queues == NULL) {
		perror("cref: queues");
		exit(1);
	}
	for (i = 0; i < uring_nqueues; i++) {
		uring_queues[i].qid = i;
		if (pthread_create(&uring_queues[i].thread, NULL, uring_thread, &uring_queues[i]) != 0) {
			perror("cref: ring thread");
			exit(1);
		}
		pthread_detach(uring_queues[i].thread);
	}
}

/* Whether every queue's ring could be set up (the threads then wait for uring_go). */
static int uring_prepared(void)
{
	int ok;

	uring_start();
	pthread_mutex_lock(&uring_lock);
	while (uring_set_up < uring_nqueues)
		pthread_cond_wait(&uring_cond, &uring_lock);
	ok = uring_failed == 0;
	if (!ok) {
		uring_go = -1;
		pthread_cond_broadcast(&uring_cond);
	}
	pthread_mutex_unlock(&uring_lock);
	return ok;
}

static ssize_t uring_read(int fd, void *buf, size_t len, void *userdata)
{
	ssize_t n = read(fd, buf, len);
	const struct fuse_in_header *in = buf;

	(void)userdata;
	if (n >= (ssize_t)(sizeof(*in) + sizeof(struct fuse_init_in)) && in->opcode == FUSE_INIT) {
		const struct fuse_init_in *arg = (const void *)(in + 1);

		init_unique = in->unique;
		init_offered = (arg->flags & URING_FUSE_INIT_EXT) &&
			       (arg->flags2 & URING_FLAGS2_OVER_URING);
		if (!init_offered)
			fprintf(stderr, "cref: the kernel does not offer FUSE over io_uring "
				"(enable_uring is N?): staying on /dev/fuse\n");
		else if (!uring_prepared()) {
			init_offered = 0;
			fprintf(stderr, "cref: no io_uring: staying on /dev/fuse\n");
		}
	}
	return n;
}

static size_t iov_total(const struct iovec *iov, int count)
{
	size_t n = 0;
	int i;

	for (i = 0; i < count; i++)
		n += iov[i].iov_len;
	return n;
}

/* The reply of the request running on this ring thread goes into its ring entry. */
static ssize_t uring_capture(struct uring_ent *e, const struct iovec *iov, int count)
{
	size_t off = 0;
	int i;

	memcpy(e->hdr.in_out, iov[0].iov_base, sizeof(struct fuse_out_header));
	for (i = 1; i < count; i++) {
		if (off + iov[i].iov_len > uring_payload_sz) {
			errno = EINVAL;
			return -1;
		}
		memcpy(e->base + URING_GAP + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	e->hdr.ent_in_out.payload_sz = (uint32_t)off;
	ring_replied = 1;
	return (ssize_t)(sizeof(struct fuse_out_header) + off);
}

static ssize_t uring_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	const struct fuse_out_header *out = iov[0].iov_base;
	struct fuse_init_out init;
	ssize_t n;

	(void)userdata;
	if (ring_ent != NULL && out->unique != 0) /* a notification (unique 0) needs /dev/fuse */
		return uring_capture(ring_ent, iov, count);
	if (!init_offered || out->unique != init_unique || out->error != 0 || count != 2 ||
	    iov[1].iov_len > sizeof(init))
		return writev(fd, iov, count);
	memset(&init, 0, sizeof(init));
	memcpy(&init, iov[1].iov_base, iov[1].iov_len);
	init.flags |= URING_FUSE_INIT_EXT;
	init.flags2 |= URING_FLAGS2_OVER_URING;
	iov[1].iov_base = &init;
	iov[1].iov_len = sizeof(init);
	((struct fuse_out_header *)iov[0].iov_base)->len = (uint32_t)iov_total(iov, count);
	n = writev(fd, iov, count);
	if (n < 0)
		return n;
	/* The ring's payload must hold the largest request or reply the kernel will send. */
	uring_payload_sz = init.max_write;
	if (uring_payload_sz < (size_t)init.max_pages * 4096)
		uring_payload_sz = (size_t)init.max_pages * 4096;
	if (uring_payload_sz < 256 * 4096) /* fuse_max_pages_limit's default */
		uring_payload_sz = 256 * 4096;
	pthread_mutex_lock(&uring_lock);
	uring_go = 1;
	pthread_cond_broadcast(&uring_cond);
	pthread_mutex_unlock(&uring_lock);
	return n;
}

static const struct fuse_custom_io uring_io = {
	.read = uring_read,
	.writev = uring_writev,
};
#endif /* CREF_URING */

static const struct fuse_lowlevel_ops cref_ops = {
	.lookup = cref_lookup,
	.getattr = cref_getattr,
	.setattr = cref_setattr,
	.open = cref_open,
	.read = cref_read,
	.write = cref_write,
	.flush = cref_flush,
	.release = cref_release,
	.readdir = cref_readdir,
};

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct fuse_session *se = NULL;
	struct fuse_loop_config *cfg = NULL;
	int ret = 1;

	if (getenv("CREF_WORK_NS") != NULL)
		work_ns = atol(getenv("CREF_WORK_NS"));
	for (;;) {
		if (args.argc > 1 && strcmp(args.argv[1], "--no-open") == 0)
			no_open = 1;
		else if (args.argc > 1 && strcmp(args.argv[1], "--uring") == 0) {
#ifdef CREF_URING
			use_uring = 1;
#else
			fprintf(stderr, "cref: built without io_uring (-DCREF_URING -luring)\n");
			return 1;
#endif
		} else
			break;
		args.argv[1] = args.argv[0];
		args.argv++;
		args.argc--;
	}
	if (fuse_parse_cmdline(&args, &opts) != 0)
		return 1;
	/* nextidfs's loop: one worker per CPU (libfuse's default is 10). */
	opts.max_threads = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	if (opts.show_help) {
		printf("usage: %s [--no-open] [--uring] [-f] [-s] [-d] [-o opts] MOUNTPOINT\n\n",
		       argv[0]);
		fuse_cmdline_help();
		fuse_lowlevel_help();
		ret = 0;
		goto out_args;
	}
	if (opts.show_version) {
		printf("FUSE library version %s\n", fuse_pkgversion());
		fuse_lowlevel_version();
		ret = 0;
		goto out_args;
	}
	if (opts.mountpoint == NULL) {
		fprintf(stderr, "usage: %s [--no-open] [--uring] [-f] [-s] [-d] [-o opts] MOUNTPOINT\n",
			argv[0]);
		goto out_args;
	}
	if (fuse_opt_add_arg(&args, "-odefault_permissions,auto_unmount") != 0)
		goto out_args;

	owner_uid = getuid();
	owner_gid = getgid();
	clock_gettime(CLOCK_REALTIME, &start_time);

	se = fuse_session_new(&args, &cref_ops, sizeof(cref_ops), NULL);
	if (se == NULL)
		goto out_args;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		goto out_signals;
#ifdef CREF_URING
	if (use_uring) {
		uring_se = se;
		uring_fd = fuse_session_fd(se);
		if (fuse_session_custom_io(se, &uring_io, uring_fd) != 0)
			goto out_unmount;
	}
#endif

	/* Always foreground (-f is accepted for compatibility). */
	if (opts.singlethread) {
		ret = fuse_session_loop(se);
	} else {
		cfg = fuse_loop_cfg_create();
		if (cfg == NULL) {
			ret = 1;
			goto out_unmount;
		}
		fuse_loop_cfg_set_clone_fd(cfg, (unsigned)opts.clone_fd);
		if (opts.max_idle_threads != UINT_MAX) /* UINT_MAX: unset */
			fuse_loop_cfg_set_idle_threads(cfg, opts.max_idle_threads);
		fuse_loop_cfg_set_max_threads(cfg, opts.max_threads);
		ret = fuse_session_loop_mt(se, cfg);
		fuse_loop_cfg_destroy(cfg);
	}
	/* The loop returns the signal number when stopped by a signal. */
	if (ret == SIGTERM || ret == SIGINT || ret == SIGHUP)
		ret = 0;
	else if (ret != 0)
		ret = 1;

out_unmount:
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_args:
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return ret;
}
