/* FUSE over io_uring for the nextidfs daemon (Linux 6.14+, /sys/module/fuse/parameters/enable_uring),
 * through libfuse 3.14's custom I/O hooks, which know nothing of it: one ring thread per possible
 * CPU, pinned to it, serves the requests of that CPU's callers; the libfuse loop keeps /dev/fuse
 * for INIT, FORGET, INTERRUPT, notifications, and for everything when the kernel does not take
 * the ring. One session per process. bench/cref/README.md ("FUSE over io_uring") has the kernel
 * facts it relies on. */
#ifndef NEXTIDFS_FUSE_RING_H
#define NEXTIDFS_FUSE_RING_H

struct fuse_session;

/* Before fuse_session_mount (the kernel offers the ring in the INIT it sends while mounting):
 * as root, turns enable_uring on if it is off, until this mount's INIT reply was processed, and
 * then back off. One daemon at a time does so (a lock file), waiting for the lock at most a
 * second; without it the daemon takes the kernel's setting as it is. */
void nextidfs_ring_offer(void);

/* enable_uring back as nextidfs_ring_offer found it, if that is still to be done (a failed
 * mount; the hooks do it once the INIT reply was processed). */
void nextidfs_ring_withdraw(void);

/* After mounting, before the loop: the custom I/O hooks that claim the ring in the INIT reply
 * when the kernel offers it and every queue's io_uring could be set up; `depth` entries per
 * queue. `verbose` says on stderr which transport serves; `insist` says it too when that is not
 * io_uring. 0, or -1 when libfuse refused the hooks. */
int nextidfs_ring_attach(struct fuse_session *se, unsigned depth, int verbose, int insist);

/* After the loop ended and the mount is gone, before fuse_session_destroy: the ring threads
 * end (each once all its entries came back from the aborted connection). */
void nextidfs_ring_join(void);

#endif
