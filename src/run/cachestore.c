/*
 * cachestore — the run store's feature caches. See cachestore.h.
 *
 * The FeatShare functions are thin: names from the key, cachelock for the
 * builder, a size rule for backbone levels, a rename for damage, and the
 * list of what the run used. The housekeeping of `finelab cache` reads
 * the directory (names finelab writes only: 32 hex digits, a level, one of
 * the suffixes) and the runs' status.ini files, and removes a cache only
 * while holding its lock, so never one a builder is writing.
 */
#include "src/run/cachestore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/io/fileio.h"
#include "src/run/cachelock.h"
#include "src/run/runstore.h"

/* --- names ----------------------------------------------------------------------------- */

/* The kinds of file finelab makes in the cache directory. */
typedef enum CacheKind { KIND_CACHE, KIND_BAD, KIND_LOCK, KIND_TMP, KIND_NONE } CacheKind;

/* dir/<hex>.<level><suffix> into out. */
static void cachestore_path(const char *dir, const HashKey *key, FeatLevel level,
                            const char *suffix, char *out, size_t cap) {
    char hex[HASH_HEX];
    hash_hex(key, hex);
    snprintf(out, cap, "%s/%s.%s%s", dir, hex, featkey_level_name(level), suffix);
}

/* What a file name in the cache directory is; key and level parsed. */
static CacheKind cachestore_kind(const char *name, HashKey *key, FeatLevel *level) {
    char hex[HASH_HEX], lv[16];
    if (strlen(name) < 34 || name[32] != '.') return KIND_NONE;
    memcpy(hex, name, 32);
    hex[32] = '\0';
    const char *rest = name + 33, *dot = strchr(rest, '.');
    if (hash_parse(hex, key) || !dot || (size_t)(dot - rest) >= sizeof lv) return KIND_NONE;
    memcpy(lv, rest, (size_t)(dot - rest));
    lv[dot - rest] = '\0';
    if (featkey_level_parse(lv, level)) return KIND_NONE;
    if (strcmp(dot, ".safetensors") == 0) return KIND_CACHE;
    if (strcmp(dot, ".safetensors.bad") == 0) return KIND_BAD;
    if (strcmp(dot, ".lock") == 0) return KIND_LOCK;
    if (strncmp(dot, ".safetensors.tmp.", 17) == 0 && dot[17]) {
        for (const char *p = dot + 17; *p; p++)
            if (*p < '0' || *p > '9') return KIND_NONE;
        return KIND_TMP;
    }
    return KIND_NONE;
}

/* --- the trainer's side (FeatShare) ------------------------------------------------------ */

static int cs_find(void *ctx, const HashKey *key, FeatLevel level, char *path, size_t cap) {
    CacheStore *cs = ctx;
    cachestore_path(cs->dir, key, level, ".safetensors", path, cap);
    return fileio_is_file(path);
}

static Status cs_lock(void *ctx, const HashKey *key, FeatLevel level,
                      int (*wait)(void *wctx, const char *holder, long done, long total),
                      void *wctx, void **lock, Error *err) {
    CacheStore *cs = ctx;
    char path[1200];
    Status s = fileio_mkdirs(cs->dir, err);
    if (s) return s;
    cachestore_path(cs->dir, key, level, ".lock", path, sizeof path);
    CacheLock *l;
    s = cachelock_take(path, CACHESTORE_POLL, wait, wctx, &l, NULL, 0, err);
    *lock = l;
    return s;
}

static void cs_building(void *ctx, void *lock, long done, long total) {
    (void)ctx;
    cachelock_progress(lock, done, total);
}

static void cs_unlock(void *ctx, void *lock) {
    (void)ctx;
    cachelock_release(lock);
}

static int cs_keep_backbone(void *ctx, uint64_t bytes) {
    (void)ctx;
    return bytes <= CACHESTORE_BACKBONE_MAX;
}

static Status cs_set_aside(void *ctx, const char *path, char *aside, size_t cap, Error *err) {
    (void)ctx;
    snprintf(aside, cap, "%s.bad", path);
    if (rename(path, aside) == 0) return ST_OK;
    return error_set(err, ST_IO, "%s: cannot set it aside as %s: %s", path, aside, strerror(errno));
}

/* Adds "<key>.<level>" to what the run used (once) and marks the file used now. */
static void cs_used(void *ctx, const HashKey *key, FeatLevel level, const char *path) {
    CacheStore *cs = ctx;
    char hex[HASH_HEX], name[64];
    hash_hex(key, hex);
    snprintf(name, sizeof name, "%s.%s", hex, featkey_level_name(level));
    utimensat(AT_FDCWD, path, NULL, 0); /* "last used" for listings; a failure is harmless */
    if (strstr(cs->used, name)) return;
    size_t n = strlen(cs->used);
    if (n + strlen(name) + 2 > sizeof cs->used) return; /* a run uses four at most */
    snprintf(cs->used + n, sizeof cs->used - n, "%s%s", n ? " " : "", name);
    if (cs->on_used) cs->on_used(cs->ctx, cs->used);
}

void cachestore_init(CacheStore *cs, const char *runs_dir, const char *used) {
    memset(cs, 0, sizeof *cs);
    snprintf(cs->dir, sizeof cs->dir, "%s/%s", runs_dir, CACHESTORE_DIR);
    snprintf(cs->used, sizeof cs->used, "%s", used ? used : "");
    cs->share = (FeatShare){.ctx = cs,
                            .find = cs_find,
                            .lock = cs_lock,
                            .building = cs_building,
                            .unlock = cs_unlock,
                            .keep_backbone = cs_keep_backbone,
                            .set_aside = cs_set_aside,
                            .used = cs_used};
}

const FeatShare *cachestore_share(CacheStore *cs) {
    return &cs->share;
}

/* --- what runs use ----------------------------------------------------------------------- */

int cachestore_needs(int run_state) {
    switch ((RunState)run_state) {
    case RUN_QUEUED:
    case RUN_RUNNING:
    case RUN_STOPPED:
    case RUN_INTERRUPTED:
    case RUN_FAILED:
        return 1;
    default:
        return 0;
    }
}

/* Adds run id (in state) to every entry its cache list names. */
static void cachestore_claim(CacheEntry *es, int n, const char *id, const RunStatus *st) {
    for (int i = 0; i < n; i++) {
        CacheEntry *e = &es[i];
        char hex[HASH_HEX], name[64];
        hash_hex(&e->key, hex);
        snprintf(name, sizeof name, "%s.%s", hex, featkey_level_name(e->level));
        if (!strstr(st->cache, name)) continue;
        size_t len = strlen(e->runs);
        if (len + strlen(id) + 3 < sizeof e->runs)
            snprintf(e->runs + len, sizeof e->runs - len, "%s%s", len ? ", " : "", id);
        e->n_runs++;
        e->needed |= !e->bad && cachestore_needs(st->state);
    }
}

/* Reads every run's status into the entries' runs and needed. */
static Status cachestore_runs(const char *runs_dir, CacheEntry *es, int n, Error *err) {
    char **ids;
    int m;
    Status s = runstore_list(runs_dir, &ids, &m, err);
    if (s) return s;
    for (int i = 0; i < m; i++) {
        char dir[1200];
        RunStatus st;
        snprintf(dir, sizeof dir, "%s/%s", runs_dir, ids[i]);
        if (runstore_read_status(dir, &st, NULL) == ST_OK && st.cache[0])
            cachestore_claim(es, n, ids[i], &st);
    }
    runstore_free_list(ids, m);
    return ST_OK;
}

/* --- listing ----------------------------------------------------------------------------- */

static int cachestore_order(const void *a, const void *b) {
    const CacheEntry *x = a, *y = b;
    int c = memcmp(x->key.b, y->key.b, sizeof x->key.b);
    return c ? c : x->level != y->level ? (int)x->level - (int)y->level : x->bad - y->bad;
}

/* One cache or damaged file of dir into e. */
static void cachestore_entry(const char *dir, const char *name, CacheKind kind, CacheEntry *e) {
    char path[1600], lock[1400];
    struct stat sb;
    snprintf(e->name, sizeof e->name, "%.79s", name);
    e->bad = kind == KIND_BAD;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (stat(path, &sb) == 0) {
        e->bytes = (int64_t)sb.st_size;
        e->used_time = (double)sb.st_mtim.tv_sec + sb.st_mtim.tv_nsec * 1e-9;
    }
    cachestore_path(dir, &e->key, e->level, ".lock", lock, sizeof lock);
    if (!e->bad) cachelock_held(lock, e->building, sizeof e->building);
    Error err = {0};
    e->readable = featfile_info(path, &e->info, &err) == ST_OK;
    if (!e->readable) snprintf(e->why, sizeof e->why, "%s", err.msg);
}

Status cachestore_list(const char *runs_dir, CacheEntry **entries, int *n, Error *err) {
    char dir[1200];
    *entries = NULL;
    *n = 0;
    snprintf(dir, sizeof dir, "%s/%s", runs_dir, CACHESTORE_DIR);
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT) return ST_OK;
        return error_set(err, ST_IO, "%s: cannot read: %s", dir, strerror(errno));
    }
    CacheEntry *es = NULL;
    int count = 0, cap = 0;
    Status s = ST_OK;
    for (struct dirent *de; !s && (de = readdir(d));) {
        HashKey key;
        FeatLevel level;
        CacheKind kind = cachestore_kind(de->d_name, &key, &level);
        if (kind != KIND_CACHE && kind != KIND_BAD) continue;
        if (count == cap) {
            CacheEntry *more = realloc(es, sizeof *es * (size_t)(cap = cap ? 2 * cap : 16));
            if (!more) {
                s = error_set(err, ST_NOMEM, "%s: out of memory listing it", dir);
                break;
            }
            es = more;
        }
        CacheEntry *e = &es[count++];
        memset(e, 0, sizeof *e);
        e->key = key;
        e->level = level;
        cachestore_entry(dir, de->d_name, kind, e);
    }
    closedir(d);
    if (!s) s = cachestore_runs(runs_dir, es, count, err);
    if (s) {
        free(es);
        return s;
    }
    if (count) qsort(es, (size_t)count, sizeof *es, cachestore_order);
    *entries = es;
    *n = count;
    return ST_OK;
}

/* --- removing ---------------------------------------------------------------------------- */

/* Removes the cache (with its damaged copy and leftovers of killed
 * writers) of key's level while holding its lock; ST_STATE naming the
 * builder when one holds it. *bytes what went. */
static Status cachestore_drop(const char *dir, const HashKey *key, FeatLevel level,
                              void (*on_removed)(void *ctx, const char *name, int64_t bytes),
                              void *ctx, Error *err) {
    char lock[1400], who[300];
    cachestore_path(dir, key, level, ".lock", lock, sizeof lock);
    CacheLock *l;
    Status s = cachelock_take(lock, 0, NULL, NULL, &l, who, sizeof who, err);
    if (s) return s;
    char hex[HASH_HEX];
    hash_hex(key, hex);
    if (!l)
        return error_set(err, ST_STATE, "%s/%s.%s: %s is building it; not removed", dir, hex,
                         featkey_level_name(level), who);
    DIR *d = opendir(dir);
    for (struct dirent *de; d && (de = readdir(d));) {
        HashKey k;
        FeatLevel lv;
        CacheKind kind = cachestore_kind(de->d_name, &k, &lv);
        if (kind == KIND_NONE || kind == KIND_LOCK || lv != level || memcmp(k.b, key->b, 16))
            continue;
        char path[1600];
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        int64_t bytes = stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
        if (unlink(path) != 0) {
            s = error_set(err, ST_IO, "%s: cannot remove: %s", path, strerror(errno));
            break;
        }
        if (on_removed) on_removed(ctx, de->d_name, bytes);
    }
    if (d) closedir(d);
    cachelock_release_removing(l);
    return s;
}

Status cachestore_remove(const char *runs_dir, const char *name,
                         void (*on_removed)(void *ctx, const char *name, int64_t bytes), void *ctx,
                         Error *err) {
    CacheEntry *es;
    int n;
    Status s = cachestore_list(runs_dir, &es, &n, err);
    if (s) return s;
    char dir[1200], want[80];
    snprintf(dir, sizeof dir, "%s/%s", runs_dir, CACHESTORE_DIR);
    snprintf(want, sizeof want, "%s", name);
    char *dot = strchr(want, '.');
    FeatLevel level = FEAT_BACKBONE;
    int any_level = !dot;
    if (dot) *dot = '\0';
    if ((dot && featkey_level_parse(dot + 1, &level)) || strlen(want) < 8 || strlen(want) > 32) {
        free(es);
        return error_set(err, ST_ARG,
                         "%s: not a cache name (KEY or KEY.LEVEL, KEY at least 8 of "
                         "its hex digits)",
                         name);
    }
    int matched = 0, keys = 0;
    HashKey first = {{0}};
    for (int i = 0; i < n; i++) { /* a prefix must name one key */
        char hex[HASH_HEX];
        hash_hex(&es[i].key, hex);
        if (strncmp(hex, want, strlen(want)) || (!any_level && es[i].level != level)) continue;
        if (!matched++ || memcmp(first.b, es[i].key.b, 16)) keys++, first = es[i].key;
    }
    if (!matched || keys > 1) {
        free(es);
        return error_set(err, ST_ARG, "%s: %s in %s", name,
                         matched ? "names more than one key; give more digits" : "no such cache",
                         dir);
    }
    for (int l = 0; l < FEAT_LEVELS && !s; l++) {
        int has = 0;
        for (int i = 0; i < n; i++)
            has |= !memcmp(es[i].key.b, first.b, 16) && (int)es[i].level == l;
        if (has && (any_level || l == (int)level))
            s = cachestore_drop(dir, &first, (FeatLevel)l, on_removed, ctx, err);
    }
    free(es);
    return s;
}

/* Removes leftovers no builder holds: temporary files of killed writers
 * and lock files without a cache. */
static void cachestore_sweep(const char *dir,
                             void (*on_removed)(void *ctx, const char *name, int64_t bytes),
                             void *ctx) {
    DIR *d = opendir(dir);
    for (struct dirent *de; d && (de = readdir(d));) {
        HashKey k;
        FeatLevel lv;
        CacheKind kind = cachestore_kind(de->d_name, &k, &lv);
        char path[1600], lock[1400];
        if (kind != KIND_TMP && kind != KIND_LOCK) continue;
        cachestore_path(dir, &k, lv, ".safetensors", path, sizeof path);
        if (kind == KIND_LOCK && fileio_exists(path)) continue; /* its cache's */
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        cachestore_path(dir, &k, lv, ".lock", lock, sizeof lock);
        CacheLock *l = NULL;
        if (cachelock_take(lock, 0, NULL, NULL, &l, NULL, 0, NULL) || !l) continue;
        struct stat sb;
        int64_t bytes = stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
        if (kind == KIND_TMP && unlink(path) == 0) on_removed(ctx, de->d_name, bytes);
        if (kind == KIND_LOCK)
            cachelock_release_removing(l);
        else
            cachelock_release(l);
    }
    if (d) closedir(d);
}

typedef struct PruneTally {
    void (*on_removed)(void *ctx, const char *name, int64_t bytes);
    void *ctx;
    int64_t freed;
} PruneTally;

static void cachestore_tally(void *ctx, const char *name, int64_t bytes) {
    PruneTally *t = ctx;
    t->freed += bytes;
    if (t->on_removed) t->on_removed(t->ctx, name, bytes);
}

Status cachestore_prune(const char *runs_dir,
                        void (*on_removed)(void *ctx, const char *name, int64_t bytes), void *ctx,
                        int64_t *freed, Error *err) {
    CacheEntry *es;
    int n;
    *freed = 0;
    Status s = cachestore_list(runs_dir, &es, &n, err);
    if (s) return s;
    char dir[1200];
    snprintf(dir, sizeof dir, "%s/%s", runs_dir, CACHESTORE_DIR);
    PruneTally t = {.on_removed = on_removed, .ctx = ctx};
    for (int i = 0; i < n && !s; i++) {
        CacheEntry *e = &es[i];
        if (e->bad || e->needed || e->building[0]) continue;
        Error why = {0};
        if (cachestore_drop(dir, &e->key, e->level, cachestore_tally, &t, &why) == ST_IO)
            s = error_set(err, ST_IO, "%s", why.msg);
    }
    for (int i = 0; i < n && !s; i++) { /* damaged copies: no run reads them */
        char path[1600];
        snprintf(path, sizeof path, "%s/%s", dir, es[i].name);
        if (es[i].bad && unlink(path) == 0) cachestore_tally(&t, es[i].name, es[i].bytes);
    }
    free(es);
    if (!s) cachestore_sweep(dir, cachestore_tally, &t);
    *freed = t.freed;
    return s;
}
