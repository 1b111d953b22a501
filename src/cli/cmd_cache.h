/*
 * cmd_cache — `finelab cache [list | rm KEY... | prune] [--runs-dir DIR]`:
 * the feature caches of a run store (src/run/cachestore.h) listed with
 * what they were made from and which runs used them, removed by name, or
 * pruned of those no run needs. Main thread; prints to stdout (errors to
 * stderr); CLI exit codes.
 */
#ifndef FINELAB_CMD_CACHE_H
#define FINELAB_CMD_CACHE_H

int cmd_cache(int argc, char **argv);

#endif
