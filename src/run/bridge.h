/*
 * bridge — the engine thread and the UI's only way to it (docs/DESIGN.md
 * section 5; redis's bio.c worker-queue pattern).
 *
 * bridge_create starts one engine thread that runs queued jobs (concrete
 * presets) one at a time through runner_run, into the run store, and
 * learning-rate range tests (lrfind.h), which write nothing: a test's
 * curve so far is a second latest-state copy (bridge_lrfind). The UI
 * thread talks to it with commands (enqueue, stop, pause/continue) through a
 * bounded queue, and hears back through (1) a bounded event queue of copies
 * (run started, metrics row, log line, run finished), and (2) a latest-state
 * snapshot with a generation counter that changes whenever anything does.
 * Each change also writes one byte to a wake pipe, so the UI can sleep in
 * select() on stdin and bridge_wake_fd(). Nothing that crosses threads is a
 * pointer into live engine state: events and snapshots are copies.
 *
 * Every function except bridge_create/bridge_destroy may be called from the
 * UI thread while the engine thread runs; none blocks for long (enqueue
 * fails fast when the queue is full). When the event queue is full the
 * oldest row and log events are dropped (the run store keeps every row
 * and line; snapshot.dropped counts them); STARTED and FINISHED are kept.
 */
#ifndef FINELAB_BRIDGE_H
#define FINELAB_BRIDGE_H

#include <stdint.h>

#include "engine/base/error.h"
#include "engine/train/trainer.h"
#include "src/preset/preset.h"
#include "src/run/lrfind.h"
#include "src/run/runstore.h"

enum { BRIDGE_QUEUE_MAX = 64, BRIDGE_EVENTS_MAX = 1024 };

typedef enum BridgeEventKind {
    BRIDGE_EV_QUEUED,   /* a job entered the queue (job, text = preset name + label) */
    BRIDGE_EV_STARTED,  /* a job's run directory exists (job, run_dir) */
    BRIDGE_EV_ROW,      /* a metrics row of the running job (job, row) */
    BRIDGE_EV_LOG,      /* an engine log line (job, text) */
    BRIDGE_EV_FINISHED, /* a job ended (job, run_dir, state, accuracy, text = error if any);
                           run_dir "" when it was refused before it had one (preflight.h) */
    BRIDGE_EV_LRFIND,   /* a range test ended (job, state: done, stopped or failed; text: how
                           it ended or the error); its curve is bridge_lrfind's */
} BridgeEventKind;

typedef struct BridgeEvent {
    BridgeEventKind kind;
    int job; /* job id from bridge_enqueue */
    char run_dir[1024];
    TrainRow row;
    RunState state;
    double accuracy;       /* FINISHED: final held-out accuracy, -1 for none */
    double test_accuracy;  /* FINISHED: the test split's (RunResult.test_accuracy), -1 for none */
    char heldout[8];       /* FINISHED: "val" or "test", the split of accuracy */
    TrainLogKind log_kind; /* LOG: what the line is (a row's text, an event, a detail) */
    char text[512];
} BridgeEvent;

/* Latest state, copied out by bridge_snapshot. When a job ends, the run
 * fields keep describing it (running 0, job -1) until the next one starts. */
typedef struct BridgeSnapshot {
    uint64_t generation; /* changes whenever anything below changes */
    int running;         /* 1 while a job trains */
    int paused;          /* 1 while paused (parked between iterations) */
    int pause_requested; /* 1 from bridge_pause(b, 1) until continue or the job ends */
    int job;             /* running job id, or -1 */
    char run_dir[1024];  /* of the running job */
    char name[256];      /* its preset name and sweep label */
    int iter, max_iter;  /* iteration of the last row; the preset's max_iter */
    /* The rows' figures and the run's ETA are not here: a screen reads
     * them from the run store (metrics.tsv, status.ini) and the ETA from
     * progress.c, as for any run; ROW events carry each row as it comes. */
    char phase[16]; /* what the job does now (RunStatus.phase), "" before it starts */
    long phase_done, phase_total;
    double phase_eta; /* seconds left in that phase, -1 unknown */
    int queued;       /* jobs waiting */
    uint64_t dropped; /* events dropped from the full event queue, ever */
} BridgeSnapshot;

/* The latest range test (the running one, else the last one run), copied
 * out by bridge_lrfind. */
typedef struct BridgeLrFind {
    int job;        /* its job id; -1: no test has started */
    int running;    /* 1 while it runs */
    char name[256]; /* its preset's name */
    char phase[16]; /* "dataset", "weights", "cache", "train" */
    long phase_done, phase_total;
    Status status; /* once ended: ST_OK (the test ran to an end) or its error */
    int bad_input; /* the error was the preset's or its files' */
    char error[512];
    LrFindResult result; /* the curve so far; once ended, the suggestions and times too */
} BridgeLrFind;

typedef struct Bridge Bridge;

/* Starts the engine thread; runs go under runs_dir. NULL with err set. */
Bridge *bridge_create(const char *runs_dir, Error *err);
/* Stops the running job (after its snapshot), drops the queue, joins the
 * engine thread and frees everything; b may be NULL. */
void bridge_destroy(Bridge *b);

/* Queues a copy of p (already expanded: no sweep) with a label; *job gets
 * its id. ST_STATE when the queue is full or the bridge is shutting down. */
Status bridge_enqueue(Bridge *b, const Preset *p, const char *label, int *job, Error *err);
/* Queues the resumption of the stopped, interrupted or failed run in
 * run_dir (runner_resume); *job gets its id. ST_STATE as bridge_enqueue. */
Status bridge_enqueue_resume(Bridge *b, const char *run_dir, int *job, Error *err);
/* Queues the range test of a copy of p (concrete: no sweep) with options o;
 * *job gets its id. It writes nothing; its progress and points are
 * bridge_lrfind's, its end a BRIDGE_EV_LRFIND event. ST_STATE as
 * bridge_enqueue. */
Status bridge_enqueue_lrfind(Bridge *b, const Preset *p, const LrFindOptions *o, int *job,
                             Error *err);
/* Copies the latest range test into *out (about 30 KB). */
void bridge_lrfind(Bridge *b, BridgeLrFind *out);
/* Asks the running job to stop (snapshot, state stopped); no-op when idle. */
void bridge_stop(Bridge *b);
/* Removes a queued (not yet running) job; returns 1 if it was found. */
int bridge_cancel(Bridge *b, int job);
/* Pauses (1) or continues (0) the running job between iterations; no-op
 * when idle. A pause ends with the job (it does not carry to the next). */
void bridge_pause(Bridge *b, int paused);

/* The read end of the wake pipe; readable when something changed. */
int bridge_wake_fd(const Bridge *b);
/* Empties the wake pipe (call after select() reports it readable). */
void bridge_drain_wake(Bridge *b);
/* Takes the oldest event; returns 1 and fills *ev, or 0 when none. */
int bridge_poll(Bridge *b, BridgeEvent *ev);
/* Copies the latest state. */
void bridge_snapshot(Bridge *b, BridgeSnapshot *out);
/* Copies the names ("preset (label)") of up to cap waiting jobs, oldest
 * first; returns how many wait. */
int bridge_queued_names(Bridge *b, char (*names)[256], int cap);
/* 1 while a job runs or waits. */
int bridge_busy(Bridge *b);
/* Blocks until no job runs or waits (used when the UI goes away and the
 * work is to finish headless). Continue a paused job first, or it never ends. */
void bridge_wait_idle(Bridge *b);

#endif
