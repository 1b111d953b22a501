/*
 * cmd_submit — a sweep handed to Slurm as a job array. See cmd_submit.h.
 *
 * Every path in the script is absolute (the task runs on another node, in
 * another directory, on the shared file system). The record is written as
 * soon as sbatch has said the job id, before --wait returns, so `finelab
 * runs` shows the tasks queued while they wait.
 */
#include "src/cli/cmd_submit.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/io/fileio.h"
#include "src/cli/cli.h"
#include "src/preset/preset.h"
#include "src/run/halving_sweep.h"
#include "src/run/preflight.h"
#include "src/run/sbatch.h"
#include "src/run/study.h"
#include "src/run/submission.h"

enum {
    SUBMIT_EXTRA_MAX = 64,
    SUBMIT_WORKERS = 4 /* a halving sweep's or asha study's workers without --max-parallel */
};

typedef struct SubmitArgs {
    const char *preset, *runs_dir;
    const char *extra[SUBMIT_EXTRA_MAX];
    int n_extra, max_parallel, ranks, dry_run, wait;
} SubmitArgs;

static const char *submit_usage =
    "usage: finelab submit PRESET [--runs-dir DIR] [--max-parallel K] [--ranks N] "
    "[--sbatch ARG]... [--dry-run] [--wait]";

static int submit_parse(int argc, char **argv, SubmitArgs *a) {
    const char *cmd = "submit", *v;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs-dir") == 0) {
            if (!(a->runs_dir = cli_value(cmd, argc, argv, &i))) return -1;
        } else if (strcmp(argv[i], "--max-parallel") == 0) {
            if (!(v = cli_value(cmd, argc, argv, &i)) ||
                cli_int(cmd, "--max-parallel", v, 1, 100000, &a->max_parallel))
                return -1;
        } else if (strcmp(argv[i], "--ranks") == 0) {
            if (!(v = cli_value(cmd, argc, argv, &i)) ||
                cli_int(cmd, "--ranks", v, 1, 100000, &a->ranks))
                return -1;
        } else if (strcmp(argv[i], "--sbatch") == 0) {
            if (!(v = cli_value(cmd, argc, argv, &i))) return -1;
            if (a->n_extra == SUBMIT_EXTRA_MAX) {
                cli_error(cmd, "at most %d --sbatch options", SUBMIT_EXTRA_MAX);
                return -1;
            }
            a->extra[a->n_extra++] = v;
        } else if (strcmp(argv[i], "--dry-run") == 0) {
            a->dry_run = 1;
        } else if (strcmp(argv[i], "--wait") == 0) {
            a->wait = 1;
        } else if (argv[i][0] == '-' || a->preset) {
            cli_error(cmd, "unexpected argument '%s' (%s)", argv[i], submit_usage);
            return -1;
        } else {
            a->preset = argv[i];
        }
    }
    if (!a->preset) {
        cli_error(cmd, "needs a preset file (%s)", submit_usage);
        return -1;
    }
    return 0;
}

/* The preset, validated with every combination checked; the labels of its
 * tasks (malloc'd, n of them) into *labels. */
static int submit_load(const SubmitArgs *a, Preset *p, char ***labels, int *n) {
    Error err = {0};
    if (preset_load(p, a->preset, &err) || preset_validate(p, &err)) {
        fprintf(stderr, "finelab: %s\n", err.msg);
        return -1;
    }
    if (p->sweep.strategy == SWEEP_HALVING && a->ranks > 1) {
        fprintf(stderr,
                "finelab: %s: a halving sweep's tasks are one process each (--ranks is for grid, "
                "random and asha sweeps)\n",
                a->preset);
        return -1;
    }
    if (preflight_sweep(p, a->runs_dir, NULL, &err)) {
        fprintf(stderr, "finelab: %s: %s\n", a->preset, err.msg);
        return -1;
    }
    if (p->sweep.strategy == SWEEP_HALVING || p->sweep.strategy == SWEEP_ASHA) {
        /* K workers pull the next step from one sweep: --max-parallel of
         * them, all running at once (default 4; a halving sweep's first
         * rung has no more candidates than its combinations). */
        int most = p->sweep.strategy == SWEEP_HALVING ? preset_sweep_count(p) : SUBMIT_WORKERS;
        *n = a->max_parallel > 0 ? a->max_parallel : most < SUBMIT_WORKERS ? most : SUBMIT_WORKERS;
        *labels = calloc((size_t)*n, sizeof **labels);
        for (int k = 0; *labels && k < *n; k++)
            if (!((*labels)[k] =
                      strdup(p->sweep.strategy == SWEEP_ASHA ? "asha worker" : "halving worker")))
                return -1;
        return *labels ? 0 : -1;
    }
    *n = preset_sweep_count(p);
    *labels = calloc((size_t)*n, sizeof **labels);
    Preset *one = malloc(sizeof *one);
    int rc = *labels && one ? 0 : -1;
    for (int k = 0; k < *n && !rc; k++) {
        char label[512] = "";
        if (preset_sweep_item(p, k, one, label, sizeof label, &err) ||
            !((*labels)[k] = strdup(label))) {
            fprintf(stderr, "finelab: %s: %s\n", a->preset, err.msg[0] ? err.msg : "out of memory");
            rc = -1;
        }
    }
    free(one);
    return rc;
}

/* Starts `sbatch --parsable [--wait] script` (no shell between) with its
 * stdout on a pipe; NULL when it cannot start. *pid is the child. */
static FILE *submit_spawn(const SubmitArgs *a, const char *script, pid_t *pid) {
    int fd[2];
    if (pipe(fd)) return NULL;
    if ((*pid = fork()) < 0) {
        close(fd[0]);
        close(fd[1]);
        return NULL;
    }
    if (*pid == 0) {
        dup2(fd[1], STDOUT_FILENO);
        close(fd[0]);
        close(fd[1]);
        char sbatch[] = "sbatch", parsable[] = "--parsable", wait[] = "--wait";
        char *argv[] = {sbatch, parsable, a->wait ? wait : NULL, NULL, NULL};
        argv[a->wait ? 3 : 2] = (char *)(uintptr_t)script;
        execvp("sbatch", argv);
        fprintf(stderr, "finelab: sbatch: cannot run it (is Slurm installed?)\n");
        _exit(127);
    }
    close(fd[1]);
    return fdopen(fd[0], "r");
}

/* Runs sbatch on script; the job id (its first line of output) into
 * job_id, then on_id(ctx) before waiting for the rest (--wait). Returns
 * sbatch's exit code, or -1 when no job id came. */
static int submit_sbatch(const SubmitArgs *a, const char *script, char *job_id, size_t cap,
                         int (*on_id)(void *), void *ctx) {
    pid_t pid;
    FILE *f = submit_spawn(a, script, &pid);
    if (!f) {
        perror("finelab: sbatch");
        return -1;
    }
    char line[256];
    int got = fgets(line, sizeof line, f) != NULL;
    if (got) {
        /* --parsable: "<id>" or "<id>;<cluster>". */
        size_t id = strcspn(line, ";\n");
        line[id] = '\0';
        got = id > 0 && id < cap && strspn(line, "0123456789") == id;
        if (got) memcpy(job_id, line, id + 1);
    }
    if (got && on_id(ctx)) got = 0;
    while (fgets(line, sizeof line, f)) fputs(line, stdout);
    fclose(f);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
    }
    if (!got) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

typedef struct SubmitRecord {
    Submission s;
    char path[PATH_MAX];
} SubmitRecord;

static int submit_record(void *ctx) {
    SubmitRecord *r = ctx;
    Error err = {0};
    if (submission_write(&r->s, r->path, &err)) {
        fprintf(stderr, "finelab: %s\n", err.msg);
        return -1;
    }
    printf("%s\n", r->s.job_id);
    fflush(stdout);
    return 0;
}

/* The unused file stem <stamp>-<name>[-k] under dir (no .sbatch of it);
 * -1 when it does not fit in cap bytes (with room for ".sbatch") or no k up
 * to 999 is free. With claim, the stem's .sbatch is made (empty, until the
 * script replaces it) at once and exclusively, so two submissions of one
 * preset in the same second never share a script and job record. */
static int submit_stem(const char *dir, const char *stamp, const char *name, int claim, char *out,
                       size_t cap) {
    for (int k = 1; k <= 999; k++) {
        char path[PATH_MAX];
        int len = k == 1 ? snprintf(out, cap, "%s/%s-%s", dir, stamp, name)
                         : snprintf(out, cap, "%s/%s-%s-%d", dir, stamp, name, k);
        if (len < 0 || (size_t)len + 8 > cap || (size_t)len + 8 > sizeof path) return -1;
        snprintf(path, sizeof path, "%s.sbatch", out);
        if (!claim && !fileio_exists(path)) return 0;
        if (claim && fileio_write_new(path, "", 0, NULL) == ST_OK) return 0;
    }
    return -1;
}

static int submit_run(const SubmitArgs *a, const Preset *p, char **labels, int n) {
    char preset_abs[PATH_MAX], runs_abs[PATH_MAX], exe[PATH_MAX], dir[PATH_MAX + 16];
    char iso[32], stamp[32], stem[PATH_MAX - 16], output[PATH_MAX];
    Error err = {0};
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0 || !realpath(a->preset, preset_abs)) {
        fprintf(stderr, "finelab: %s: cannot resolve the absolute path\n",
                len <= 0 ? "/proc/self/exe" : a->preset);
        return CLI_BAD_INPUT;
    }
    exe[len] = '\0';
    /* --dry-run writes nothing: the run store's path as it will be. */
    if (!a->dry_run && fileio_mkdirs(a->runs_dir, &err)) {
        fprintf(stderr, "finelab: %s\n", err.msg);
        return CLI_FAILED;
    }
    if (!realpath(a->runs_dir, runs_abs)) {
        if (a->runs_dir[0] == '/' || !getcwd(runs_abs, sizeof runs_abs))
            snprintf(runs_abs, sizeof runs_abs, "%s", a->runs_dir);
        else
            snprintf(runs_abs + strlen(runs_abs), sizeof runs_abs - strlen(runs_abs), "/%s",
                     a->runs_dir);
    }
    submission_dir(runs_abs, dir, sizeof dir);
    submission_now(iso, sizeof iso, stamp, sizeof stamp);
    if ((!a->dry_run && fileio_mkdirs(dir, &err)) ||
        submit_stem(dir, stamp, p->experiment.name, !a->dry_run, stem, sizeof stem)) {
        fprintf(stderr, "finelab: %s: %s\n", dir,
                err.msg[0] ? err.msg : "path too long, or cannot make a script file there");
        return CLI_BAD_INPUT;
    }
    /* The claimed (empty) script goes again if nothing replaces it. */
    char claimed[PATH_MAX];
    snprintf(claimed, sizeof claimed, "%s.sbatch", stem);
    snprintf(output, sizeof output, "%s-%%A_%%a.out", stem);
    char sweep[512] = ""; /* the sweep or study the workers share, made now */
    int halving = p->sweep.strategy == SWEEP_HALVING;
    if (halving || p->sweep.strategy == SWEEP_ASHA) {
        if (a->dry_run)
            snprintf(sweep, sizeof sweep, halving ? "SWEEP-ID" : "STUDY-ID");
        else if ((halving ? halving_sweep_create : study_create)(p, runs_abs, sweep, sizeof sweep,
                                                                 &err)) {
            fprintf(stderr, "finelab: %s\n", err.msg);
            unlink(claimed);
            return CLI_FAILED;
        }
    }
    SbatchJob job = {.finelab = exe,
                     .preset = preset_abs,
                     .runs_dir = runs_abs,
                     .name = p->experiment.name,
                     .output = output,
                     .tasks = n,
                     .max_parallel = a->max_parallel,
                     .ranks = a->ranks,
                     .workers_of = sweep[0] ? sweep : NULL,
                     .extra = a->extra,
                     .n_extra = a->n_extra};
    if (sbatch_check(&job, &err)) {
        fprintf(stderr, "finelab: %s\n", err.msg);
        if (!a->dry_run) unlink(claimed);
        return CLI_BAD_INPUT;
    }
    char *text = sbatch_script(&job);
    if (!text) {
        fprintf(stderr, "finelab: out of memory\n");
        if (!a->dry_run) unlink(claimed);
        return CLI_FAILED;
    }
    if (a->dry_run) {
        fputs(text, stdout);
        free(text);
        return CLI_OK;
    }
    SubmitRecord r = {.s = {.tasks = n, .ranks = a->ranks > 1 ? a->ranks : 0, .labels = labels}};
    snprintf(r.s.name, sizeof r.s.name, "%s", p->experiment.name);
    snprintf(r.s.preset, sizeof r.s.preset, "%s", preset_abs);
    snprintf(r.s.submitted, sizeof r.s.submitted, "%s", iso);
    snprintf(r.s.script, sizeof r.s.script, "%s.sbatch", stem);
    snprintf(r.path, sizeof r.path, "%s.job", stem);
    Status st = fileio_write_atomic(r.s.script, text, strlen(text), &err);
    free(text);
    if (st) {
        fprintf(stderr, "finelab: %s\n", err.msg);
        unlink(claimed);
        return CLI_FAILED;
    }
    chmod(r.s.script, 0755);
    fflush(stdout);
    int code = submit_sbatch(a, r.s.script, r.s.job_id, sizeof r.s.job_id, submit_record, &r);
    if (code < 0) {
        fprintf(stderr, "finelab: sbatch %s did not submit a job (is Slurm installed and up?)\n",
                r.s.script);
        return CLI_FAILED;
    }
    if (code) fprintf(stderr, "finelab: job %s: sbatch exited %d\n", r.s.job_id, code);
    return code ? CLI_FAILED : CLI_OK;
}

int cmd_submit(int argc, char **argv) {
    SubmitArgs a = {.runs_dir = "runs"};
    if (submit_parse(argc, argv, &a)) return CLI_BAD_INPUT;
    Preset *p = malloc(sizeof *p);
    char **labels = NULL;
    int n = 0, rc = CLI_BAD_INPUT;
    if (p && submit_load(&a, p, &labels, &n) == 0) rc = submit_run(&a, p, labels, n);
    for (int k = 0; labels && k < n; k++) free(labels[k]);
    free(labels);
    free(p);
    return rc;
}
