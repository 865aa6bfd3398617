package authguard

import (
	"sync"
	"sync/atomic"

	"github.com/VictoriaMetrics/metrics"
)

// The process's metrics show the Guard published last (the gateway's; a
// test process opens many).
var (
	published   atomic.Pointer[Guard]
	publishOnce sync.Once
)

// Publish makes g the Guard whose counters /metrics shows:
//
//	gwd_auth_checks_total                  slow checks the workers ran
//	gwd_auth_refused_total{reason="busy"}   refused at once: the queue was full
//	gwd_auth_refused_total{reason="backoff"} refused at once: source or username backed off
//	gwd_auth_refused_total{reason="budget"} refused at once: failed checks had taken their share
func (g *Guard) Publish() {
	published.Store(g)
	publishOnce.Do(func() {
		read := func(f func(*Stats) *atomic.Uint64) func() float64 {
			return func() float64 {
				if p := published.Load(); p != nil {
					return float64(f(&p.Stats).Load())
				}
				return 0
			}
		}
		metrics.GetOrCreateGauge(`gwd_auth_checks_total`, read(func(s *Stats) *atomic.Uint64 { return &s.Checks }))
		metrics.GetOrCreateGauge(`gwd_auth_refused_total{reason="busy"}`, read(func(s *Stats) *atomic.Uint64 { return &s.RefusedBusy }))
		metrics.GetOrCreateGauge(`gwd_auth_refused_total{reason="backoff"}`, read(func(s *Stats) *atomic.Uint64 { return &s.RefusedBarred }))
		metrics.GetOrCreateGauge(`gwd_auth_refused_total{reason="budget"}`, read(func(s *Stats) *atomic.Uint64 { return &s.RefusedBudget }))
	})
}
