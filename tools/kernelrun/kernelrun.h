/*
 * kernelrun: runs conformance operation scripts (docs/ops-format.md) against the running Linux
 * kernel.
 *
 *   kernelrun [-v] SCRIPT...      ("-" reads a script from stdin)
 *
 * Build: make -C tools/kernelrun   (gcc -O2 -Wall -Wextra -Werror, every .c file of this directory)
 *
 * Files
 * -----
 *   agent.c       code that runs in the simulated tasks: raw system calls, the clone3
 *                 trampoline, the command loop
 *   controller.c  the controller's side of the tasks: sending commands, registering new tasks,
 *                 waiting for ended ones, keeping pid_for_children in step, printing results
 *   script.c      the script grammar: lines, the pid_max header, "T COMMAND", the number, key,
 *                 flags and next_id grammars
 *   ops.c         the operations: one table row (verb, argument parser, action) per command
 *   main.c        one namespace per script, the script loop, main
 *
 * Structure
 * ---------
 * The controller (main process, host namespaces, ordinary glibc code) parses each script and
 * keeps all bookkeeping: handles, pending ids, per-process thread lists, uids, pid namespace
 * levels. For every script it forks a helper that unshares a new pid+IPC namespace and forks
 * the script's init (task 0); the helper stays blocked until the script ends (both have
 * PR_SET_PDEATHSIG, so if the runner dies the whole namespace dies with it).
 *
 * Every simulated task is one real task running "agent" code. The agents and the controller
 * share one MAP_SHARED anonymous mapping created before the first fork, so it sits at the same
 * address in every task: one command area, one result area, one big read buffer and one
 * command word per handle. An agent sleeps in FUTEX_WAIT on its own command word (its command
 * channel); the controller writes the command, bumps that word and wakes it; the agent runs
 * the command with raw system calls, writes the result and bumps/wakes the shared result word.
 * Exactly one command is in flight at any time.
 *
 * Reaping: real zombies and real process groups. Every simulated process has the SIGCHLD
 * disposition the script gave it (`sigchld`, inherited by children), except that every pid
 * namespace init ignores SIGCHLD, so that it reaps its children at once as the simulated inits
 * do; the script's own init (task 0) starts a session (setsid), so that the test's namespace
 * holds every session and group its tasks use. After an operation that can end or release
 * tasks (exit, wait, setpgid, setsid) the controller waits until the kernel has settled: every
 * task runs, is a zombie, is released, or is an init waiting in zap_pid_ns_processes for its
 * namespace to empty; and every pid number nothing holds any more has left the idr (see
 * settle in controller.c).
 *
 * Agent code (everything reachable from agent_loop) uses only the raw syscall wrappers below:
 * tasks created by raw clone3 have no valid glibc thread state. New tasks (threads and
 * processes alike) start on a fresh mmap'ed stack through the kr_clone3 trampoline.
 */
#ifndef KERNELRUN_H
#define KERNELRUN_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

/* SysV IPC constants (linux/ipc.h, msg.h, sem.h, shm.h) */
#define K_IPC_CREAT 01000
#define K_IPC_EXCL 02000
#define K_IPC_RMID 0
#define K_IPC_SET 1
#define K_IPC_INFO 3
#define K_MSG_INFO 12
#define K_MSG_STAT_ANY 13
#define K_SHM_INFO 14
#define K_SEM_INFO 19

#define MAXH 65536               /* handles per script */
#define STK (256 * 1024)         /* agent stack */
#define BUFSZ (32u << 20)        /* shared read buffer */
#define MAX_LEVEL 32             /* MAX_PID_NS_LEVEL */

/* ------------------------------------------------------------------------------------------ */
/* raw system calls (x86_64)                                                                   */

static inline long rs6(long n, long a, long b, long c, long d, long e, long f)
{
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}
#define rs1(n, a) rs6(n, (long)(a), 0, 0, 0, 0, 0)
#define rs2(n, a, b) rs6(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define rs3(n, a, b, c) rs6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define rs4(n, a, b, c, d) rs6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

/* ------------------------------------------------------------------------------------------ */
/* the shared area (agent.c)                                                                   */

enum { OP_SYSCALL = 1, OP_EXIT, OP_CREATE, OP_READ, OP_WRITE };

#define K_PF_EXITING 0x4     /* task->flags, /proc/<pid>/stat field 9 */

struct cmdarea {
    uint32_t serial;
    uint32_t op;
    long nr;
    long a[6];
    uint32_t set_tid_size;
    int32_t set_tid[64];
    uint32_t data_len;
    char path[256];
    char data[4096];
    char scratch[1024]; /* syscall in/out structures */
};

struct slot {
    uint32_t cmd_seq;
    uint32_t pad[15];
};

struct shared {
    uint32_t res_seq;
    uint32_t pad0[15];
    long res_ret;
    long res_stage;
    struct cmdarea cmd;
    struct slot slots[MAXH];
};

extern struct shared *G;
extern char *GBUF;

void agent_reply(long ret, long stage);
__attribute__((noreturn)) void agent_loop(long h);

/* ------------------------------------------------------------------------------------------ */
/* the controller's view of the tasks (controller.c)                                           */

struct task {
    int alive;             /* it can act: it has not begun to exit */
    int gone;              /* released: no task has its pid any more (pidfd closed) */
    int leader;            /* handle of the thread group leader */
    pid_t tid;             /* host tid */
    int pidfd;
    unsigned long ino;     /* pidfs inode of our pidfd */
    unsigned long nsino;   /* inode of its pid namespace */
    int nn;                /* pids from the test's root namespace down */
    int nspid[MAX_LEVEL + 2];
    int pfc_ok;            /* the thread's kernel pid_for_children is the process's */
    int pend_n;            /* pending ids (next_id), per thread */
    int32_t pend[32];
    /* process (leader) fields */
    uint32_t uid;
    int pfc_level;         /* test level of pid_for_children */
    int sigchld_ign;       /* SIGCHLD ignored as the script set it (an init ignores it anyway) */
};

extern struct task *T;
extern int g_nh;           /* handles handed out in this script */
extern uint32_t g_serial;
extern int g_verbose;
extern int g_D;            /* levels above the test's root pid namespace (runner's NSpid length) */
extern int g_status;
extern const char *g_path;
extern int g_line;
extern jmp_buf g_abort;
extern int g_probe_fd;     /* any open file: F_SETOWN looks pids up in the idr */
extern int g_procfd;       /* a procfs of the test's root pid namespace (read stat) */

__attribute__((noreturn, format(printf, 1, 2))) void infra(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void warn(const char *fmt, ...);
const char *ename(int e);

long wait_reply(uint32_t serial, int h);
long cmd_run(int h, uint32_t op, int noreply);
long a_sys(int h, long nr, long a0, long a1, long a2, long a3);
void set_path(const char *p);
long a_read(int h, const char *path, long *stage);
long a_write(int h, const char *path, const char *data, long *stage);

void register_task(int h, int leader, uint32_t uid);
long set_sigchld(int h, int ignore);
void await_exit(int h);
void settle(void);
void forget_held_pids(void);
void forget_namespaces(void);
void await_all_gone(void);
int is_init(int h);
int ns_within(unsigned long ns, unsigned long ancestor);
int pinned_init_anywhere(void);
void unpin_inits(void);
void parse_status(const char *s, pid_t *tid, int *nn, int *nspid);
void parse_status_list(const char *s, const char *name, int *nn, int *nspid);
int other_threads(int h, int *out);
void try_sync(int h);
int kernel_actor(int h, const char **mapped);
long setns_threads(int from, const char *ns, long nstype, const int *threads, int n);

void out_val(long v, const char *mapped);
void out_err(int e, const char *mapped);
void out_res(long r, const char *mapped);
void out_pids(int nn, const int *nspid);

/* ------------------------------------------------------------------------------------------ */
/* the script grammar (script.c)                                                               */

#define MAXTOK 64

int tokenize(char *s, char **tok);
int parse_udec(const char *s, unsigned long long max, unsigned long long *out);
int parse_sdec32(const char *s, int32_t *out);
int parse_clit(const char *s, uint32_t max, uint32_t *out);
int parse_key(const char *s, int32_t *out);
int parse_flags(const char *s, int32_t *out);
int parse_next_id(char **tok, int nt, int *n, int32_t *ids);

struct script {
    const char *path;
    char *text;
    char **lines;          /* the lines, newlines cut */
    int nlines;
    long pid_max;          /* the header's, or 32768 */
    int header_line;       /* index of the header line, -1 without one */
};

int load_script(const char *path, struct script *s);
void free_script(struct script *s);
int is_blank_or_comment(const char *s);
int parse_operation(char *line, int *h, char **command);

/* ------------------------------------------------------------------------------------------ */
/* the operations (ops.c)                                                                      */

void run_op(int h, char *cmdline);

#endif
