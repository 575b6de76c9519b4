/* The agent: the code every simulated task runs. Raw system calls only (kernelrun.h). */
#include "kernelrun.h"

struct shared *G;
char *GBUF;

struct kr_clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
        set_tid_size, cgroup;
};

/*
 * long kr_clone3(struct kr_clone_args *args, size_t size, void (*fn)(long), long arg)
 * The parent gets clone3's return value. The child starts on args->stack + stack_size (which
 * must be 16-byte aligned), calls fn(arg) there and exits if fn ever returns. fn and arg ride
 * in r8/r9, which the kernel copies into the child.
 */
__asm__(".text\n"
        ".globl kr_clone3\n"
        ".type kr_clone3,@function\n"
        "kr_clone3:\n"
        "\tmovq %rdx, %r8\n"
        "\tmovq %rcx, %r9\n"
        "\tmovl $435, %eax\n"
        "\tsyscall\n"
        "\ttestq %rax, %rax\n"
        "\tjz 1f\n"
        "\tret\n"
        "1:\n"
        "\txorl %ebp, %ebp\n"
        "\tmovq %r9, %rdi\n"
        "\tcall *%r8\n"
        "\tmovl $60, %eax\n"
        "\txorl %edi, %edi\n"
        "\tsyscall\n"
        "\thlt\n"
        ".size kr_clone3, .-kr_clone3\n");
long kr_clone3(struct kr_clone_args *args, unsigned long size, void (*fn)(long), long arg);

void agent_reply(long ret, long stage)
{
    G->res_ret = ret;
    G->res_stage = stage;
    __atomic_store_n(&G->res_seq, G->cmd.serial, __ATOMIC_SEQ_CST);
    rs3(SYS_futex, &G->res_seq, FUTEX_WAKE, 1);
}

static void agent_entry(long h);

/* OP_CREATE: clone3 on a fresh stack; the child runs agent_entry(a[2]). */
static long agent_create(const struct cmdarea *c, long *stage)
{
    long st = rs6(SYS_mmap, 0, STK, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (st < 0 && st > -4096) {
        *stage = 1;
        return st;
    }
    struct kr_clone_args ca;
    ca.flags = (uint64_t)c->a[0];
    ca.pidfd = 0;
    ca.child_tid = 0;
    ca.parent_tid = 0;
    ca.exit_signal = (uint64_t)c->a[1];
    ca.stack = (uint64_t)st;
    ca.stack_size = STK;
    ca.tls = 0;
    ca.set_tid = c->set_tid_size ? (uint64_t)(uintptr_t)c->set_tid : 0;
    ca.set_tid_size = c->set_tid_size;
    ca.cgroup = 0;
    long ret = kr_clone3(&ca, sizeof ca, agent_entry, c->a[2]);
    /* a process child has its own copy of the stack; a thread keeps the parent's */
    if (ret < 0 || !(ca.flags & CLONE_VM))
        rs2(SYS_munmap, st, STK);
    *stage = 2;
    return ret;
}

/* OP_READ: the whole file into GBUF; its length. */
static long agent_read(const struct cmdarea *c, long *stage)
{
    long fd = rs4(SYS_openat, AT_FDCWD, c->path, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0) {
        *stage = 1;
        return fd;
    }
    long len = 0, ret = 0;
    for (;;) {
        long want = (long)BUFSZ - 1 - len;
        if (want > 65536)
            want = 65536; /* sysctl reads allocate a kernel buffer of the full count */
        long r = rs3(SYS_read, fd, GBUF + len, want);
        if (r < 0) {
            ret = r;
            *stage = 2;
            break;
        }
        if (r == 0)
            break;
        len += r;
        if (len >= (long)BUFSZ - 1)
            break;
    }
    rs1(SYS_close, fd);
    if (!*stage) {
        GBUF[len] = 0;
        ret = len;
    }
    return ret;
}

/* OP_WRITE: open, one write(2) of the data, close. */
static long agent_write(const struct cmdarea *c, long *stage)
{
    long fd = rs4(SYS_openat, AT_FDCWD, c->path, O_WRONLY | O_CLOEXEC, 0);
    if (fd < 0) {
        *stage = 1;
        return fd;
    }
    long r = rs3(SYS_write, fd, c->data, c->data_len);
    rs1(SYS_close, fd);
    if (r < 0) {
        *stage = 2;
        return r;
    }
    return 0;
}

static void agent_exec(void)
{
    struct cmdarea *c = &G->cmd;
    long ret = 0, stage = 0;
    switch (c->op) {
    case OP_SYSCALL:
        ret = rs6(c->nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
        break;
    case OP_EXIT:
        for (;;)
            rs1(c->nr, c->a[0]);
    case OP_CREATE:
        ret = agent_create(c, &stage);
        break;
    case OP_READ:
        ret = agent_read(c, &stage);
        break;
    case OP_WRITE:
        ret = agent_write(c, &stage);
        break;
    default:
        ret = -ENOSYS;
    }
    agent_reply(ret, stage);
}

void agent_loop(long h)
{
    uint32_t seen = 0;
    for (;;) {
        uint32_t s;
        while ((s = __atomic_load_n(&G->slots[h].cmd_seq, __ATOMIC_ACQUIRE)) == seen)
            rs4(SYS_futex, &G->slots[h].cmd_seq, FUTEX_WAIT, seen, 0);
        seen = s;
        agent_exec();
    }
}

static void agent_entry(long h) { agent_loop(h); }
