// Package mt holds what the MT (mobile terminated) pipeline passes between
// its stages: a message as an ESME or an HTTP client submits it (Submit),
// the gateway message id it gets (NewID), and the record that waits in a
// connector's durable queue until the SMSC has it (Record).
//
// The channels (the SMPP server, the HTTP and REST APIs) authenticate the
// user and apply its credential checks (router.Accounts.CheckMT) — they
// alone know which parameters were "set" — and hand the gateway a Submit;
// the gateway runs interceptors, routes, bills and queues it.
package mt
