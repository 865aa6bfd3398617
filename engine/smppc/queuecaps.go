package smppc

// SetQueueDefaults gives the caps a connector whose queue_max_messages or
// queue_max_bytes is -1 takes ([smpp-client]'s), and applies the caps in
// force now; a configuration Update applies them again.
func (c *Connector) SetQueueDefaults(msgs int, bytes int64) {
	c.capMsgs.Store(int64(msgs))
	c.capBytes.Store(bytes)
	c.applyQueueCaps(c.cfg.Load())
}

// applyQueueCaps sets the queue's caps from cfg: its own, or the defaults
// where it says -1.
func (c *Connector) applyQueueCaps(cfg *Config) {
	msgs, bytes := int64(cfg.QueueMaxMessages), int64(cfg.QueueMaxBytes)
	if msgs < 0 {
		msgs = c.capMsgs.Load()
	}
	if bytes < 0 {
		bytes = c.capBytes.Load()
	}
	c.q.SetCaps(int(msgs), bytes)
}
