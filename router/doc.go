// Package router decides, for every message, who may send it, where it goes
// and what it costs: users and groups with their credentials, filters, the
// MO and MT routing tables, interceptors and billing, with Jasmin's
// semantics. It is pure logic and does no I/O: the engine asks, the store
// (package wal) keeps what must last.
//
// Tables change at run time without stopping traffic: a change builds a new
// immutable snapshot and swaps it in atomically, so a lookup takes no lock.
package router
