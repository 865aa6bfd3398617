package metricsapi

import (
	"fmt"
	"io"

	"github.com/VictoriaMetrics/metrics"

	"github.com/gwd-project/gwd/netio"
)

// Listener names one listener's refusal counters for
// gwd_listener_refused_total.
type Listener struct {
	// Name is the listener label: smpp, http, junebug, admin, metrics,
	// jcli.
	Name     string
	Refusals *netio.Refusals
}

// RegisterListeners puts gwd_listener_refused_total{listener, reason} of
// every listener with counters on the metrics page (both /metrics
// listeners), one line per listener and reason, read at scrape time. The
// returned func takes them off again.
func RegisterListeners(ls []Listener) (unregister func()) {
	set := metrics.NewSet()
	set.RegisterMetricsWriter(func(w io.Writer) { WriteListeners(w, ls) })
	metrics.RegisterSet(set)
	return func() { metrics.UnregisterSet(set, true) }
}

// WriteListeners writes gwd_listener_refused_total for ls in Prometheus
// text format; a listener without counters (nil) is left out.
func WriteListeners(w io.Writer, ls []Listener) {
	for _, l := range ls {
		if l.Refusals == nil {
			continue
		}
		for i, n := range l.Refusals.Counts() {
			metrics.WriteCounterUint64(w, fmt.Sprintf("gwd_listener_refused_total{listener=%q,reason=%q}", l.Name, netio.Reasons[i]), n)
		}
	}
}
