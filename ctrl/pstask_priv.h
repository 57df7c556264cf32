/* SPDX-License-Identifier: BSD-3-Clause */
/* pstask internals, shared by ctrl/pstask*.c only (pstask.h). */
#ifndef TUSK_CTRL_PSTASK_PRIV_H
#define TUSK_CTRL_PSTASK_PRIV_H

#include <stdbool.h>

#include "pstask.h"

#define PSTASK_REASON_MAX 256
#define PSTASK_PATH_MAX 1024

enum pstask_type { PS_THROUGHPUT, PS_LATENCY, PS_RTT };

/* A task, validated (pstask_spec.c). */
struct pstask_spec {
	enum pstask_type type;
	json_t *task;        /* as submitted */
	json_t *req;         /* tuskd's request: iperf3_client or twamp */
	double run_s;        /* a run's own length (its limit adds slack) */
	double start;        /* epoch */
	double repeat;       /* s; 0: one run */
	double until;        /* epoch; 0: none */
	int64_t max_runs;    /* 0: none */
	double slip;         /* s a run may start late */
};

/* Numbers a run's result gives the plot and the list. */
struct pstask_figures {
	bool succeeded;
	double throughput;   /* bits/s; < 0 none */
	double rtt_ms;       /* < 0 none */
	double jitter_ms;    /* < 0 none */
	int64_t lost;        /* < 0 none */
};

/* pstask_spec.c: 0, or -1 with "KEY: reason" in err. */
int pstask_spec_parse(json_t *task, double now, struct pstask_spec *out,
		      char *err, size_t errlen);
void pstask_spec_free(struct pstask_spec *s);
const char *pstask_type_name(enum pstask_type t);

/* pstask_result.c: tuskd's answer in pScheduler's result shape. */
json_t *pstask_result_throughput(json_t *iperf3_doc,
				 struct pstask_figures *f);
json_t *pstask_result_twamp(json_t *twamp, enum pstask_type t,
			    struct pstask_figures *f);
json_t *pstask_result_failed(const char *why, struct pstask_figures *f);

/* pstask_archive.c: every archive of the task, in turn; 0 when all
 * took it, else -1 and the first failure in err. On a worker thread. */
int pstask_archive(json_t *archives, json_t *body, char *err,
		   size_t errlen);
/* 0, or -1 with "KEY: reason" (at submit). */
int pstask_archive_check(json_t *archives, char *err, size_t errlen);

/* pstask_run.c: one run on the worker. */
struct pstask_run;
typedef void (*pstask_run_done_fn)(struct pstask_run *r);
struct pstask_run *pstask_run_new(const struct pstask_spec *spec,
				  int64_t task_id, int64_t idx,
				  double scheduled, const char *tuskd_socket,
				  pstask_run_done_fn done, void *arg);
struct tusk_work *pstask_run_work(struct pstask_run *r);
void pstask_run_free(struct pstask_run *r);
/* What the run brought, for the journal (after it ran). */
struct pstask_run_out {
	int64_t task_id, idx;
	double scheduled, start, end;
	json_t *result;
	struct pstask_figures fig;
	bool archived;
	char archive_error[PSTASK_REASON_MAX];
	void *arg;
};
const struct pstask_run_out *pstask_run_out(const struct pstask_run *r);

/* pstask_store.c: the journal's pstasks and psruns tables. */
int pstask_store_task(struct tusk_journal *j, json_t *task, double now,
		      double start, int64_t *id);
int pstask_store_task_done(struct tusk_journal *j, int64_t id,
			   const char *reason);
int pstask_store_run_begin(struct tusk_journal *j, int64_t task, int64_t idx,
			   const char *state, double scheduled);
int pstask_store_run_end(struct tusk_journal *j,
			 const struct pstask_run_out *o);
/* Open tasks: fn(arg, id, task JSON, start) for each; runs the last
 * process left "running" are forgotten. */
int pstask_store_open(struct tusk_journal *j,
		      void (*fn)(void *arg, int64_t id, json_t *task,
				 double start, int64_t next_idx),
		      void *arg);
json_t *pstask_store_tasks(struct tusk_journal *j);
json_t *pstask_store_task_get(struct tusk_journal *j, int64_t id);

#endif
