package config

import "time"

// Outbox retries (issue 16): a deliver_sm an ESME refused or did not
// answer waits on disk by back-off level, and goes to the "outbox" dead
// letters once its validity or outbox_retry_ttl has passed.

// DefaultOutboxRetryTTLHours is how long a refused deliver_sm is retried,
// from its first failed attempt, before it goes to the dead letters.
const DefaultOutboxRetryTTLHours = 24.0

// OutboxRetryTTL is [smpp-server] outbox_retry_ttl as a duration (0: no
// TTL; a deliver_sm is retried until its validity, then dropped).
func (c SMPPServer) OutboxRetryTTL() time.Duration {
	return time.Duration(c.OutboxRetryTTLHours * float64(time.Hour))
}

// validateOutboxRetry checks [smpp-server] outbox_retry_ttl: 0 to 90 days,
// as [dlr-thrower] retry_ttl.
func (v *validator) validateOutboxRetry(c *Config) {
	if h := c.SMPPServer.OutboxRetryTTLHours; !(h >= 0 && h <= maxRetryTTLHours) {
		v.add("smpp-server", "outbox_retry_ttl", "%v is out of range (0 to %d hours; 0: until validity, then dropped)", h, maxRetryTTLHours)
	}
}
