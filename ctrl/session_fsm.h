/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * session_fsm: the states of a session and of each of its files, as two
 * tables (state x event -> next state, action). Pure: no I/O, no clock;
 * session.c journals the new state, then performs the action.
 *
 * States mean what FTS3's do: a session is SUBMITTED until its file list is
 * known, ACTIVE while files move, ANALYSING while its analysis steps run,
 * then FINISHED (everything delivered and analysed), FINISHEDDIRTY (some
 * files failed, the rest delivered), FAILED (nothing delivered, or an
 * analysis step failed) or CANCELED.
 *
 * A file: QUEUED (waiting for a transfer slot) -> TRANSFERRING (tuskd
 * fetches it) -> VERIFYING (digests checked) -> HANDOFF (storage steps) ->
 * DONE; a failure waits out a backoff in WAIT_FETCH or WAIT_HANDOFF (a
 * verified file is never fetched again: its retries redo the hand-off
 * only) or ends in FAILED when the attempts are used up.
 */
#ifndef TUSK_CTRL_SESSION_FSM_H
#define TUSK_CTRL_SESSION_FSM_H

#include <stdbool.h>

/* Final states last: the journal finds open sessions by state < FINAL. */
enum tusk_session_state {
	TUSK_SESSION_SUBMITTED,
	TUSK_SESSION_ACTIVE,
	TUSK_SESSION_ANALYSING,
	TUSK_SESSION_FINISHED,		/* the first final state */
	TUSK_SESSION_FINISHEDDIRTY,
	TUSK_SESSION_FAILED,
	TUSK_SESSION_CANCELED,
	TUSK_SESSION_NSTATES,
};
#define TUSK_SESSION_FINAL TUSK_SESSION_FINISHED

enum tusk_session_event {
	TUSK_SEV_LISTED,	/* the file list is known (and not empty) */
	TUSK_SEV_LIST_FAILED,	/* the source listed nothing, or failed */
	TUSK_SEV_FILES_DONE,	/* every file DONE, no analysis steps */
	TUSK_SEV_FILES_DONE_ANALYSE, /* every file DONE, analysis to run */
	TUSK_SEV_FILES_SOME_FAILED,  /* all final, some DONE, some not */
	TUSK_SEV_FILES_ALL_FAILED,   /* all final, none DONE */
	TUSK_SEV_JOB_OK_MORE,	/* an analysis step succeeded, more follow */
	TUSK_SEV_JOB_OK_LAST,	/* the last analysis step succeeded */
	TUSK_SEV_JOB_FAILED,	/* an analysis step failed or timed out */
	TUSK_SEV_CANCEL,	/* operator */
	TUSK_SEV_RETRY,		/* operator: failed files again */
	TUSK_SEV_RETRY_ANALYSIS,/* operator: files all DONE, a step failed */
	TUSK_SEV_NEVENTS,
};

enum tusk_session_action {
	TUSK_SACT_NONE,		/* no transition: the event is ignored */
	TUSK_SACT_ADMIT,	/* files enter the queue */
	TUSK_SACT_ANALYSE,	/* submit the next analysis step */
	TUSK_SACT_CANCEL,	/* cancel fetches and the running job */
	TUSK_SACT_REQUEUE,	/* FAILED/CANCELED files back to the queue */
	TUSK_SACT_FINISH,	/* final: record, report */
};

enum tusk_file_state {
	TUSK_FILE_QUEUED,
	TUSK_FILE_TRANSFERRING,
	TUSK_FILE_VERIFYING,
	TUSK_FILE_HANDOFF,
	TUSK_FILE_WAIT_FETCH,
	TUSK_FILE_WAIT_HANDOFF,
	TUSK_FILE_DONE,			/* the first final state */
	TUSK_FILE_FAILED,
	TUSK_FILE_CANCELED,
	TUSK_FILE_NSTATES,
};
#define TUSK_FILE_FINAL TUSK_FILE_DONE

enum tusk_file_event {
	TUSK_FEV_START,		/* a transfer slot is free */
	TUSK_FEV_START_VERIFIED,/* queued, but verified earlier */
	TUSK_FEV_FETCHED,	/* tuskd reports the file done */
	TUSK_FEV_VERIFIED,	/* digests as the policy asks */
	TUSK_FEV_HANDED_OFF,	/* every hand-off step done */
	TUSK_FEV_FAIL,		/* a step failed, attempts left */
	TUSK_FEV_FAIL_FINAL,	/* a step failed, no attempts left (or a
				 * failure no retry can mend) */
	TUSK_FEV_BACKOFF_OVER,	/* the wait before the next attempt ended */
	TUSK_FEV_CANCEL,
	TUSK_FEV_RETRY,		/* operator: a FAILED/CANCELED file again */
	TUSK_FEV_NEVENTS,
};

enum tusk_file_action {
	TUSK_FACT_NONE,		/* no transition */
	TUSK_FACT_FETCH,	/* ask tuskd to fetch (resumes by dest) */
	TUSK_FACT_VERIFY,
	TUSK_FACT_HANDOFF,
	TUSK_FACT_BACKOFF,	/* schedule the next attempt */
	TUSK_FACT_ENQUEUE,	/* wait for a transfer slot */
	TUSK_FACT_CANCEL_FETCH,	/* tell tuskd to stop (keeps its part) */
	TUSK_FACT_REQUEUE,	/* attempts reset, back in the queue */
	TUSK_FACT_FINAL,	/* nothing more to do for the file */
};

struct tusk_fsm_step {
	int next;		/* the new state */
	int action;		/* what to do once it is journaled */
};

/* The step for (state, event); action NONE means the event does not
 * apply in that state and the state stays. */
struct tusk_fsm_step tusk_session_fsm(enum tusk_session_state s,
				      enum tusk_session_event e);
struct tusk_fsm_step tusk_file_fsm(enum tusk_file_state s,
				   enum tusk_file_event e);

const char *tusk_session_state_name(int s);
const char *tusk_session_event_name(int e);
const char *tusk_file_state_name(int s);
const char *tusk_file_event_name(int e);
bool tusk_session_state_final(int s);
bool tusk_file_state_final(int s);

#endif /* TUSK_CTRL_SESSION_FSM_H */
