/*
 * fuzz — what the fuzz harnesses (tests/fuzz/fuzz_<reader>.c) share: the
 * entry-point macro, a per-process scratch folder for the readers that
 * open paths, and the check that turns a broken invariant into a crash.
 *
 * Each harness is one function over (data, size). Built for libFuzzer
 * (`make fuzz`: clang, -DFINELAB_LIBFUZZER) it is LLVMFuzzerTestOneInput;
 * built with the normal compiler it keeps its own name, so the regression
 * test (tests/fuzz/test_fuzz_regressions.c) links all of them into one binary
 * and replays every regression and corpus file through each.
 *
 * A harness must free everything it allocated (LeakSanitizer counts leaks
 * as failures) and report a broken invariant with FUZZ_CHECK, which prints
 * the message and aborts, as a crash would. One thread; the scratch folder
 * is made on first use and removed at exit.
 */
#ifndef FINELAB_FUZZ_H
#define FINELAB_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* The entry point of harness name: LLVMFuzzerTestOneInput under libFuzzer. */
#ifdef FINELAB_LIBFUZZER
#define FUZZ_TARGET(name)                                                                          \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);                                  \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
#else
#define FUZZ_TARGET(name) int name(const uint8_t *data, size_t size)
#endif

/* A harness: returns 0 (libFuzzer's convention), aborts on a broken invariant. */
typedef int (*FuzzTarget)(const uint8_t *data, size_t size);

/* Every harness, by its name (the regression test replays each). */
int fuzz_preset(const uint8_t *data, size_t size);
int fuzz_solver_import(const uint8_t *data, size_t size);
int fuzz_safetensors(const uint8_t *data, size_t size);
int fuzz_caffemodel(const uint8_t *data, size_t size);
int fuzz_jpeg(const uint8_t *data, size_t size);
int fuzz_dataset(const uint8_t *data, size_t size);
int fuzz_runstore(const uint8_t *data, size_t size);
int fuzz_journal(const uint8_t *data, size_t size);

/* Aborts with the condition, its place and msg (may be "") unless cond. */
#define FUZZ_CHECK(cond, msg)                                                                      \
    do {                                                                                           \
        if (!(cond)) fuzz_fail(#cond, __FILE__, __LINE__, (msg));                                  \
    } while (0)
_Noreturn void fuzz_fail(const char *expr, const char *file, int line, const char *msg);

/* The process's scratch folder (in /dev/shm when there is one, else /tmp),
 * made on first call and removed with everything in it at exit. */
const char *fuzz_dir(void);
/* fuzz_dir()/name written into path (cap bytes); aborts when it does not fit. */
void fuzz_path(char *path, size_t cap, const char *name);
/* Replaces the file at path with the size bytes at data; aborts on failure
 * (the scratch folder is the harness's own, so that is not the input's fault). */
void fuzz_write(const char *path, const void *data, size_t size);
/* fuzz_path(path, cap, name) holding the input: what a harness of a reader
 * that takes a path does first. */
void fuzz_input_file(char *path, size_t cap, const char *name, const uint8_t *data, size_t size);
/* Aborts unless msg, a reader's refusal of the file at path, starts with
 * that path (every reader names the file it refuses). */
void fuzz_expect_named(const char *path, const char *msg);
/* Makes directory path (no error when it exists); aborts on failure. */
void fuzz_mkdir(const char *path);
/* A malloc'd NUL-terminated copy of the input (the text readers' view). */
char *fuzz_text(const uint8_t *data, size_t size);

/* Splits data at every byte sep into at most max parts (the last keeps any
 * further separators): part i is begin[i], len[i]. Returns the count (>= 1). */
int fuzz_split(const uint8_t *data, size_t size, uint8_t sep, const uint8_t **begin, size_t *len,
               int max);

#endif
