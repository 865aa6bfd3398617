package authguard

import (
	"bytes"
	"strings"
	"testing"

	"github.com/VictoriaMetrics/metrics"
)

// TestPublishedCounters: /metrics shows the published Guard's refusals.
func TestPublishedCounters(t *testing.T) {
	g := New(Config{Workers: 1, Queue: 1})
	defer g.Close()
	g.Publish()
	g.Stats.RefusedBusy.Add(3)
	g.Stats.RefusedBarred.Add(2)
	g.Stats.Checks.Add(7)
	var b bytes.Buffer
	metrics.WritePrometheus(&b, false)
	for _, want := range []string{
		`gwd_auth_checks_total 7`,
		`gwd_auth_refused_total{reason="busy"} 3`,
		`gwd_auth_refused_total{reason="backoff"} 2`,
		`gwd_auth_refused_total{reason="budget"} 0`,
	} {
		if !strings.Contains(b.String(), want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
