package gateway

// Idempotency keys of the HTTP APIs (a retried /send within the window
// answers the first id instead of sending twice) are kept in the store's
// MO reply-context keyspace under an "idem:" prefix, so they survive a
// restart and expire with inbound_message_ttl (default 10 minutes).

const idemPrefix = "idem:"

// Remember records that the request with key was answered with id;
// done learns when that is durable.
func (g *Gateway) Remember(key, id string, done func(error)) {
	g.idx.PutInbound(idemPrefix+key, []byte(id), done)
}

// Recall returns the id a request with key was answered with, if any
// within the window.
func (g *Gateway) Recall(key string) (string, bool) {
	b, err := g.idx.Inbound(idemPrefix + key)
	if err != nil || len(b) == 0 {
		return "", false
	}
	return string(b), true
}
