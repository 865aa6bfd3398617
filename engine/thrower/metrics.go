package thrower

import (
	"sync"
	"sync/atomic"

	"github.com/VictoriaMetrics/metrics"
	"github.com/gwd-project/gwd/store"
)

// Metrics, in VictoriaMetrics' default set (served at /metrics):
//
//	thrower_requests_total{kind="dlr|mo|event",outcome="ok|retry|failed"}
//	thrower_corrupt_records_total{kind=…}
//	thrower_queue_depth{kind=…}  callbacks in the store, read when scraped
const (
	outcomeOK = iota
	outcomeRetry
	outcomeFailed
	numOutcomes
)

var (
	metricsOnce    sync.Once
	requests       [numKinds][numOutcomes]*metrics.Counter
	corruptRecords [numKinds]*metrics.Counter
	depthSource    [numKinds]atomic.Pointer[store.Queue]
)

func registerMetrics() {
	metricsOnce.Do(func() {
		outcomes := [numOutcomes]string{"ok", "retry", "failed"}
		for i := range numKinds {
			kind := Kind(i + 1).String()
			for o, name := range outcomes {
				requests[i][o] = metrics.GetOrCreateCounter(`thrower_requests_total{kind="` + kind + `",outcome="` + name + `"}`)
			}
			corruptRecords[i] = metrics.GetOrCreateCounter(`thrower_corrupt_records_total{kind="` + kind + `"}`)
			src := &depthSource[i]
			metrics.GetOrCreateGauge(`thrower_queue_depth{kind="`+kind+`"}`, func() float64 {
				if q := src.Load(); q != nil {
					return float64(q.Stats().Total())
				}
				return 0
			})
		}
	})
}

// setDepthSource makes q the queue thrower_queue_depth reports for k (the
// process runs one Thrower; in tests the latest Open wins).
func setDepthSource(k Kind, q *store.Queue) { depthSource[k-1].Store(q) }

func clearDepthSource(k Kind, q *store.Queue) { depthSource[k-1].CompareAndSwap(q, nil) }
