// Command bench is the load generator and report performance teams run
// against gwd, Jasmin or any SMPP server: ESMEs or HTTP clients driving the
// target, bounded by a message count and a duration (whichever comes
// first), reporting throughput, latency percentiles, errors, receipts and
// loss as a table and as JSON.
//
// SMPP mode binds -binds sessions with -window submits outstanding each:
//
//	bench smpp -addr 127.0.0.1:2775 -system-id u -password p -bind trx \
//	    -binds 4 -window 100 -rate 0 -count 100000 -duration 60s \
//	    -content gsm7 -receipts -receipt-wait 10s \
//	    -smppsim-stats http://127.0.0.1:8076/stats -json out.json
//
// -rate is messages per second over all binds (0: flat out). -content is
// gsm7, ucs2, long (-long-parts parts of 153 GSM characters, concatenated
// with a UDH 05 00 03 ref total seq; messages and PDUs are counted apart)
// or mix (gsm7, ucs2, long in turn). -receipts sets registered_delivery 1
// (it needs -bind trx): the receipts that come back as deliver_sm are
// answered, counted and matched to their submit by message id
// (receipted_message_id, or the id: of the receipt text) for the
// submit→receipt latency; after the last response bench waits up to
// -receipt-wait for them.
//
// HTTP mode runs -concurrency keep-alive clients against Jasmin's HTTP API
// (POST /send, form-encoded, credentials as parameters) or, with -rest,
// its RESTful API (POST /secure/send, JSON, Basic authorization; a -url
// path of /send becomes /secure/send):
//
//	bench http -url http://127.0.0.1:1401/send -username u -password p \
//	    -concurrency 32 -count 100000 -duration 60s -content mix \
//	    -dlr -dlr-listen 127.0.0.1:0
//
// -dlr adds dlr=yes, dlr-url, dlr-level (-dlr-level, default 3) and
// dlr-method to every request and serves the dlr-url on -dlr-listen
// (-dlr-url overrides the address given to the gateway, for NAT): each
// callback is answered ACK/Jasmin, counted (SMS-C level ones, whose
// message_status is ESME_*, apart from terminal ones) and matched by id
// to the request's `Success "id"` for the submit→receipt latency. gwd
// refuses dlr-urls on loopback and private networks unless its
// [callbacks] allow_networks covers them: run it with
// -set callbacks.allow_networks=127.0.0.0/8 for a sink on 127.0.0.1
// (bench/lib.sh does).
//
// For an authentication flood (bench/auth-flood.sh), HTTP mode also
// takes -source-addrs (local addresses the client sockets bind to, in turn
// per request, one keep-alive client each: 127.0.0.2-127.0.0.254 or a,b),
// -usernames N (every Nth request carries -username, the others a new
// unknown name each, -username-<request number>) and -close (a new
// connection per request); -rate then fixes the flood's rate, and wrong
// passwords are counted as errors (HTTP 403, 429 …) without stopping
// the run.
//
// The report, on stdout (on stderr when -json - puts the JSON on stdout):
// messages and PDUs sent, acknowledged OK, failed and unanswered;
// throughput over the send phase (first submit to last response); errors
// by command_status name or HTTP status; submit→resp and submit→receipt
// latency (count, min, p50, p90, p99, p99.9, max, mean, in ms); receipts
// expected, received by stat, missing and unmatched; with -smppsim-stats,
// what smppsim counted during the run and the loss: PDUs acknowledged to
// bench − submits smppsim accepted (what a gateway in between acknowledged
// and did not forward). A progress line goes to stderr every -progress
// (default 1s; 0 turns it off). SIGINT ends the send phase early and still
// reports.
//
// Exit status: 0 after a run, whatever its errors; 1 when the target cannot
// be reached, a bind fails, smppsim's stats cannot be read or the report
// cannot be written; 2 for a usage error.
package main
