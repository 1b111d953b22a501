/*
 * test_featshare — featshare_obtain's decisions against a store of the
 * test's own (test_cachestore.c runs it over the real run store, with real
 * processes): which store calls a part makes and that every lock taken is
 * given back, a store that keeps no backbone levels, a lock the store
 * cannot take (a warning, built unlocked), a stop while waiting for
 * another builder, a store that cannot be written (a warning, the run goes
 * on), files that are found but go away before they are read, and a
 * damaged file that cannot be set aside. Every build gives the same bits
 * as a build without a store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/hash.h"
#include "engine/io/fileio.h"
#include "engine/train/featshare.h"
#include "tests/lib/testbirds.h"
#include "tests/lib/testutil.h"

static TestBirds birds; /* 3 classes x 6 generated birds */

static int birds_up(void **state) {
    (void)state;
    return testbirds_init(&birds, "featshare", 3, 6, 11) ? -1 : 0;
}

static int birds_down(void **state) {
    (void)state;
    return testbirds_fini(&birds);
}

/* The store: files in dir, each call counted, faults to order. */
typedef struct Fake {
    char dir[160];
    int always_there; /* find says every file exists */
    int keep;         /* keep_backbone's answer */
    int lock_fails;   /* lock returns ST_IO */
    int polls;        /* lock waits for "pid 42 on node7" this many polls first */
    int aside_fails;  /* set_aside returns ST_IO */
    int finds, locks, unlocks, asides, building, used[FEAT_LEVELS];
} Fake;

static int fake_find(void *ctx, const HashKey *key, FeatLevel level, char *path, size_t cap) {
    Fake *f = ctx;
    char hex[HASH_HEX];
    hash_hex(key, hex);
    snprintf(path, cap, "%s/%s.%s.safetensors", f->dir, hex, featkey_level_name(level));
    f->finds++;
    return f->always_there || fileio_exists(path);
}

static Status fake_lock(void *ctx, const HashKey *key, FeatLevel level,
                        int (*wait)(void *wctx, const char *holder, long done, long total),
                        void *wctx, void **lock, Error *err) {
    Fake *f = ctx;
    (void)key;
    if (f->lock_fails)
        return error_set(err, ST_IO, "store: cannot lock the %s level", featkey_level_name(level));
    for (int i = 0; i < f->polls; i++)
        if (wait(wctx, "pid 42 on node7", i, f->polls)) {
            *lock = NULL; /* the caller gave up */
            return ST_OK;
        }
    f->locks++;
    *lock = f;
    return ST_OK;
}

static void fake_building(void *ctx, void *lock, long done, long total) {
    Fake *f = ctx;
    assert_ptr_equal(lock, f);
    assert_true(done <= total);
    f->building++;
}

static void fake_unlock(void *ctx, void *lock) {
    Fake *f = ctx;
    if (lock) f->unlocks++;
}

static int fake_keep(void *ctx, uint64_t bytes) {
    Fake *f = ctx;
    assert_true(bytes > 0);
    return f->keep;
}

static Status fake_set_aside(void *ctx, const char *path, char *aside, size_t cap, Error *err) {
    Fake *f = ctx;
    if (f->aside_fails) return error_set(err, ST_IO, "the store is read-only");
    snprintf(aside, cap, "%s.bad", path);
    assert_int_equal(rename(path, aside), 0);
    f->asides++;
    return ST_OK;
}

static void fake_used(void *ctx, const HashKey *key, FeatLevel level, const char *path) {
    Fake *f = ctx;
    (void)key;
    assert_true(fileio_exists(path));
    f->used[level]++;
}

/* A store in a fresh folder under the birds' directory (sub: its name). */
static FeatShare fake_share(Fake *f, const char *sub) {
    snprintf(f->dir, sizeof f->dir, "%s/%s", birds.dir, sub);
    testutil_rmtree(f->dir);
    assert_int_equal(fileio_mkdirs(f->dir, NULL), ST_OK);
    /* In FeatShare's order: ctx, find, lock, building, unlock,
     * keep_backbone, set_aside, used. */
    return (FeatShare){f,           fake_find, fake_lock,      fake_building,
                       fake_unlock, fake_keep, fake_set_aside, fake_used};
}

/* What the part's callbacks were told: the log as one text. */
typedef struct Told {
    char log[4096];
    int warnings;
    int stop;
} Told;

static void told_log(void *ctx, const char *line) {
    Told *t = ctx;
    t->warnings += strncmp(line, "warning: ", 9) == 0;
    size_t len = strlen(t->log);
    snprintf(t->log + len, sizeof t->log - len, "%s\n", line);
}

static int told_progress(void *ctx, int done, int total) {
    Told *t = ctx;
    assert_true(done >= 0 && done <= total);
    return t->stop;
}

/* Obtains the train part through share (NULL: none) into fc; how it came. */
static FeatHow obtain(Net *net, const FeatShare *share, Told *told, FeatCache *fc) {
    /* name, dataset, items, n, loader, views, seed */
    FeatPart part = {"train", &birds.ds, birds.ds.train, birds.ds.n_train, testbirds_loader(4),
                     2,       5};
    FeatShareCallbacks cb = {.ctx = told, .progress = told_progress, .log = told_log};
    FeatOutcome out;
    Error err = {0};
    if (featshare_obtain(fc, net, &part, "models/w.safetensors", share, &cb, &out, &err))
        fail_msg("featshare_obtain: %s", err.msg);
    return out.how;
}

/* The part built without a store, the bits every other way must give. */
static float *reference(Net *net, size_t *bytes) {
    FeatCache fc;
    Told told = {0};
    assert_int_equal(obtain(net, NULL, &told, &fc), FEAT_HOW_BUILT);
    assert_non_null(strstr(told.log, "(not stored)"));
    *bytes = sizeof(float) * (size_t)fc.n * (size_t)fc.dim;
    float *copy = malloc(*bytes);
    assert_non_null(copy);
    memcpy(copy, fc.feats, *bytes);
    featcache_fini(&fc);
    return copy;
}

/* A test's network and the bits of its part built without a store. */
typedef struct Fixture {
    Net *net;
    float *ref;
    size_t bytes;
} Fixture;

static Fixture fixture_up(void) {
    NetConfig c = testbirds_net(4, 32);
    Fixture fx = {.net = testbirds_net_create(&c)};
    fx.ref = reference(fx.net, &fx.bytes);
    return fx;
}

static void fixture_down(Fixture *fx) {
    free(fx->ref);
    net_destroy(fx->net);
}

/* Obtains fx's part through share, expecting how and (unless stopped) the
 * bits of the build without a store. */
static void expect_obtain(const Fixture *fx, const FeatShare *share, Told *told, FeatHow how) {
    FeatCache fc;
    FeatHow got = obtain(fx->net, share, told, &fc);
    if (got != how)
        fail_msg("got '%s', want '%s'; log:\n%s", featshare_how_name(got), featshare_how_name(how),
                 told->log);
    if (how == FEAT_HOW_STOPPED) {
        assert_null(fc.feats);
        return;
    }
    assert_int_equal(sizeof(float) * (size_t)fc.n * (size_t)fc.dim, fx->bytes);
    assert_memory_equal(fc.feats, fx->ref, fx->bytes);
    featcache_fini(&fc);
}

static void test_featshare_how_names(void **state) {
    (void)state;
    assert_string_equal(featshare_how_name(FEAT_HOW_BUILT), "built");
    assert_string_equal(featshare_how_name(FEAT_HOW_POOLED), "pooled from the backbone level");
    assert_string_equal(featshare_how_name(FEAT_HOW_LOADED), "loaded");
    assert_string_equal(featshare_how_name(FEAT_HOW_STOPPED), "stopped");
    assert_string_equal(featshare_how_name((FeatHow)4), "?");
    assert_string_equal(featshare_how_name((FeatHow)-1), "?");
}

static void test_featshare_store_calls(void **state) {
    (void)state;
    Fixture fx = fixture_up();
    /* Keeping backbone levels: both built in one pass under both locks,
     * each given back, both files stored and used, waiters told. */
    Fake f = {.keep = 1};
    FeatShare share = fake_share(&f, "keep");
    Told told = {0};
    expect_obtain(&fx, &share, &told, FEAT_HOW_BUILT);
    assert_int_equal(f.locks, 2);
    assert_int_equal(f.unlocks, 2);
    assert_int_equal(f.used[FEAT_POOLED], 1);
    assert_int_equal(f.used[FEAT_BACKBONE], 1);
    assert_true(f.building > 0);
    assert_int_equal(told.warnings, 0);
    assert_non_null(strstr(told.log, " and ")); /* "stored <pooled> and <backbone>" */
    /* Again: read, no lock. */
    expect_obtain(&fx, &share, &told, FEAT_HOW_LOADED);
    assert_int_equal(f.locks, 2);
    assert_int_equal(f.used[FEAT_POOLED], 2);
    /* Without backbone levels: one lock, the pooled file alone. */
    Fake g = {.keep = 0};
    FeatShare lean = fake_share(&g, "lean");
    expect_obtain(&fx, &lean, &told, FEAT_HOW_BUILT);
    assert_int_equal(g.locks, 1);
    assert_int_equal(g.unlocks, 1);
    assert_int_equal(g.used[FEAT_POOLED], 1);
    assert_int_equal(g.used[FEAT_BACKBONE], 0);
    lean.keep_backbone = NULL; /* a store that never says: the same */
    testutil_rmtree(g.dir);
    assert_int_equal(fileio_mkdirs(g.dir, NULL), ST_OK);
    expect_obtain(&fx, &lean, &told, FEAT_HOW_BUILT);
    assert_int_equal(g.used[FEAT_BACKBONE], 0);
    fixture_down(&fx);
}

static void test_featshare_lock_trouble(void **state) {
    (void)state;
    Fixture fx = fixture_up();
    /* A store that cannot lock: said, built unlocked, still stored. */
    Fake f = {.lock_fails = 1};
    FeatShare share = fake_share(&f, "nolock");
    Told told = {0};
    expect_obtain(&fx, &share, &told, FEAT_HOW_BUILT);
    assert_non_null(strstr(told.log, "warning: store: cannot lock the pooled level; building it "
                                     "unlocked"));
    assert_int_equal(f.unlocks, 0);
    assert_int_equal(f.used[FEAT_POOLED], 1);
    /* Another builder holds the lock and a stop is asked while waiting. */
    Fake g = {.polls = 3};
    FeatShare busy = fake_share(&g, "busy");
    Told stop = {.stop = 1};
    expect_obtain(&fx, &busy, &stop, FEAT_HOW_STOPPED);
    assert_non_null(strstr(stop.log, "waiting for pid 42 on node7"));
    assert_int_equal(g.locks, 0);
    assert_int_equal(g.used[FEAT_POOLED], 0);
    /* The wait ends (the lock is had after 3 polls): built as usual. */
    Told patient = {0};
    expect_obtain(&fx, &busy, &patient, FEAT_HOW_BUILT);
    assert_int_equal(g.locks, 1);
    fixture_down(&fx);
}

static void test_featshare_unwritable_store(void **state) {
    (void)state;
    Fixture fx = fixture_up();
    Fake f = {0};
    FeatShare share = fake_share(&f, "gone");
    testutil_rmtree(f.dir); /* its files cannot be written */
    Told told = {0};
    expect_obtain(&fx, &share, &told, FEAT_HOW_BUILT);
    assert_int_equal(told.warnings, 1);
    assert_non_null(strstr(told.log, "the run goes on with the features it built"));
    assert_non_null(strstr(told.log, f.dir));
    assert_int_equal(f.used[FEAT_POOLED], 0);
    assert_int_equal(f.unlocks, f.locks);
    fixture_down(&fx);
}

static void test_featshare_found_but_gone_or_damaged(void **state) {
    (void)state;
    Fixture fx = fixture_up();
    /* Every file is "there" and none is: the pooled read, then the
     * backbone read fail as gone, and the third round builds. */
    Fake f = {.always_there = 1, .keep = 1};
    FeatShare share = fake_share(&f, "ghost");
    Told told = {0};
    expect_obtain(&fx, &share, &told, FEAT_HOW_BUILT);
    assert_non_null(strstr(told.log, "pooled.safetensors went away before it was read"));
    assert_non_null(strstr(told.log, "backbone.safetensors went away before it was read"));
    assert_int_equal(told.warnings, 0);
    assert_int_equal(f.unlocks, f.locks);
    /* A damaged pooled file the store cannot set aside: named, rebuilt and
     * written over, so the next run loads it. */
    Fake g = {.aside_fails = 1};
    FeatShare share2 = fake_share(&g, "damaged");
    Told first = {0};
    expect_obtain(&fx, &share2, &first, FEAT_HOW_BUILT);
    char path[512];
    assert_int_equal(g.used[FEAT_POOLED], 1);
    /* The stored file's name, from the line that loads it. */
    FeatCache fc;
    Told quiet = {0};
    assert_int_equal(obtain(fx.net, &share2, &quiet, &fc), FEAT_HOW_LOADED);
    featcache_fini(&fc);
    char *at = strstr(quiet.log, g.dir);
    assert_non_null(at);
    snprintf(path, sizeof path, "%.*s", (int)strcspn(at, " \n"), at);
    assert_int_equal(fileio_write_atomic(path, "not a cache", 11, NULL), ST_OK);
    Told again = {0};
    expect_obtain(&fx, &share2, &again, FEAT_HOW_BUILT);
    assert_int_equal(again.warnings, 1);
    assert_non_null(strstr(again.log, path));
    assert_non_null(strstr(again.log, "building it again (the store is read-only)"));
    assert_int_equal(g.asides, 0);
    Told last = {0};
    expect_obtain(&fx, &share2, &last, FEAT_HOW_LOADED);
    fixture_down(&fx);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_featshare_how_names),
        cmocka_unit_test(test_featshare_store_calls),
        cmocka_unit_test(test_featshare_lock_trouble),
        cmocka_unit_test(test_featshare_unwritable_store),
        cmocka_unit_test(test_featshare_found_but_gone_or_damaged),
    };
    return cmocka_run_group_tests(tests, birds_up, birds_down);
}
