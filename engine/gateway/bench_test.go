package gateway

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/session"
	"github.com/gwd-project/gwd/engine/smppc"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/smsc"
)

// countingESME counts responses and receipts without keeping them.
type countingESME struct {
	session.BaseApp
	resps, ok, delivers atomic.Int64
}

func (a *countingESME) Response(s *session.Session, resp *smpp.PDU, ctx any) {
	a.resps.Add(1)
	if resp.Status == smpp.ESME_ROK {
		a.ok.Add(1)
	}
}

func (a *countingESME) Request(s *session.Session, req *smpp.PDU) {
	a.delivers.Add(1)
	_ = s.Respond(req.Command, req.Seq, smpp.ESME_ROK, nil)
}

// BenchmarkSMPPEndToEnd: ESMEs submit through gwd to smppsim with
// receipts requested, fsync on; it waits for every receipt to come back.
// msgs/s is b.N over the whole run.
//
//	go test -run='^$' -bench=SMPPEndToEnd -benchtime=100000x ./engine/gateway
func BenchmarkSMPPEndToEnd(b *testing.B) {
	for _, receipts := range []bool{false, true} {
		b.Run(fmt.Sprintf("receipts=%v", receipts), func(b *testing.B) {
			t := &testing.T{}
			e := newEnvB(b, t)
			const binds, window = 4, benchESMEWindow
			apps := make([]*countingESME, binds)
			sess := make([]*session.Session, binds)
			for i := range binds {
				apps[i] = &countingESME{}
				s, err := dialApp(e, apps[i], window)
				if err != nil {
					b.Fatal(err)
				}
				sess[i] = s
			}
			var rd byte
			if receipts {
				rd = 1
			}
			p := submit("33600000000", rd, "benchmark message, GSM 7-bit, sixty characters long or so")
			b.ResetTimer()
			start := time.Now()
			done := make(chan struct{})
			for i := range binds {
				n := b.N / binds
				if i == 0 {
					n += b.N % binds
				}
				go func(s *session.Session, n int) {
					defer func() { done <- struct{}{} }()
					for sent := 0; sent < n; {
						q := p
						if _, err := s.Send(&q, nil); err != nil {
							time.Sleep(50 * time.Microsecond)
							continue
						}
						sent++
					}
				}(sess[i], n)
			}
			for range binds {
				<-done
			}
			total := func(f func(a *countingESME) int64) (n int64) {
				for _, a := range apps {
					n += f(a)
				}
				return n
			}
			deadline := time.Now().Add(5 * time.Minute)
			for total(func(a *countingESME) int64 { return a.resps.Load() }) < int64(b.N) && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			acked := total(func(a *countingESME) int64 { return a.ok.Load() })
			for e.sim.Stats().Total.SubmitOK < acked && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			if receipts {
				for total(func(a *countingESME) int64 { return a.delivers.Load() }) < acked && time.Now().Before(deadline) {
					time.Sleep(time.Millisecond)
				}
			}
			el := time.Since(start)
			b.StopTimer()
			if acked != int64(b.N) {
				b.Fatalf("%d of %d acknowledged", acked, b.N)
			}
			b.ReportMetric(float64(b.N)/el.Seconds(), "msgs/s")
			cs := e.g.db.CommitStats()
			b.ReportMetric(float64(cs.Writes)/float64(b.N), "writes/msg")
			b.ReportMetric(float64(cs.Writes)/float64(max(cs.Commits, 1)), "writes/commit")
			for _, s := range sess {
				s.Close()
			}
		})
	}
}

func newEnvB(b *testing.B, t *testing.T) *env {
	b.Helper()
	sim, err := smsc.Start(smsc.Config{Listen: "127.0.0.1:0", Window: benchSimWindow})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = sim.Close() })
	e := &env{t: t, dir: b.TempDir(), sim: sim, sync: true,
		tuneCfg: func(c *config.Config) { c.SMPPServer.Window = benchESMEWindow }}
	host, port, _ := cutHostPort(sim.Addr().String())
	e.conn = smppc.DefaultConfig("sim")
	e.conn.Host, e.conn.Port = host, port
	e.conn.SubmitThroughput = 0
	e.conn.Window = 1000
	e.open(true)
	b.Cleanup(func() { _ = e.g.Close() })
	d, err := newDialer()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = d.Close() })
	e.d = d
	deadline := time.Now().Add(10 * time.Second)
	for !e.g.Connector("sim").Up() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	return e
}

// benchESMEWindow is how many submit_sm each benchmark ESME keeps
// outstanding, and gwd's [smpp-server] window (beyond it gwd throttles).
const benchESMEWindow = 400

// benchSimWindow is how many receipts smppsim keeps outstanding per bind.
var benchSimWindow = 1000
