/* Archive audit: recompute every tick and settlement from an archive's inputs and compare (tix-replay --verify). */
#ifndef TIX_VERIFY_H
#define TIX_VERIFY_H

#include "tix_config.h"

#include <stdio.h>

/* Re-normalizes every accepted archived quote from its local prices and FX rate, replays
 * quotes and clock events in seq (journal) order through a fresh engine (a new one at each
 * START event), and compares every recomputed tick and settlement with the archived ones.
 * `path` is a daily file or a directory of them (all, in day order). Prints a summary to
 * `out` and returns 0 when everything matches; otherwise prints the first difference to
 * stderr and returns -1. */
int tix_verify_archive(const tix_config_t *cfg, const char *path, FILE *out);

#endif
