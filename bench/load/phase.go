package load

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// What the SMPP and HTTP runs share around their send phase: the report's
// opening and smppsim's counters before and after, and the phase's clock
// (progress lines, the duration limit, cancellation).

// Traffic is what the SMPP and HTTP runs send, for how long, and what they
// report as they go.
type Traffic struct {
	// Rate is messages (HTTP: requests) per second over all senders; 0
	// sends flat out.
	Rate float64
	// Count and Duration bound the run, whichever comes first; both are
	// required.
	Count    int
	Duration time.Duration
	Content  Content
	// LongParts is the number of parts of a long message (2 to 255).
	LongParts int
	// ReceiptWait is how long the run waits for receipts after the last
	// answer, when it asked for them.
	ReceiptWait time.Duration
	// Src is the source address; destinations are DstPrefix and eight
	// digits.
	Src       string
	DstPrefix string
	// SimStatsURL, when set, is smppsim's GET /stats, read before and
	// after the run to count what reached it.
	SimStatsURL string
	// Progress receives a line every ProgressInterval (nil: none).
	Progress         io.Writer
	ProgressInterval time.Duration
}

// stopper ends the send phase once, remembering why.
type stopper struct {
	once   sync.Once
	ch     chan struct{}
	flag   atomic.Bool
	reason string
}

func newStopper() *stopper { return &stopper{ch: make(chan struct{})} }

func (s *stopper) stop(reason string) {
	s.once.Do(func() {
		s.reason = reason
		s.flag.Store(true)
		close(s.ch)
	})
}

func (s *stopper) stopped() bool { return s.flag.Load() }

// newReport opens a run's report and, when simStatsURL is set, reads
// smppsim's counters before the run (an error there ends the run before
// it starts).
func newReport(ctx context.Context, mode, target string, s Settings, simStatsURL string) (*Report, error) {
	rep := &Report{Mode: mode, Target: target, Settings: s, StartedAt: time.Now()}
	if simStatsURL != "" {
		before, err := FetchSimStats(ctx, simStatsURL)
		if err != nil {
			return nil, err
		}
		rep.SMPPSim = &SimDelta{URL: simStatsURL, Before: before}
	}
	return rep, nil
}

// simAfter reads smppsim's counters after the run, when it read them
// before; an error is reported as a connection error.
func (r *Report) simAfter(ctx context.Context) {
	if r.SMPPSim == nil {
		return
	}
	after, err := FetchSimStats(context.WithoutCancel(ctx), r.SMPPSim.URL)
	if err != nil {
		r.ConnErrors = append(r.ConnErrors, err.Error())
		return
	}
	r.SMPPSim.After = after
}

// startPhase starts the send phase's clock: progress lines on w every
// interval from cs (and receipts, when not nil), the phase's end
// through stop after duration or when ctx is cancelled. It returns the
// phase's start (nanotime) and a function that stops the progress lines
// and the timer, to call once the run no longer sends nor waits.
func startPhase(ctx context.Context, stop *stopper, duration time.Duration, w io.Writer, every time.Duration, cs []*counters, receipts func() int64) (start int64, end func()) {
	progStop := make(chan struct{})
	progDone := make(chan struct{})
	go func() {
		defer close(progDone)
		progress(w, every, cs, receipts, progStop)
	}()
	start = nanotime()
	timer := time.AfterFunc(duration, func() { stop.stop("duration") })
	go func() {
		select {
		case <-ctx.Done():
			stop.stop("interrupted")
		case <-stop.ch:
		}
	}()
	return start, func() {
		timer.Stop()
		close(progStop)
		<-progDone
	}
}
