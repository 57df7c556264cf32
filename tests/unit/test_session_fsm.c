/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The session and file state machines, every state x event: the expected
 * tables are written out here independently of session_fsm.c (as rows of
 * "event->STATE/action" text) and every pair not listed must leave the
 * state alone with no action. Then properties users rely on: final states
 * only leave by an operator's retry, a verified file's retry never fetches
 * again, every state is reachable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "session_fsm.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct row {
	const char *state;
	const char *moves;	/* "event>STATE/action event>STATE/action" */
};

static const struct row session_rows[] = {
	{ "SUBMITTED", "listed>ACTIVE/1 list_failed>FAILED/5 "
		       "cancel>CANCELED/5" },
	{ "ACTIVE", "files_done>FINISHED/5 files_done_analyse>ANALYSING/2 "
		    "files_some_failed>FINISHEDDIRTY/5 "
		    "files_all_failed>FAILED/5 cancel>CANCELED/3" },
	{ "ANALYSING", "job_ok_more>ANALYSING/2 job_ok_last>FINISHED/5 "
		       "job_failed>FAILED/5 cancel>CANCELED/3" },
	{ "FINISHED", "" },
	{ "FINISHEDDIRTY", "retry>ACTIVE/4" },
	{ "FAILED", "retry>ACTIVE/4 retry_analysis>ANALYSING/2" },
	{ "CANCELED", "retry>ACTIVE/4" },
};

static const struct row file_rows[] = {
	{ "QUEUED", "start>TRANSFERRING/1 start_verified>HANDOFF/3 "
		    "fail_final>FAILED/8 cancel>CANCELED/8" },
	{ "TRANSFERRING", "fetched>VERIFYING/2 fail>WAIT_FETCH/4 "
			  "fail_final>FAILED/8 cancel>CANCELED/6" },
	{ "VERIFYING", "verified>HANDOFF/3 fail>WAIT_FETCH/4 "
		       "fail_final>FAILED/8 cancel>CANCELED/8" },
	{ "HANDOFF", "handed_off>DONE/8 fail>WAIT_HANDOFF/4 "
		     "fail_final>FAILED/8 cancel>CANCELED/8" },
	{ "WAIT_FETCH", "backoff_over>QUEUED/5 cancel>CANCELED/8" },
	{ "WAIT_HANDOFF", "backoff_over>HANDOFF/3 cancel>CANCELED/8" },
	{ "DONE", "" },
	{ "FAILED", "retry>QUEUED/7" },
	{ "CANCELED", "retry>QUEUED/7" },
};

typedef struct tusk_fsm_step (*fsm_fn)(int s, int e);
typedef const char *(*name_fn)(int);

static struct tusk_fsm_step
session_fsm(int s, int e)
{
	return tusk_session_fsm(s, e);
}

static struct tusk_fsm_step
file_fsm(int s, int e)
{
	return tusk_file_fsm(s, e);
}

/* The expected step of (state, event) from the rows: found, or none. */
static bool
expected(const struct row *rows, const char *state, const char *event,
	 char *next, int *action)
{
	char buf[512], *tok, *save, *gt;

	snprintf(buf, sizeof(buf), "%s", rows->moves);
	assert_string_equal(rows->state, state);
	for (tok = strtok_r(buf, " ", &save); tok != NULL;
	     tok = strtok_r(NULL, " ", &save)) {
		gt = strchr(tok, '>');
		assert_non_null(gt);
		*gt = '\0';
		if (strcmp(tok, event) != 0)
			continue;
		sscanf(gt + 1, "%63[^/]/%d", next, action);
		return true;
	}
	return false;
}

static void
check_table(fsm_fn fsm, const struct row *rows, int nstates, int nevents,
	    name_fn sname, name_fn ename)
{
	char next[64];
	int s, e, action, listed = 0, seen = 0;

	for (s = 0; s < nstates; s++) {
		for (e = 0; e < nevents; e++) {
			struct tusk_fsm_step st = fsm(s, e);

			if (expected(&rows[s], sname(s), ename(e), next,
				     &action)) {
				listed++;
				if (strcmp(sname(st.next), next) != 0 ||
				    st.action != action)
					fail_msg("%s x %s: got %s/%d, want "
						 "%s/%d", sname(s), ename(e),
						 sname(st.next), st.action,
						 next, action);
			} else if (st.next != s || st.action != 0) {
				fail_msg("%s x %s: got %s/%d, want no "
					 "transition", sname(s), ename(e),
					 sname(st.next), st.action);
			}
			seen += st.action != 0;
		}
	}
	/* every listed move exists once, nothing more */
	assert_int_equal(listed, seen);
	/* out of range: no transition, no crash */
	assert_int_equal(fsm(nstates, 0).action, 0);
	assert_int_equal(fsm(0, nevents).action, 0);
	assert_int_equal(fsm(-1, -1).action, 0);
}

static void
test_session_table(void **state)
{
	assert_int_equal(ARRAY_LEN(session_rows), TUSK_SESSION_NSTATES);
	check_table(session_fsm, session_rows, TUSK_SESSION_NSTATES,
		    TUSK_SEV_NEVENTS, tusk_session_state_name,
		    tusk_session_event_name);
}

static void
test_file_table(void **state)
{
	assert_int_equal(ARRAY_LEN(file_rows), TUSK_FILE_NSTATES);
	check_table(file_fsm, file_rows, TUSK_FILE_NSTATES, TUSK_FEV_NEVENTS,
		    tusk_file_state_name, tusk_file_event_name);
}

/* Final states leave only by an operator's retry; non-final ones all
 * take cancel into CANCELED. */
static void
test_final_and_cancel(void **state)
{
	int s, e;

	for (s = 0; s < TUSK_SESSION_NSTATES; s++) {
		for (e = 0; e < TUSK_SEV_NEVENTS; e++) {
			struct tusk_fsm_step st = tusk_session_fsm(s, e);

			if (tusk_session_state_final(s) && st.action != 0)
				assert_true(e == TUSK_SEV_RETRY ||
					    e == TUSK_SEV_RETRY_ANALYSIS);
		}
		if (!tusk_session_state_final(s))
			assert_int_equal(tusk_session_fsm(s, TUSK_SEV_CANCEL)
					 .next, TUSK_SESSION_CANCELED);
	}
	for (s = 0; s < TUSK_FILE_NSTATES; s++) {
		for (e = 0; e < TUSK_FEV_NEVENTS; e++) {
			struct tusk_fsm_step st = tusk_file_fsm(s, e);

			if (tusk_file_state_final(s) && st.action != 0)
				assert_int_equal(e, TUSK_FEV_RETRY);
		}
		if (!tusk_file_state_final(s))
			assert_int_equal(tusk_file_fsm(s, TUSK_FEV_CANCEL).next,
					 TUSK_FILE_CANCELED);
	}
	/* DONE is for good: even retry leaves it */
	for (e = 0; e < TUSK_FEV_NEVENTS; e++)
		assert_int_equal(tusk_file_fsm(TUSK_FILE_DONE, e).action, 0);
}

/* A hand-off failure waits and retries the hand-off, never the fetch. */
static void
test_handoff_retry_does_not_fetch(void **state)
{
	struct tusk_fsm_step st = tusk_file_fsm(TUSK_FILE_HANDOFF,
						TUSK_FEV_FAIL);

	assert_int_equal(st.next, TUSK_FILE_WAIT_HANDOFF);
	st = tusk_file_fsm(st.next, TUSK_FEV_BACKOFF_OVER);
	assert_int_equal(st.next, TUSK_FILE_HANDOFF);
	assert_int_equal(st.action, TUSK_FACT_HANDOFF);
}

/* Breadth-first from the start state reaches every state. */
static void
reach(fsm_fn fsm, int nstates, int nevents, name_fn sname)
{
	bool seen[16] = { true };
	int queue[16] = { 0 }, head = 0, tail = 1, e, s;

	while (head < tail) {
		s = queue[head++];
		for (e = 0; e < nevents; e++) {
			int n = fsm(s, e).next;

			if (!seen[n]) {
				seen[n] = true;
				queue[tail++] = n;
			}
		}
	}
	for (s = 0; s < nstates; s++)
		if (!seen[s])
			fail_msg("%s is unreachable", sname(s));
}

static void
test_reachable(void **state)
{
	reach(session_fsm, TUSK_SESSION_NSTATES, TUSK_SEV_NEVENTS,
	      tusk_session_state_name);
	reach(file_fsm, TUSK_FILE_NSTATES, TUSK_FEV_NEVENTS,
	      tusk_file_state_name);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_table),
		cmocka_unit_test(test_file_table),
		cmocka_unit_test(test_final_and_cancel),
		cmocka_unit_test(test_handoff_retry_does_not_fetch),
		cmocka_unit_test(test_reachable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
