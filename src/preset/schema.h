/*
 * schema — the one table of every preset key: its section and name, the
 * type of its value, its default (as text), its allowed range or choices,
 * values the TUI offers when cycling, one line of help, and where the value
 * lives in a Preset. Parsing, validation, writing and the TUI editor are all
 * driven by this table, so a key added here is read, checked, written and
 * editable everywhere. Beside it, two smaller tables say what the editor
 * needs to guide a beginner: which keys are the tutorial's knobs (shown
 * first), and when a key does nothing because of another key's value.
 *
 * The table is const data; the functions here interpret it. Defaults are
 * parsed by the same code as file values, so a bad default is caught too.
 * Messages from schema_parse say what was expected ("expects a whole number
 * from 1 to 64 (got 'x')") without file, line or key: callers add those.
 * Everything here is reentrant and callable from any thread.
 */
#ifndef FINELAB_SCHEMA_H
#define FINELAB_SCHEMA_H

#include <stddef.h>

#include "engine/base/error.h"
#include "src/preset/preset.h"

typedef enum SchemaType {
    SCHEMA_STRING,   /* one line of text in a char array */
    SCHEMA_PATH,     /* a file or directory path in a char array */
    SCHEMA_INT,      /* whole number in an int */
    SCHEMA_FLOAT,    /* number in a float */
    SCHEMA_DOUBLE,   /* number in a double */
    SCHEMA_BOOL,     /* true/false (also yes/no, on/off, 1/0) in an int 1/0 */
    SCHEMA_ENUM,     /* one of choices[] (any case); the choice's value in an int */
    SCHEMA_INT_LIST, /* whole numbers separated by commas or spaces ("none" = empty) */
    SCHEMA_FLOAT3,   /* three numbers separated by commas or spaces in a float[3] */
    SCHEMA_SPLIT,    /* "official" (stored as -1) or "random:<fraction>" in a double */
} SchemaType;

enum {
    SCHEMA_REPEATABLE = 1 << 0, /* the key may appear more than once; values accumulate */
    SCHEMA_LO_OPEN = 1 << 1,    /* range excludes lo */
    SCHEMA_HI_OPEN = 1 << 2,    /* range excludes hi */
    SCHEMA_NONEMPTY = 1 << 3,   /* text/path may not be empty */
    SCHEMA_AUTO = 1 << 4,       /* a whole number may also be "auto", stored as -1 */
};

/* One allowed word of an enum (or of a restricted string) and what it stores. */
typedef struct SchemaChoice {
    const char *text;
    int value;
} SchemaChoice;

typedef struct SchemaKey {
    const char *section;
    const char *key;
    SchemaType type;
    const char *def; /* default, as text */
    double lo, hi;   /* range of a number (each item of a list); +-INFINITY: unbounded */
    unsigned flags;  /* SCHEMA_* bits above */
    const SchemaChoice *choices; /* enum words, or the only texts a string allows;
                                  * ends with {NULL, 0}; NULL: none */
    const char *const *suggest;  /* values the TUI cycles through, NULL-terminated;
                                  * NULL: the choices (enum, bool) or none */
    const char *help;            /* one line */
    size_t offset;               /* where the value lives in Preset */
    size_t size;                 /* byte size of the field (text capacity) */
    size_t count_offset;         /* INT_LIST: the int holding the item count */
    int max_items;               /* INT_LIST: capacity of the array */
} SchemaKey;

/* Number of keys, and key i (0 <= i < schema_count()), in section order. */
int schema_count(void);
const SchemaKey *schema_at(int i);
/* Index of k in the table (k must come from this module). */
int schema_index(const SchemaKey *k);

/* The sections that hold keys, in file order ("experiment" ... "solver");
 * i past the end gives NULL. [sweep] is not one of them (see preset.h). */
const char *schema_section(int i);
/* 1 when section names one of schema_section's sections. */
int schema_is_section(const char *section);
/* Iterates one section's keys: pass NULL first, then the previous key;
 * NULL after the last. */
const SchemaKey *schema_next(const char *section, const SchemaKey *prev);

/* The key section.key, or NULL. */
const SchemaKey *schema_find(const char *section, const char *key);
/* The key named "section.key" (the --set and [sweep] spelling), or NULL. */
const SchemaKey *schema_find_dotted(const char *dotted);
/* The known key closest to a misspelt section.key (section may be "" or
 * unknown), or NULL when nothing is close enough to suggest. */
const SchemaKey *schema_closest(const char *section, const char *key);
/* The known section closest to a misspelt one, or NULL. */
const char *schema_closest_section(const char *section);

/* Parses text as k's value into p. append adds to a SCHEMA_REPEATABLE list
 * instead of replacing it. On error p is unchanged and err (ST_ARG) says
 * what was expected and what was given, without file, line or key. */
Status schema_parse(const SchemaKey *k, const char *text, Preset *p, int append, Error *err);
/* Writes k's value in p as text that schema_parse reads back to the same
 * bits. Returns the length, or -1 when it did not fit in cap bytes. */
int schema_format(const SchemaKey *k, const Preset *p, char *buf, size_t cap);
/* Writes what k's values look like ("a whole number from 1 to 64") into buf,
 * for messages and the editor's help line. */
void schema_describe(const SchemaKey *k, char *buf, size_t cap);
/* Suggested value i for the TUI (the choices of an enum or bool when the
 * table names none), or NULL past the end. */
const char *schema_suggestion(const SchemaKey *k, int i);
/* 1 when a and b hold the same value of k (as written), else 0. */
int schema_same(const SchemaKey *k, const Preset *a, const Preset *b);

/* The tutorial's knobs: the keys a beginner came to change, in the order
 * the editor lists them first (transfer.mode, data.resolution,
 * model.bilinear_dim, solver.weight_decay, then solver.base_lr, lr_policy,
 * max_iter, batch_size). Knob i (0 <= i < schema_knob_count()), else NULL. */
int schema_knob_count(void);
const SchemaKey *schema_knob(int i);
/* k's place among the knobs, or -1 when it is not one. */
int schema_knob_rank(const SchemaKey *k);

/* Why k has no effect on a run of p, as a short phrase for the editor
 * ("unused unless lr_policy = multistep"), or NULL when it may have one. */
const char *schema_unused(const SchemaKey *k, const Preset *p);

#endif
