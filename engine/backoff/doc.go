// Package backoff keeps retries on disk by due time: a small header
// (attempts, not-before, first attempt) in front of a queued record, and
// a set of store queues by back-off level whose heads alone are held in
// memory, so a backlog of retries costs the same memory as none.
//
// Level k holds records that wait Delay(k): the first delay doubled k
// times, capped. Within a level every record waits about the same time,
// so FIFO order is due order and only each level's head needs looking
// at. The ESME outbox (engine/smpps) retries refused deliver_sm this
// way; the HTTP callback thrower (engine/thrower) has the same shape.
package backoff
