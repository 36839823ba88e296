/* tix-archive check: journal (both parts) against archive, record by record, and the publish ledger against the archive. */
#ifndef TIX_ARCHIVE_CHECK_H
#define TIX_ARCHIVE_CHECK_H

#include "tix_storage.h"

/* Prints what it proved on stdout and the first problem on stderr; 0 when the archive holds
 * every journalled record once and every published message's record, -1 otherwise. */
int tix_archive_check(const tix_storage_opts_t *o);

#endif
