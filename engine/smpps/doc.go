// Package smpps owns gwd's SMPP server API: the listener ESMEs bind to
// (system_id = username), their submit_sm / data_sm / query_sm, and each
// user's outbox — the durable queue of deliver_sm (receipts and MO) waiting
// for that user. An outbox is kept while the user is not bound (until the
// messages' validity) and drained across the user's receiver-capable binds
// as soon as one is up: nothing is dropped because nobody was bound at that
// instant.
package smpps
