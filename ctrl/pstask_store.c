/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pstask_store: tasks and runs in the journal (tables pstasks and psruns,
 * journal.c migration 2 -> 3). Written on the loop only.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "pstask_priv.h"

/* Run a statement with bound values: 'i' int64, 'd' double (NAN: NULL),
 * 's' text. 0 or -EIO. */
static int
exec_bound(struct tusk_journal *j, const char *sql, const char *types, ...)
{
	sqlite3 *db = tusk_journal_db(j);
	sqlite3_stmt *st;
	va_list ap;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	va_start(ap, types);
	for (int i = 0; types[i]; i++) {
		if (types[i] == 'i') {
			sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
		} else if (types[i] == 'd') {
			double d = va_arg(ap, double);

			if (d < 0)
				sqlite3_bind_null(st, i + 1);
			else
				sqlite3_bind_double(st, i + 1, d);
		} else {
			sqlite3_bind_text(st, i + 1, va_arg(ap, const char *),
					  -1, SQLITE_TRANSIENT);
		}
	}
	va_end(ap);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

int
pstask_store_task(struct tusk_journal *j, json_t *task, double now,
		  double start, int64_t *id)
{
	char *txt = json_dumps(task, JSON_COMPACT);
	int rc;

	if (txt == NULL)
		return -ENOMEM;
	rc = exec_bound(j, "INSERT INTO pstasks (spec, created, start) "
			"VALUES (?, ?, ?)", "sdd", txt, now, start);
	free(txt);
	if (rc == 0)
		*id = sqlite3_last_insert_rowid(tusk_journal_db(j));
	return rc;
}

int
pstask_store_task_done(struct tusk_journal *j, int64_t id, const char *reason)
{
	return exec_bound(j, "UPDATE pstasks SET done = 1, reason = ? "
			  "WHERE id = ?", "si", reason, id);
}

int
pstask_store_run_begin(struct tusk_journal *j, int64_t task, int64_t idx,
		       const char *state, double scheduled)
{
	return exec_bound(j, "INSERT OR REPLACE INTO psruns (task, idx, "
			  "state, scheduled) VALUES (?, ?, ?, ?)", "iisd",
			  task, idx, state, scheduled);
}

int
pstask_store_run_end(struct tusk_journal *j, const struct pstask_run_out *o)
{
	char *txt = json_dumps(o->result, JSON_COMPACT);
	int rc;

	if (txt == NULL)
		return -ENOMEM;
	rc = exec_bound(j, "UPDATE psruns SET state = ?, start = ?, end = ?, "
			"succeeded = ?, throughput = ?, rtt_ms = ?, "
			"jitter_ms = ?, lost = ?, result = ?, archived = ?, "
			"archive_error = ? WHERE task = ? AND idx = ?",
			"sddiddddsisii",
			o->fig.succeeded ? "finished" : "failed", o->start,
			o->end, (int64_t)o->fig.succeeded, o->fig.throughput,
			o->fig.rtt_ms, o->fig.jitter_ms, (double)o->fig.lost,
			txt, (int64_t)o->archived, o->archive_error,
			o->task_id, o->idx);
	free(txt);
	return rc;
}

static json_t *
col_json(sqlite3_stmt *st, int col)
{
	const char *txt = (const char *)sqlite3_column_text(st, col);

	return txt ? json_loads(txt, 0, NULL) : NULL;
}

int
pstask_store_open(struct tusk_journal *j,
		  void (*fn)(void *arg, int64_t id, json_t *task, double start,
			     int64_t next_idx),
		  void *arg)
{
	sqlite3 *db = tusk_journal_db(j);
	sqlite3_stmt *st;
	int rc;

	/* a run the last tusk-ctrld did not see end is run again */
	if (exec_bound(j, "DELETE FROM psruns WHERE state = 'running'",
		       "") < 0 ||
	    sqlite3_prepare_v2(db, "SELECT t.id, t.spec, t.start, "
			       "(SELECT COALESCE(MAX(idx) + 1, 0) FROM psruns "
			       "WHERE task = t.id) FROM pstasks t WHERE "
			       "t.done = 0 ORDER BY t.id", -1, &st,
			       NULL) != SQLITE_OK)
		return -EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *task = col_json(st, 1);

		if (task != NULL)
			fn(arg, sqlite3_column_int64(st, 0), task,
			   sqlite3_column_double(st, 2),
			   sqlite3_column_int64(st, 3));
		json_decref(task);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

/* A number column, or JSON null. */
static json_t *
col_num(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return json_null();
	return json_real(sqlite3_column_double(st, col));
}

static json_t *
runs(struct tusk_journal *j, int64_t task)
{
	sqlite3_stmt *st;
	json_t *a = json_array();

	if (sqlite3_prepare_v2(tusk_journal_db(j), "SELECT idx, state, "
			       "scheduled, start, end, succeeded, throughput, "
			       "rtt_ms, jitter_ms, lost, result, archived, "
			       "archive_error FROM psruns WHERE task = ? "
			       "ORDER BY idx", -1, &st, NULL) != SQLITE_OK)
		return a;
	sqlite3_bind_int64(st, 1, task);
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *res = col_json(st, 10);

		json_array_append_new(a, json_pack(
			"{s:I, s:s, s:f, s:f, s:f, s:b, s:o, s:o, s:o, s:o, "
			"s:o, s:b, s:s}",
			"index", (json_int_t)sqlite3_column_int64(st, 0),
			"state", (const char *)sqlite3_column_text(st, 1),
			"scheduled", sqlite3_column_double(st, 2),
			"start", sqlite3_column_double(st, 3),
			"end", sqlite3_column_double(st, 4),
			"succeeded", sqlite3_column_int(st, 5),
			"throughput-bits", col_num(st, 6),
			"rtt_ms", col_num(st, 7), "jitter_ms", col_num(st, 8),
			"lost", col_num(st, 9),
			"result", res ? res : json_null(),
			"archived", sqlite3_column_int(st, 11),
			"archive_error", (const char *)sqlite3_column_text(
				st, 12)));
	}
	sqlite3_finalize(st);
	return a;
}

/* Tasks, newest last: id, type, dest, done, runs; with_runs: each run. */
static json_t *
tasks(struct tusk_journal *j, int64_t only, bool with_runs)
{
	sqlite3_stmt *st;
	json_t *a = json_array();

	if (sqlite3_prepare_v2(tusk_journal_db(j), "SELECT id, spec, created, "
			       "done, reason, (SELECT COUNT(*) FROM psruns "
			       "WHERE task = pstasks.id) FROM pstasks WHERE "
			       "? = 0 OR id = ? ORDER BY id", -1, &st,
			       NULL) != SQLITE_OK)
		return a;
	sqlite3_bind_int64(st, 1, only);
	sqlite3_bind_int64(st, 2, only);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		json_t *spec = col_json(st, 1), *o;

		o = json_pack("{s:I, s:O?, s:O?, s:f, s:b, s:s, s:I}",
			"id", (json_int_t)id,
			"type", json_object_get(json_object_get(spec, "test"),
						"type"),
			"dest", json_object_get(json_object_get(json_object_get(
				spec, "test"), "spec"), "dest"),
			"created", sqlite3_column_double(st, 2),
			"done", sqlite3_column_int(st, 3),
			"reason", (const char *)sqlite3_column_text(st, 4),
			"runs", (json_int_t)sqlite3_column_int64(st, 5));
		if (with_runs && o != NULL) {
			json_object_set(o, "task", spec);
			json_object_set_new(o, "results", runs(j, id));
		}
		json_decref(spec);
		json_array_append_new(a, o);
	}
	sqlite3_finalize(st);
	return a;
}

json_t *
pstask_store_tasks(struct tusk_journal *j)
{
	return tasks(j, 0, false);
}

json_t *
pstask_store_task_get(struct tusk_journal *j, int64_t id)
{
	json_t *a = tasks(j, id, true);
	json_t *o = json_incref(json_array_get(a, 0));

	json_decref(a);
	return o;
}
