/* Names of tick and settlement statuses, as printed in CSV and logs. */
#include "tix_types.h"

#define S_NAME(id, name) name,

const char *tix_status_name(tix_status_t s)
{
    static const char *const n[] = {TIX_STATUS_MAP(S_NAME)};
    return (unsigned)s < sizeof n / sizeof n[0] ? n[s] : "?";
}

const char *tix_settle_status_name(tix_settle_status_t s)
{
    static const char *const n[] = {TIX_SETTLE_STATUS_MAP(S_NAME)};
    return (unsigned)s < sizeof n / sizeof n[0] ? n[s] : "?";
}
