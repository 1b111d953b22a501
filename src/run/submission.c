/*
 * submission — the run store's record of a Slurm job array. See
 * submission.h.
 *
 * The record is a small "key = value" file; each task's label is a key
 * label.<k>, so a label may hold anything but a newline. Slurm is asked
 * through its command-line tools (squeue, sacct) with popen, stderr
 * discarded: their text, not their exit codes, is what is parsed.
 */
#include "src/run/submission.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/base/strbuf.h"
#include "engine/io/fileio.h"

/* Most array tasks one record holds (a sweep's limit is far below). */
enum { SUBMISSION_TASKS_MAX = 100000 };

void submission_dir(const char *runs_dir, char *out, size_t cap) {
    snprintf(out, cap, "%s/slurm", runs_dir);
}

void submission_now(char *iso, size_t iso_cap, char *stamp, size_t stamp_cap) {
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    if (iso) strftime(iso, iso_cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (stamp) strftime(stamp, stamp_cap, "%Y%m%d-%H%M%S", &tm);
}

Status submission_write(const Submission *s, const char *path, Error *err) {
    StrBuf b = {0};
    strbuf_printf(&b,
                  "[submission]\njob_id = %s\nname = %s\npreset = %s\nsubmitted = %s\n"
                  "script = %s\ntasks = %d\nranks = %d\n",
                  s->job_id, s->name, s->preset, s->submitted, s->script, s->tasks, s->ranks);
    for (int k = 0; k < s->tasks; k++)
        strbuf_printf(&b, "label.%d = %s\n", k, s->labels && s->labels[k] ? s->labels[k] : "");
    char *text = strbuf_take(&b);
    if (!text) return error_set(err, ST_NOMEM, "%s: out of memory", path);
    Status st = fileio_write_atomic(path, text, strlen(text), err);
    free(text);
    return st;
}

void submission_fini(Submission *s) {
    if (!s) return;
    for (int k = 0; s->labels && k < s->tasks; k++) free(s->labels[k]);
    free(s->labels);
    s->labels = NULL;
}

static void submission_copy(char *dst, size_t cap, const char *v) {
    snprintf(dst, cap, "%s", v);
}

/* Applies "key = value" (line lineno of path) to s. */
static Status submission_line(Submission *s, const char *path, int lineno, char *line, Error *err) {
    char *eq = strchr(line, '=');
    if (!eq) return error_set(err, ST_FORMAT, "%s:%d: expected 'key = value'", path, lineno);
    char *key = line, *v = eq + 1, *end = eq;
    while (end > key && end[-1] == ' ') end--;
    *end = '\0';
    while (*v == ' ') v++;
    char *tail;
    if (strcmp(key, "job_id") == 0) {
        submission_copy(s->job_id, sizeof s->job_id, v);
    } else if (strcmp(key, "name") == 0) {
        submission_copy(s->name, sizeof s->name, v);
    } else if (strcmp(key, "preset") == 0) {
        submission_copy(s->preset, sizeof s->preset, v);
    } else if (strcmp(key, "submitted") == 0) {
        submission_copy(s->submitted, sizeof s->submitted, v);
    } else if (strcmp(key, "script") == 0) {
        submission_copy(s->script, sizeof s->script, v);
    } else if (strcmp(key, "ranks") == 0) {
        s->ranks = atoi(v);
    } else if (strcmp(key, "tasks") == 0) {
        long n = strtol(v, &tail, 10);
        if (tail == v || *tail || n < 1 || n > SUBMISSION_TASKS_MAX || s->labels)
            return error_set(err, ST_FORMAT, "%s:%d: tasks: '%s' is not 1..%d", path, lineno, v,
                             SUBMISSION_TASKS_MAX);
        s->tasks = (int)n;
        if (!(s->labels = calloc((size_t)n, sizeof *s->labels)))
            return error_set(err, ST_NOMEM, "%s: out of memory", path);
    } else if (strncmp(key, "label.", 6) == 0) {
        long k = strtol(key + 6, &tail, 10);
        if (!s->labels || tail == key + 6 || *tail || k < 0 || k >= s->tasks)
            return error_set(err, ST_FORMAT, "%s:%d: %s: no such task (tasks = %d first)", path,
                             lineno, key, s->tasks);
        free(s->labels[k]);
        if (!(s->labels[k] = strdup(v))) return error_set(err, ST_NOMEM, "%s: out of memory", path);
    } /* other keys: a later version's, ignored */
    return ST_OK;
}

Status submission_read(const char *path, Submission *s, Error *err) {
    memset(s, 0, sizeof *s);
    uint8_t *data;
    size_t len;
    Status st = fileio_read_all(path, &data, &len, err);
    if (st) return st;
    int lineno = 0;
    for (char *save = NULL, *line = strtok_r((char *)data, "\n", &save); line && !st;
         line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        if (line[0] == '[' || line[0] == '#' || line[0] == ';' || !line[0]) continue;
        st = submission_line(s, path, lineno, line, err);
    }
    free(data);
    if (!st && (!s->job_id[0] || !s->tasks))
        st = error_set(err, ST_FORMAT, "%s: needs job_id and tasks", path);
    if (!st)
        for (int k = 0; k < s->tasks && !st; k++)
            if (!s->labels[k] && !(s->labels[k] = strdup("")))
                st = error_set(err, ST_NOMEM, "%s: out of memory", path);
    if (st) submission_fini(s);
    return st;
}

static int submission_cmp_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

Status submission_list(const char *runs_dir, Submission **subs, int *n, Error *err) {
    char dir[1100];
    submission_dir(runs_dir, dir, sizeof dir);
    *subs = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) return ST_OK;
    char **names = NULL;
    int count = 0, cap = 0;
    Status st = ST_OK;
    for (struct dirent *e; (e = readdir(d)) && !st;) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".job") != 0) continue;
        if (count == cap) {
            cap = cap ? 2 * cap : 16;
            char **grown = realloc(names, sizeof *names * (size_t)cap);
            if (!grown) {
                st = error_set(err, ST_NOMEM, "%s: out of memory", dir);
                break;
            }
            names = grown;
        }
        if (!(names[count] = strdup(e->d_name)))
            st = error_set(err, ST_NOMEM, "out of memory");
        else
            count++;
    }
    closedir(d);
    /* The stamp leads the file name: sorted by name is oldest first. */
    if (!st && count) qsort(names, (size_t)count, sizeof *names, submission_cmp_name);
    if (!st && count && !(*subs = calloc((size_t)count, sizeof **subs)))
        st = error_set(err, ST_NOMEM, "%s: out of memory", dir);
    for (int i = 0; i < count; i++) {
        char path[1400];
        Error ignored = {0};
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (!st && submission_read(path, &(*subs)[*n], &ignored) == ST_OK) (*n)++;
        free(names[i]);
    }
    free(names);
    return st;
}

void submission_free_list(Submission *subs, int n) {
    for (int i = 0; i < n; i++) submission_fini(&subs[i]);
    free(subs);
}

int submission_task_of(const Submission *s, const RunStatus *st) {
    /* A run made by an array task says which. */
    size_t jl = strlen(s->job_id);
    if (st->slurm[0]) {
        if (strncmp(st->slurm, s->job_id, jl) != 0 || st->slurm[jl] != '_') return -1;
        char *end;
        const char *task = st->slurm + jl + 1;
        long k = strtol(task, &end, 10);
        return end != task && !*end && k >= 0 && k < s->tasks ? (int)k : -1;
    }
    /* Else (started by hand, by an older finelab): the same preset name and
     * label, started after the submission; ISO 8601 UTC stamps compare as
     * text. */
    if (strcmp(s->name, st->preset) != 0 || strcmp(st->started, s->submitted) < 0) return -1;
    for (int k = 0; k < s->tasks; k++)
        if (strcmp(s->labels[k], st->sweep) == 0) return k;
    return -1;
}

Status submission_open_tasks(const char *runs_dir, const RunStatus *const *runs, int n, int query,
                             SubmissionTask **tasks, int *n_tasks, Error *err) {
    Submission *subs;
    int n_subs;
    *tasks = NULL;
    *n_tasks = 0;
    Status st = submission_list(runs_dir, &subs, &n_subs, err);
    if (st || n_subs == 0) return st;
    int total = 0;
    for (int j = 0; j < n_subs; j++) total += subs[j].tasks;
    /* has[t]: task t (of all submissions, in order) has a run; the latest
     * submission that claims a run has it. */
    char *has = calloc((size_t)total, 1);
    int *first = calloc((size_t)n_subs, sizeof *first);
    SubmissionTask *out = calloc((size_t)total, sizeof *out);
    if (!has || !first || !out) {
        st = error_set(err, ST_NOMEM, "%s: out of memory", runs_dir);
        goto done;
    }
    for (int j = 1; j < n_subs; j++) first[j] = first[j - 1] + subs[j - 1].tasks;
    for (int i = 0; i < n; i++)
        for (int j = n_subs - 1; j >= 0; j--) {
            int k = submission_task_of(&subs[j], runs[i]);
            if (k >= 0) {
                has[first[j] + k] = 1;
                break;
            }
        }
    enum { STATE_CAP = sizeof out->slurm };
    for (int j = 0; j < n_subs; j++) {
        const Submission *s = &subs[j];
        int open = 0;
        for (int k = 0; k < s->tasks; k++) open |= !has[first[j] + k];
        if (!open) continue;
        char *states = query ? calloc((size_t)s->tasks, STATE_CAP) : NULL;
        if (states) submission_query(s->job_id, s->tasks, states, STATE_CAP);
        for (int k = 0; k < s->tasks; k++) {
            if (has[first[j] + k]) continue;
            SubmissionTask *t = &out[(*n_tasks)++];
            snprintf(t->job_id, sizeof t->job_id, "%s", s->job_id);
            t->task = k;
            snprintf(t->name, sizeof t->name, "%s", s->name);
            snprintf(t->label, sizeof t->label, "%s", s->labels[k]);
            if (states) memcpy(t->slurm, states + (size_t)k * STATE_CAP, STATE_CAP);
        }
        free(states);
    }
    *tasks = out;
    out = NULL;
done:
    free(out);
    free(has);
    free(first);
    submission_free_list(subs, n_subs);
    return st;
}

static void submission_set(char *states, size_t cap, int k, const char *state, size_t len) {
    char *slot = states + (size_t)k * cap;
    if (slot[0]) return;
    if (len >= cap) len = cap - 1;
    memcpy(slot, state, len);
    slot[len] = '\0';
}

/* One line: "<job_id>_<task or [range]><sep><STATE>...". */
static void submission_parse_line(const char *line, const char *job_id, int tasks, char *states,
                                  size_t cap) {
    size_t jl = strlen(job_id);
    if (strncmp(line, job_id, jl) != 0 || line[jl] != '_') return;
    const char *p = line + jl + 1, *sep = p + strcspn(p, " |\t");
    if (!*sep || memchr(p, '.', (size_t)(sep - p))) return; /* a job step: 12_3.batch */
    const char *state = sep + strspn(sep, " |\t");
    size_t slen = strcspn(state, " |\t\n+");
    if (!slen) return;
    if (*p == '[') {
        /* "[0-3%2]" or "[1,3-4]": every listed task. */
        const char *q = p + 1;
        while (q < sep && *q != '%' && *q != ']') {
            char *end;
            long a = strtol(q, &end, 10), b = a;
            if (end == q) return;
            if (*end == '-') b = strtol(end + 1, &end, 10);
            for (long k = a; k <= b && k < tasks; k++)
                if (k >= 0) submission_set(states, cap, (int)k, state, slen);
            q = *end == ',' ? end + 1 : end;
        }
        return;
    }
    char *end;
    long k = strtol(p, &end, 10);
    if (end == p || end != sep || k < 0 || k >= tasks) return;
    submission_set(states, cap, (int)k, state, slen);
}

void submission_parse_states(const char *text, const char *job_id, int tasks, char *states,
                             size_t cap) {
    for (const char *line = text; line && *line;) {
        submission_parse_line(line, job_id, tasks, states, cap);
        line = strchr(line, '\n');
        if (line) line++;
    }
}

/* The output of command (stderr discarded), malloc'd; NULL when it could
 * not run. */
static char *submission_capture(const char *command) {
    FILE *f = popen(command, "r");
    if (!f) return NULL;
    StrBuf b = {0};
    char buf[4096];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) strbuf_add(&b, buf, got);
    pclose(f);
    return strbuf_take(&b);
}

void submission_query(const char *job_id, int tasks, char *states, size_t cap) {
    for (int k = 0; k < tasks; k++) states[(size_t)k * cap] = '\0';
    /* Only digits reach the shell. */
    if (!job_id[0] || strspn(job_id, "0123456789") != strlen(job_id)) return;
    char command[256];
    snprintf(command, sizeof command, "squeue -h -r -t all -j %s -o '%%i %%T' 2>/dev/null", job_id);
    char *text = submission_capture(command);
    if (text) submission_parse_states(text, job_id, tasks, states, cap);
    free(text);
    int unknown = 0;
    for (int k = 0; k < tasks; k++) unknown |= !states[(size_t)k * cap];
    if (!unknown) return;
    snprintf(command, sizeof command, "sacct -n -X -P -j %s -o JobID,State 2>/dev/null", job_id);
    if ((text = submission_capture(command)))
        submission_parse_states(text, job_id, tasks, states, cap);
    free(text);
}

const char *submission_state_name(const char *slurm) {
    static const struct {
        const char *slurm, *name;
    } names[] = {{"PENDING", "queued"},      {"REQUEUED", "queued"},
                 {"RUNNING", "starting"},    {"CONFIGURING", "starting"},
                 {"COMPLETING", "starting"}, {"CANCELLED", "cancelled"},
                 {"COMPLETED", "completed"}, {"SUSPENDED", "suspended"},
                 {"PREEMPTED", "preempted"}, {"TIMEOUT", "timeout"}};
    if (!slurm[0]) return "submitted";
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(slurm, names[i].slurm) == 0) return names[i].name;
    return "failed";
}

int submission_state_alive(const char *slurm) {
    static const char *const alive[] = {"",           "PENDING",   "RUNNING", "CONFIGURING",
                                        "COMPLETING", "SUSPENDED", "REQUEUED"};
    for (size_t i = 0; i < sizeof alive / sizeof alive[0]; i++)
        if (strcmp(slurm, alive[i]) == 0) return 1;
    return 0;
}

/* Whether st was written on another host than this one. */
static int submission_elsewhere(const RunStatus *st) {
    char here[sizeof st->host];
    if (!st->host[0] || gethostname(here, sizeof here) != 0) return 0;
    here[sizeof here - 1] = '\0';
    return strcmp(here, st->host) != 0;
}

/* The job id and task of "<job>_<task>" (job at most cap - 1 bytes);
 * -1 when s is not that. */
static int submission_split(const char *s, char *job, size_t cap) {
    const char *us = strchr(s, '_');
    char *end;
    if (!us || us == s || (size_t)(us - s) >= cap) return -1;
    long k = strtol(us + 1, &end, 10);
    if (end == us + 1 || *end || k < 0 || k > SUBMISSION_TASKS_MAX) return -1;
    memcpy(job, s, (size_t)(us - s));
    job[us - s] = '\0';
    return (int)k;
}

void submission_task_state(const char *task, char *state, size_t cap) {
    char job[32];
    int k = submission_split(task, job, sizeof job);
    state[0] = '\0';
    if (k < 0 || cap == 0) return;
    char *states = calloc((size_t)k + 1, cap);
    if (!states) return;
    submission_query(job, k + 1, states, cap);
    snprintf(state, cap, "%s", states + (size_t)k * cap);
    free(states);
}

int submission_settle(RunStatus *const *runs, int n) {
    enum { CAP = 32 };
    int changed = 0;
    char *done = calloc((size_t)(n ? n : 1), 1); /* runs settled or not to settle */
    for (int i = 0; done && i < n; i++) {
        char job[32];
        const RunStatus *st = runs[i];
        if (done[i] || st->state != RUN_RUNNING || !st->slurm[0] || !submission_elsewhere(st) ||
            submission_split(st->slurm, job, sizeof job) < 0)
            continue;
        /* Every run of this job at once: one question. */
        int tasks = 0;
        for (int j = i; j < n; j++) {
            char other[32];
            int k = submission_split(runs[j]->slurm, other, sizeof other);
            if (k >= 0 && strcmp(other, job) == 0 && k + 1 > tasks) tasks = k + 1;
        }
        char *states = calloc((size_t)tasks, CAP);
        if (states) submission_query(job, tasks, states, CAP);
        for (int j = i; states && j < n; j++) {
            char other[32];
            int k = submission_split(runs[j]->slurm, other, sizeof other);
            if (k < 0 || strcmp(other, job) != 0) continue;
            done[j] = 1;
            if (runs[j]->state == RUN_RUNNING && submission_elsewhere(runs[j]) &&
                !submission_state_alive(states + (size_t)k * CAP)) {
                runs[j]->state = RUN_INTERRUPTED;
                changed++;
            }
        }
        free(states);
    }
    free(done);
    return changed;
}
