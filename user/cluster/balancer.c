// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Slot tables from member loads, without herding.  See balancer.h for the
 * contract; the reasoning behind each step is next to it below.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/balancer.h"

/*
 * History of the redirect counters, one sample per refill but at least
 * HIST_SPACING_MS apart (a younger newest sample is overwritten), so that
 * HIST_LEN samples reach back more than 1.5 s however often the daemon
 * refills.  It serves two purposes: the redirect count at the moment a
 * report was received (interpolated), and the recent redirect rate.
 */
#define HIST_LEN 64
#define HIST_SPACING_MS 25
#define RATE_SHORT_MS 100
#define RATE_LONG_MS 1000

/* Shares below this fraction of the batch are rounding noise, not shares. */
#define SHARE_EPSILON 1e-9

struct sample {
	uint64_t t_ms;
	uint64_t total; /* cumulative redirects over all targets, resets ignored */
	uint64_t redirects[IKELB_MAX_TARGETS]; /* the raw counters */
};

struct target_state {
	enum balancer_kind kind; /* as of the last refill; ABSENT: start afresh */
	uint64_t report_ms;
	uint64_t at_report; /* redirect counter when that report was received */
	uint64_t last_redirects; /* counter at the previous refill */
	double static_est; /* decayed redirects (BALANCER_STATIC) */
};

struct balancer {
	struct balancer_opts o;
	uint64_t now_ms;
	bool started;
	struct sample hist[HIST_LEN];
	unsigned hist_first, hist_n; /* ring: oldest at hist_first */
	struct target_state st[IKELB_MAX_TARGETS];
	double est[IKELB_MAX_TARGETS]; /* estimated tunnels, this refill */
	uint32_t table[IKELB_FAMILIES][IKELB_SLOTS];
	uint32_t spill[IKELB_FAMILIES][IKELB_SLOTS];
	double plan[IKELB_MAX_TARGETS]; /* arrivals the plan gives each target */
	struct balancer_figures fig[IKELB_MAX_TARGETS];
	struct balancer_summary sum;
};

void balancer_opts_default(struct balancer_opts *o)
{
	*o = (struct balancer_opts){
		.policy = BALANCER_LEAST_UTILIZATION,
		.horizon_ms = 200,
		.min_batch = 8,
		.min_batch_ppm = 10000,
		.settle_ms = 0,
		.static_tau_ms = 600000,
	};
}

struct balancer *balancer_new(const struct balancer_opts *opts)
{
	struct balancer *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	if (opts)
		b->o = *opts;
	else
		balancer_opts_default(&b->o);
	for (unsigned f = 0; f < IKELB_FAMILIES; f++)
		for (unsigned s = 0; s < IKELB_SLOTS; s++)
			b->table[f][s] = b->spill[f][s] = IKELB_SLOT_NONE;
	return b;
}

void balancer_free(struct balancer *b)
{
	free(b);
}

void balancer_set_policy(struct balancer *b, enum balancer_policy policy)
{
	b->o.policy = policy;
}

void balancer_forget(struct balancer *b, unsigned idx)
{
	if (idx < IKELB_MAX_TARGETS)
		memset(&b->st[idx], 0, sizeof(b->st[idx]));
}

const uint32_t *balancer_table(const struct balancer *b, unsigned family)
{
	return family < IKELB_FAMILIES ? b->table[family] : NULL;
}

const uint32_t *balancer_spill(const struct balancer *b, unsigned family)
{
	return family < IKELB_FAMILIES ? b->spill[family] : NULL;
}

uint32_t balancer_budget(const struct balancer *b, unsigned idx)
{
	return idx < IKELB_MAX_TARGETS ? (uint32_t)ceil(b->plan[idx]) : 0;
}

const struct balancer_figures *balancer_figures(const struct balancer *b, unsigned idx)
{
	static const struct balancer_figures none;

	return idx < IKELB_MAX_TARGETS ? &b->fig[idx] : &none;
}

const struct balancer_summary *balancer_summary(const struct balancer *b)
{
	return &b->sum;
}

/* ---- counter history ---------------------------------------------------- */

static struct sample *hist_at(struct balancer *b, unsigned k)
{
	return &b->hist[(b->hist_first + k) % HIST_LEN];
}

/* A counter that went backwards was reset (map recreated): count from 0. */
static uint64_t counted_since(uint64_t now, uint64_t then)
{
	return now >= then ? now - then : now;
}

static void record_sample(struct balancer *b, const struct balancer_input *in, unsigned n)
{
	struct sample *newest = b->hist_n ? hist_at(b, b->hist_n - 1) : NULL;
	uint64_t total = newest ? newest->total : 0;
	struct sample *s;

	for (unsigned i = 0; i < n; i++)
		total += newest ? counted_since(in[i].redirects, newest->redirects[i]) : 0;
	if (newest && (newest->t_ms == b->now_ms ||
		       (b->hist_n >= 2 &&
			newest->t_ms - hist_at(b, b->hist_n - 2)->t_ms < HIST_SPACING_MS))) {
		s = newest;
	} else if (b->hist_n < HIST_LEN) {
		s = hist_at(b, b->hist_n++);
	} else {
		b->hist_first = (b->hist_first + 1) % HIST_LEN;
		s = hist_at(b, b->hist_n - 1);
	}
	/* Indices beyond n keep their last value: no false burst if n grows. */
	if (newest && s != newest)
		memcpy(s->redirects, newest->redirects, sizeof(s->redirects));
	s->t_ms = b->now_ms;
	s->total = total;
	for (unsigned i = 0; i < n; i++)
		s->redirects[i] = in[i].redirects;
}

/*
 * A counter's value at time t, linearly interpolated between the samples
 * around t.  Before the history starts the oldest sample stands in (so the
 * count since t is a lower bound); after it, the newest.
 */
static double value_at(struct balancer *b, uint64_t t, int idx)
{
	const struct sample *lo = hist_at(b, 0), *hi;

	if (t <= lo->t_ms)
		return idx < 0 ? (double)lo->total : (double)lo->redirects[idx];
	for (unsigned k = 1; k < b->hist_n; k++) {
		hi = hist_at(b, k);
		if (hi->t_ms >= t) {
			double v0 = idx < 0 ? (double)lo->total : (double)lo->redirects[idx];
			double v1 = idx < 0 ? (double)hi->total : (double)hi->redirects[idx];
			double frac = (double)(t - lo->t_ms) / (double)(hi->t_ms - lo->t_ms);

			return v0 + (v1 - v0) * frac;
		}
		lo = hi;
	}
	return idx < 0 ? (double)lo->total : (double)lo->redirects[idx];
}

/* Redirects per second over the last window_ms (or the history we have). */
static double rate_over(struct balancer *b, uint64_t window_ms)
{
	const struct sample *newest = hist_at(b, b->hist_n - 1);
	uint64_t from = newest->t_ms > window_ms ? newest->t_ms - window_ms : 0;

	if (from < hist_at(b, 0)->t_ms)
		from = hist_at(b, 0)->t_ms;
	if (newest->t_ms == from)
		return 0;
	return ((double)newest->total - value_at(b, from, -1)) * 1000.0 /
	       (double)(newest->t_ms - from);
}

/*
 * The longest gap between refills lately (samples closer than
 * HIST_SPACING_MS are merged, so report-triggered refills do not hide a slow
 * periodic one).
 */
static uint64_t refill_gap(struct balancer *b)
{
	uint64_t newest = hist_at(b, b->hist_n - 1)->t_ms, gap = 0;

	for (unsigned k = b->hist_n - 1; k > 0; k--) {
		const struct sample *s = hist_at(b, k), *prev = hist_at(b, k - 1);

		if (newest - prev->t_ms > RATE_LONG_MS)
			break;
		if (s->t_ms - prev->t_ms > gap)
			gap = s->t_ms - prev->t_ms;
	}
	return gap;
}

/* ---- estimated load ------------------------------------------------------ */

static double estimate_reported(struct balancer *b, unsigned i, const struct balancer_input *in,
				bool fresh)
{
	struct target_state *st = &b->st[i];

	if (fresh || in->report_ms != st->report_ms) {
		uint64_t t = in->report_ms > b->o.settle_ms ? in->report_ms - b->o.settle_ms : 0;

		st->report_ms = in->report_ms;
		st->at_report = (uint64_t)floor(value_at(b, t, (int)i));
	}
	b->fig[i].since_report = counted_since(in->redirects, st->at_report);
	return (double)in->tunnels + (double)b->fig[i].since_report;
}

/*
 * A static target never reports, and we cannot see its tunnels end.  Its
 * redirects decayed with time constant tau estimate how many of the
 * tunnels it was sent are still up if tunnels last tau on average
 * (exponentially distributed).  Without the decay the count would only
 * grow: a target added later (count 0) would get every new client for
 * hours, and next to reported members a long-running static target would
 * look ever fuller and get nothing.  With it, static targets that share
 * the traffic by weight keep equal estimate/max ratios (they all decay by
 * the same factor), so they keep spreading by weight indefinitely.
 */
static double estimate_static(struct balancer *b, unsigned i, const struct balancer_input *in,
			      uint64_t dt_ms)
{
	struct target_state *st = &b->st[i];
	double decay = b->o.static_tau_ms ? exp(-(double)dt_ms / b->o.static_tau_ms) : 0;

	st->static_est = st->static_est * decay +
			 (double)counted_since(in->redirects, st->last_redirects);
	b->fig[i].since_report = 0;
	return st->static_est;
}

static void estimate_loads(struct balancer *b, const struct balancer_input *in, unsigned n,
			   uint64_t dt_ms)
{
	for (unsigned i = 0; i < IKELB_MAX_TARGETS; i++) {
		enum balancer_kind kind = i < n ? in[i].kind : BALANCER_ABSENT;
		struct target_state *st = &b->st[i];
		bool fresh = st->kind != kind;

		memset(&b->fig[i], 0, sizeof(b->fig[i]));
		b->est[i] = 0;
		if (fresh) {
			memset(st, 0, sizeof(*st));
			st->kind = kind;
			st->last_redirects = i < n ? in[i].redirects : 0;
		}
		if (kind == BALANCER_REPORTED)
			b->est[i] = estimate_reported(b, i, &in[i], fresh);
		else if (kind == BALANCER_STATIC)
			b->est[i] = estimate_static(b, i, &in[i], dt_ms);
		if (kind == BALANCER_ABSENT)
			continue;
		st->last_redirects = in[i].redirects;
		b->fig[i].est_tunnels = b->est[i];
		if (in[i].max_tunnels)
			b->fig[i].utilization = b->est[i] / in[i].max_tunnels;
	}
}

/* ---- shares: water-filling ----------------------------------------------- */

/*
 * Target j of a family's candidates: a[j](L) = clamp(L * w - e, 0, ub) is
 * what it should receive so that its level (e + a) / w reaches L, but never
 * more than its free capacity ub.  The level L with sum a[j](L) = B tells
 * how B arrivals should be split to leave the levels as equal as possible.
 */
struct fill {
	unsigned n;
	unsigned idx[IKELB_MAX_TARGETS];
	double w[IKELB_MAX_TARGETS]; /* max_tunnels, or 1 for least-tunnels */
	double e[IKELB_MAX_TARGETS]; /* estimated tunnels */
	double ub[IKELB_MAX_TARGETS]; /* free capacity; INFINITY for static */
	double cap[IKELB_MAX_TARGETS]; /* max_tunnels */
	double a[IKELB_MAX_TARGETS]; /* result */
};

static double fill_at(const struct fill *f, double level, bool store, double *a)
{
	double sum = 0;

	for (unsigned j = 0; j < f->n; j++) {
		double x = level * f->w[j] - f->e[j];

		x = x < 0 ? 0 : x > f->ub[j] ? f->ub[j] : x;
		if (store)
			a[j] = x;
		sum += x;
	}
	return sum;
}

/* Level with fill_at() >= batch, found by doubling then bisection. */
static double solve_level(const struct fill *f, double batch)
{
	double lo = INFINITY, hi, step = 1;

	for (unsigned j = 0; j < f->n; j++)
		if (f->e[j] / f->w[j] < lo)
			lo = f->e[j] / f->w[j];
	hi = lo + step;
	for (int k = 0; k < 256 && fill_at(f, hi, false, NULL) < batch; k++) {
		lo = hi;
		step *= 2;
		hi = lo + step;
	}
	for (int k = 0; k < 200 && hi - lo > 1e-13 * fmax(1.0, fabs(hi)); k++) {
		double mid = lo + (hi - lo) / 2;

		if (fill_at(f, mid, false, NULL) < batch)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

/*
 * When the batch exceeds all free capacity, everyone gets its free capacity
 * (they fill up together); when nobody has free capacity by estimate but
 * the caller still says they are eligible (their reports say not full, our
 * estimate may count clients that never connected), level them without
 * bounds.
 */
static void water_fill(struct fill *f, double batch)
{
	double free_total = 0;

	for (unsigned j = 0; j < f->n; j++)
		free_total += f->ub[j];
	if (free_total <= 0) {
		for (unsigned j = 0; j < f->n; j++)
			f->ub[j] = INFINITY;
	} else if (free_total <= batch) {
		memcpy(f->a, f->ub, f->n * sizeof(f->a[0]));
		return;
	}
	fill_at(f, solve_level(f, batch), true, f->a);
}

/* ---- slots: rounding and stable assignment -------------------------------- */

/* Index of the best candidate, lower j on (near) ties: deterministic. */
static int pick(const double *key, const bool *ok, unsigned n, bool largest)
{
	int best = -1;

	for (unsigned j = 0; j < n; j++) {
		if (!ok[j])
			continue;
		if (best < 0 || (largest ? key[j] > key[best] + 1e-9 : key[j] < key[best] - 1e-9))
			best = (int)j;
	}
	return best;
}

/*
 * Largest remainder, with at least one slot for every non-zero share; the
 * quotas sum to exactly IKELB_SLOTS whenever some share is non-zero.
 */
static void apportion(const struct fill *f, uint32_t *quota)
{
	double total = 0, rem[IKELB_MAX_TARGETS];
	bool ok[IKELB_MAX_TARGETS];
	unsigned sum = 0;

	for (unsigned j = 0; j < f->n; j++)
		total += f->a[j];
	for (unsigned j = 0; j < f->n; j++) {
		double q = total > 0 ? f->a[j] / total * IKELB_SLOTS : 0;
		bool nonzero = total > 0 && f->a[j] > total * SHARE_EPSILON;

		quota[j] = nonzero ? (q < 1 ? 1 : (uint32_t)floor(q)) : 0;
		rem[j] = q - quota[j];
		sum += quota[j];
	}
	for (unsigned j = 0; j < f->n; j++)
		ok[j] = quota[j] > 0;
	while (sum && sum < IKELB_SLOTS) {
		int j = pick(rem, ok, f->n, true);

		if (j < 0)
			break;
		quota[j]++, rem[j] -= 1, sum++;
	}
	while (sum > IKELB_SLOTS) {
		for (unsigned j = 0; j < f->n; j++)
			ok[j] = quota[j] > 1;
		int j = pick(rem, ok, f->n, false);

		if (j < 0)
			break;
		quota[j]--, rem[j] += 1, sum--;
	}
}

/*
 * A slot keeps its target while that target is under its new quota; the
 * rest are handed to targets short of theirs, in slot order.  So the
 * number of slots that change is the least possible for the new quotas,
 * and a retransmitted request mostly gets the answer it got before.
 */
static uint32_t assign_slots(uint32_t *table, const uint32_t *quota_of)
{
	uint32_t kept[IKELB_MAX_TARGETS] = { 0 }, before[IKELB_SLOTS], moved = 0;
	unsigned t = 0;

	memcpy(before, table, sizeof(before));
	for (unsigned s = 0; s < IKELB_SLOTS; s++) {
		uint32_t cur = table[s];

		if (cur < IKELB_MAX_TARGETS && kept[cur] < quota_of[cur])
			kept[cur]++;
		else
			table[s] = IKELB_SLOT_NONE;
	}
	for (unsigned s = 0; s < IKELB_SLOTS; s++) {
		if (table[s] != IKELB_SLOT_NONE)
			continue;
		while (t < IKELB_MAX_TARGETS && kept[t] >= quota_of[t])
			t++;
		if (t == IKELB_MAX_TARGETS)
			break;
		table[s] = t;
		kept[t]++;
	}
	for (unsigned s = 0; s < IKELB_SLOTS; s++)
		moved += table[s] != before[s];
	return moved;
}

/* ---- one family ------------------------------------------------------------ */

static bool candidate(const struct balancer_input *in, unsigned family)
{
	return in->kind != BALANCER_ABSENT && in->eligible && in->family[family] &&
	       in->max_tunnels > 0;
}

/*
 * Choosing the batch B.  Water-filling answers "how should the next B
 * arrivals be split so that the levels end up equal".  The table stays in
 * force until the next refill, and every refill sees the redirects sent so
 * far, so B must cover at least the arrivals until the next refill: with a
 * smaller B the emptiest target is planned to receive B but receives all
 * arrivals of the period - herding in miniature.  A much larger B splits in
 * proportion to capacity and corrects an imbalance slowly (and a burst that
 * ends before the horizon leaves the imbalance it was planned to fix).
 * So B is the recent redirect rate times a horizon of two refill periods
 * (horizon_ms, 200 ms, or twice the longest recent gap between refills if
 * that is longer): a refill that comes late, or a rate that doubles from
 * one refill to the next, still does not overshoot.  The rate is the larger
 * of the last 100 ms (reacts to the onset of a burst) and the last second
 * (steady).  The floor of 1 % of the family's eligible capacity (at least
 * min_batch clients) covers the first refill of a burst, when the measured
 * rate is still about zero: differences in level smaller than 1 % are then
 * split smoothly, larger ones still corrected at once.  With all targets
 * at equal level B does not matter: least-utilization then gives slots in
 * proportion to max_tunnels.
 */
static double batch_for(const struct balancer *b, double capacity)
{
	double batch = b->sum.rate * b->sum.horizon_ms / 1000.0;
	double floor_cap = capacity * b->o.min_batch_ppm / 1e6;

	if (batch < floor_cap)
		batch = floor_cap;
	if (batch < b->o.min_batch)
		batch = b->o.min_batch;
	return batch > 0 ? batch : 1;
}

/*
 * The spill table: where requests go once a target has had the arrivals the
 * plan gave it before the next refill, i.e. during a burst faster than the
 * refills, whose size nobody knows yet.  It water-fills half of all free
 * capacity (static targets, whose free capacity is unknown, count with
 * their max_tunnels): a burst of that size ends at equal levels, a smaller
 * one leaves the fuller targets alone, a larger one goes on in the same
 * proportions until the next refill plans for the rate it has seen.  (The
 * simulation, tests/lib/balance_sim.c, has 1000 clients in 20 ms onto 1800 free
 * places end 5 points from equal with half, 19 with all free capacity.)
 */
static void fill_spill(struct balancer *b, unsigned family, const struct fill *plan)
{
	uint32_t quota[IKELB_MAX_TARGETS], quota_of[IKELB_MAX_TARGETS] = { 0 };
	struct fill f = *plan;
	double batch = 0;

	for (unsigned j = 0; j < f.n; j++)
		batch += (isinf(f.ub[j]) ? f.cap[j] : f.ub[j]) / 2;
	if (f.n)
		water_fill(&f, batch);
	apportion(&f, quota);
	for (unsigned j = 0; j < f.n; j++)
		quota_of[f.idx[j]] = quota[j];
	assign_slots(b->spill[family], quota_of);
}

/*
 * The classic policy (BALANCER_FEWEST_REPORTED): one winner, the eligible
 * target with the fewest tunnels in its last report (a static target has
 * none: its estimate stands in), the lowest index on ties.  It gets every
 * slot of the plan and of the spill table, so budgets change nothing: the
 * redirects sent since the report are not looked at.
 */
static void fill_fewest_reported(struct balancer *b, unsigned family,
				 const struct balancer_input *in, unsigned n)
{
	uint32_t quota_of[IKELB_MAX_TARGETS] = { 0 };
	double best_load = 0, capacity = 0;
	int best = -1;
	unsigned eligible = 0;

	for (unsigned i = 0; i < n; i++) {
		double load;

		if (!candidate(&in[i], family))
			continue;
		eligible++;
		capacity += in[i].max_tunnels;
		load = in[i].kind == BALANCER_REPORTED ? (double)in[i].tunnels : b->est[i];
		if (best < 0 || load < best_load) {
			best = (int)i;
			best_load = load;
		}
	}
	b->sum.eligible[family] = eligible;
	b->sum.batch[family] = eligible ? batch_for(b, capacity) : 0;
	if (best >= 0) {
		quota_of[best] = IKELB_SLOTS;
		b->plan[best] += b->sum.batch[family];
		b->fig[best].slots[family] = IKELB_SLOTS;
		b->fig[best].share[family] = 1.0;
	}
	assign_slots(b->spill[family], quota_of);
	b->sum.moved[family] = assign_slots(b->table[family], quota_of);
}

static void fill_family(struct balancer *b, unsigned family, const struct balancer_input *in,
			unsigned n)
{
	uint32_t quota[IKELB_MAX_TARGETS], quota_of[IKELB_MAX_TARGETS] = { 0 };
	struct fill f = { 0 };
	double capacity = 0;

	if (b->o.policy == BALANCER_FEWEST_REPORTED) {
		fill_fewest_reported(b, family, in, n);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		if (!candidate(&in[i], family))
			continue;
		f.idx[f.n] = i;
		f.w[f.n] = b->o.policy == BALANCER_LEAST_TUNNELS ? 1.0 : in[i].max_tunnels;
		f.e[f.n] = b->est[i];
		f.ub[f.n] = in[i].kind == BALANCER_STATIC ? INFINITY
							   : fmax(0, in[i].max_tunnels - b->est[i]);
		f.cap[f.n] = in[i].max_tunnels;
		capacity += in[i].max_tunnels;
		f.n++;
	}
	b->sum.eligible[family] = f.n;
	b->sum.batch[family] = f.n ? batch_for(b, capacity) : 0;
	fill_spill(b, family, &f);
	if (f.n)
		water_fill(&f, b->sum.batch[family]);
	apportion(&f, quota);
	for (unsigned j = 0; j < f.n; j++) {
		quota_of[f.idx[j]] = quota[j];
		b->plan[f.idx[j]] += f.a[j];
	}
	b->sum.moved[family] = assign_slots(b->table[family], quota_of);
	for (unsigned j = 0; j < f.n; j++) {
		b->fig[f.idx[j]].slots[family] = quota[j];
		b->fig[f.idx[j]].share[family] = (double)quota[j] / IKELB_SLOTS;
	}
}

int balancer_refill(struct balancer *b, uint64_t now_ms, const struct balancer_input *in,
		    unsigned n, uint32_t out[IKELB_FAMILIES][IKELB_SLOTS])
{
	uint64_t dt_ms;
	int moved = 0;

	if (!b || n > IKELB_MAX_TARGETS || (n && !in)) {
		errno = EINVAL;
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		if (in[i].kind > BALANCER_STATIC) {
			errno = EINVAL;
			return -1;
		}
	}
	if (b->started && now_ms < b->now_ms)
		now_ms = b->now_ms;
	dt_ms = b->started ? now_ms - b->now_ms : 0;
	b->now_ms = now_ms;
	b->started = true;
	record_sample(b, in, n);
	estimate_loads(b, in, n, dt_ms);
	b->sum.rate = fmax(rate_over(b, RATE_SHORT_MS), rate_over(b, RATE_LONG_MS));
	b->sum.horizon_ms = b->o.horizon_ms;
	if (b->sum.horizon_ms < 2 * refill_gap(b))
		b->sum.horizon_ms = (uint32_t)(2 * refill_gap(b));
	memset(b->plan, 0, sizeof(b->plan));
	for (unsigned fam = 0; fam < IKELB_FAMILIES; fam++) {
		fill_family(b, fam, in, n);
		moved += (int)b->sum.moved[fam];
		if (!out)
			continue;
		for (unsigned s = 0; s < IKELB_SLOTS; s++)
			if (out[fam][s] != b->table[fam][s])
				out[fam][s] = b->table[fam][s];
	}
	return moved;
}
