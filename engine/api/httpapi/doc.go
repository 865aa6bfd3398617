// Package httpapi owns gwd's HTTP interfaces for applications that send
// messages: Jasmin's HTTP API (/send, /balance, /rate, /ping, /metrics)
// and its RESTful API (/secure/send, /secure/sendbatch, /secure/balance,
// /secure/rate), with the manual's parameters, bodies and status codes,
// served by fasthttp. It also runs the REST API's batches (sendbatch) in
// the background, durably in the store, and adds what Jasmin lacks:
// GET and DELETE /secure/batch/{batchId} for a batch's progress and its
// cancellation, and idempotency keys on /send and /secure/send (an
// idempotency-key argument, idempotency_key JSON field or Idempotency-Key
// header: a request retried within Options.IdempotencyWindow is answered
// with the first one's id instead of being sent twice; see
// idempotency.go), kept durably when the Backend implements Idempotency.
//
// The package turns a request into a checked mt.Submit (authentication,
// the user's credentials and throughput quota, content encoding and long
// content splitting) and hands it to the gateway (Backend); it answers
// only once the gateway says the message is durable. Routing, charging and
// queueing are the gateway's; receipts and MO delivery to applications'
// URLs are package thrower's.
package httpapi
