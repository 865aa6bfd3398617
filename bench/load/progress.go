package load

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// counters are one sender's live totals, read by the progress line. Each
// bind or client has its own, on its own cache lines.
type counters struct {
	msgsSent       atomic.Int64
	msgsAcked      atomic.Int64
	msgsFailed     atomic.Int64
	msgsUnanswered atomic.Int64
	pdusSent       atomic.Int64
	pdusAcked      atomic.Int64
	pdusFailed     atomic.Int64
	pdusNoResp     atomic.Int64
	receipts       atomic.Int64
	_              [64]byte
}

// addCounts adds c's message and PDU counts to r's.
func (r *Report) addCounts(c *counters) {
	r.Messages.Sent += c.msgsSent.Load()
	r.Messages.Acked += c.msgsAcked.Load()
	r.Messages.Failed += c.msgsFailed.Load()
	r.Messages.Unanswered += c.msgsUnanswered.Load()
	r.PDUs.Sent += c.pdusSent.Load()
	r.PDUs.Acked += c.pdusAcked.Load()
	r.PDUs.Failed += c.pdusFailed.Load()
	r.PDUs.Unanswered += c.pdusNoResp.Load()
}

type progressTotals struct {
	sent, acked, errors, receipts int64
}

func sumCounters(cs []*counters) progressTotals {
	var t progressTotals
	for _, c := range cs {
		t.sent += c.msgsSent.Load()
		t.acked += c.msgsAcked.Load()
		t.errors += c.msgsFailed.Load() + c.msgsUnanswered.Load()
		t.receipts += c.receipts.Load()
	}
	return t
}

// progress writes a line to w every interval until stop is closed:
// elapsed time, messages sent and acknowledged, the acknowledgement rate
// over the last interval, errors and receipts.
func progress(w io.Writer, interval time.Duration, cs []*counters, extraReceipts func() int64, stop <-chan struct{}) {
	if w == nil || interval <= 0 {
		return
	}
	start := time.Now()
	t := time.NewTicker(interval)
	defer t.Stop()
	var last progressTotals
	lastAt := start
	for {
		select {
		case <-stop:
			return
		case now := <-t.C:
			cur := sumCounters(cs)
			if extraReceipts != nil {
				cur.receipts += extraReceipts()
			}
			rate := float64(cur.acked-last.acked) / now.Sub(lastAt).Seconds()
			fmt.Fprintf(w, "bench %5.0fs  sent %d  acked %d  %.0f/s  errors %d  receipts %d\n",
				now.Sub(start).Seconds(), cur.sent, cur.acked, rate, cur.errors, cur.receipts)
			last, lastAt = cur, now
		}
	}
}
