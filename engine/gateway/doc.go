// Package gateway is gwd's core: it owns the store, the accounts and
// routing tables, the SMPP server and the HTTP callback thrower, and runs
// the pipelines between them and the SMPP client connectors. It builds
// the configuration's one writer (package engine/manage), which changes
// the tables and owns the connectors' registry and lifecycle; the
// pipelines only read them. Open hands the pieces front-ends are wired
// to (Parts) to cmd/gwd.
//
//	MT:  channel (SMPP server, HTTP API) → SubmitMT: interceptors, MT route,
//	     charge, append to the connector's durable queue → answer the sender
//	     → connector → submit_sm_resp → Outcome: DLR mapping, resp charge,
//	     level-1 receipt, ack.
//	DLR: connector deliver_sm receipt → DLR index → the sender's outbox
//	     (SMPP) or a durable HTTP callback → deliver_sm_resp.
//	MO:  connector deliver_sm → MO route → the user's outbox (smpps) or an
//	     HTTP connector callback → deliver_sm_resp.
//
// Every hand-off is durable before it is acknowledged upstream.
package gateway
