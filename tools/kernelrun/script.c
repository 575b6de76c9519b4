/* The script grammar (docs/ops-format.md "Script") and the grammars of the ctl arguments. */
#include "kernelrun.h"

/* ---- words ---- */

/* Splits s at blanks (spaces, tabs) in place; the number of words, MAXTOK + 1 when too many. */
int tokenize(char *s, char **tok)
{
    int n = 0;
    for (;;) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            return n;
        if (n == MAXTOK)
            return MAXTOK + 1;
        tok[n++] = s;
        while (*s && *s != ' ' && *s != '\t')
            s++;
        if (*s)
            *s++ = 0;
    }
}

/* ---- numbers ---- */

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* decimal digits, value <= max */
int parse_udec(const char *s, unsigned long long max, unsigned long long *out)
{
    if (!all_digits(s) || strlen(s) > 20)
        return -1;
    unsigned long long v = 0;
    for (; *s; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (max - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* optional '-', decimal digits, in int32 range */
int parse_sdec32(const char *s, int32_t *out)
{
    int neg = *s == '-';
    unsigned long long v;
    if (parse_udec(s + neg, neg ? 2147483648ULL : 2147483647ULL, &v))
        return -1;
    *out = neg ? (int32_t)(-(long long)v) : (int32_t)v;
    return 0;
}

/* C literal: 0x hex, leading 0 octal, else decimal; value <= max (<= 0xffffffff) */
int parse_clit(const char *s, uint32_t max, uint32_t *out)
{
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    } else if (s[0] == '0' && s[1]) {
        base = 8;
        s++;
    }
    if (!*s)
        return -1;
    unsigned long long v = 0;
    for (; *s; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (*s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (*s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            return -1;
        if (d >= base)
            return -1;
        v = v * base + d;
        if (v > max)
            return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

/* ---- ctl arguments (docs/interface.md §4.3) ---- */

/* KEY: IPC_PRIVATE, decimal (-2147483648..4294967295, taken modulo 2^32), or 0x-hex up to
 * 0xffffffff */
int parse_key(const char *s, int32_t *out)
{
    if (!strcmp(s, "IPC_PRIVATE")) {
        *out = 0;
        return 0;
    }
    if (strlen(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        uint32_t v;
        if (parse_clit(s, 0xffffffffu, &v))
            return -1;
        *out = (int32_t)v;
        return 0;
    }
    unsigned long long v;
    if (s[0] != '-' && !parse_udec(s, 0xffffffffULL, &v)) {
        *out = (int32_t)(uint32_t)v;
        return 0;
    }
    return parse_sdec32(s, out);
}

/* FLAGS: '|'-joined IPC_CREAT, IPC_EXCL and numbers (C literals), or one number */
int parse_flags(const char *s, int32_t *out)
{
    char buf[256];
    if (strlen(s) >= sizeof buf)
        return -1;
    strcpy(buf, s);
    uint32_t f = 0;
    char *p = buf;
    for (;;) {
        char *bar = strchr(p, '|');
        if (bar)
            *bar = 0;
        uint32_t v;
        if (!strcmp(p, "IPC_CREAT"))
            f |= K_IPC_CREAT;
        else if (!strcmp(p, "IPC_EXCL"))
            f |= K_IPC_EXCL;
        else if (!parse_clit(p, 03777, &v))
            f |= v;
        else
            return -1;
        if (!bar)
            break;
        p = bar + 1;
    }
    *out = (int32_t)f;
    return 0;
}

/* docs/interface.md §3.1: the next_id grammar. Returns 0 (n ids, n == 0 for clear) or -1. */
int parse_next_id(char **tok, int nt, int *n, int32_t *ids)
{
    if (nt == 1 && !strcmp(tok[0], "clear")) {
        *n = 0;
        return 0;
    }
    if (nt < 1 || strncmp(tok[0], "LONG", 4))
        return -1;
    unsigned long long cnt = 1;
    if (tok[0][4] && (tok[0][4] == '0' || parse_udec(tok[0] + 4, 32, &cnt)))
        return -1;
    if (cnt < 1 || cnt > 32 || (unsigned long long)(nt - 1) != cnt)
        return -1;
    for (int i = 0; i < (int)cnt; i++) {
        unsigned long long v;
        if (parse_udec(tok[1 + i], 2147483647ULL, &v))
            return -1;
        ids[i] = (int32_t)v;
    }
    *n = (int)cnt;
    return 0;
}

/* ---- scripts ---- */

static __attribute__((noinline)) char *slurp(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    size_t r;
    while (b && (r = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n < 2) {
            char *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
    }
    if (f != stdin)
        fclose(f);
    else
        clearerr(stdin);
    if (b)
        b[n] = 0;
    *len = n;
    return b;
}

int is_blank_or_comment(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return !*s || *s == '#';
}

/* The optional "pid_max N" header: the first line that is neither blank nor a comment.
 * Returns 0, or -1 (and g_line set to it) when it is malformed. */
static int parse_header(struct script *s)
{
    int first_op = 0;
    for (; first_op < s->nlines; first_op++)
        if (!is_blank_or_comment(s->lines[first_op]))
            break;
    if (first_op == s->nlines)
        return 0;
    char copy[256];
    char *tok[MAXTOK + 1];
    snprintf(copy, sizeof copy, "%s", s->lines[first_op]);
    int nt = tokenize(copy, tok);
    if (nt < 1 || strcmp(tok[0], "pid_max"))
        return 0;
    unsigned long long v;
    g_line = first_op + 1;
    if (nt != 2 || parse_udec(tok[1], 4194304, &v) || v < 301)
        return -1;
    s->pid_max = (long)v;
    s->header_line = first_op;
    return 0;
}

/* Reads and splits a script ("-": stdin). Returns 0; -1 when it cannot be read (errno says
 * why); -2 when its header is malformed (g_line names it). */
int load_script(const char *path, struct script *s)
{
    size_t len;
    memset(s, 0, sizeof *s);
    s->path = path;
    s->pid_max = 32768;
    s->header_line = -1;
    s->text = slurp(path, &len);
    if (!s->text)
        return -1;
    int cap = 256;
    s->lines = malloc(sizeof(char *) * (size_t)cap);
    for (char *p = s->text; *p;) {
        if (s->nlines == cap) {
            cap *= 2;
            s->lines = realloc(s->lines, sizeof(char *) * (size_t)cap);
        }
        s->lines[s->nlines++] = p;
        char *e = strchr(p, '\n');
        if (!e)
            break;
        *e = 0;
        p = e + 1;
    }
    return parse_header(s) ? -2 : 0;
}

void free_script(struct script *s)
{
    free(s->lines);
    free(s->text);
    s->lines = NULL;
    s->text = NULL;
}

/* "T COMMAND": the handle T (decimal, at most 2^31 - 1) and where COMMAND starts. Returns 0 or
 * -1 when the line is not an operation. */
int parse_operation(char *line, int *h, char **command)
{
    char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    char *q = p;
    while (*q >= '0' && *q <= '9')
        q++;
    unsigned long long hh;
    char save = *q;
    *q = 0;
    int bad = parse_udec(p, 0x7fffffff, &hh) != 0 || (save && save != ' ' && save != '\t');
    *q = save;
    if (bad)
        return -1;
    *h = (int)hh;
    *command = q;
    return 0;
}
