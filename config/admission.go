package config

// Admission control of the store (issue 16): how many writes may wait for
// the committer before new messages are refused.
const (
	// DefaultMaxPendingWrites bounds the writes waiting for the group
	// committer that a new message may join: about 25 commits of
	// commit_max_batch's default, so a store that keeps up never refuses,
	// and a stalled one holds tens of MiB, not the whole of RAM.
	DefaultMaxPendingWrites = 100_000
	// maxMaxPendingWrites bounds max_pending_writes.
	maxMaxPendingWrites = 10_000_000
)

// validateAdmission checks [store] max_pending_writes.
func (v *validator) validateAdmission(c *Config) {
	v.between("store", "max_pending_writes", c.Store.MaxPendingWrites, 1, maxMaxPendingWrites, "writes")
}
