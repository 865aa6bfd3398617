package config

// Per-queue caps (issue 16): how much one connector's queue and one ESME's
// outbox may hold before new messages for it are refused
// (ESME_RMSGQFUL, HTTP 503), so that one dead connector or one ESME that
// never binds cannot fill the disk and stop all traffic. 0 means no cap.

// SMPPClient is [smpp-client]: what applies to every SMPP client
// connector (the connectors themselves are configured with jCli's
// smppccm).
type SMPPClient struct {
	// QueueMaxMessages caps the messages one connector's queue holds
	// (waiting, requeued and in flight); 0: no cap.
	QueueMaxMessages int `toml:"queue_max_messages"`
	// QueueMaxBytes caps the octets of those messages' records; 0: no
	// cap.
	QueueMaxBytes int `toml:"queue_max_bytes"`
}

const (
	// DefaultQueueMaxMessages is a connector queue's message cap: hours
	// of a busy link's traffic.
	DefaultQueueMaxMessages = 1_000_000
	// DefaultQueueMaxBytes is a connector queue's octet cap: 1 GiB.
	DefaultQueueMaxBytes = 1 << 30
	// DefaultOutboxMaxMessages is an ESME outbox's message cap.
	DefaultOutboxMaxMessages = 100_000
	// DefaultOutboxMaxBytes is an ESME outbox's octet cap: 256 MiB.
	DefaultOutboxMaxBytes = 256 << 20
	// maxQueueCap bounds every cap key (1 TiB, 1<<40 messages).
	maxQueueCap = 1 << 40
)

// validateQueueCaps checks [smpp-client] queue_max_* and [smpp-server]
// outbox_max_*.
func (v *validator) validateQueueCaps(c *Config) {
	v.between("smpp-client", "queue_max_messages", c.SMPPClient.QueueMaxMessages, 0, maxQueueCap, "messages (0: no cap)")
	v.between("smpp-client", "queue_max_bytes", c.SMPPClient.QueueMaxBytes, 0, maxQueueCap, "octets (0: no cap)")
	v.between("smpp-server", "outbox_max_messages", c.SMPPServer.OutboxMaxMessages, 0, maxQueueCap, "messages (0: no cap)")
	v.between("smpp-server", "outbox_max_bytes", c.SMPPServer.OutboxMaxBytes, 0, maxQueueCap, "octets (0: no cap)")
	v.validateOutboxRetry(c)
}
