// SPDX-License-Identifier: GPL-2.0
/*
 * ctxscope exporter: serves /proc/ctxscope as Prometheus metrics over HTTP
 * (libmicrohttpd), one fresh scrape per request; see docs/fleet.md.
 *
 * Each connection has a thread of its own (a slow client holds only its
 * own), the number of scrapes at once is bounded (--web.max-requests,
 * then 503), and every scrape has a deadline (--scrape.timeout, or less
 * if Prometheus says its own timeout is shorter): what it has not read by
 * then is an error response, never part of a document.
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "commands.h"
#include "common.h"
#include "exporter.h"

struct server {
	struct cs_exporter ex;
	const char *path;		/* --web.telemetry-path */
	double timeout;			/* --scrape.timeout */
	unsigned int max_requests;	/* 0: no bound */
	atomic_uint inflight;
	pthread_mutex_t log_lock;
	char last_state[CS_DETAIL_MAX];	/* logged once per change */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ctxscope exporter [OPTIONS]\n"
		"\n"
		"Serves the counters of the ctxscope module as Prometheus metrics over\n"
		"HTTP, reading /proc/ctxscope afresh on every scrape. Runs until SIGTERM\n"
		"or SIGINT; keeps running while the module is unloaded\n"
		"(ctxscope_module_loaded 0).\n"
		"\n"
		"Options:\n"
		"  --web.listen-address=[HOST]:PORT  where to listen (default localhost:%d;\n"
		"                                   ':%d' for every address; port 0: any free)\n"
		"  --web.telemetry-path=PATH        path of the metrics (default /metrics)\n"
		"  --web.max-requests=N             scrapes served at once, more get 503\n"
		"                                   (default 40; 0: no bound)\n"
		"  --scrape.timeout=SECONDS         longest a scrape may read (default %g; less\n"
		"                                   if Prometheus's own timeout is shorter)\n"
		"  --[no-]collector.cgroups         per-cgroup series (default on)\n"
		"  --collector.cgroups.limit=N      most cgroups exported, busiest first\n"
		"                                   (default %d)\n"
		"  --collector.processes.top=K      per-process series for the K processes\n"
		"                                   with most switches (default 0: none)\n"
		"  --collector.max-bytes=BYTES      largest /proc/ctxscope file read\n"
		"                                   (default %u)\n"
		"  -h, --help                       this help\n"
		"\n"
		"Examples:\n"
		"  sudo ctxscope exporter\n"
		"  sudo ctxscope exporter --web.listen-address=:%d --collector.processes.top=10\n"
		"  curl -s localhost:%d/metrics\n"
		"\n"
		"See docs/fleet.md: the systemd unit, a scrape config, rules, cardinality.\n",
		CS_EXPORTER_PORT, CS_EXPORTER_PORT, CS_EXPORTER_TIMEOUT,
		CS_EXPORTER_CGROUP_LIMIT, CS_EXPORTER_MAX_BYTES, CS_EXPORTER_PORT,
		CS_EXPORTER_PORT);
}

/* One line on stderr (the journal, under systemd) when the state changes. */
static void log_state(struct server *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void log_state(struct server *s, const char *fmt, ...)
{
	char line[CS_DETAIL_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&s->log_lock);
	if (strcmp(line, s->last_state) != 0) {
		snprintf(s->last_state, sizeof(s->last_state), "%s", line);
		cs_error("exporter: %s", line);
	}
	pthread_mutex_unlock(&s->log_lock);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int code,
			     const char *type, char *body, size_t len,
			     enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, mode);
	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned int code,
				  const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned int code,
				  const char *fmt, ...)
{
	char *body = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&body, fmt, ap);
	va_end(ap);
	if (n < 0)
		return MHD_NO;
	return reply(c, code, "text/plain; charset=utf-8", body, (size_t)n,
		     MHD_RESPMEM_MUST_FREE);
}

/*
 * The format the scraper prefers (Accept, with q-values): OpenMetrics if
 * it weighs application/openmetrics-text at least as much as text/plain.
 * *version: the OpenMetrics version it named (1.0.0 or 0.0.1).
 */
static enum cs_prom_format negotiate(const char *accept, const char **version)
{
	double om = -1, text = -1;
	const char *p = accept;

	*version = "1.0.0";
	if (!accept)
		return CS_PROM_TEXT;
	while (*p) {
		size_t len = strcspn(p, ",");
		char range[256];
		const char *q;
		double w = 1;

		snprintf(range, sizeof(range), "%.*s",
			 (int)(len < sizeof(range) ? len : sizeof(range) - 1), p);
		q = strstr(range, "q=");
		if (q)
			w = strtod(q + 2, NULL);
		if (strstr(range, "application/openmetrics-text")) {
			if (w > om) {
				om = w;
				*version = strstr(range, "version=0.0.1") ?
					"0.0.1" : "1.0.0";
			}
		} else if (strstr(range, "text/plain") || strstr(range, "*/*")) {
			if (w > text)
				text = w;
		}
		p += len;
		if (*p)
			p++;
	}
	return om > 0 && om >= text ? CS_PROM_OPENMETRICS : CS_PROM_TEXT;
}

/* The scrape's deadline: ours, or Prometheus's if it is sooner. */
static double deadline_of(const struct server *s, struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		"X-Prometheus-Scrape-Timeout-Seconds");
	double t = s->timeout;

	if (h) {
		double theirs = strtod(h, NULL);

		/* Leave Prometheus time to receive the answer. */
		theirs = theirs > 1 ? theirs - 0.5 : theirs / 2;
		if (theirs > 0 && theirs < t)
			t = theirs;
	}
	return cs_monotonic() + t;
}

static enum MHD_Result scrape(struct server *s, struct MHD_Connection *c)
{
	char detail[CS_DETAIL_MAX] = "", *buf = NULL;
	enum cs_prom_format fmt;
	enum cs_scrape_error r;
	const char *version;
	char type[96];
	struct cs_prom *p;
	size_t len = 0;
	enum MHD_Result ret;

	if (s->max_requests &&
	    atomic_fetch_add(&s->inflight, 1) >= s->max_requests) {
		atomic_fetch_sub(&s->inflight, 1);
		cs_exporter_count_error(&s->ex, CS_SCRAPE_BUSY);
		return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
				  "ctxscope exporter: more than %u scrapes at once (--web.max-requests)\n",
				  s->max_requests);
	}
	fmt = negotiate(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_ACCEPT),
			&version);
	p = cs_prom_new();
	r = p ? cs_exporter_collect(&s->ex, deadline_of(s, c), p, detail) :
		CS_SCRAPE_NOMEM;
	if (!r) {
		FILE *out = open_memstream(&buf, &len);

		if (!out || cs_prom_write_as(p, out, fmt)) {
			snprintf(detail, sizeof(detail), "out of memory");
			r = CS_SCRAPE_NOMEM;
		}
		if (out && fclose(out) && !r)
			r = CS_SCRAPE_NOMEM;
	}
	cs_prom_free(p);
	if (s->max_requests)
		atomic_fetch_sub(&s->inflight, 1);
	if (r) {
		free(buf);
		cs_exporter_count_error(&s->ex, r);
		log_state(s, "scrape failed (%s): %s", cs_scrape_error_name(r),
			  detail);
		return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
				  "ctxscope exporter: scrape failed (%s): %s\n",
				  cs_scrape_error_name(r), detail);
	}
	log_state(s, "serving %s", strstr(buf, "ctxscope_module_loaded 1") ?
		  "the module's counters" :
		  "no counters: the ctxscope module is not loaded");
	if (fmt == CS_PROM_OPENMETRICS)
		snprintf(type, sizeof(type),
			 "application/openmetrics-text; version=%s; charset=utf-8",
			 version);
	else
		snprintf(type, sizeof(type),
			 "text/plain; version=0.0.4; charset=utf-8");
	ret = reply(c, MHD_HTTP_OK, type, buf, len, MHD_RESPMEM_MUST_FREE);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_size, void **req)
{
	static int started;
	struct server *s = cls;

	(void)version;
	(void)upload;
	/* The first call only announces the request (headers read). */
	if (!*req) {
		*req = &started;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;	/* a body is not used: dropped */
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
				  "ctxscope exporter: only GET\n");
	if (!strcmp(url, s->path))
		return scrape(s, c);
	if (!strcmp(url, "/")) {
		char *page = NULL;
		int n = asprintf(&page,
			"<html><head><title>ctxscope exporter</title></head><body>\n"
			"<h1>ctxscope exporter</h1>\n<p><a href=\"%s\">Metrics</a></p>\n"
			"</body></html>\n", s->path);

		if (n < 0)
			return MHD_NO;
		return reply(c, MHD_HTTP_OK, "text/html; charset=utf-8", page,
			     (size_t)n, MHD_RESPMEM_MUST_FREE);
	}
	return reply_text(c, MHD_HTTP_NOT_FOUND,
			  "ctxscope exporter: no such page; metrics are at %s\n",
			  s->path);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[CS_DETAIL_MAX];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	cs_error("exporter: libmicrohttpd: %s", msg);
}

/* [HOST]:PORT into an address to bind; 0, or -1 with why. */
static int parse_listen(const char *arg, struct sockaddr_storage *ss,
			socklen_t *sslen, bool *any, bool *unresolved,
			char *why, size_t whylen)
{
	char host[256];
	const char *colon = strrchr(arg, ':');
	struct addrinfo hints = { 0 }, *res = NULL, *ai;
	long long port;
	size_t hlen;
	int err;

	if (!colon) {
		snprintf(why, whylen, "'%s' has no :PORT", arg);
		return -1;
	}
	port = cs_parse_uint(colon + 1, 65535);
	if (port < 0) {
		snprintf(why, whylen, "'%s': the port must be 0 to 65535", arg);
		return -1;
	}
	hlen = (size_t)(colon - arg);
	if (hlen >= 2 && arg[0] == '[' && arg[hlen - 1] == ']') {
		arg++;
		hlen -= 2;
	}
	if (hlen >= sizeof(host)) {
		snprintf(why, whylen, "host name too long");
		return -1;
	}
	memcpy(host, arg, hlen);
	host[hlen] = '\0';
	*any = !hlen;
	memset(ss, 0, sizeof(*ss));
	if (!hlen) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

		a6->sin6_family = AF_INET6;
		a6->sin6_addr = in6addr_any;
		a6->sin6_port = htons((uint16_t)port);
		*sslen = sizeof(*a6);
		return 0;
	}
	/*
	 * localhost is the loopback address (RFC 6761), resolved here: a
	 * minimal system may have no /etc/hosts, and DNS must not decide.
	 */
	if (!strcmp(host, "localhost")) {
		struct sockaddr_in *a4 = (struct sockaddr_in *)ss;

		a4->sin_family = AF_INET;
		a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a4->sin_port = htons((uint16_t)port);
		*sslen = sizeof(*a4);
		return 0;
	}
	hints.ai_socktype = SOCK_STREAM;
	err = getaddrinfo(host, NULL, &hints, &res);
	if (err || !res) {
		snprintf(why, whylen, "cannot resolve '%s': %s", host,
			 gai_strerror(err));
		*unresolved = true;
		return -1;
	}
	/* IPv4 first, as clients (curl, /dev/tcp) try it first. */
	for (ai = res; ai && ai->ai_family != AF_INET; ai = ai->ai_next)
		;
	if (!ai)
		ai = res;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*sslen = ai->ai_addrlen;
	freeaddrinfo(res);
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
	return 0;
}

static struct MHD_Daemon *start(struct server *s, struct sockaddr_storage *ss,
				bool any)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD |
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG;
	unsigned int limit = s->max_requests ? s->max_requests + 16 : 1024;
	struct MHD_Daemon *d;

	if (any)
		flags |= MHD_USE_DUAL_STACK;
	else if (ss->ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	d = MHD_start_daemon(flags, 0, NULL, NULL, handle, s,
			     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)ss,
			     MHD_OPTION_CONNECTION_LIMIT, limit,
			     /* An idle or stalled client is let go. */
			     MHD_OPTION_CONNECTION_TIMEOUT, 30u,
			     MHD_OPTION_END);
	if (!d && any) {
		/* No IPv6 here: every IPv4 address. */
		struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
		uint16_t port = ((struct sockaddr_in6 *)ss)->sin6_port;

		memset(ss, 0, sizeof(*ss));
		a4->sin_family = AF_INET;
		a4->sin_addr.s_addr = htonl(INADDR_ANY);
		a4->sin_port = port;
		d = start(s, ss, false);
	}
	return d;
}

enum {
	OPT_LISTEN = 256, OPT_PATH, OPT_MAX_REQUESTS, OPT_TIMEOUT,
	OPT_CGROUPS, OPT_NO_CGROUPS, OPT_CGROUP_LIMIT, OPT_TOP, OPT_MAX_BYTES,
};

static int parse_options(int argc, char **argv, struct server *s,
			 struct cs_exporter_config *cfg, const char **listen)
{
	static const struct option opts[] = {
		{ "web.listen-address", required_argument, NULL, OPT_LISTEN },
		{ "web.telemetry-path", required_argument, NULL, OPT_PATH },
		{ "web.max-requests", required_argument, NULL, OPT_MAX_REQUESTS },
		{ "scrape.timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "collector.cgroups", no_argument, NULL, OPT_CGROUPS },
		{ "no-collector.cgroups", no_argument, NULL, OPT_NO_CGROUPS },
		{ "collector.cgroups.limit", required_argument, NULL, OPT_CGROUP_LIMIT },
		{ "collector.processes.top", required_argument, NULL, OPT_TOP },
		{ "collector.max-bytes", required_argument, NULL, OPT_MAX_BYTES },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long long v;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_LISTEN:
			*listen = optarg;
			break;
		case OPT_PATH:
			if (optarg[0] != '/' || !strcmp(optarg, "/")) {
				cs_error("exporter: --web.telemetry-path must start with / and not be / itself: '%s'",
					 optarg);
				return CS_EXIT_USAGE;
			}
			s->path = optarg;
			break;
		case OPT_TIMEOUT:
			s->timeout = cs_parse_seconds(optarg);
			if (s->timeout <= 0 || s->timeout > 3600) {
				cs_error("exporter: invalid --scrape.timeout '%s': seconds, above 0 and at most 3600",
					 optarg);
				return CS_EXIT_USAGE;
			}
			break;
		case OPT_CGROUPS:
			cfg->cgroups = true;
			break;
		case OPT_NO_CGROUPS:
			cfg->cgroups = false;
			break;
		case OPT_MAX_REQUESTS:
		case OPT_CGROUP_LIMIT:
		case OPT_TOP:
		case OPT_MAX_BYTES:
			v = cs_parse_uint(optarg, c == OPT_MAX_BYTES ?
					  (1LL << 40) : 1000000);
			if (v < 0 || (c == OPT_MAX_BYTES && v < 4096)) {
				cs_error("exporter: invalid %s '%s'", argv[optind - 1],
					 optarg);
				return CS_EXIT_USAGE;
			}
			if (c == OPT_MAX_REQUESTS)
				s->max_requests = (unsigned int)v;
			else if (c == OPT_CGROUP_LIMIT)
				cfg->cgroup_limit = (unsigned int)v;
			else if (c == OPT_TOP)
				cfg->top_processes = (unsigned int)v;
			else
				cfg->max_bytes = (size_t)v;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			return cs_bad_option("exporter", c, argv);
		}
	}
	if (optind < argc) {
		cs_error("exporter: unexpected argument '%s' (see ctxscope exporter --help)",
			 argv[optind]);
		return CS_EXIT_USAGE;
	}
	return 0;
}

int cmd_exporter(int argc, char **argv)
{
	struct cs_exporter_config cfg = {
		.cgroups = true,
		.cgroup_limit = CS_EXPORTER_CGROUP_LIMIT,
		.max_bytes = CS_EXPORTER_MAX_BYTES,
	};
	static struct server s;
	char listen_default[32], why[CS_DETAIL_MAX], host[INET6_ADDRSTRLEN];
	const char *listen = listen_default;
	const union MHD_DaemonInfo *info;
	struct sockaddr_storage ss;
	struct MHD_Daemon *d;
	socklen_t sslen;
	sigset_t stop;
	bool any, unresolved = false;
	int ret, sig;

	snprintf(listen_default, sizeof(listen_default), "localhost:%d",
		 CS_EXPORTER_PORT);
	s.path = "/metrics";
	s.timeout = CS_EXPORTER_TIMEOUT;
	s.max_requests = 40;
	ret = parse_options(argc, argv, &s, &cfg, &listen);
	if (ret)
		return ret < 0 ? CS_EXIT_OK : ret;
	if (parse_listen(listen, &ss, &sslen, &any, &unresolved, why,
			 sizeof(why))) {
		/* A name the resolver cannot resolve now may resolve later. */
		cs_error("exporter: %s --web.listen-address: %s",
			 unresolved ? "cannot listen on" : "invalid", why);
		return unresolved ? CS_EXIT_OSERR : CS_EXIT_USAGE;
	}
	(void)sslen;
	/* Signals are taken by sigwait below, in no other thread. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&s.log_lock, NULL);
	atomic_init(&s.inflight, 0);
	cs_exporter_init(&s.ex, &cfg, NULL);
	d = start(&s, &ss, any);
	if (!d) {
		cs_error("exporter: cannot listen on %s (in use, or not an address of this machine?)",
			 listen);
		cs_exporter_destroy(&s.ex);
		return CS_EXIT_OSERR;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host,
			  sizeof(host));
	else
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
			  host, sizeof(host));
	cs_error("exporter: listening on %s%s%s:%u, metrics at %s (cgroups: %s, limit %u; top processes: %u; timeout %gs)",
		 ss.ss_family == AF_INET6 ? "[" : "", host,
		 ss.ss_family == AF_INET6 ? "]" : "",
		 info ? info->port : 0, s.path, cfg.cgroups ? "on" : "off",
		 cfg.cgroup_limit, cfg.top_processes, s.timeout);
	while (sigwait(&stop, &sig) != 0)
		;
	cs_error("exporter: %s, stopping", strsignal(sig));
	MHD_stop_daemon(d);
	cs_exporter_destroy(&s.ex);
	return CS_EXIT_OK;
}
