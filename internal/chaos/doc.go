// Package chaos is gwd's chaos suite: it builds the real gwd (with
// -tags chaos, for the hooks of cmd/gwd/chaos_hooks.go) and smppsim,
// runs them as child processes on loopback, drives a mixed load through
// them from independent clients (gosmpp ESMEs with receipts, HTTP /send
// with dlr-url, a /secure/sendbatch, MO from smppsim to an HTTP connector
// and to a bound ESME) while it injects faults — SIGKILL of gwd, an SMSC
// that drops connections, stalls, throttles and answers late, floods of
// pipelined requests and idle connections, a slow store, a full disk —
// and checks from outside, at the end of each scenario, that every
// acknowledged MT reached the SMSC, every receipt of one reached its
// ESME or dlr-url and every acknowledged MO reached its receiver
// (duplicates counted and bounded), with gwd's RSS under a stated bound.
//
// The tests are behind the build tag chaos, so go test ./... does not run
// them:
//
//	make chaos                      quick mode (CI, under 4 minutes)
//	CHAOS_MODE=long bench/chaos.sh  long mode (more kill rounds, longer phases)
//	CHAOS_REPORT=path               also write the summary table there
//
// Every scenario is a row of the scenarios table in chaos_test.go.
package chaos
