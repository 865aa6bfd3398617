// Package load owns the load generation and measurement behind cmd/bench:
// ESMEs that bind N times with a window of W and submit flat out or at a
// rate (counting the delivery receipts that come back), keep-alive HTTP
// clients for Jasmin's /send and REST /secure/send with a sink for the
// receipts the gateway posts back, the log-linear latency histogram both
// record into, the smppsim stats reader used to count loss, and the report
// (a table for people, JSON for scripts).
//
// Every run is bounded by a message count and a duration, whichever comes
// first. Senders reuse their buffers and PDUs: there is at most one sending
// goroutine per bind (SMPP) or per client (HTTP), never one per message.
package load
