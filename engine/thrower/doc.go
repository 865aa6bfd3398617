// Package thrower owns gwd's durable HTTP callbacks, what Jasmin calls
// throwers: receipts (DLRs) posted to the sender's dlr-url, MO messages
// posted to HTTP client connectors (httpccm), and Junebug's event, MO and
// status JSON posted to event_url, mo_url and status_url.
//
// Throw stores a Callback in a durable wal queue (one per Kind: "throw/dlr",
// "throw/mo", "throw/event") and reports once it is there; a bounded pool of
// workers per kind then makes the request until the receiver accepts it or
// the kind's retry policy gives up.
//
// # Acceptance
//
// Jasmin's manual asks the receiver of a DLR and of an SMS-MO alike for a
// "200 OK" status and "exactly" the body ACK/Jasmin (AcceptJasminACK;
// surrounding white space is ignored, as Jasmin strips the body). Any other
// answer, a connection error or a timeout is a failed attempt. Junebug's
// callbacks accept any 2xx status (Accept2xx). Redirects are not followed:
// a 3xx answer is a failed attempt.
//
// # Retries
//
// A failed attempt is retried after the kind's retry_delay; max_retries
// counts retries after the first attempt, as in Jasmin (whose try-count is
// incremented on each failure and the message requeued while it is at most
// max_retries): a receiver that never accepts sees exactly 1+max_retries
// requests, then the callback is dropped with one warning log line and
// counted as failed.
//
// The number of failed attempts and the time of the next one live in the
// stored record: a failed attempt appends a new record (count + 1, not
// before now + retry_delay) and then removes the old one, so a restart
// neither resets the count nor retries early. A crash between those two
// writes leaves both records, and the callback may be made once more
// (at-least-once delivery).
//
// # Order and concurrency
//
// Delivery order is not guaranteed across callbacks, not even for one
// message's DLRs: up to Config.Workers requests per kind are in flight at
// once and a retried callback waits while younger ones go ahead.
package thrower
