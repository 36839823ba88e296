/* Pre-scan of configuration text for what libconfig 1.5 would exit on or silently misread. */
#ifndef TIX_CONFIG_SCAN_H
#define TIX_CONFIG_SCAN_H

#include "tix_diag.h"

/* Checks `path` and, recursively, every file it @includes (resolved as libconfig does:
 * relative to `include_dir`) before libconfig reads them. libconfig 1.5 has no include hook
 * and calls exit(2) on an @include of a directory or of ""; it also wraps a plain integer
 * beyond 32 bits without a word. Each included file must be a readable regular file, not
 * already being read (a loop), nested at most 10 deep; each plain integer literal must fit
 * 32 bits (beyond that, the L suffix). Appends "file:line: message" per problem to `diag`
 * (tix_err() holds the first); returns the number of problems. */
int tix_config_prescan(const char *path, const char *include_dir, tix_diag_t *diag);

#endif
