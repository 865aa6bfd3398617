package smsc

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gwd-project/gwd/engine/session"
	"github.com/gwd-project/gwd/netio"
	"github.com/gwd-project/gwd/smpp"
)

// Throughput of the simulator as seen by ESMEs on our session layer:
//
//	go test -run='^$' -bench=Submit -benchtime=200000x -count=3 ./smsc

const (
	benchBinds  = 4
	benchWindow = 1000
)

// pumpESME is a client App for the benchmarks: a semaphore of window size
// paces Send, every response releases a slot; deliver_sm are acked.
type pumpESME struct {
	session.BaseApp
	slots    chan struct{}
	resps    *atomic.Int64
	bad      *atomic.Int64 // non-OK responses and requests left unanswered
	receipts *atomic.Int64
	want     int64 // responses plus receipts that end the run
	seen     *atomic.Int64
	done     chan struct{}
}

func (e *pumpESME) step() {
	if e.seen.Add(1) == e.want {
		close(e.done)
	}
}

func (e *pumpESME) Response(s *session.Session, resp *smpp.PDU, ctx any) {
	if resp.Status != smpp.ESME_ROK {
		e.bad.Add(1)
	}
	e.resps.Add(1)
	<-e.slots
	e.step()
}

func (e *pumpESME) NoResponse(s *session.Session, cmd smpp.CommandID, seq uint32, ctx any, reason error) {
	e.bad.Add(1)
	<-e.slots
	e.step()
}

func (e *pumpESME) Request(s *session.Session, req *smpp.PDU) {
	if req.Command != smpp.DeliverSM {
		_ = s.Respond(req.Command, req.Seq, smpp.ESME_RINVCMDID, nil)
		return
	}
	_ = s.Respond(req.Command, req.Seq, smpp.ESME_ROK, nil)
	e.receipts.Add(1)
	e.step()
}

// pumpResult is what one run of the pump measured.
type pumpResult struct {
	elapsed        time.Duration
	resps, bad     int64
	receipts       int64
	simAcked       int64
	simSubmitOK    int64
	outstandingEnd int
}

// runPump starts a simulator and binds ESMEs, sends n submit_sm spread
// over the binds as fast as their windows allow, waits for every response
// (and receipt when rd is 1), then tears everything down. Only the sending
// and waiting are timed (between start and stop, which may be nil).
func runPump(tb testing.TB, n int, rd byte, start, stop func()) pumpResult {
	cfg := Config{Listen: "127.0.0.1:0", Window: benchWindow}
	sim, err := Start(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	defer sim.Close()
	d, err := netio.NewDialer(netio.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer d.Close()

	var resps, bad, receipts, seen atomic.Int64
	want := int64(n)
	if rd != 0 {
		want *= 2
	}
	done := make(chan struct{})
	if want == 0 {
		close(done)
	}
	apps := make([]*pumpESME, benchBinds)
	sessions := make([]*session.Session, benchBinds)
	for i := range sessions {
		apps[i] = &pumpESME{
			slots: make(chan struct{}, benchWindow), resps: &resps, bad: &bad, receipts: &receipts,
			want: want, seen: &seen, done: done,
		}
		s, err := session.Dial(context.Background(), d, sim.Addr().String(), session.Config{Window: benchWindow}, apps[i],
			session.BindRequest{Type: smpp.BindTransceiver, SystemID: "bench", Password: "pw"})
		if err != nil {
			tb.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		err = s.WaitBound(ctx)
		cancel()
		if err != nil {
			tb.Fatal(err)
		}
		sessions[i] = s
	}
	defer func() {
		for _, s := range sessions {
			s.Unbind()
		}
		for _, s := range sessions {
			select {
			case <-s.Done():
			case <-time.After(waitLimit):
				tb.Errorf("session did not end after unbind")
				s.Close()
			}
		}
	}()

	if start != nil {
		start()
	}
	t0 := time.Now()
	var wg sync.WaitGroup
	sendErr := make(chan error, benchBinds)
	for i, s := range sessions {
		share := n / benchBinds
		if i < n%benchBinds {
			share++
		}
		wg.Add(1)
		go func(s *session.Session, app *pumpESME, share int) {
			defer wg.Done()
			p := submitPDU(testSrc, testDst, rd, "benchmark message of a typical length")
			for j := 0; j < share; j++ {
				app.slots <- struct{}{}
				if _, err := s.Send(&p, nil); err != nil {
					<-app.slots
					sendErr <- err
					return
				}
			}
		}(s, apps[i], share)
	}
	wg.Wait()
	close(sendErr)
	for err := range sendErr {
		tb.Fatalf("Send: %v", err)
	}
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		tb.Fatalf("after 60s: %d of %d responses, %d receipts", resps.Load(), n, receipts.Load())
	}
	elapsed := time.Since(t0)
	if stop != nil {
		stop()
	}
	res := pumpResult{elapsed: elapsed, resps: resps.Load(), bad: bad.Load(), receipts: receipts.Load()}
	// The simulator counts a receipt acked after the ESME's response
	// arrives: let it see them all before closing.
	deadline := time.Now().Add(waitLimit)
	for rd != 0 && sim.Stats().Total.ReceiptsAcked < int64(n) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	st := sim.Stats().Total
	res.simAcked, res.simSubmitOK = st.ReceiptsAcked, st.SubmitOK
	for _, s := range sessions {
		res.outstandingEnd += s.Outstanding()
	}
	return res
}

func benchSubmit(b *testing.B, rd byte) {
	b.ReportAllocs()
	res := runPump(b, b.N, rd, b.ResetTimer, b.StopTimer)
	if res.resps != int64(b.N) || res.bad != 0 || res.simSubmitOK != int64(b.N) || res.outstandingEnd != 0 {
		b.Fatalf("%d responses (%d bad), simulator submit_ok %d, %d outstanding; want %d", res.resps, res.bad, res.simSubmitOK, res.outstandingEnd, b.N)
	}
	if rd != 0 && (res.receipts != int64(b.N) || res.simAcked != int64(b.N)) {
		b.Fatalf("%d receipts, simulator counted %d acked; want %d", res.receipts, res.simAcked, b.N)
	}
	b.ReportMetric(float64(b.N)/res.elapsed.Seconds(), "submits/s")
}

// BenchmarkSubmitThroughput: submit_sm answered without receipts.
func BenchmarkSubmitThroughput(b *testing.B) { benchSubmit(b, 0) }

// BenchmarkSubmitWithReceipts: registered_delivery=1, every receipt acked.
func BenchmarkSubmitWithReceipts(b *testing.B) { benchSubmit(b, 1) }

// TestPumpEndsClean runs the benchmarks' harness small and checks that it
// gets every response and receipt and leaves no goroutine behind.
func TestPumpEndsClean(t *testing.T) {
	before := runtime.NumGoroutine()
	for _, rd := range []byte{0, 1} {
		res := runPump(t, 5000, rd, nil, nil)
		if res.resps != 5000 || res.bad != 0 || res.outstandingEnd != 0 {
			t.Fatalf("rd=%d: %+v", rd, res)
		}
		if rd == 1 && (res.receipts != 5000 || res.simAcked != 5000) {
			t.Fatalf("rd=1: %+v", res)
		}
	}
	deadline := time.Now().Add(waitLimit)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Fatalf("%d goroutines before, %d after:\n%s", before, n, goroutineSummary(buf))
	}
}

// goroutineSummary keeps the first frame line of each goroutine's stack.
func goroutineSummary(stacks []byte) string {
	var out bytes.Buffer
	for _, g := range bytes.Split(stacks, []byte("\n\n")) {
		lines := bytes.SplitN(g, []byte("\n"), 3)
		if len(lines) >= 2 {
			fmt.Fprintf(&out, "%s | %s\n", lines[0], bytes.TrimSpace(lines[1]))
		}
	}
	return out.String()
}
