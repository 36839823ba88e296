/* Endpoint syntax checks: what libzmq would refuse at bind or connect time, said at load time. */
#ifndef TIX_ENDPOINT_H
#define TIX_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>

/* 0 if `ep` is a ZeroMQ endpoint tix can use: tcp://HOST:PORT (binding: HOST may be *, PORT
 * * or 0 for any free port; connecting: SOURCE;HOST:PORT too), ipc://PATH (1 to 107 bytes),
 * inproc://NAME, epgm:// or pgm://INTERFACE;GROUP:PORT (an IPv4 multicast group) and
 * norm://[NODEID,][INTERFACE;]HOST:PORT. Else -1 with "ENDPOINT: what is wrong" in `why`. */
int tix_endpoint_check(const char *ep, bool bind, char *why, size_t cap);

/* 0 if `hp` is HOST:PORT to listen on (PORT 0: any free port), else -1 with `why`. */
int tix_host_port_check(const char *hp, char *why, size_t cap);

#endif
