/*
 * version — finelab's version string, one place for --version and logs.
 */
#ifndef FINELAB_VERSION_H
#define FINELAB_VERSION_H

#define FINELAB_VERSION "0.1.0"

#endif
