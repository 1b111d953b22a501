/*
 * test_cachestore — feature caches shared through the run store
 * (featshare.c over cachestore.c), with real processes and files:
 * - a part is built once (both levels stored), loaded the second time, and
 *   pooled from the stored backbone level by another head: the same bits
 *   as a build without a store every time;
 * - a damaged file (cut short, a byte changed) is named in a warning, set
 *   aside as .bad and built again, to the same bits;
 * - two processes racing for one cache: exactly one builds, the other
 *   waits (saying for whom) and reads the same bytes; a waiter asked to
 *   stop stops; a builder killed mid-build leaves no lock behind;
 * - `finelab cache`'s side: the listing (level, part, inputs, runs that
 *   used it), rm (a prefix, a level; refused while a builder holds it)
 *   and prune (keeps what a running, stopped, interrupted or failed run
 *   used, removes the rest, damaged copies and killed writers' leftovers,
 *   never a file finelab did not name).
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/data/dataset.h"
#include "engine/io/fileio.h"
#include "src/run/cachelock.h"
#include "src/run/cachestore.h"
#include "src/run/runstore.h"
#include "tests/lib/testbirds.h"
#include "tests/lib/testutil.h"

static TestBirds birds; /* 3 classes x 8 generated birds */
static char runs[128];  /* a run store beside them */

static int setup(void **state) {
    (void)state;
    if (testbirds_init(&birds, "cachestore", 3, 8, 5)) return -1;
    snprintf(runs, sizeof runs, "%s/runs", birds.dir);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    return testbirds_fini(&birds);
}

/* A fresh, empty run store for one test. */
static void fresh_store(void) {
    testutil_rmtree(runs);
    assert_int_equal(fileio_mkdirs(runs, NULL), ST_OK);
}

static Net *tiny(int dim) {
    NetConfig c = testbirds_net(4, dim);
    return testbirds_net_create(&c);
}

static FeatPart part(void) {
    return testbirds_train_part(&birds, testbirds_loader(4));
}

/* What a part's callbacks saw. */
typedef struct Seen {
    char log[8][1500];
    int n_log;
    int stop;      /* progress asks to stop */
    int slow_ms;   /* each progress report sleeps this long (a long build) */
    int waited_at; /* progress reports with done 0 while waiting */
} Seen;

static void seen_log(void *ctx, const char *line) {
    Seen *s = ctx;
    if (s->n_log < 8) snprintf(s->log[s->n_log++], sizeof s->log[0], "%s", line);
}

static int seen_progress(void *ctx, int done, int total) {
    Seen *s = ctx;
    (void)total;
    if (s->slow_ms) {
        struct timespec ts = {0, s->slow_ms * 1000000L};
        nanosleep(&ts, NULL);
    }
    s->waited_at += done == 0;
    return s->stop;
}

/* Obtains the part for net through a store on runs (NULL: none). */
static FeatOutcome obtain(Net *net, CacheStore *cs, Seen *seen, FeatCache *fc) {
    FeatPart p = part();
    FeatShareCallbacks cb = {.ctx = seen, .progress = seen_progress, .log = seen_log};
    FeatOutcome out;
    Error e = {0};
    if (featshare_obtain(fc, net, &p, "models/w.safetensors", cs ? cachestore_share(cs) : NULL, &cb,
                         &out, &e))
        fail_msg("featshare_obtain: %s", e.msg);
    return out;
}

static float *copy_of(const FeatCache *fc) {
    size_t bytes = sizeof(float) * (size_t)fc->n * fc->dim;
    float *c = malloc(bytes);
    assert_non_null(c);
    memcpy(c, fc->feats, bytes);
    return c;
}

static void expect_same(const FeatCache *fc, const float *want) {
    assert_non_null(fc->feats);
    assert_memory_equal(fc->feats, want, sizeof(float) * (size_t)fc->n * fc->dim);
}

/* The path of key's level in the store. */
static void cache_path(const HashKey *k, FeatLevel l, char *out, size_t cap) {
    char hex[HASH_HEX];
    hash_hex(k, hex);
    snprintf(out, cap, "%s/cache/%s.%s.safetensors", runs, hex, featkey_level_name(l));
}

static void test_cachestore_built_loaded_pooled(void **state) {
    (void)state;
    fresh_store();
    Net *net = tiny(64), *other = tiny(32);
    FeatCache fc;
    Seen seen = {0};
    FeatOutcome o = obtain(net, NULL, &seen, &fc);
    assert_int_equal(o.how, FEAT_HOW_BUILT);
    float *plain = copy_of(&fc);
    featcache_fini(&fc);
    assert_false(fileio_exists(runs + 0) && fileio_exists("cache")); /* no store, no files */
    CacheStore cs;
    cachestore_init(&cs, runs, NULL);
    o = obtain(net, &cs, &seen, &fc);
    assert_int_equal(o.how, FEAT_HOW_BUILT);
    expect_same(&fc, plain);
    featcache_fini(&fc);
    char pp[1200], bp[1200];
    cache_path(&o.keys.key[FEAT_POOLED], FEAT_POOLED, pp, sizeof pp);
    cache_path(&o.keys.key[FEAT_BACKBONE], FEAT_BACKBONE, bp, sizeof bp);
    assert_true(fileio_is_file(pp) && fileio_is_file(bp));
    char hex[HASH_HEX];
    hash_hex(&o.keys.key[FEAT_POOLED], hex);
    assert_non_null(strstr(cs.used, hex));
    assert_non_null(strstr(seen.log[seen.n_log - 1], "built"));
    assert_non_null(strstr(seen.log[seen.n_log - 1], pp));
    /* Again: read, no backbone run. */
    o = obtain(net, &cs, &seen, &fc);
    assert_int_equal(o.how, FEAT_HOW_LOADED);
    assert_true(o.waited == 0);
    expect_same(&fc, plain);
    featcache_fini(&fc);
    /* Another head: pooled from the stored backbone level, as a build would. */
    FeatOutcome b = obtain(other, NULL, &seen, &fc);
    float *plain32 = copy_of(&fc);
    featcache_fini(&fc);
    o = obtain(other, &cs, &seen, &fc);
    assert_int_equal(o.how, FEAT_HOW_POOLED);
    assert_memory_equal(o.keys.key[FEAT_BACKBONE].b, b.keys.key[FEAT_BACKBONE].b, 16);
    expect_same(&fc, plain32);
    featcache_fini(&fc);
    o = obtain(other, &cs, &seen, &fc);
    assert_int_equal(o.how, FEAT_HOW_LOADED);
    expect_same(&fc, plain32);
    featcache_fini(&fc);
    free(plain);
    free(plain32);
    net_destroy(net);
    net_destroy(other);
}

/* Replaces path by its first len bytes, or flips the byte at -len from its end. */
static void damage(const char *path, long cut, long flip_from_end) {
    uint8_t *bytes;
    size_t len;
    assert_int_equal(fileio_read_all(path, &bytes, &len, NULL), ST_OK);
    if (flip_from_end) bytes[len - (size_t)flip_from_end] ^= 0x40;
    assert_int_equal(fileio_write_atomic(path, bytes, cut >= 0 ? (size_t)cut : len, NULL), ST_OK);
    free(bytes);
}

static int logged(const Seen *s, const char *a, const char *b) {
    for (int i = 0; i < s->n_log; i++)
        if (strstr(s->log[i], a) && (!b || strstr(s->log[i], b))) return 1;
    return 0;
}

static void test_cachestore_damage_is_named_set_aside_and_rebuilt(void **state) {
    (void)state;
    fresh_store();
    Net *net = tiny(64);
    CacheStore cs;
    cachestore_init(&cs, runs, NULL);
    FeatCache fc;
    Seen seen = {0};
    FeatOutcome o = obtain(net, &cs, &seen, &fc);
    float *want = copy_of(&fc);
    featcache_fini(&fc);
    char pp[1200], bp[1200], bad[1300];
    cache_path(&o.keys.key[FEAT_POOLED], FEAT_POOLED, pp, sizeof pp);
    cache_path(&o.keys.key[FEAT_BACKBONE], FEAT_BACKBONE, bp, sizeof bp);
    /* The pooled level cut short: named, set aside, pooled again from the backbone level. */
    damage(pp, 300, 0);
    memset(&seen, 0, sizeof seen);
    o = obtain(net, &cs, &seen, &fc);
    assert_int_equal(o.how, FEAT_HOW_POOLED);
    expect_same(&fc, want);
    featcache_fini(&fc);
    snprintf(bad, sizeof bad, "%s.bad", pp);
    assert_true(fileio_is_file(bad) && fileio_is_file(pp));
    assert_true(logged(&seen, "warning: ", pp));
    assert_true(logged(&seen, "building it again (kept as ", bad));
    /* A byte of the backbone level's data changed, the pooled level gone:
     * the checksum finds it and both are built again. */
    damage(bp, -1, 9);
    remove(pp);
    memset(&seen, 0, sizeof seen);
    o = obtain(net, &cs, &seen, &fc);
    assert_int_equal(o.how, FEAT_HOW_BUILT);
    expect_same(&fc, want);
    featcache_fini(&fc);
    assert_true(logged(&seen, "warning: ", "checksum"));
    snprintf(bad, sizeof bad, "%s.bad", bp);
    assert_true(fileio_is_file(bad) && fileio_is_file(bp));
    /* And what was stored again reads back whole. */
    o = obtain(net, &cs, &seen, &fc);
    assert_int_equal(o.how, FEAT_HOW_LOADED);
    expect_same(&fc, want);
    featcache_fini(&fc);
    free(want);
    net_destroy(net);
}

/* --- racing processes ------------------------------------------------------------------ */

/* What a racing child reports through its pipe. */
typedef struct Report {
    int how;
    double waited;
    uint64_t sum; /* of its features */
    int told;     /* it logged whom it waited for */
} Report;

static void racer(int out_fd, int gate_fd, int slow_ms) {
    char go;
    if (read(gate_fd, &go, 1) != 1) _exit(3);
    Net *net = tiny(64);
    CacheStore cs;
    cachestore_init(&cs, runs, NULL);
    Seen seen = {.slow_ms = slow_ms};
    FeatPart p = part();
    FeatShareCallbacks cb = {.ctx = &seen, .progress = seen_progress, .log = seen_log};
    FeatOutcome o;
    FeatCache fc;
    if (featshare_obtain(&fc, net, &p, "w", cachestore_share(&cs), &cb, &o, NULL)) _exit(4);
    Report r = {.how = o.how, .waited = o.waited, .told = logged(&seen, "waiting for pid ", NULL)};
    if (fc.feats) r.sum = hash_checksum(fc.feats, sizeof(float) * (size_t)fc.n * fc.dim, 0);
    _exit(write(out_fd, &r, sizeof r) == (ssize_t)sizeof r ? 0 : 5);
}

/* One race of two processes for the part on a fresh store: exactly one
 * builds, the other reads the same bytes. Returns 1 when that other one
 * waited for the builder and said for whom (it may come late on a busy
 * machine, after the build, and simply read). */
static int race_once(void) {
    fresh_store();
    int gate[2], res[2];
    assert_int_equal(pipe(gate), 0);
    assert_int_equal(pipe(res), 0);
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) racer(res[1], gate[0], 50); /* a build of about half a second */
    }
    assert_int_equal(write(gate[1], "gg", 2), 2);
    Report r[2];
    for (int k = 0; k < 2; k++) {
        int rc;
        assert_int_equal(waitpid(kids[k], &rc, 0), kids[k]);
        assert_true(WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
    }
    for (int k = 0; k < 2; k++) assert_int_equal(read(res[0], &r[k], sizeof r[k]), sizeof r[k]);
    close(gate[0]), close(gate[1]), close(res[0]), close(res[1]);
    int built = (r[0].how == FEAT_HOW_BUILT) + (r[1].how == FEAT_HOW_BUILT);
    assert_int_equal(built, 1);
    const Report *other = r[0].how == FEAT_HOW_BUILT ? &r[1] : &r[0];
    assert_int_equal(other->how, FEAT_HOW_LOADED);
    assert_true(r[0].sum == r[1].sum);
    /* Exactly one pooled and one backbone file, no temporary file. */
    char cdir[200];
    snprintf(cdir, sizeof cdir, "%s/cache", runs);
    DIR *d = opendir(cdir);
    int caches = 0, tmps = 0;
    for (struct dirent *de; d && (de = readdir(d));) {
        caches += strstr(de->d_name, ".safetensors") && !strstr(de->d_name, ".tmp.");
        tmps += strstr(de->d_name, ".tmp.") != NULL;
    }
    closedir(d);
    assert_int_equal(caches, 2);
    assert_int_equal(tmps, 0);
    assert_true(!other->told || other->waited > 0); /* what the log says took time */
    return other->waited > 0 && other->told;        /* it waited, and said for whom */
}

static void test_cachestore_two_processes_build_one_cache_once(void **state) {
    (void)state;
    int waited = 0;
    for (int round = 0; round < 5 && !waited; round++) waited = race_once();
    assert_true(waited); /* in some round the two overlapped, and one waited */
}

static int stop_waiting(void *ctx, const char *holder, long done, long total) {
    (void)done, (void)total;
    snprintf(ctx, 300, "%s", holder);
    return 1;
}

static void test_cachestore_lock_waits_stops_and_dies_with_its_holder(void **state) {
    (void)state;
    fresh_store();
    char path[200], who[300] = "";
    snprintf(path, sizeof path, "%s/x.lock", runs);
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t kid = fork();
    assert_true(kid >= 0);
    if (kid == 0) { /* holds the lock until killed (or its parent ends) */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        CacheLock *l;
        if (cachelock_take(path, 0.01, NULL, NULL, &l, NULL, 0, NULL) || !l) _exit(1);
        cachelock_progress(l, 9, 9); /* the end: written at once */
        if (write(ready[1], "r", 1) != 1) _exit(2);
        pause();
        _exit(0);
    }
    char r;
    assert_int_equal(read(ready[0], &r, 1), 1);
    CacheLock *l = (CacheLock *)1;
    assert_int_equal(cachelock_take(path, 0.01, stop_waiting, who, &l, NULL, 0, NULL), ST_OK);
    assert_null(l);
    char want[64];
    snprintf(want, sizeof want, "pid %ld on ", (long)kid);
    assert_non_null(strstr(who, want));
    char held[300];
    assert_true(cachelock_held(path, held, sizeof held));
    assert_non_null(strstr(held, "(9 of 9)"));
    /* Its holder killed: the lock is free at once. */
    kill(kid, SIGKILL);
    waitpid(kid, NULL, 0);
    assert_false(cachelock_held(path, held, sizeof held));
    assert_int_equal(cachelock_take(path, 0.01, NULL, NULL, &l, NULL, 0, NULL), ST_OK);
    assert_non_null(l);
    /* Within one process too (open file description locks): a second taker is refused. */
    CacheLock *again;
    assert_int_equal(cachelock_take(path, 0.01, NULL, NULL, &again, who, sizeof who, NULL), ST_OK);
    assert_null(again);
    cachelock_release_removing(l);
    assert_false(fileio_exists(path));
    close(ready[0]), close(ready[1]);
    /* A part whose builder is busy elsewhere, and a stop asked while waiting. */
    Net *net = tiny(64);
    FeatPart p = part();
    FeatKeys keys;
    featkey_compute(net, &p, &keys);
    char hex[HASH_HEX];
    hash_hex(&keys.key[FEAT_POOLED], hex);
    snprintf(path, sizeof path, "%s/cache", runs);
    assert_int_equal(fileio_mkdirs(path, NULL), ST_OK);
    snprintf(path, sizeof path, "%s/cache/%s.pooled.lock", runs, hex);
    assert_int_equal(pipe(ready), 0);
    kid = fork();
    if (kid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        CacheLock *k;
        if (cachelock_take(path, 0.01, NULL, NULL, &k, NULL, 0, NULL) || !k) _exit(1);
        if (write(ready[1], "r", 1) != 1) _exit(2);
        pause();
        _exit(0);
    }
    assert_int_equal(read(ready[0], &r, 1), 1);
    CacheStore cs;
    cachestore_init(&cs, runs, NULL);
    Seen seen = {.stop = 1};
    FeatCache fc;
    FeatOutcome o = obtain(net, &cs, &seen, &fc);
    assert_int_equal(o.how, FEAT_HOW_STOPPED);
    assert_null(fc.feats);
    assert_true(logged(&seen, "waiting for pid ", "which builds"));
    kill(kid, SIGKILL);
    waitpid(kid, NULL, 0);
    close(ready[0]), close(ready[1]);
    net_destroy(net);
}

/* A run in the store in state with caches as its status.ini says. */
static void add_run(const char *name, RunState state, const char *caches, char *id, size_t cap) {
    RunWriter w;
    assert_int_equal(runstore_create(&w, runs, name, "[experiment]\n", NULL), ST_OK);
    w.status.state = state;
    snprintf(w.status.cache, sizeof w.status.cache, "%s", caches);
    assert_int_equal(runstore_write_status(&w, NULL), ST_OK);
    snprintf(id, cap, "%s", w.id);
    runstore_close(&w);
}

static void put(const char *name, const char *text) {
    char path[300];
    snprintf(path, sizeof path, "%s/cache/%s", runs, name);
    assert_int_equal(fileio_write_atomic(path, text, strlen(text), NULL), ST_OK);
}

typedef struct Removed {
    char names[12][80];
    int n;
} Removed;

static void on_removed(void *ctx, const char *name, int64_t bytes) {
    Removed *r = ctx;
    assert_true(bytes >= 0);
    if (r->n < 12) snprintf(r->names[r->n++], sizeof r->names[0], "%s", name);
}

static int was_removed(const Removed *r, const char *hex, const char *suffix) {
    char want[80];
    snprintf(want, sizeof want, "%s%s", hex, suffix);
    for (int i = 0; i < r->n; i++)
        if (strcmp(r->names[i], want) == 0) return 1;
    return 0;
}

static const CacheEntry *entry(const CacheEntry *es, int n, const char *hex, FeatLevel l, int bad) {
    for (int i = 0; i < n; i++) {
        char h[HASH_HEX];
        hash_hex(&es[i].key, h);
        if (!strcmp(h, hex) && es[i].level == l && es[i].bad == bad) return &es[i];
    }
    fail_msg("no cache %s level %d in the listing", hex, (int)l);
    return NULL;
}

static void test_cachestore_list_rm_and_prune(void **state) {
    (void)state;
    /* Which runs may still use their caches. */
    const RunState keep[] = {RUN_QUEUED, RUN_RUNNING, RUN_STOPPED, RUN_INTERRUPTED, RUN_FAILED};
    for (int st = 0; st < RUN_STATE_COUNT; st++) {
        int want = 0;
        for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) want |= st == (int)keep[i];
        assert_int_equal(cachestore_needs(st), want);
    }
    fresh_store();
    Net *net = tiny(64), *other = tiny(32);
    CacheStore cs;
    cachestore_init(&cs, runs, NULL);
    FeatCache fc;
    Seen seen = {0};
    FeatOutcome a = obtain(net, &cs, &seen, &fc);
    featcache_fini(&fc);
    FeatOutcome c = obtain(other, &cs, &seen, &fc);
    featcache_fini(&fc);
    char ha[HASH_HEX], hb[HASH_HEX], hc[HASH_HEX], used[200], id1[256], id2[256], id3[256];
    hash_hex(&a.keys.key[FEAT_POOLED], ha);
    hash_hex(&a.keys.key[FEAT_BACKBONE], hb);
    hash_hex(&c.keys.key[FEAT_POOLED], hc);
    snprintf(used, sizeof used, "%s.pooled %s.backbone", ha, hb);
    char all[300];
    snprintf(all, sizeof all, "%s %s.pooled", used, hc);
    assert_string_equal(cs.used, all);
    add_run("stopped", RUN_STOPPED, used, id1, sizeof id1);
    char cu[80];
    snprintf(cu, sizeof cu, "%s.pooled", hc);
    add_run("done", RUN_DONE, cu, id2, sizeof id2);
    add_run("pruned", RUN_PRUNED, cu, id3, sizeof id3);
    /* Files finelab did not name, a damaged copy, a killed writer's leftover. */
    char name[300];
    put("notes.txt", "mine");
    snprintf(name, sizeof name, "%s.pooled.safetensors.old", ha);
    put(name, "mine too");
    snprintf(name, sizeof name, "%s.pooled.safetensors.bad", hc);
    put(name, "damaged");
    snprintf(name, sizeof name, "%s.pooled.safetensors.tmp.99999999", hc);
    put(name, "half");
    CacheEntry *es;
    int n;
    assert_int_equal(cachestore_list(runs, &es, &n, NULL), ST_OK);
    assert_int_equal(n, 4);
    const CacheEntry *ea = entry(es, n, ha, FEAT_POOLED, 0);
    assert_true(ea->readable && ea->needed && ea->n_runs == 1);
    assert_string_equal(ea->runs, id1);
    assert_string_equal(ea->info.part, "train");
    assert_string_equal(ea->info.inputs.dataset, birds.data);
    assert_string_equal(ea->info.inputs.head, "compact_ts d 64 (seed 9), signed sqrt, l2");
    assert_true(ea->bytes > 0 && ea->used_time > 1e9 && !ea->building[0]);
    assert_true(entry(es, n, hb, FEAT_BACKBONE, 0)->needed);
    const CacheEntry *ec = entry(es, n, hc, FEAT_POOLED, 0);
    assert_false(ec->needed);
    assert_int_equal(ec->n_runs, 2);
    const CacheEntry *bad = entry(es, n, hc, FEAT_POOLED, 1);
    assert_false(bad->readable);
    assert_true(strlen(bad->why) > 0);
    free(es);
    /* prune: what no run that may go on needs, damaged copies, leftovers. */
    Removed r = {0};
    int64_t freed;
    assert_int_equal(cachestore_prune(runs, on_removed, &r, &freed, NULL), ST_OK);
    assert_true(was_removed(&r, hc, ".pooled.safetensors"));
    assert_true(was_removed(&r, hc, ".pooled.safetensors.bad"));
    assert_true(was_removed(&r, hc, ".pooled.safetensors.tmp.99999999"));
    assert_int_equal(r.n, 3);
    assert_true(freed > 0);
    assert_int_equal(cachestore_list(runs, &es, &n, NULL), ST_OK);
    assert_int_equal(n, 2); /* the stopped run's two */
    free(es);
    snprintf(name, sizeof name, "%s/cache/notes.txt", runs);
    assert_true(fileio_exists(name));
    snprintf(name, sizeof name, "%s/cache/%s.pooled.safetensors.old", runs, ha);
    assert_true(fileio_exists(name));
    /* rm: refused while a builder holds it, then by a prefix and a level. */
    char lock[300], prefix[40];
    snprintf(lock, sizeof lock, "%s/cache/%s.pooled.lock", runs, ha);
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t kid = fork();
    if (kid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        CacheLock *l;
        if (cachelock_take(lock, 0.01, NULL, NULL, &l, NULL, 0, NULL) || !l) _exit(1);
        if (write(ready[1], "r", 1) != 1) _exit(2);
        pause();
        _exit(0);
    }
    char go;
    assert_int_equal(read(ready[0], &go, 1), 1);
    snprintf(prefix, sizeof prefix, "%.10s.pooled", ha);
    Error e = {0};
    r.n = 0;
    assert_int_equal(cachestore_remove(runs, prefix, on_removed, &r, &e), ST_STATE);
    assert_non_null(strstr(e.msg, "is building it"));
    assert_int_equal(r.n, 0);
    kill(kid, SIGKILL);
    waitpid(kid, NULL, 0);
    close(ready[0]), close(ready[1]);
    assert_int_equal(cachestore_remove(runs, prefix, on_removed, &r, &e), ST_OK);
    assert_true(was_removed(&r, ha, ".pooled.safetensors"));
    assert_int_equal(cachestore_remove(runs, prefix, on_removed, &r, &e), ST_ARG);
    assert_non_null(strstr(e.msg, "no such cache"));
    assert_int_equal(cachestore_remove(runs, "1234567", on_removed, &r, &e), ST_ARG);
    assert_int_equal(cachestore_remove(runs, hb, on_removed, &r, &e), ST_OK);
    assert_int_equal(cachestore_list(runs, &es, &n, NULL), ST_OK);
    assert_int_equal(n, 0);
    free(es);
    /* Still there: what finelab did not name. */
    snprintf(name, sizeof name, "%s/cache/notes.txt", runs);
    assert_true(fileio_exists(name));
    net_destroy(net);
    net_destroy(other);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cachestore_built_loaded_pooled),
        cmocka_unit_test(test_cachestore_damage_is_named_set_aside_and_rebuilt),
        cmocka_unit_test(test_cachestore_two_processes_build_one_cache_once),
        cmocka_unit_test(test_cachestore_lock_waits_stops_and_dies_with_its_holder),
        cmocka_unit_test(test_cachestore_list_rm_and_prune),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
