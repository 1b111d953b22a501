/*
 * fuzz — the harnesses' shared helpers. See fuzz.h.
 *
 * The scratch folder is one mkdtemp per process, on tmpfs where there is
 * one (the readers under test take paths, and a harness rewrites its files
 * on every input), removed by an atexit handler: libFuzzer leaves through
 * exit() at the end of a run, so only a crash leaves it behind, which is
 * when its files are worth having.
 */
#include "tests/fuzz/fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char fuzz_root[64];

void fuzz_fail(const char *expr, const char *file, int line, const char *msg) {
    fprintf(stderr, "%s:%d: fuzz check failed: %s%s%s\n", file, line, expr, msg && *msg ? ": " : "",
            msg ? msg : "");
    abort();
}

/* Removes path and, when it is a folder, everything under it. */
static void fuzz_rmtree(const char *path) {
    DIR *d = opendir(path);
    if (!d) {
        unlink(path);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char sub[1024];
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        fuzz_rmtree(sub);
    }
    closedir(d);
    rmdir(path);
}

static void fuzz_cleanup(void) {
    if (fuzz_root[0]) fuzz_rmtree(fuzz_root);
}

const char *fuzz_dir(void) {
    if (fuzz_root[0]) return fuzz_root;
    struct stat sb;
    const char *base = stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) ? "/dev/shm" : "/tmp";
    snprintf(fuzz_root, sizeof fuzz_root, "%s/finelab_fuzz_XXXXXX", base);
    if (!mkdtemp(fuzz_root)) {
        fprintf(stderr, "fuzz: cannot make a scratch folder in %s: %s\n", base, strerror(errno));
        abort();
    }
    atexit(fuzz_cleanup);
    return fuzz_root;
}

void fuzz_path(char *path, size_t cap, const char *name) {
    int n = snprintf(path, cap, "%s/%s", fuzz_dir(), name);
    FUZZ_CHECK(n > 0 && (size_t)n < cap, name);
}

void fuzz_input_file(char *path, size_t cap, const char *name, const uint8_t *data, size_t size) {
    fuzz_path(path, cap, name);
    fuzz_write(path, data, size);
}

void fuzz_expect_named(const char *path, const char *msg) {
    FUZZ_CHECK(strncmp(msg, path, strlen(path)) == 0, msg);
}

void fuzz_write(const char *path, const void *data, size_t size) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    FUZZ_CHECK(fd >= 0, path);
    const uint8_t *p = data;
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR) continue;
        FUZZ_CHECK(n > 0, path);
        p += n;
        size -= (size_t)n;
    }
    FUZZ_CHECK(close(fd) == 0, path);
}

void fuzz_mkdir(const char *path) {
    FUZZ_CHECK(mkdir(path, 0755) == 0 || errno == EEXIST, path);
}

char *fuzz_text(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    FUZZ_CHECK(s, "out of memory");
    if (size) memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

int fuzz_split(const uint8_t *data, size_t size, uint8_t sep, const uint8_t **begin, size_t *len,
               int max) {
    int n = 0;
    size_t start = 0;
    for (size_t i = 0; i < size && n + 1 < max; i++) {
        if (data[i] != sep) continue;
        begin[n] = data + start;
        len[n++] = i - start;
        start = i + 1;
    }
    begin[n] = data + start;
    len[n++] = size - start;
    return n;
}
