/* The libfuse3 API as nextidfs uses it from Swift.
 * FUSE_USE_VERSION must be set before the headers so the versioned entry points
 * (fuse_session_new, fuse_parse_cmdline, fuse_session_loop_mt) import as functions. */
#ifndef NEXTIDFS_CFUSE_SHIM_H
#define NEXTIDFS_CFUSE_SHIM_H

#define FUSE_USE_VERSION 314
#include <fuse3/fuse_lowlevel.h>
#include <fuse3/fuse_opt.h>
#include <sys/stat.h>
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <malloc.h>

/* FUSE_ARGS_INIT is a macro. */
static inline struct fuse_args nextidfs_args_init(int argc, char **argv) {
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    return args;
}

/* Bit-fields of struct fuse_file_info, set from one place. */
static inline void nextidfs_fi_set_direct_io(struct fuse_file_info *fi, int noflush) {
    fi->direct_io = 1;
    fi->keep_cache = 0;
    fi->nonseekable = 0;
    fi->noflush = noflush ? 1 : 0;
}

static inline int nextidfs_fi_flags(const struct fuse_file_info *fi) { return fi->flags; }

/* An anonymous memory file (memfd_create without _GNU_SOURCE), closed on exec (1: MFD_CLOEXEC):
   only its copy on fd 2 goes to fusermount3, which sends its messages there. */
static inline int nextidfs_memfd(const char *name) { return (int)syscall(SYS_memfd_create, name, 1); }

#endif
