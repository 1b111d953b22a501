/*
 * solver_import — turns a Caffe solver.prototxt into the equivalent [solver]
 * section of a finelab preset, so the tutorial's solver files carry over
 * line by line.
 *
 * Fields finelab shares with Caffe's SGDSolver become `key = value` lines
 * (each value checked by the preset schema); Caffe fields finelab has no use
 * for become `; not used: ...` comments, and Caffe defaults that differ from
 * finelab's are written out for the fields the file leaves unset. The caller
 * owns the returned text. Reentrant; never prints.
 */
#ifndef FINELAB_SOLVER_IMPORT_H
#define FINELAB_SOLVER_IMPORT_H

#include "engine/base/error.h"

/* Converts solver prototxt text (read from a file called name) into a
 * malloc'd "[solver]\n..." INI text. On error returns NULL and err says
 * "name:line: ..." (ST_FORMAT for bad input, ST_NOMEM). */
char *solver_import(const char *text, const char *name, Error *err);

#endif
