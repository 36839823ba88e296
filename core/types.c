/* Names of tick and settlement statuses, as printed in CSV and logs. */
#include "tix_types.h"

const char *tix_status_name(tix_status_t s)
{
    static const char *n[] = {"OK", "LOW", "STALE"};
    return (unsigned)s < 3 ? n[s] : "?";
}

const char *tix_settle_status_name(tix_settle_status_t s)
{
    static const char *n[] = {"OK", "FALLBACK", "NONE"};
    return (unsigned)s < 3 ? n[s] : "?";
}
