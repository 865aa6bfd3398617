// Package thrower owns gwd's durable HTTP callbacks, what Jasmin calls
// throwers: receipts (DLRs) posted to the sender's dlr-url, MO messages
// posted to HTTP client connectors (httpccm), Junebug's event, MO and
// status JSON posted to event_url, mo_url and status_url, and the HTTP
// API's batch callbacks (sendbatch's callback_url and errback_url, GET).
//
// Throw stores a Callback in a durable store queue (one per Kind: "throw/dlr",
// "throw/mo", "throw/event", "throw/batch") and reports once it is there; a bounded pool of
// workers per kind then makes the request until the receiver accepts it or
// the kind's retry policy gives up.
//
// # Acceptance
//
// Jasmin's manual asks the receiver of a DLR and of an SMS-MO alike for a
// "200 OK" status and "exactly" the body ACK/Jasmin (AcceptJasminACK;
// surrounding white space is ignored, as Jasmin strips the body). Any other
// answer, a connection error or a timeout is a failed attempt. Junebug's
// callbacks and batch callbacks accept any 2xx status (Accept2xx), the
// body ignored (Jasmin's manual asks nothing of a batch callback's
// answer). Redirects are not followed:
// a 3xx answer is a failed attempt.
//
// # URLs of API users
//
// A callback whose URL an API user supplied (Callback.UserURL: a
// dlr-url, a batch callback) is made through a client whose dial function is Config.Guard's (package
// egress): the URL's host is resolved again for each new connection, and
// the connection is refused when any address is loopback, private,
// link-local or otherwise internal, unless [callbacks] allow_networks
// holds it; the client connects to the address it checked, never to the
// name. A refused connection is a failed attempt, retried and given up as
// for an unreachable receiver. URLs administrators configured (HTTP
// client connectors, Junebug channels) are not restricted.
//
// # Retries
//
// A failed attempt is retried after the kind's retry_delay, max_retries
// times as in Jasmin (whose try-count is incremented on each failure and
// the message requeued while it is at most max_retries); then, with a
// retry_ttl, the delay doubles at each further failure, with ±20 %
// jitter, up to max_retry_delay, until the first failure at or after
// retry_ttl from the first attempt. With retry_ttl 0 a receiver that
// never accepts sees exactly 1+max_retries requests. Either way the
// callback given up goes to the kind's dead letters (store.DeadLetters)
// with its attempts, first and last attempt times and last error, in
// the same write as its removal from the queue, with one warning log
// line; the admin API lists, replays and deletes them (Thrower.DeadLetters,
// ReplayDeadLetters, DeleteDeadLetter).
//
// Retries wait on disk, not in memory: each kind has retry queues
// "throw/<kind>/r0" … "r15", one per back-off level, every record of one
// queue waiting (about) the same delay, so FIFO order is due order. A
// failed attempt appends a new record to its level's queue (count + 1,
// not before now + delay, the first attempt's time) and then removes the
// old one, so a restart neither resets the count nor retries early. The
// feeder takes a retry queue's head and, when it is not due, holds it
// (one callback per queue) and sleeps until its time; nothing else of the
// queue is read, and each queue keeps at most 256 callbacks in memory
// (store.Queue.SetMaxResident), the kind's queue 8192. A crash between
// the two writes leaves both records, and the callback may be made once
// more (at-least-once delivery). A retry stored by an older version in
// the kind's queue, its time ahead, is moved to a retry queue when taken.
//
// # Concurrency per destination
//
// Each kind has Config.Workers workers (default 256), and at most
// Config.PerHost (default 64) of them make requests to one destination at
// once, a destination being the URL's host and port (lower case, 80 or 443
// when the URL has none; credentials, path and query do not matter). A
// callback whose destination is at its limit waits in memory, still in the
// store, without holding a worker, up to 4096 per destination; beyond
// that it is put off to the first retry queue for retry_delay, without an
// attempt. A worker done with a destination takes the next callback
// waiting for it. So a receiver that is slow or does not answer (each
// request waiting http_timeout) holds PerHost workers, and the others
// keep serving every other destination. Close gives the waiting callbacks
// back to the queue.
//
// # Circuit breaker
//
// After 5 failed attempts in a row a destination is down for retry_delay
// (or its back-off: doubled each time it opens again, up to
// max_retry_delay when retry_ttl is set). Callbacks taken for a down
// destination are put off to the retry queue that brings them back
// around when it is up, without a request and without counting an
// attempt (KindStats.Deferred); their TTL still runs (with retry_ttl 0: a
// callback put off for max_retries × retry_delay since its first attempt
// goes to the dead letters). Once the time is up one callback is the
// probe: its success closes the breaker, its failure keeps the
// destination down for twice as long.
//
// # Order
//
// Delivery order is not guaranteed across callbacks, not even for one
// message's DLRs: up to PerHost requests per destination are in flight at
// once and a retried callback waits while younger ones go ahead.
//
// # Signatures
//
// With a signing key (signing_key in [dlr-thrower] or [deliversm-thrower];
// Config.EventSigningKey for Junebug's callbacks), every request of that
// kind carries two headers:
//
//	X-Gwd-Timestamp: <unix seconds when the attempt was made>
//	X-Gwd-Signature: sha256=<hex HMAC-SHA256 under the key of the string below>
//
// and the string signed is the timestamp, the method, the request URI and
// the body, joined by dots:
//
//	<timestamp>.<method>.<path?query>.<body>
//
// The method is GET or POST; path?query is the request target exactly as
// on the request line (the URL's path as given, "/" when it has none, then
// "?" and the query, GET parameters included, when there is one; never the
// fragment, the host or credentials); the body is the raw octets sent,
// empty for GET. Each attempt is signed afresh, so a retry has a new
// timestamp. A receiver recomputes the HMAC over the same string, compares
// in constant time, and rejects timestamps too far from its clock to
// refuse replays. docs/callbacks.md has verification code in Go and
// Python.
package thrower
