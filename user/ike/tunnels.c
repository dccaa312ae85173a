// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* A node's active tunnel count: see tunnels.h for what each source means. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/xfrm.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "ike/tunnels.h"
#include "ike/vici_conn.h"
#include "ike/vici_query.h"
#include "ike/vici_sync.h"

__attribute__((format(printf, 3, 4))) static int fail(char *why, size_t whylen,
						      const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int tunnels_init(struct tunnels_src *s, enum cfg_tunnels kind, const char *path,
		 uint64_t value)
{
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->value = value;
	s->timeout_ms = TUNNELS_VICI_TIMEOUT_MS;
	if (kind == CFG_TUNNELS_VICI || kind == CFG_TUNNELS_FILE) {
		if (!path || !*path || strlen(path) >= sizeof(s->path)) {
			errno = EINVAL;
			return -1;
		}
		strcpy(s->path, path);
	}
	return 0;
}

int tunnels_init_config(struct tunnels_src *s, const struct config *c)
{
	struct ip_addr vip[2];
	unsigned n = 0;

	if (tunnels_init(s, c->has_gateway ? c->tunnels : CFG_TUNNELS_NONE, c->tunnels_path,
			 c->tunnels_static))
		return -1;
	/* In auth mode IKE_SAs at the VIP are clients waiting to be redirected. */
	if (s->kind != CFG_TUNNELS_VICI || c->mode != CFG_MODE_AUTH)
		return 0;
	if (c->has_vip4)
		vip[n++] = (struct ip_addr){ .family = AF_INET, .v4 = c->vip4 };
	if (c->has_vip6)
		vip[n++] = (struct ip_addr){ .family = AF_INET6, .v6 = c->vip6 };
	return tunnels_exclude(s, vip, n);
}

int tunnels_init_spec(struct tunnels_src *s, const char *spec, char *why, size_t whylen)
{
	uint64_t n;

	if (!strncmp(spec, "vici:", 5) && spec[5]) {
		if (tunnels_init(s, CFG_TUNNELS_VICI, spec + 5, 0))
			return fail(why, whylen, "vici: socket path too long");
		return 0;
	}
	if (!strncmp(spec, "file:", 5) && spec[5]) {
		if (tunnels_init(s, CFG_TUNNELS_FILE, spec + 5, 0))
			return fail(why, whylen, "file: path too long");
		return 0;
	}
	if (!strcmp(spec, "xfrm"))
		return tunnels_init(s, CFG_TUNNELS_XFRM, NULL, 0);
	if (!strncmp(spec, "static:", 7)) {
		if (vic_parse_u64(spec + 7, &n))
			return fail(why, whylen, "static: not a non-negative integer: '%s'",
				    spec + 7);
		return tunnels_init(s, CFG_TUNNELS_STATIC, NULL, n);
	}
	return fail(why, whylen,
		    "unknown tunnels source '%s' (vici:PATH, xfrm, file:PATH or static:N)", spec);
}

int tunnels_exclude(struct tunnels_src *s, const struct ip_addr *addrs, unsigned n)
{
	unsigned i;

	if (s->kind != CFG_TUNNELS_VICI || n > TUNNELS_MAX_EXCLUDE - s->n_exclude) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (addrs[i].family != AF_INET && addrs[i].family != AF_INET6) {
			errno = EINVAL;
			return -1;
		}
	}
	memcpy(&s->exclude[s->n_exclude], addrs, n * sizeof(*addrs));
	s->n_exclude += n;
	return 0;
}

static void xfrm_drop(struct tunnels_src *s)
{
	if (s->nl)
		mnl_socket_close(s->nl);
	s->nl = NULL;
}

void tunnels_close(struct tunnels_src *s)
{
	vic_conn_free(s->vici);
	s->vici = NULL;
	xfrm_drop(s);
}

/* ---- file and static --------------------------------------------------- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int tunnels_parse_number(const char *buf, size_t len, uint64_t *out)
{
	size_t a = 0, b = len;
	char num[24];

	while (a < b && is_space(buf[a]))
		a++;
	while (b > a && is_space(buf[b - 1]))
		b--;
	if (a == b || b - a >= sizeof(num))
		return -1;
	memcpy(num, buf + a, b - a);
	num[b - a] = 0;
	/* vic_parse_u64 would stop at an embedded NUL */
	if (memchr(buf + a, 0, b - a))
		return -1;
	return vic_parse_u64(num, out);
}

static int read_file(struct tunnels_src *s, uint64_t *count, char *why, size_t whylen)
{
	char buf[TUNNELS_FILE_MAX + 1];
	size_t len = 0;
	struct stat st;
	int fd, e;

	/* O_NONBLOCK: a FIFO put there by mistake must not hang the daemon */
	fd = open(s->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return fail(why, whylen, "file %s: %s", s->path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		e = errno;
		close(fd);
		return fail(why, whylen, "file %s: %s", s->path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return fail(why, whylen, "file %s: not a regular file", s->path);
	}
	while (len < sizeof(buf)) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = errno;
			close(fd);
			return fail(why, whylen, "file %s: %s", s->path, strerror(e));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (len > TUNNELS_FILE_MAX)
		return fail(why, whylen, "file %s: longer than %d bytes", s->path,
			    TUNNELS_FILE_MAX);
	if (tunnels_parse_number(buf, len, count))
		return fail(why, whylen, "file %s: not a non-negative integer", s->path);
	return 0;
}

/* ---- vici -------------------------------------------------------------- */

static bool excluded(const struct tunnels_src *s, const char *host)
{
	unsigned char a[sizeof(struct in6_addr)];
	unsigned i;

	if (!host)
		return false;
	for (i = 0; i < s->n_exclude; i++) {
		const struct ip_addr *x = &s->exclude[i];

		if (inet_pton(x->family, host, a) != 1)
			continue;
		if (x->family == AF_INET ? !memcmp(a, &x->v4, 4) : !memcmp(a, &x->v6, 16))
			return true;
	}
	return false;
}

uint64_t tunnels_count_list_sa(const struct tunnels_src *s, const struct vic_node *event)
{
	const struct vic_node *sa;
	uint64_t n = 0;

	for (sa = event ? event->child : NULL; sa; sa = sa->next) {
		const char *state = vic_find_str(sa, "state");

		if (sa->type != VIC_N_SECTION || !state)
			continue;
		if (strcmp(state, "ESTABLISHED") && strcmp(state, "REKEYING"))
			continue;
		if (!excluded(s, vic_find_str(sa, "local-host")))
			n++;
	}
	return n;
}

struct list_count {
	const struct tunnels_src *s;
	uint64_t n;
};

static void on_list_sa(void *ctx, const char *event, const struct vic_node *msg)
{
	struct list_count *lc = ctx;

	(void)event;
	lc->n += tunnels_count_list_sa(lc->s, msg);
}

static int vici_by_list(struct tunnels_src *s, uint64_t *count, char *why, size_t whylen)
{
	struct list_count lc = { s, 0 };
	struct vic_sync_result r = { 0 };

	if (vic_sync_finish(s->vici,
			    vic_query_list_sas(s->vici, NULL, vic_sync_deadline(s->timeout_ms),
					       on_list_sa, &lc, vic_sync_done, &r),
			    &r))
		return fail(why, whylen, "vici: list-sas: %s", r.why);
	*count = lc.n;
	return 0;
}

static int vici_by_stats(struct tunnels_src *s, uint64_t *count, char *why, size_t whylen)
{
	struct vic_sync_result r = { 0 };

	if (vic_sync_finish(s->vici,
			    vic_query_ike_sas(s->vici, vic_sync_deadline(s->timeout_ms),
					      vic_sync_count, &r),
			    &r))
		return fail(why, whylen, "vici: stats: %s", r.why);
	*count = r.count;
	return 0;
}

static int read_vici(struct tunnels_src *s, uint64_t *count, char *why, size_t whylen)
{
	if (!s->vici && !(s->vici = vic_conn_new()))
		return fail(why, whylen, "vici: out of memory");
	if (!vic_conn_is_open(s->vici) && vic_conn_connect(s->vici, s->path))
		return fail(why, whylen, "vici: %s", vic_conn_error(s->vici));
	if (s->n_exclude)
		return vici_by_list(s, count, why, whylen);
	return vici_by_stats(s, count, why, whylen);
}

/* ---- xfrm -------------------------------------------------------------- */

struct sadinfo {
	bool found;
	uint32_t count;
};

static int sadinfo_attr(const struct nlattr *a, void *data)
{
	struct sadinfo *si = data;

	if (mnl_attr_get_type(a) == XFRMA_SAD_CNT && !mnl_attr_validate(a, MNL_TYPE_U32)) {
		si->count = mnl_attr_get_u32(a);
		si->found = true;
	}
	return MNL_CB_OK;
}

static int sadinfo_msg(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type != XFRM_MSG_NEWSADINFO ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(uint32_t))
		return MNL_CB_OK;
	return mnl_attr_parse(nlh, sizeof(uint32_t), sadinfo_attr, data) < 0 ? MNL_CB_ERROR :
									       MNL_CB_STOP;
}

static int xfrm_open(struct tunnels_src *s, char *why, size_t whylen)
{
	struct timeval tv = { .tv_sec = s->timeout_ms / 1000,
			      .tv_usec = (s->timeout_ms % 1000) * 1000 };

	s->nl = mnl_socket_open2(NETLINK_XFRM, SOCK_CLOEXEC);
	if (!s->nl)
		return fail(why, whylen, "xfrm: netlink socket: %s", strerror(errno));
	if (mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    setsockopt(mnl_socket_get_fd(s->nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		int e = errno;

		xfrm_drop(s);
		return fail(why, whylen, "xfrm: netlink bind: %s", strerror(e));
	}
	return 0;
}

/* One GETSADINFO round trip; on failure the socket is dropped and reopened
 * next time, so a late answer cannot be taken for the next request's. */
static int read_xfrm(struct tunnels_src *s, uint64_t *count, char *why, size_t whylen)
{
	uint8_t buf[MNL_SOCKET_BUFFER_SIZE];
	struct sadinfo si = { 0 };
	struct nlmsghdr *nlh;
	uint32_t *flags;
	int rc;

	if (!s->nl && xfrm_open(s, why, whylen))
		return -1;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = XFRM_MSG_GETSADINFO;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = ++s->nl_seq;
	flags = mnl_nlmsg_put_extra_header(nlh, sizeof(*flags));
	*flags = 0;
	if (mnl_socket_sendto(s->nl, nlh, nlh->nlmsg_len) < 0)
		goto err;
	do {
		ssize_t n = mnl_socket_recvfrom(s->nl, buf, sizeof(buf));

		if (n < 0)
			goto err;
		rc = mnl_cb_run(buf, (size_t)n, s->nl_seq, mnl_socket_get_portid(s->nl),
				sadinfo_msg, &si);
		if (rc < 0)
			goto err;
	} while (rc > 0 && !si.found);
	if (!si.found) {
		xfrm_drop(s);
		return fail(why, whylen, "xfrm: no SAD count in the kernel's answer");
	}
	*count = si.count / 2 + si.count % 2;
	return 0;
err:
	rc = errno;
	xfrm_drop(s);
	return fail(why, whylen, "xfrm: netlink: %s",
		    rc == EAGAIN ? "no answer in time" : strerror(rc));
}

/* ---- dispatch ---------------------------------------------------------- */

int tunnels_read(struct tunnels_src *s, uint64_t *count, char *why, size_t whylen)
{
	switch (s->kind) {
	case CFG_TUNNELS_NONE:
		*count = 0;
		return 0;
	case CFG_TUNNELS_STATIC:
		*count = s->value;
		return 0;
	case CFG_TUNNELS_FILE:
		return read_file(s, count, why, whylen);
	case CFG_TUNNELS_VICI:
		return read_vici(s, count, why, whylen);
	case CFG_TUNNELS_XFRM:
		return read_xfrm(s, count, why, whylen);
	}
	return fail(why, whylen, "unknown tunnels source");
}
