package thrower

import (
	"sync"
	"sync/atomic"

	"github.com/VictoriaMetrics/metrics"
)

// Metrics, in VictoriaMetrics' default set (served at /metrics):
//
//	thrower_requests_total{kind="dlr|mo|event|batch",outcome="ok|retry|failed"}
//	thrower_corrupt_records_total{kind=…}
//	thrower_queue_depth{kind=…}  callbacks in the store (retries included), read when scraped
//	thrower_dead_letters{kind=…} dead letters stored, read when scraped
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
	source         [numKinds]atomic.Pointer[lane]
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
			src := &source[i]
			metrics.GetOrCreateGauge(`thrower_queue_depth{kind="`+kind+`"}`, func() float64 {
				if l := src.Load(); l != nil {
					return float64(l.queued())
				}
				return 0
			})
			metrics.GetOrCreateGauge(`thrower_dead_letters{kind="`+kind+`"}`, func() float64 {
				if l := src.Load(); l != nil {
					return float64(l.dead.Len())
				}
				return 0
			})
		}
	})
}

// setSource makes l the lane the gauges report for its kind (the process
// runs one Thrower; in tests the latest Open wins).
func setSource(l *lane) { source[l.kind-1].Store(l) }

func clearSource(l *lane) { source[l.kind-1].CompareAndSwap(l, nil) }
