// Package smppc owns gwd's SMPP client connectors: the links to operators'
// SMSCs. A Connector keeps one or more binds up (reconnecting on loss or
// failure as con_loss_* / con_fail_* say), sends the MT messages of its
// durable queue through an engine/pump within each bind's window and the
// connector's submit_throughput, acks its own queue, and hands what comes
// back — submit_sm_resp outcomes (whose Sink answer is written with the
// ack, in one batch), receipts, MO messages — to the gateway through the
// Sink interface.
//
// Files: connector.go the lifecycle (start, stop, state), submit.go the
// pump's lane (pick, prepare, judge the answer, settle with the sink),
// bind.go one bind's session and its session.App, throttle.go
// submit_throughput and a throttled bind's back-off.
//
// Ordering and retries. ESME_RTHROTTLED and ESME_RMSGQFUL pause the bind
// that got them — 100 ms, doubled each time it is throttled again after a
// pause, at most requeue_delay, back to 100 ms after a submit it gets
// accepted — while the connector's other binds go on sending; the message
// goes back to the head of its priority (not to the tail, as Jasmin does),
// so it is sent first and order is kept. A bind
// lost with messages in its window puts them back at the head too: they are
// sent again after reconnecting (the only duplicates gwd allows). A submit
// whose response does not come within res_to is, by default, not sent again
// (res_to_policy = fail): the SMSC may well have it, and a duplicate SMS to
// a handset is the worse failure; its sender learns the outcome is unknown.
// res_to_policy = resend sends it once more instead.
package smppc
