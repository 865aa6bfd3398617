// Package engine is gwd's gateway core: SMPP sessions for ESMEs and for
// connectors, the MT and MO pipelines, windows, throttles, requeue, DLR
// correlation, HTTP callback delivery and the HTTP APIs. It holds no routing
// rules and no storage formats: those belong to router and store.
//
// The sub-package session holds the SMPP session primitives that the server
// side (ESMEs binding to gwd, or to smppsim) and the client side (gwd's
// connectors, bench's ESMEs) share.
package engine
