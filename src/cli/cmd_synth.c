/*
 * cmd_synth — `finelab synth OUT [--classes N] [--per-class M] [--size PX]
 * [--seed S] [--source]`: writes a generated fine-grained bird dataset in
 * the CUB-200-2011 layout under OUT.
 *
 * OUT must be new, empty, or a previous `finelab synth` output (it holds
 * synth.txt); anything else is refused, so a typo cannot scatter thousands
 * of files into a directory that holds other work. Regenerating over a
 * previous output replaces its files atomically, one by one; images of an
 * earlier, larger run that the new lists no longer name stay on disk
 * (unlisted, so a CUB reader never sees them).
 */
#include "src/cli/cmd_synth.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/base/timer.h"
#include "engine/io/fileio.h"
#include "engine/synth/synth.h"
#include "src/cli/cli.h"

static const char *const CMD = "synth";

static void usage(FILE *out) {
    fprintf(out,
            "usage: finelab synth OUT [--classes N] [--per-class M] [--size PX] [--seed S] "
            "[--source]\n\n"
            "Generates a fine-grained bird dataset in the CUB-200-2011 layout under OUT:\n"
            "species that share one body plan and differ only in small parts (bill, eye-ring,\n"
            "crown, wing bars, throat, tail tip, streaks).\n\n"
            "  --classes N    species, 1..%d (default 200)\n"
            "  --per-class M  images per species, 1..%d (default 60); about half are train\n"
            "  --size PX      nominal longer image side, %d..%d (default 448); images vary\n"
            "                 from 0.75x to 1.1x of it with varied aspect ratios\n"
            "  --seed S       which species and images (default 1); same arguments, same bytes\n"
            "  --source       draw the disjoint set of source species (for pretraining a\n"
            "                 backbone to transfer to the default target species)\n\n"
            "OUT must be new, empty, or an earlier finelab synth output.\n",
            SYNTH_MAX_CLASSES, SYNTH_MAX_PER_CLASS, SYNTH_MIN_SIZE, SYNTH_MAX_SIZE);
}

/* 1 when dir exists and holds anything besides . and .. */
static int dir_has_entries(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    int found = 0;
    while (!found && (e = readdir(d)))
        found = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return found;
}

/* Checks that out may be written; prints why not and returns -1. */
static int check_out_dir(const char *out) {
    struct stat sb;
    if (stat(out, &sb) != 0) return 0; /* created later */
    if (!S_ISDIR(sb.st_mode)) {
        cli_error(CMD, "%s exists and is not a directory", out);
        return -1;
    }
    if (!dir_has_entries(out)) return 0;
    size_t n = strlen(out) + sizeof "/synth.txt";
    char marker[4096];
    if (n > sizeof marker) {
        cli_error(CMD, "output path is too long");
        return -1;
    }
    snprintf(marker, sizeof marker, "%s/synth.txt", out);
    if (!fileio_exists(marker)) {
        cli_error(CMD,
                  "%s is not empty and is not an earlier finelab synth output (no synth.txt); "
                  "choose a new or empty directory",
                  out);
        return -1;
    }
    return 0;
}

typedef struct Progress {
    double start, last;
    int tty;
} Progress;

static int on_progress(void *user, int done, int total) {
    Progress *p = user;
    double now = timer_now();
    int step = total >= 10 ? total / 10 : 1;
    if (p->tty ? now - p->last < 0.25 && done < total : done % step != 0 && done < total) return 0;
    p->last = now;
    double rate = done / (now - p->start + 1e-9);
    fprintf(stderr, "%ssynth: %d/%d images (%d%%), %.0f images/s, %.0f s left%s",
            p->tty ? "\r" : "", done, total, (int)(100.0 * done / total), rate,
            (total - done) / (rate + 1e-9), p->tty ? "   " : "\n");
    if (p->tty && done == total) fputc('\n', stderr);
    fflush(stderr);
    return 0;
}

/* Parses argv into cfg and *out; returns -1 after printing on bad input,
 * 1 when --help was asked. */
static int parse_args(int argc, char **argv, SynthConfig *cfg, const char **out) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) return 1;
        if (strcmp(a, "--classes") == 0) {
            if (!(v = cli_value(CMD, argc, argv, &i)) ||
                cli_int(CMD, a, v, 1, SYNTH_MAX_CLASSES, &cfg->classes))
                return -1;
        } else if (strcmp(a, "--per-class") == 0) {
            if (!(v = cli_value(CMD, argc, argv, &i)) ||
                cli_int(CMD, a, v, 1, SYNTH_MAX_PER_CLASS, &cfg->per_class))
                return -1;
        } else if (strcmp(a, "--size") == 0) {
            if (!(v = cli_value(CMD, argc, argv, &i)) ||
                cli_int(CMD, a, v, SYNTH_MIN_SIZE, SYNTH_MAX_SIZE, &cfg->size))
                return -1;
        } else if (strcmp(a, "--seed") == 0) {
            if (!(v = cli_value(CMD, argc, argv, &i)) || cli_u64(CMD, a, v, &cfg->seed)) return -1;
        } else if (strcmp(a, "--source") == 0) {
            cfg->source = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            cli_error(CMD, "unknown option '%s' (see 'finelab synth --help')", a);
            return -1;
        } else if (*out) {
            cli_error(CMD, "unexpected argument '%s': OUT is already '%s'", a, *out);
            return -1;
        } else {
            *out = a;
        }
    }
    if (!*out) {
        cli_error(CMD, "needs an output directory (usage: finelab synth OUT [options])");
        return -1;
    }
    return 0;
}

int cmd_synth(int argc, char **argv) {
    SynthConfig cfg = {.classes = 200, .per_class = 60, .size = 448, .seed = 1};
    const char *out = NULL;
    int parsed = parse_args(argc, argv, &cfg, &out);
    if (parsed > 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (parsed < 0 || check_out_dir(out)) return CLI_BAD_INPUT;
    Error err = {0};
    if (fileio_mkdirs(out, &err)) {
        cli_error(CMD, "%s", err.msg);
        return CLI_BAD_INPUT;
    }
    Progress prog = {.start = timer_now(), .tty = isatty(STDERR_FILENO)};
    cfg.progress = on_progress;
    cfg.progress_user = &prog;
    fprintf(stderr, "synth: %d %s species x %d images, size %d, seed %llu -> %s\n", cfg.classes,
            cfg.source ? "source" : "target", cfg.per_class, cfg.size, (unsigned long long)cfg.seed,
            out);
    SynthReport rep;
    if (synth_generate(&cfg, out, &rep, &err)) {
        if (prog.tty) fputc('\n', stderr);
        cli_error(CMD, "%s", err.msg);
        return err.status == ST_ARG ? CLI_BAD_INPUT : CLI_FAILED;
    }
    printf("synth: wrote %d images of %d species to %s (%d train, %d test)\n", rep.images,
           rep.classes, out, rep.train, rep.images - rep.train);
    printf("  telling parts: %.2f%% of the image area on average\n", 100.0 * rep.part_fraction);
    printf("  time: %.1f s, %.1f images/s (drawing %.0f%%, encoding and writing %.0f%%)\n",
           rep.seconds, rep.images / (rep.seconds + 1e-9),
           100.0 * rep.draw_seconds / (rep.seconds + 1e-9),
           100.0 * rep.write_seconds / (rep.seconds + 1e-9));
    return CLI_OK;
}
