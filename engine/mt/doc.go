// Package mt holds what the MT (mobile terminated) pipeline passes between
// its stages: a message as an ESME or an HTTP client submits it (Submit),
// the gateway message id it gets (NewID), and the record that waits in a
// connector's durable queue until the SMSC has it (Record).
//
// It is also the one message builder: Builder encodes text and cuts it
// into submit_sm parts per a Split policy (UDH or SAR, the reference
// width, the most parts) for every front-end that composes messages (the
// HTTP and REST APIs, batches, Junebug), with one allocator of
// concatenation references and one default (DefaultSplit); FromSMPP turns
// an ESME's submit_sm or data_sm into the submit_sm gwd forwards; SMs says
// how many short messages a part is billed as.
//
// The channels (the SMPP server, the HTTP and REST APIs) authenticate the
// user and apply its credential checks (router.Accounts.CheckMT) — they
// alone know which parameters were "set" — and hand the gateway a Submit;
// the gateway runs interceptors, routes, bills and queues it.
package mt
