package smsc

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// counters are the simulator's totals, or one bind's.
type counters struct {
	Binds         atomic.Int64 `json:"-"`
	BindFailures  atomic.Int64
	Unbinds       atomic.Int64
	Submits       atomic.Int64 // submit_sm and data_sm received
	SubmitOK      atomic.Int64 // answered ESME_ROK
	SubmitErrors  atomic.Int64 // answered with an injected error status
	Throttled     atomic.Int64 // answered ESME_RTHROTTLED
	NoResponse    atomic.Int64 // left unanswered on purpose
	Dropped       atomic.Int64 // connections dropped on purpose
	ReceiptsSent  atomic.Int64
	ReceiptsAcked atomic.Int64
	ReceiptsLost  atomic.Int64 // given up after retries, or over the holding limit
	MOSent        atomic.Int64 // deliver_sm parts
	MOAcked       atomic.Int64
	MOFailed      atomic.Int64
	Queries       atomic.Int64
	Cancels       atomic.Int64
	Stalls        atomic.Int64 // POST /stall (totals only)
}

// Snapshot is a point-in-time copy of counters, as served by GET /stats.
type Snapshot struct {
	Binds         int64 `json:"binds"`
	BindFailures  int64 `json:"bind_failures"`
	Unbinds       int64 `json:"unbinds"`
	Submits       int64 `json:"submits"`
	SubmitOK      int64 `json:"submit_ok"`
	SubmitErrors  int64 `json:"submit_errors"`
	Throttled     int64 `json:"throttled"`
	NoResponse    int64 `json:"no_response"`
	Dropped       int64 `json:"dropped"`
	ReceiptsSent  int64 `json:"receipts_sent"`
	ReceiptsAcked int64 `json:"receipts_acked"`
	ReceiptsLost  int64 `json:"receipts_lost"`
	ReceiptsHeld  int64 `json:"receipts_held"`
	MOSent        int64 `json:"mo_sent"`
	MOAcked       int64 `json:"mo_acked"`
	MOFailed      int64 `json:"mo_failed"`
	Queries       int64 `json:"queries"`
	Cancels       int64 `json:"cancels"`
	Stalls        int64 `json:"stalls"`
	RecordDropped int64 `json:"record_dropped"` // record lines past MaxRecordBytes or not written
}

func (c *counters) snapshot() Snapshot {
	return Snapshot{
		Binds: c.Binds.Load(), BindFailures: c.BindFailures.Load(), Unbinds: c.Unbinds.Load(),
		Submits: c.Submits.Load(), SubmitOK: c.SubmitOK.Load(), SubmitErrors: c.SubmitErrors.Load(),
		Throttled: c.Throttled.Load(), NoResponse: c.NoResponse.Load(), Dropped: c.Dropped.Load(),
		ReceiptsSent: c.ReceiptsSent.Load(), ReceiptsAcked: c.ReceiptsAcked.Load(), ReceiptsLost: c.ReceiptsLost.Load(),
		MOSent: c.MOSent.Load(), MOAcked: c.MOAcked.Load(), MOFailed: c.MOFailed.Load(),
		Queries: c.Queries.Load(), Cancels: c.Cancels.Load(), Stalls: c.Stalls.Load(),
	}
}

// BindStats describes one open bind.
type BindStats struct {
	SystemID string    `json:"system_id"`
	BindType string    `json:"bind_type"`
	Remote   string    `json:"remote"`
	BoundAt  time.Time `json:"bound_at"`
	Snapshot
}

// Stats is the whole of GET /stats.
type Stats struct {
	Uptime    string      `json:"uptime"`
	BoundNow  int         `json:"bound_now"`
	Total     Snapshot    `json:"total"`
	BindsOpen []BindStats `json:"binds_open"`
}

// Line renders the totals as one log line.
func (s Stats) Line() string {
	t := s.Total
	return fmt.Sprintf("binds=%d submits=%d ok=%d err=%d throttled=%d noresp=%d dropped=%d receipts=%d/%d held=%d lost=%d mo=%d/%d",
		s.BoundNow, t.Submits, t.SubmitOK, t.SubmitErrors, t.Throttled, t.NoResponse, t.Dropped,
		t.ReceiptsAcked, t.ReceiptsSent, t.ReceiptsHeld, t.ReceiptsLost, t.MOAcked, t.MOSent)
}

// printStats writes a counters line to w every interval.
func (sim *Sim) printStats(w io.Writer, interval time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			fmt.Fprintf(w, "%s smppsim %s\n", time.Now().Format(time.TimeOnly), sim.Stats().Line())
		}
	}
}
