// Package thrower owns gwd's durable HTTP callbacks, what Jasmin calls
// throwers: receipts (DLRs) posted to the sender's dlr-url, MO messages
// posted to HTTP client connectors (httpccm), and Junebug's event, MO and
// status JSON posted to event_url, mo_url and status_url.
//
// Throw stores a Callback in a durable store queue (one per Kind: "throw/dlr",
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
// # URLs of API users
//
// A callback whose URL an API user supplied (Callback.UserURL: a dlr-url)
// is made through a client whose dial function is Config.Guard's (package
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
// # Concurrency per destination
//
// Each kind has Config.Workers workers (default 256), and at most
// Config.PerHost (default 64) of them make requests to one destination at
// once, a destination being the URL's host and port (lower case, 80 or 443
// when the URL has none; credentials, path and query do not matter). A
// callback whose destination is at its limit waits in memory, still in the
// store, without holding a worker; a worker done with a destination takes
// the next callback waiting for it. So a receiver that is slow or does not
// answer (each request waiting http_timeout) holds PerHost workers, and the
// others keep serving every other destination. Retries wait in the queue
// until their time and take no slot meanwhile. Close gives the waiting
// callbacks back to the queue.
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
