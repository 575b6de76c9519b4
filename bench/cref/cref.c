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
 * Usage: cref [--no-open] [-f] [-s] [-d] [-o opts] MOUNTPOINT
 * (always foreground; default_permissions and auto_unmount are always on)
 */
#define FUSE_USE_VERSION 314

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

#define CONTENT_MAX 4096 /* max stored next_id text and per-open buffer */

static const double TIMEOUT = 1.0;

/* Stored next_id text. */
static pthread_mutex_t next_id_lock = PTHREAD_MUTEX_INITIALIZER;
static char next_id_text[CONTENT_MAX];
static size_t next_id_len;

static int no_open; /* --no-open */
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

static void fill_attr(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_uid = owner_uid;
	st->st_gid = owner_gid;
	st->st_atim = start_time;
	st->st_mtim = start_time;
	st->st_ctim = start_time;
	switch (ino) {
	case INO_ROOT:
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
		break;
	case INO_NEXT_ID:
		st->st_mode = S_IFREG | 0600;
		st->st_nlink = 1;
		break;
	default:
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		break;
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
	return ino == INO_ROOT || ino == INO_NEXT_ID || ino == INO_STATUS;
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
	if (ino != INO_NEXT_ID) {
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
	if (ino == INO_NEXT_ID) {
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

static void cref_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		       size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)fi;
	if (ino != INO_NEXT_ID) {
		fuse_reply_err(req, EBADF);
		return;
	}
	if (off != 0 || size > CONTENT_MAX) {
		fuse_reply_err(req, EINVAL);
		return;
	}
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

	if (args.argc > 1 && strcmp(args.argv[1], "--no-open") == 0) {
		no_open = 1;
		args.argv[1] = args.argv[0];
		args.argv++;
		args.argc--;
	}
	if (fuse_parse_cmdline(&args, &opts) != 0)
		return 1;
	/* nextidfs's loop: one worker per CPU (libfuse's default is 10). */
	opts.max_threads = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	if (opts.show_help) {
		printf("usage: %s [--no-open] [-f] [-s] [-d] [-o opts] MOUNTPOINT\n\n",
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
		fprintf(stderr, "usage: %s [--no-open] [-f] [-s] [-d] [-o opts] MOUNTPOINT\n",
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
