/* ZeroMQ endpoint syntax (tcp, ipc, inproc, epgm/pgm, norm) and host:port, checked before any socket exists. */
#include "tix_endpoint.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_IPC_MAX 107 /* sizeof sockaddr_un.sun_path - 1 */

static int s_why(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Writes "ENDPOINT: message" to `why`; always -1. */
static int s_why(char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    return -1;
}

/* A decimal port 1..65535 (0 too when `zero_ok`). */
static bool s_port(const char *p, bool zero_ok)
{
    if (!*p || strlen(p) > 5)
        return false;
    for (const char *c = p; *c; c++)
        if (!isdigit((unsigned char)*c))
            return false;
    long v = strtol(p, NULL, 10);
    return v <= 65535 && (v > 0 || zero_ok);
}

/* A host name, an IPv4 address, an interface name, "*", or "[IPv6]". */
static bool s_host(const char *h, size_t n)
{
    if (n == 0)
        return false;
    if (h[0] == '[')
        return n > 2 && h[n - 1] == ']' && strspn(h + 1, "0123456789abcdefABCDEF:.") == n - 2;
    if (n == 1 && h[0] == '*')
        return true;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)h[i]) && h[i] != '.' && h[i] != '-' && h[i] != '_')
            return false;
    return true;
}

/* "HOST:PORT" where the port is a number, or "*" / "0" (any free port) when binding. */
static int s_host_port(const char *hp, bool bind, const char *what, char *why, size_t cap)
{
    const char *colon = strrchr(hp, ':');
    if (!colon)
        return s_why(why, cap, "%s needs HOST:PORT", what);
    if (!s_host(hp, (size_t)(colon - hp)))
        return s_why(why, cap, "%s: the host is not a name, an address, [IPv6] or *", what);
    const char *port = colon + 1;
    if (bind && strcmp(port, "*") == 0)
        return 0;
    if (!s_port(port, bind))
        return s_why(why, cap, "%s: the port must be 1 to 65535%s", what,
                     bind ? ", or * or 0 for any" : "");
    return 0;
}

/* An IPv4 multicast group 224.0.0.0 to 239.255.255.255. */
static bool s_mcast(const char *g, size_t n)
{
    char buf[16];
    unsigned a, b, c, d;
    char tail;
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, g, n);
    buf[n] = '\0';
    return sscanf(buf, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 4 && a >= 224 && a <= 239 &&
           b <= 255 && c <= 255 && d <= 255;
}

/* epgm://IFACE;GROUP:PORT (and pgm://): libzmq needs all three. */
static int s_pgm(const char *ep, const char *rest, char *why, size_t cap)
{
    const char *semi = strchr(rest, ';');
    const char *colon = strrchr(rest, ':');
    if (!semi || semi == rest || !colon || colon < semi)
        return s_why(why, cap, "%s: pgm needs INTERFACE;GROUP:PORT (127.0.0.1;239.192.7.1:5555)", ep);
    if (!s_mcast(semi + 1, (size_t)(colon - semi - 1)))
        return s_why(why, cap, "%s: the group must be an IPv4 multicast address (224.0.0.0 to "
                     "239.255.255.255)", ep);
    if (!s_port(colon + 1, false))
        return s_why(why, cap, "%s: the port must be 1 to 65535", ep);
    return 0;
}

/* norm://[NODEID,][IFACE;]ADDR:PORT */
static int s_norm(const char *ep, const char *rest, char *why, size_t cap)
{
    const char *p = rest;
    const char *comma = strchr(p, ',');
    if (comma) {
        if (comma == p || strspn(p, "0123456789") != (size_t)(comma - p))
            return s_why(why, cap, "%s: the node id before ',' must be a number", ep);
        p = comma + 1;
    }
    const char *semi = strchr(p, ';');
    if (semi)
        p = semi + 1;
    return s_host_port(p, false, ep, why, cap);
}

int tix_endpoint_check(const char *ep, bool bind, char *why, size_t cap)
{
    if (strncmp(ep, "tcp://", 6) == 0) {
        const char *hp = ep + 6, *semi = strchr(hp, ';');
        if (semi && !bind)
            hp = semi + 1; /* connect: SOURCE;HOST:PORT */
        return s_host_port(hp, bind, ep, why, cap);
    }
    if (strncmp(ep, "ipc://", 6) == 0) {
        size_t n = strlen(ep + 6);
        if (n == 0 || n > S_IPC_MAX)
            return s_why(why, cap, "%s: ipc:// needs a path of 1 to 107 bytes", ep);
        return 0;
    }
    if (strncmp(ep, "inproc://", 9) == 0)
        return ep[9] ? 0 : s_why(why, cap, "%s: inproc:// needs a name", ep);
    if (strncmp(ep, "epgm://", 7) == 0 || strncmp(ep, "pgm://", 6) == 0)
        return s_pgm(ep, strstr(ep, "://") + 3, why, cap);
    if (strncmp(ep, "norm://", 7) == 0)
        return s_norm(ep, ep + 7, why, cap);
    return s_why(why, cap, "%s: not a ZeroMQ endpoint (tcp://, ipc://, inproc://, epgm://, "
                 "pgm:// or norm://)", ep);
}

int tix_host_port_check(const char *hp, char *why, size_t cap)
{
    return s_host_port(hp, true, hp, why, cap);
}
