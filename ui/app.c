/*
 * app — shared state of the lab: presets, runs, log pane. See app.h.
 */
#include "ui/app.h"

#include <dirent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/base/timer.h"
#include "engine/io/fileio.h"
#include "src/preset/family.h"

App *app_create(const char *runs_dir, const char (*dirs)[1024], int n) {
    App *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    snprintf(a->runs_dir, sizeof a->runs_dir, "%s", runs_dir);
    for (int d = 0; d < n && d < (int)(sizeof a->presets_dirs / sizeof a->presets_dirs[0]); d++)
        snprintf(a->presets_dirs[a->n_presets_dirs++], sizeof a->presets_dirs[0], "%s", dirs[d]);
    a->ema = 0.6;
    a->glyphs = CHART_BRAILLE;
    compare_state_init(&a->compare);
    return a;
}

void app_destroy(App *a) {
    if (!a) return;
    if (a->bridge) bridge_destroy(a->bridge);
    free(a->presets);
    free(a->runs);
    free(a->slurm.tasks);
    free(a->slurm.gone);
    monitor_state_fini(&a->monitor);
    sweep_trials_cache_free(&a->study.sweep);
    sweep_trials_cache_free(&a->grid.sweep);
    free(a);
}

void app_log(App *a, const char *fmt, ...) {
    if (a->n_log == APP_LOG_LINES) {
        memmove(a->log[0], a->log[1], sizeof a->log[0] * (APP_LOG_LINES - 1));
        a->n_log--;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->log[a->n_log++], sizeof a->log[0], fmt, ap);
    va_end(ap);
    a->dirty = 1;
}

void app_message(App *a, int error, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->message, sizeof a->message, fmt, ap);
    va_end(ap);
    a->message_error = error;
    a->dirty = 1;
    if (error) app_log(a, "%s", a->message);
}

static int app_is_ini(const char *name) {
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".ini") == 0;
}

/* demo/ (the embedded default, the family that runs offline) first, then
 * as a family is listed: the tutorial's experiments in its order, the rest
 * alphabetically (family.h). */
static int app_scan_order(const struct dirent **x, const struct dirent **y) {
    int dx = strcmp((*x)->d_name, "demo") == 0, dy = strcmp((*y)->d_name, "demo") == 0;
    if (dx != dy) return dy - dx;
    return family_compare((*x)->d_name, (*y)->d_name);
}

/* Adds the .ini files under dir (one level of subdirectories, sorted). */
static void app_scan(App *a, const char *dir, int depth) {
    struct dirent **names;
    int n = scandir(dir, &names, NULL, app_scan_order);
    if (n < 0) return;
    for (int i = 0; i < n; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        struct stat sb;
        if (names[i]->d_name[0] != '.' && stat(path, &sb) == 0) {
            if (S_ISDIR(sb.st_mode) && depth < 2) {
                app_scan(a, path, depth + 1);
            } else if (S_ISREG(sb.st_mode) && app_is_ini(names[i]->d_name) &&
                       a->n_presets < APP_PRESETS_MAX) {
                PresetEntry *e = &a->presets[a->n_presets++];
                snprintf(e->path, sizeof e->path, "%s", path);
                Error err = {0};
                e->ok = preset_load(&e->preset, path, &err) == ST_OK &&
                        preset_validate(&e->preset, &err) == ST_OK;
                snprintf(e->error, sizeof e->error, "%s", e->ok ? "" : err.msg);
            }
        }
        free(names[i]);
    }
    free(names);
}

void app_load_presets(App *a) {
    if (!a->presets) a->presets = calloc(APP_PRESETS_MAX, sizeof *a->presets);
    if (!a->presets) return;
    a->n_presets = 0;
    for (int d = 0; d < a->n_presets_dirs; d++) app_scan(a, a->presets_dirs[d], 0);
    if (a->sel_preset >= a->n_presets) a->sel_preset = a->n_presets ? a->n_presets - 1 : 0;
    a->dirty = 1;
}

/* Seconds between two questions to Slurm (squeue runs a process, on the
 * UI thread): a task's state shown is at most this old. */
#define APP_SLURM_SECONDS 10.0

/* Runs of other nodes whose Slurm task has ended read interrupted: asked
 * when ask is set (the ids kept in a->slurm.gone), else from those ids. */
static void app_settle_runs(App *a, RunStatus **st, int ask) {
    if (ask) {
        RunState was[APP_RUNS_MAX];
        for (int i = 0; i < a->n_runs; i++) was[i] = st[i]->state;
        if (submission_settle(st, a->n_runs) == 0 && a->slurm.n_gone == 0) return;
        free(a->slurm.gone);
        a->slurm.n_gone = 0;
        a->slurm.gone = malloc(sizeof *a->slurm.gone * (size_t)(a->n_runs ? a->n_runs : 1));
        for (int i = 0; a->slurm.gone && i < a->n_runs; i++)
            if (was[i] != st[i]->state)
                snprintf(a->slurm.gone[a->slurm.n_gone++], sizeof *a->slurm.gone, "%s",
                         a->runs[i].id);
        return;
    }
    for (int k = 0; k < a->slurm.n_gone; k++)
        for (int i = 0; i < a->n_runs; i++)
            if (st[i]->state == RUN_RUNNING && strcmp(a->runs[i].id, a->slurm.gone[k]) == 0)
                st[i]->state = RUN_INTERRUPTED;
}

/* The submitted tasks that have no run among a->runs yet, their Slurm
 * states asked again when APP_SLURM_SECONDS have passed (else kept from
 * the last list); and the runs whose task Slurm says has ended. */
static void app_load_slurm_tasks(App *a) {
    RunStatus **st = malloc(sizeof *st * (size_t)(a->n_runs ? a->n_runs : 1));
    if (!st) return;
    for (int i = 0; i < a->n_runs; i++) st[i] = &a->runs[i].status;
    double now = timer_now();
    int ask = a->slurm.asked_at == 0 || now - a->slurm.asked_at >= APP_SLURM_SECONDS;
    app_settle_runs(a, st, ask);
    if (ask) a->slurm.asked_at = now;
    SubmissionTask *t;
    int n;
    if (submission_open_tasks(a->runs_dir, (const RunStatus *const *)st, a->n_runs, ask, &t, &n,
                              NULL) == ST_OK) {
        for (int i = 0; !ask && i < n; i++)
            for (int k = 0; k < a->slurm.n_tasks; k++)
                if (a->slurm.tasks[k].task == t[i].task &&
                    strcmp(a->slurm.tasks[k].job_id, t[i].job_id) == 0)
                    memcpy(t[i].slurm, a->slurm.tasks[k].slurm, sizeof t[i].slurm);
        free(a->slurm.tasks);
        a->slurm.tasks = t;
        a->slurm.n_tasks = n;
    }
    free(st);
}

void app_load_runs(App *a) {
    if (!a->runs) a->runs = calloc(APP_RUNS_MAX, sizeof *a->runs);
    if (!a->runs) return;
    char **ids;
    int n;
    if (runstore_list(a->runs_dir, &ids, &n, NULL)) return;
    /* Keep marks across reloads; the list is sorted oldest first. */
    RunEntry *old = malloc(sizeof *old * (size_t)(a->n_runs ? a->n_runs : 1));
    int n_old = a->n_runs;
    if (old) memcpy(old, a->runs, sizeof *old * (size_t)n_old);
    a->n_runs = 0;
    for (int i = 0; i < n && a->n_runs < APP_RUNS_MAX; i++) {
        RunEntry *e = &a->runs[a->n_runs];
        memset(e, 0, sizeof *e);
        snprintf(e->id, sizeof e->id, "%s", ids[i]);
        snprintf(e->dir, sizeof e->dir, "%s/%s", a->runs_dir, ids[i]);
        if (runstore_read_status(e->dir, &e->status, NULL)) continue;
        for (int k = 0; old && k < n_old; k++)
            if (strcmp(old[k].id, e->id) == 0) e->marked = old[k].marked;
        a->n_runs++;
    }
    free(old);
    runstore_free_list(ids, n);
    app_load_slurm_tasks(a);
    if (a->sel_run >= a->n_runs) a->sel_run = a->n_runs ? a->n_runs - 1 : 0;
    a->runs_loaded_at = timer_now();
    a->dirty = 1;
}

RunEntry *app_find_run(App *a, const char *dir) {
    for (int i = 0; i < a->n_runs; i++)
        if (strcmp(a->runs[i].dir, dir) == 0) return &a->runs[i];
    return NULL;
}

int app_queue_item(App *a, const Preset *p, int k) {
    Preset *one = malloc(sizeof *one);
    char label[512] = "";
    Error err = {0};
    int job;
    if (!one || preset_sweep_item(p, k, one, label, sizeof label, &err) ||
        preset_validate(one, &err) || bridge_enqueue(a->bridge, one, label, &job, &err)) {
        app_message(a, 1, "cannot queue %s: %s", p->experiment.name,
                    one ? err.msg : "out of memory");
        free(one);
        return -1;
    }
    free(one);
    return 0;
}

int app_queue_preset(App *a, const Preset *p) {
    int n = preset_sweep_count(p), queued = 0;
    if (p->sweep.strategy == SWEEP_HALVING || p->sweep.strategy == SWEEP_ASHA) {
        /* rungs decide what runs next: one job */
        Error err = {0};
        int job, asha = p->sweep.strategy == SWEEP_ASHA;
        if (bridge_enqueue(a->bridge, p, asha ? "asha" : "halving", &job, &err)) {
            app_message(a, 1, "cannot queue %s: %s", p->experiment.name, err.msg);
            return 0;
        }
        if (asha)
            app_message(a, 0, "queued %s: an asha study of up to %d trials (%s), one job",
                        p->experiment.name, n, preset_sweep_sampler_name(p->sweep.sampler));
        else
            app_message(a, 0, "queued %s: a halving sweep of %d candidates, one job rung by rung",
                        p->experiment.name, n);
        return 1;
    }
    for (int k = 0; k < n; k++) {
        if (app_queue_item(a, p, k)) break;
        queued++;
    }
    if (queued)
        app_message(a, 0, "queued %s (%d run%s)", p->experiment.name, queued,
                    queued == 1 ? "" : "s");
    return queued;
}

void app_step(int *sel, int n, int delta) {
    *sel += delta;
    if (*sel >= n) *sel = n - 1;
    if (*sel < 0) *sel = 0;
}

void app_edit(App *a, const char *path, const Preset *p) {
    a->editor.preset = *p;
    a->editor.orig = *p;
    snprintf(a->editor.path, sizeof a->editor.path, "%s", path);
    a->editor.field = 0;
    a->editor.typing = 0;
    a->editor.dirty = 0;
    a->editor.error[0] = '\0';
    a->editor.check_due = 1;
    a->screen = SCR_EDITOR;
}

void app_watch(App *a, const char *dir) {
    snprintf(a->monitor.dir, sizeof a->monitor.dir, "%s", dir);
    a->screen = SCR_MONITOR;
}

int app_new_preset(App *a, const Preset *p, char *name, char *path, size_t cap) {
    for (char *c = name; *c; c++)
        if (*c == '/' || *c == ' ') *c = '_';
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/user", a->presets_dirs[0]);
    snprintf(path, cap, "%s/%s.ini", dir, name);
    if (fileio_exists(path)) {
        app_message(a, 1, "%s exists already", path);
        return -1;
    }
    Preset *copy = malloc(sizeof *copy);
    char *text = NULL;
    Error err = {0};
    Status st = ST_NOMEM;
    if (copy) {
        *copy = *p;
        snprintf(copy->experiment.name, sizeof copy->experiment.name, "%s", name);
        text = preset_format_sweep(copy);
    }
    if (text) st = fileio_mkdirs(dir, &err);
    /* Made only if no one made it since the check above (another lab). */
    if (text && !st) st = fileio_write_new(path, text, strlen(text), &err);
    free(text);
    if (st) {
        app_message(a, 1, "not written: %s", err.msg[0] ? err.msg : "out of memory");
        free(copy);
        return -1;
    }
    app_load_presets(a);
    app_edit(a, path, copy);
    free(copy);
    return 0;
}

/* 1 when e is the job this process's engine thread is running. */
static int app_is_ours_running(App *a, const RunEntry *e) {
    BridgeSnapshot s;
    bridge_snapshot(a->bridge, &s);
    return s.running && strcmp(s.run_dir, e->dir) == 0;
}

int app_plot_path(App *a, const char *name, const char *what, char *path, size_t cap) {
    char dir[1100];
    Error err = {0};
    snprintf(dir, sizeof dir, "%s/plots", a->runs_dir);
    if (fileio_mkdirs(dir, &err)) {
        app_message(a, 1, "not written: %s", err.msg);
        return -1;
    }
    snprintf(path, cap, "%s/%s-%s.png", dir, name, what);
    return 0;
}

void app_stop_run(App *a, const RunEntry *e) {
    BridgeSnapshot s;
    bridge_snapshot(a->bridge, &s);
    if (e && app_is_ours_running(a, e)) {
        bridge_stop(a->bridge);
        app_message(a, 0, "stopping %s after its snapshot", e->id);
    } else if (e && e->status.state == RUN_RUNNING && e->status.pid > 0) {
        /* Another finelab's run: SIGINT makes it snapshot and stop. */
        if (kill((pid_t)e->status.pid, SIGINT) == 0)
            app_message(a, 0, "asked process %ld to stop %s", e->status.pid, e->id);
        else
            app_message(a, 1, "cannot signal process %ld", e->status.pid);
    } else if (!e && s.running) {
        bridge_stop(a->bridge);
    } else {
        app_message(a, 0, "the selected run is not running");
    }
}

void app_toggle_pause(App *a) {
    BridgeSnapshot s;
    bridge_snapshot(a->bridge, &s);
    if (!s.running) {
        app_message(a, 0, "nothing is training in this finelab");
        return;
    }
    bridge_pause(a->bridge, !s.paused);
    app_message(a, 0, "%s %s", s.paused ? "continuing" : "pausing", s.name);
}
