// Package netio owns gwd's sockets: gnet v2 event loops for listeners and
// outbound connections, SMPP framing by command_length, per-connection write
// coalescing with a bound on what a peer that does not read can make us
// buffer, timers, and a crypto/tls path for listeners and connections that
// ask for TLS (gnet does not carry TLS).
//
// netio knows that an SMPP frame starts with a four-octet command_length and
// that a framing error is answered with generic_nack; it does not know what a
// message, user or route is. A Handler (an SMPP session, in engine) receives
// whole frames, one at a time per connection, and writes through its Conn.
//
// Concurrency: OnFrame, OnTick and OnClose of one connection never run at the
// same time. Conn.Write and Conn.Close may be called from any goroutine.
// Frames written during OnFrame are coalesced and leave in one write when the
// batch of frames read together has been handled; frames written from other
// goroutines are coalesced until the connection's event loop flushes them.
package netio
