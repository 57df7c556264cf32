/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * session_fsm: the two transition tables. A missing entry is {0, NONE}:
 * the event is ignored (designated initializers leave it zero), which is
 * what the tests check for every pair not listed here.
 */
#include <stddef.h>

#include "session_fsm.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define S(st) TUSK_SESSION_##st
#define SE(ev) TUSK_SEV_##ev
#define SA(ac) TUSK_SACT_##ac
#define TO(st, ac) { .next = S(st), .action = SA(ac) }

static const struct tusk_fsm_step
session_table[TUSK_SESSION_NSTATES][TUSK_SEV_NEVENTS] = {
	[S(SUBMITTED)] = {
		[SE(LISTED)] = TO(ACTIVE, ADMIT),
		[SE(LIST_FAILED)] = TO(FAILED, FINISH),
		[SE(CANCEL)] = TO(CANCELED, FINISH),
	},
	[S(ACTIVE)] = {
		[SE(FILES_DONE)] = TO(FINISHED, FINISH),
		[SE(FILES_DONE_ANALYSE)] = TO(ANALYSING, ANALYSE),
		/* analysis runs on a whole data set only */
		[SE(FILES_SOME_FAILED)] = TO(FINISHEDDIRTY, FINISH),
		[SE(FILES_ALL_FAILED)] = TO(FAILED, FINISH),
		[SE(CANCEL)] = TO(CANCELED, CANCEL),
	},
	[S(ANALYSING)] = {
		[SE(JOB_OK_MORE)] = TO(ANALYSING, ANALYSE),
		[SE(JOB_OK_LAST)] = TO(FINISHED, FINISH),
		[SE(JOB_FAILED)] = TO(FAILED, FINISH),
		[SE(CANCEL)] = TO(CANCELED, CANCEL),
	},
	[S(FINISHEDDIRTY)] = {
		[SE(RETRY)] = TO(ACTIVE, REQUEUE),
	},
	[S(FAILED)] = {
		[SE(RETRY)] = TO(ACTIVE, REQUEUE),
		[SE(RETRY_ANALYSIS)] = TO(ANALYSING, ANALYSE),
	},
	[S(CANCELED)] = {
		[SE(RETRY)] = TO(ACTIVE, REQUEUE),
	},
};

#undef TO
#define F(st) TUSK_FILE_##st
#define FE(ev) TUSK_FEV_##ev
#define FA(ac) TUSK_FACT_##ac
#define TO(st, ac) { .next = F(st), .action = FA(ac) }

static const struct tusk_fsm_step
file_table[TUSK_FILE_NSTATES][TUSK_FEV_NEVENTS] = {
	[F(QUEUED)] = {
		[FE(START)] = TO(TRANSFERRING, FETCH),
		[FE(START_VERIFIED)] = TO(HANDOFF, HANDOFF),
		[FE(FAIL_FINAL)] = TO(FAILED, FINAL),
		[FE(CANCEL)] = TO(CANCELED, FINAL),
	},
	[F(TRANSFERRING)] = {
		[FE(FETCHED)] = TO(VERIFYING, VERIFY),
		[FE(FAIL)] = TO(WAIT_FETCH, BACKOFF),
		[FE(FAIL_FINAL)] = TO(FAILED, FINAL),
		[FE(CANCEL)] = TO(CANCELED, CANCEL_FETCH),
	},
	[F(VERIFYING)] = {
		[FE(VERIFIED)] = TO(HANDOFF, HANDOFF),
		/* a file that does not verify is fetched again from scratch */
		[FE(FAIL)] = TO(WAIT_FETCH, BACKOFF),
		[FE(FAIL_FINAL)] = TO(FAILED, FINAL),
		[FE(CANCEL)] = TO(CANCELED, FINAL),
	},
	[F(HANDOFF)] = {
		[FE(HANDED_OFF)] = TO(DONE, FINAL),
		[FE(FAIL)] = TO(WAIT_HANDOFF, BACKOFF),
		[FE(FAIL_FINAL)] = TO(FAILED, FINAL),
		[FE(CANCEL)] = TO(CANCELED, FINAL),
	},
	[F(WAIT_FETCH)] = {
		[FE(BACKOFF_OVER)] = TO(QUEUED, ENQUEUE),
		[FE(CANCEL)] = TO(CANCELED, FINAL),
	},
	[F(WAIT_HANDOFF)] = {
		[FE(BACKOFF_OVER)] = TO(HANDOFF, HANDOFF),
		[FE(CANCEL)] = TO(CANCELED, FINAL),
	},
	[F(FAILED)] = {
		[FE(RETRY)] = TO(QUEUED, REQUEUE),
	},
	[F(CANCELED)] = {
		[FE(RETRY)] = TO(QUEUED, REQUEUE),
	},
};

struct tusk_fsm_step
tusk_session_fsm(enum tusk_session_state s, enum tusk_session_event e)
{
	struct tusk_fsm_step none = { .next = (int)s, .action = SA(NONE) };

	if ((unsigned int)s >= TUSK_SESSION_NSTATES ||
	    (unsigned int)e >= TUSK_SEV_NEVENTS ||
	    session_table[s][e].action == SA(NONE))
		return none;
	return session_table[s][e];
}

struct tusk_fsm_step
tusk_file_fsm(enum tusk_file_state s, enum tusk_file_event e)
{
	struct tusk_fsm_step none = { .next = (int)s, .action = FA(NONE) };

	if ((unsigned int)s >= TUSK_FILE_NSTATES ||
	    (unsigned int)e >= TUSK_FEV_NEVENTS ||
	    file_table[s][e].action == FA(NONE))
		return none;
	return file_table[s][e];
}

static const char *const session_states[] = {
	"SUBMITTED", "ACTIVE", "ANALYSING", "FINISHED", "FINISHEDDIRTY",
	"FAILED", "CANCELED",
};
static const char *const session_events[] = {
	"listed", "list_failed", "files_done", "files_done_analyse",
	"files_some_failed", "files_all_failed", "job_ok_more",
	"job_ok_last", "job_failed", "cancel", "retry", "retry_analysis",
};
static const char *const file_states[] = {
	"QUEUED", "TRANSFERRING", "VERIFYING", "HANDOFF", "WAIT_FETCH",
	"WAIT_HANDOFF", "DONE", "FAILED", "CANCELED",
};
static const char *const file_events[] = {
	"start", "start_verified", "fetched", "verified", "handed_off",
	"fail", "fail_final", "backoff_over", "cancel", "retry",
};

_Static_assert(ARRAY_LEN(session_states) == TUSK_SESSION_NSTATES, "names");
_Static_assert(ARRAY_LEN(session_events) == TUSK_SEV_NEVENTS, "names");
_Static_assert(ARRAY_LEN(file_states) == TUSK_FILE_NSTATES, "names");
_Static_assert(ARRAY_LEN(file_events) == TUSK_FEV_NEVENTS, "names");

static const char *
name_of(const char *const *names, unsigned int n, int i)
{
	return (unsigned int)i < n ? names[i] : "?";
}

const char *
tusk_session_state_name(int s)
{
	return name_of(session_states, ARRAY_LEN(session_states), s);
}

const char *
tusk_session_event_name(int e)
{
	return name_of(session_events, ARRAY_LEN(session_events), e);
}

const char *
tusk_file_state_name(int s)
{
	return name_of(file_states, ARRAY_LEN(file_states), s);
}

const char *
tusk_file_event_name(int e)
{
	return name_of(file_events, ARRAY_LEN(file_events), e);
}

bool
tusk_session_state_final(int s)
{
	return s >= TUSK_SESSION_FINAL;
}

bool
tusk_file_state_final(int s)
{
	return s >= TUSK_FILE_FINAL;
}
