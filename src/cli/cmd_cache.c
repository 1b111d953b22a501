/*
 * cmd_cache — the feature caches of a run store. See cmd_cache.h.
 */
#include "src/cli/cmd_cache.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "src/cli/cli.h"
#include "src/run/cachestore.h"

static const char *cache_usage = "usage: finelab cache [list | rm KEY... | prune] [--runs-dir DIR]";

/* "39.3 MB" */
static void cache_bytes(int64_t b, char *buf, size_t cap) {
    if (b >= 1000000000)
        snprintf(buf, cap, "%.2f GB", b / 1e9);
    else if (b >= 1000000)
        snprintf(buf, cap, "%.1f MB", b / 1e6);
    else
        snprintf(buf, cap, "%.1f kB", b / 1e3);
}

/* Local time of t (seconds since the epoch), "2026-12-06 19:45". */
static void cache_time(double t, char *buf, size_t cap) {
    time_t s = (time_t)t;
    struct tm tm;
    localtime_r(&s, &tm);
    strftime(buf, cap, "%Y-%m-%d %H:%M", &tm);
}

/* What the cache is to the runs: the last column of its first line. */
static const char *cache_state(const CacheEntry *e) {
    if (e->bad) return "damaged, set aside";
    if (e->building[0]) return "being built";
    if (!e->readable) return "unreadable";
    return e->needed ? "needed" : "no run needs it";
}

static void cache_print(const CacheEntry *e) {
    char hex[HASH_HEX], size[32], used[32], shape[64] = "";
    hash_hex(&e->key, hex);
    cache_bytes(e->bytes, size, sizeof size);
    cache_time(e->used_time, used, sizeof used);
    if (e->readable)
        snprintf(shape, sizeof shape, "%d x %d", e->info.shape.items, e->info.shape.views);
    printf("%s  %-8s  %-5s  %-10s  %9s  used %s  %s\n", hex, featkey_level_name(e->level),
           e->readable ? e->info.part : "-", shape, size, used, cache_state(e));
    if (e->building[0]) printf("    building: %s\n", e->building);
    if (!e->readable) {
        printf("    %s\n", e->why);
    } else {
        const FeatInputs *in = &e->info.inputs;
        printf("    made %s from %s, %s\n", e->info.created, in->dataset, in->image);
        printf("    views: %s\n    backbone: %s\n", in->views, in->backbone);
        if (in->head[0]) printf("    head: %s\n", in->head);
    }
    if (e->n_runs)
        printf("    used by %d run%s: %s\n", e->n_runs, e->n_runs > 1 ? "s" : "", e->runs);
}

static int cache_list(const char *cmd, const char *runs_dir) {
    CacheEntry *es;
    int n;
    Error err = {0};
    if (cachestore_list(runs_dir, &es, &n, &err)) {
        cli_error(cmd, "%s", err.msg);
        return CLI_FAILED;
    }
    int64_t total = 0, spare = 0;
    for (int i = 0; i < n; i++) {
        total += es[i].bytes;
        if (!es[i].needed && !es[i].building[0]) spare += es[i].bytes;
    }
    char t[32], s[32];
    cache_bytes(total, t, sizeof t);
    cache_bytes(spare, s, sizeof s);
    if (n == 0)
        printf("no feature caches in %s/%s\n", runs_dir, CACHESTORE_DIR);
    else
        printf("%d feature cache file%s in %s/%s, %s; %s of it no run needs (finelab cache "
               "prune)\n",
               n, n > 1 ? "s" : "", runs_dir, CACHESTORE_DIR, t, s);
    for (int i = 0; i < n; i++) {
        printf("\n");
        cache_print(&es[i]);
    }
    free(es);
    return CLI_OK;
}

static void cache_removed(void *ctx, const char *name, int64_t bytes) {
    char b[32];
    cache_bytes(bytes, b, sizeof b);
    printf("removed %s/%s (%s)\n", (const char *)ctx, name, b);
}

static int cache_rm(const char *cmd, const char *runs_dir, char **names, int n) {
    char dir[1200];
    snprintf(dir, sizeof dir, "%s/%s", runs_dir, CACHESTORE_DIR);
    int code = CLI_OK;
    for (int i = 0; i < n; i++) {
        Error err = {0};
        Status s = cachestore_remove(runs_dir, names[i], cache_removed, dir, &err);
        if (s) {
            cli_error(cmd, "%s", err.msg);
            if (code == CLI_OK) code = s == ST_ARG ? CLI_BAD_INPUT : CLI_FAILED;
        }
    }
    return code;
}

static int cache_prune(const char *cmd, const char *runs_dir) {
    char dir[1200], b[32];
    snprintf(dir, sizeof dir, "%s/%s", runs_dir, CACHESTORE_DIR);
    int64_t freed;
    Error err = {0};
    if (cachestore_prune(runs_dir, cache_removed, dir, &freed, &err)) {
        cli_error(cmd, "%s", err.msg);
        return CLI_FAILED;
    }
    cache_bytes(freed, b, sizeof b);
    printf("pruned %s: %s freed\n", dir, b);
    return CLI_OK;
}

int cmd_cache(int argc, char **argv) {
    const char *cmd = "cache", *runs_dir = "runs", *what = "list";
    char **names = malloc(sizeof(char *) * (size_t)(argc > 0 ? argc : 1));
    int n = 0, have_what = 0;
    if (!names) {
        cli_error(cmd, "out of memory");
        return CLI_FAILED;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs-dir") == 0) {
            if (!(runs_dir = cli_value(cmd, argc, argv, &i))) {
                free(names);
                return CLI_BAD_INPUT;
            }
        } else if (!have_what && argv[i][0] != '-') {
            what = argv[i];
            have_what = 1;
        } else if (have_what && strcmp(what, "rm") == 0 && argv[i][0] != '-') {
            names[n++] = argv[i];
        } else {
            cli_error(cmd, "unexpected argument '%s' (%s)", argv[i], cache_usage);
            free(names);
            return CLI_BAD_INPUT;
        }
    }
    int code;
    if (strcmp(what, "list") == 0) {
        code = cache_list(cmd, runs_dir);
    } else if (strcmp(what, "prune") == 0) {
        code = cache_prune(cmd, runs_dir);
    } else if (strcmp(what, "rm") == 0 && n > 0) {
        code = cache_rm(cmd, runs_dir, names, n);
    } else {
        cli_error(cmd, "%s (%s)",
                  strcmp(what, "rm") == 0 ? "rm needs the caches to remove" : "unknown action",
                  cache_usage);
        code = CLI_BAD_INPUT;
    }
    free(names);
    return code;
}
