/*
 * fileio — whole-file I/O with atomic replacement. See fileio.h.
 */
#include "engine/io/fileio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/io/atomic_file.h"

Status fileio_read_stream(FILE *f, const char *name, uint8_t **data, size_t *len, Error *err) {
    *data = NULL;
    *len = 0;
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) break;
        uint8_t *bigger = realloc(buf, 2 * cap + 1);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    if (!buf) return error_set(err, ST_NOMEM, "%s: out of memory reading the file", name);
    if (ferror(f)) {
        free(buf);
        return error_set(err, ST_IO, "%s: read error", name);
    }
    buf[n] = 0;
    *data = buf;
    *len = n;
    return ST_OK;
}

Status fileio_read_all(const char *path, uint8_t **data, size_t *len, Error *err) {
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return error_set(err, ST_IO, "%s: cannot open: %s", path, strerror(errno));
    Status st = fileio_read_stream(f, path, data, len, err);
    fclose(f);
    return st;
}

Status fileio_write_atomic(const char *path, const void *data, size_t len, Error *err) {
    AtomicFile f;
    Status st = atomic_file_open(&f, path, err);
    if (st) return st;
    atomic_file_write(&f, data, len);
    return atomic_file_commit(&f, err);
}

Status fileio_write_new(const char *path, const void *data, size_t len, Error *err) {
    AtomicFile f;
    Status st = atomic_file_open(&f, path, err);
    if (st) return st;
    atomic_file_write(&f, data, len);
    return atomic_file_commit_new(&f, err);
}

Status fileio_mkdirs(const char *path, Error *err) {
    size_t n = strlen(path);
    char *buf = malloc(n + 1);
    if (!buf) return error_set(err, ST_NOMEM, "%s: out of memory", path);
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        char saved = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
            Status st =
                error_set(err, ST_IO, "%s: cannot create directory: %s", buf, strerror(errno));
            free(buf);
            return st;
        }
        buf[i] = saved;
    }
    free(buf);
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return error_set(err, ST_IO, "%s: not a directory", path);
    return ST_OK;
}

int fileio_exists(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0;
}

int fileio_is_file(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}
