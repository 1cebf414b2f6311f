/*
 * LD_PRELOAD shim for bench/slow-clients: outgoing IPv4 connections to a
 * loopback address leave from a chosen loopback source address, so that an
 * attack can come from other addresses than the load generator (wrk) and
 * the per-address connection cap can be seen at work.
 *
 *   BENCH_SRC=127.0.0.2              every connection from 127.0.0.2
 *   BENCH_SRC=127.0.0.2-127.0.0.251  round robin over the range
 *
 * Anything else (other destinations, IPv6, a socket already bound) is left
 * alone. Built by bench/slow-clients into the bench build directory.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

static int (*real_connect)(int, const struct sockaddr *, socklen_t);
static uint32_t first, last; /* host order; first == 0: off */
static atomic_uint next_index;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init(void)
{
	real_connect = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "connect");
	const char *spec = getenv("BENCH_SRC");
	if (!spec || !*spec)
		return;
	char lo[INET_ADDRSTRLEN] = "", hi[INET_ADDRSTRLEN] = "";
	const char *dash = strchr(spec, '-');
	size_t n = dash ? (size_t)(dash - spec) : strlen(spec);
	if (n >= sizeof(lo))
		return;
	memcpy(lo, spec, n);
	if (dash && strlen(dash + 1) < sizeof(hi))
		strcpy(hi, dash + 1);
	struct in_addr a, b;
	if (inet_pton(AF_INET, lo, &a) != 1)
		return;
	if (!hi[0] || inet_pton(AF_INET, hi, &b) != 1)
		b = a;
	if (ntohl(a.s_addr) >> 24 != 127 || ntohl(b.s_addr) >> 24 != 127 || ntohl(b.s_addr) < ntohl(a.s_addr))
		return;
	first = ntohl(a.s_addr);
	last = ntohl(b.s_addr);
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	pthread_once(&once, init);
	if (!real_connect)
		return -1;
	if (first && addr && addr->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *to = (const struct sockaddr_in *)(const void *)addr;
		struct sockaddr_in bound;
		socklen_t bound_len = sizeof(bound);
		if (ntohl(to->sin_addr.s_addr) >> 24 == 127 &&
		    getsockname(fd, (struct sockaddr *)&bound, &bound_len) == 0 && bound.sin_family == AF_INET &&
		    bound.sin_port == 0 && bound.sin_addr.s_addr == htonl(INADDR_ANY)) {
			unsigned i = atomic_fetch_add(&next_index, 1u) % (last - first + 1);
			struct sockaddr_in from = { .sin_family = AF_INET, .sin_port = 0 };
			from.sin_addr.s_addr = htonl(first + i);
			int one = 1;
			setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
			(void)bind(fd, (const struct sockaddr *)&from, sizeof(from));
		}
	}
	return real_connect(fd, addr, len);
}
