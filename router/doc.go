// Package router decides, for every message, who may send it, where it goes
// and what it costs: users and groups with their credentials, filters, the
// MO and MT routing tables, interceptors and billing, with Jasmin's
// semantics. It is pure logic and does no I/O: the engine asks, the store
// (package store) keeps what must last — the users' balances and sms_counts
// among it, in the types of router/ledger.
//
// What router refuses it says as a Refusal: a kind and Jasmin's text,
// never a transport's status; each front-end maps kinds to its answer.
//
// Tables change at run time without stopping traffic: a change builds a new
// immutable snapshot and swaps it in atomically, so a lookup takes no lock.
package router
