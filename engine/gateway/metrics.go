package gateway

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/VictoriaMetrics/metrics"
)

// Metrics: Jasmin's smppc_* and smppsapi_* counters (names as in the
// manual's "Monitoring metrics"), plus gwd's queue depths, store commit
// figures and pipeline counters. They are written at scrape time from the
// components' own atomic counters: the hot path pays one atomic add, no
// shared lock.

func (g *Gateway) registerMetrics() {
	g.metrics = metrics.NewSet()
	g.metrics.RegisterMetricsWriter(g.writeMetrics)
	metrics.RegisterSet(g.metrics)
}

func (g *Gateway) unregisterMetrics() {
	if g.metrics != nil {
		metrics.UnregisterSet(g.metrics, true)
	}
}

// WriteMetrics writes the gateway's metrics in Prometheus text format.
func (g *Gateway) WriteMetrics(w io.Writer) { g.writeMetrics(w) }

func (g *Gateway) writeMetrics(w io.Writer) {
	for _, c := range g.Connectors() {
		l := fmt.Sprintf("{cid=%q}", c.CID())
		st := &c.Stats
		bound := uint64(0)
		if c.Up() {
			bound = 1
		}
		metrics.WriteCounterUint64(w, "smppc_connected_count"+l, st.Connected.Load())
		metrics.WriteCounterUint64(w, "smppc_disconnected_count"+l, st.Disconnected.Load())
		metrics.WriteGaugeUint64(w, "smppc_bound_count"+l, bound)
		metrics.WriteCounterUint64(w, "smppc_submit_sm_request_count"+l, st.SubmitSent.Load())
		metrics.WriteCounterUint64(w, "smppc_submit_sm_count"+l, st.SubmitOK.Load())
		metrics.WriteCounterUint64(w, "smppc_other_submit_error_count"+l, st.SubmitErr.Load())
		metrics.WriteCounterUint64(w, "smppc_throttling_error_count"+l, st.Throttled.Load())
		metrics.WriteCounterUint64(w, "smppc_deliver_sm_count"+l, st.DeliverSM.Load())
		metrics.WriteCounterUint64(w, "smppc_data_sm_count"+l, st.DataSM.Load())
		metrics.WriteCounterUint64(w, "smppc_elink_count"+l, st.Elinks.Load())
		metrics.WriteCounterUint64(w, "smppc_interceptor_count"+l, st.InterceptorCount.Load())
		metrics.WriteCounterUint64(w, "smppc_interceptor_error_count"+l, st.InterceptorErrorCount.Load())
		metrics.WriteCounterUint64(w, "smppc_response_timeout_count"+l, st.Timeouts.Load())
		metrics.WriteCounterUint64(w, "smppc_requeue_count"+l, st.Requeued.Load())
		qs := c.Queue().Stats()
		for p, n := range qs.Ready {
			metrics.WriteGaugeUint64(w, fmt.Sprintf("gwd_queue_ready{cid=%q,priority=\"%d\"}", c.CID(), p), uint64(n))
		}
		metrics.WriteGaugeUint64(w, "gwd_queue_delayed"+l, uint64(qs.Delayed))
		metrics.WriteGaugeUint64(w, "gwd_queue_inflight"+l, uint64(qs.Leased))
		metrics.WriteGaugeUint64(w, "gwd_queue_bytes"+l, uint64(qs.Bytes))
		metrics.WriteCounterUint64(w, "gwd_queue_full_total"+l, qs.Refused)
	}
	s := &g.smpps.Stats
	metrics.WriteCounterUint64(w, "smppsapi_connect_count", uint64(s.ConnectCount.Load()))
	metrics.WriteCounterUint64(w, "smppsapi_disconnect_count", uint64(s.DisconnectCount.Load()))
	metrics.WriteGaugeUint64(w, "smppsapi_connected_count", uint64(max(0, s.ConnectCount.Load()-s.DisconnectCount.Load())))
	metrics.WriteCounterUint64(w, "smppsapi_refused_connect_count", g.smpps.RefusedConnections())
	metrics.WriteGaugeUint64(w, "smppsapi_bound_tx_count", uint64(max(0, s.BoundTX.Load())))
	metrics.WriteGaugeUint64(w, "smppsapi_bound_rx_count", uint64(max(0, s.BoundRX.Load())))
	metrics.WriteGaugeUint64(w, "smppsapi_bound_trx_count", uint64(max(0, s.BoundTRX.Load())))
	metrics.WriteCounterUint64(w, "smppsapi_unbind_count", s.UnbindCount.Load())
	metrics.WriteCounterUint64(w, "smppsapi_bind_tx_count", s.BindTXCount.Load())
	metrics.WriteCounterUint64(w, "smppsapi_bind_rx_count", s.BindRXCount.Load())
	metrics.WriteCounterUint64(w, "smppsapi_bind_trx_count", s.BindTRXCount.Load())
	metrics.WriteCounterUint64(w, "smppsapi_elink_count", s.ElinkCount.Load())
	metrics.WriteCounterUint64(w, "smppsapi_submit_sm_request_count", s.SubmitSMRequest.Load())
	metrics.WriteCounterUint64(w, "smppsapi_submit_sm_count", s.SubmitSMCount.Load())
	metrics.WriteCounterUint64(w, "smppsapi_deliver_sm_count", s.DeliverSMCount.Load())
	metrics.WriteCounterUint64(w, "smppsapi_data_sm_count", s.DataSMCount.Load())
	metrics.WriteCounterUint64(w, "smppsapi_throttling_error_count", s.ThroughputErrorCount.Load())
	metrics.WriteCounterUint64(w, `gwd_smpp_throttled_total{reason="window"}`, s.WindowThrottled.Load())
	metrics.WriteCounterUint64(w, "smppsapi_outbox_full_count", s.OutboxFull.Load())
	metrics.WriteGaugeUint64(w, "smppsapi_outbox_dead_letters", uint64(g.smpps.DeadLetterCount()))
	metrics.WriteCounterUint64(w, "smppsapi_other_submit_error_count", s.OtherSubmitErrorCount.Load())
	metrics.WriteCounterUint64(w, "smppsapi_interceptor_count", s.InterceptorCount.Load())
	metrics.WriteCounterUint64(w, "smppsapi_interceptor_error_count", s.InterceptorErrorCount.Load())
	metrics.WriteCounterUint64(w, "smppsapi_bind_error_count", s.BindErrorCount.Load())

	cs := g.db.CommitStats()
	metrics.WriteCounterUint64(w, "gwd_store_commits_total", uint64(cs.Commits))
	metrics.WriteCounterUint64(w, "gwd_store_writes_total", uint64(cs.Writes))
	metrics.WriteGaugeFloat64(w, "gwd_store_last_commit_seconds", cs.LastLatency.Seconds())
	metrics.WriteCounterUint64(w, "gwd_route_errors_total", g.Stats.RouteErrors.Load())
	metrics.WriteCounterUint64(w, "gwd_charge_errors_total", g.Stats.ChargeErrors.Load())
	metrics.WriteCounterUint64(w, "gwd_store_errors_total", g.Stats.StoreErrors.Load())
	metrics.WriteCounterUint64(w, "gwd_receipts_in_total", g.Stats.ReceiptsIn.Load())
	metrics.WriteCounterUint64(w, "gwd_receipts_unknown_total", g.Stats.ReceiptsUnknown.Load())
	metrics.WriteCounterUint64(w, "gwd_mo_in_total", g.Stats.MOIn.Load())
	metrics.WriteCounterUint64(w, "gwd_mo_unrouted_total", g.Stats.MOUnrouted.Load())
	metrics.WriteCounterUint64(w, "gwd_intercepted_total", g.Stats.Intercepted.Load())
	// The DLR index's size on disk.
	if n, err := g.db.DLRIndexBytes(); err == nil {
		metrics.WriteGaugeUint64(w, "gwd_dlr_index_bytes", n)
	}
	g.perUser.Range(func(k, v any) bool {
		metrics.WriteCounterUint64(w, fmt.Sprintf("gwd_user_messages_total{uid=%q}", k.(string)), v.(*atomic.Uint64).Load())
		return true
	})
	g.perRoute.Range(func(k, v any) bool {
		metrics.WriteCounterUint64(w, fmt.Sprintf("gwd_route_messages_total{table=\"mt\",order=\"%d\"}", k.(int)), v.(*atomic.Uint64).Load())
		return true
	})
	metrics.WriteCounterUint64(w, "gwd_interceptor_errors_total", g.Stats.InterceptErrors.Load())
}

// count adds one to the counter of key in m (a sync.Map: lock-free once
// the key exists).
func count(m *sync.Map, key any) {
	if c, ok := m.Load(key); ok {
		c.(*atomic.Uint64).Add(1)
		return
	}
	c, _ := m.LoadOrStore(key, new(atomic.Uint64))
	c.(*atomic.Uint64).Add(1)
}
