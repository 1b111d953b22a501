/*
 * sbatch — the Slurm batch script of a submitted sweep. See sbatch.h.
 *
 * The #SBATCH lines come first (sbatch stops reading them at the first
 * command), then one exec: the task's exit code is finelab's, so Slurm
 * reads a refused preset (exit 2) or a failed run (exit 1) as FAILED.
 */
#include "src/run/sbatch.h"

#include <string.h>

#include "engine/base/strbuf.h"

/* Appends s single-quoted for sh ('\'' for each quote inside). */
static void sbatch_quote(StrBuf *b, const char *s) {
    strbuf_puts(b, "'");
    for (const char *q; (q = strchr(s, '\'')); s = q + 1) {
        strbuf_add(b, s, (size_t)(q - s));
        strbuf_puts(b, "'\\''");
    }
    strbuf_puts(b, s);
    strbuf_puts(b, "'");
}

/* Appends s as one #SBATCH argument: double-quoted, since sbatch splits a
 * directive's line at whitespace and takes an unquoted '#' as the start of
 * a comment, so a run store or preset name with spaces or a '#' would
 * otherwise become a cut path and stray arguments (Slurm 22.05 refuses
 * those: "Invalid directive"). Its backslash escapes differ between
 * versions, so sbatch_check refuses '"' and '\\' in these arguments instead. */
static void sbatch_directive_arg(StrBuf *b, const char *s) {
    strbuf_puts(b, "\"");
    strbuf_puts(b, s);
    strbuf_puts(b, "\"");
}

/* ST_ARG when s, an #SBATCH argument, holds a double quote or a backslash. */
static Status sbatch_check_directive(const char *field, const char *s, Error *err) {
    if (strpbrk(s, "\"\\"))
        return error_set(err, ST_ARG,
                         "sbatch: %s holds a '\"' or a '\\', which an #SBATCH line cannot "
                         "carry: '%s'",
                         field, s);
    return ST_OK;
}

static Status sbatch_check_text(const char *field, const char *s, Error *err) {
    if (!s || !s[0]) return error_set(err, ST_ARG, "sbatch: %s is empty", field);
    if (strpbrk(s, "\n\r"))
        return error_set(err, ST_ARG, "sbatch: %s holds a newline: '%s'", field, s);
    return ST_OK;
}

Status sbatch_check(const SbatchJob *j, Error *err) {
    Status s;
    if ((s = sbatch_check_text("the finelab binary", j->finelab, err)) ||
        (s = sbatch_check_text("the preset", j->preset, err)) ||
        (s = sbatch_check_text("the run store", j->runs_dir, err)) ||
        (s = sbatch_check_text("the job name", j->name, err)) ||
        (s = sbatch_check_text("the output file", j->output, err)) ||
        (s = sbatch_check_directive("the job name", j->name, err)) ||
        (s = sbatch_check_directive("the output file", j->output, err)) ||
        (j->workers_of && (s = sbatch_check_text("the sweep", j->workers_of, err))))
        return s;
    for (int i = 0; i < j->n_extra; i++)
        if ((s = sbatch_check_text("--sbatch", j->extra[i], err))) return s;
    if (j->tasks < 1)
        return error_set(err, ST_ARG, "sbatch: %d array tasks (needs >= 1)", j->tasks);
    if (j->max_parallel < 0 || j->ranks < 0)
        return error_set(err, ST_ARG, "sbatch: --max-parallel %d, --ranks %d (need >= 0)",
                         j->max_parallel, j->ranks);
    return ST_OK;
}

char *sbatch_script(const SbatchJob *j) {
    StrBuf b = {0};
    if (j->workers_of)
        strbuf_printf(&b, "#!/bin/sh\n# finelab submit: %d worker%s of %s (%s)\n", j->tasks,
                      j->tasks == 1 ? "" : "s", j->workers_of, j->preset);
    else
        strbuf_printf(&b, "#!/bin/sh\n# finelab submit: %d combination%s of %s\n", j->tasks,
                      j->tasks == 1 ? "" : "s", j->preset);
    strbuf_puts(&b, "#SBATCH --job-name=");
    sbatch_directive_arg(&b, j->name);
    strbuf_puts(&b, "\n");
    strbuf_printf(&b, "#SBATCH --array=0-%d", j->tasks - 1);
    if (j->max_parallel > 0) strbuf_printf(&b, "%%%d", j->max_parallel);
    strbuf_puts(&b, "\n#SBATCH --output=");
    sbatch_directive_arg(&b, j->output);
    strbuf_puts(&b, "\n");
    if (j->ranks > 1) strbuf_printf(&b, "#SBATCH --ntasks=%d\n", j->ranks);
    for (int i = 0; i < j->n_extra; i++) strbuf_printf(&b, "#SBATCH %s\n", j->extra[i]);
    strbuf_puts(&b, "\nexec ");
    if (j->ranks > 1) strbuf_printf(&b, "mpirun -np %d ", j->ranks);
    sbatch_quote(&b, j->finelab);
    if (j->workers_of) {
        strbuf_puts(&b, " resume ");
        sbatch_quote(&b, j->workers_of);
    } else {
        strbuf_puts(&b, " run ");
        sbatch_quote(&b, j->preset);
        strbuf_puts(&b, " --sweep-index \"$SLURM_ARRAY_TASK_ID\"");
    }
    strbuf_puts(&b, " --runs-dir ");
    sbatch_quote(&b, j->runs_dir);
    /* A line a minute in the task's output file, not one every 5 s. */
    strbuf_puts(&b, " --progress 60\n");
    return strbuf_take(&b);
}
