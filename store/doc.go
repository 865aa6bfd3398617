// Package store is gwd's store: one embedded Pebble database that is at once
// the write-ahead log, the durable queues, the DLR index, message state and
// events, and the configuration. It replaces Jasmin's RabbitMQ and Redis.
//
// Writes go through a group committer: callers hand over a Write (the
// mutations and a completion callback) and never block; one goroutine folds
// every Write waiting at that moment into one Pebble batch and commits it
// with one fsync, while a second goroutine waits for the previous batch's
// fsync and runs its callbacks. One fsync thus serves as many messages as
// arrived during the previous one.
//
// Keyspaces are single-byte prefixes (see keys.go). Time-bounded data (DLR
// index entries, message events, MO reply context) lives in time-bucketed
// ranges that are dropped a bucket at a time with one range delete, never
// swept key by key.
//
// store knows nothing of SMPP or of its front-ends: messages are opaque
// payloads to it, a receipt's SMSC id is the key it is given (normalised
// by the connector), a message's events are typed (Event) and named by
// whoever shows them. Nothing outside store sees Pebble: a Write's Apply gets
// an opaque Batch.
package store
