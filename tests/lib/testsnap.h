/*
 * testsnap — damaged snapshots for the tests that must refuse them
 * (test_snapshot through snapshot_check and trainer_restore, test_resume
 * through runner_resume): one table of ways a snapshot file goes bad, each
 * a function that writes a damaged copy of a good file (src and dst may be
 * the same path) and a fragment of the message that must name the cause.
 * Damage in the header rewrites the header text and its length, leaving
 * the data as it was. Every helper fails the test when the file does not
 * read or lacks what it edits.
 */
#ifndef FINELAB_TESTSNAP_H
#define FINELAB_TESTSNAP_H

#include <stddef.h>

typedef struct TestSnapDamage {
    const char *name; /* what is wrong, for failure messages */
    void (*apply)(const char *src, const char *dst);
    const char *expect; /* a fragment of snapshot_check's message; NULL: only the file's name */
} TestSnapDamage;

/* Every damage; *n gets how many. */
const TestSnapDamage *testsnap_damages(int *n);

/* dst = the first len bytes of src. */
void testsnap_cut(const char *src, const char *dst, size_t len);
/* dst = src with its first occurrence of from (in the header) replaced by
 * to, and the header length fixed up. */
void testsnap_replace(const char *src, const char *dst, const char *from, const char *to);
/* dst = src with metadata key set to value (NULL: without key). */
void testsnap_meta(const char *src, const char *dst, const char *key, const char *value);

#endif
