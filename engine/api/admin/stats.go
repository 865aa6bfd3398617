package admin

import (
	"time"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/engine/smppc"
)

// Stats (jCli's stats module), with Jasmin's item names where gwd counts
// the same thing.

// at shows a unix-nanosecond time, null when it never happened (ND).
func at(ns int64) any {
	if ns == 0 {
		return nil
	}
	return time.Unix(0, ns).UTC().Format(time.RFC3339)
}

// atTime is at for a time.Time (zero: null).
func atTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return at(t.UnixNano())
}

func connectorStats(c *smppc.Connector) map[string]any {
	st := &c.Stats
	starts, stops := c.Counts()
	service := "stopped"
	if c.Running() {
		service = "started"
	}
	return map[string]any{
		"cid":                      c.CID(),
		"service":                  service,
		"session":                  c.SessionState(),
		"starts":                   starts,
		"stops":                    stops,
		"connected_count":          st.Connected.Load(),
		"disconnected_count":       st.Disconnected.Load(),
		"bind_error_count":         st.BindFailed.Load(),
		"submit_sm_request_count":  st.SubmitSent.Load(),
		"submit_sm_count":          st.SubmitOK.Load(),
		"other_submit_error_count": st.SubmitErr.Load(),
		"throttling_error_count":   st.Throttled.Load(),
		"response_timeout_count":   st.Timeouts.Load(),
		"requeue_count":            st.Requeued.Load(),
		"deliver_sm_count":         st.DeliverSM.Load(),
		"data_sm_count":            st.DataSM.Load(),
		"elink_count":              st.Elinks.Load(),
		"interceptor_count":        st.InterceptorCount.Load(),
		"interceptor_error_count":  st.InterceptorErrorCount.Load(),
		"created_at":               at(st.Created.Load()),
		"last_received_pdu_at":     atTime(c.LastReceived()),
		"last_sent_elink_at":       atTime(c.LastElinkSent()),
		"connected_at":             at(st.LastConnect.Load()),
		"disconnected_at":          at(st.LastDisconnect.Load()),
		"started_at":               at(st.LastStart.Load()),
		"stopped_at":               at(st.LastStop.Load()),
	}
}

func (s *Server) smppsStats() map[string]any {
	st := s.d.SMPP.Counters()
	return map[string]any{
		"connect_count":            st.ConnectCount.Load(),
		"disconnect_count":         st.DisconnectCount.Load(),
		"bound_tx_count":           st.BoundTX.Load(),
		"bound_rx_count":           st.BoundRX.Load(),
		"bound_trx_count":          st.BoundTRX.Load(),
		"bind_tx_count":            st.BindTXCount.Load(),
		"bind_rx_count":            st.BindRXCount.Load(),
		"bind_trx_count":           st.BindTRXCount.Load(),
		"bind_count":               st.BindCount.Load(),
		"unbind_count":             st.UnbindCount.Load(),
		"bind_error_count":         st.BindErrorCount.Load(),
		"submit_sm_request_count":  st.SubmitSMRequest.Load(),
		"submit_sm_count":          st.SubmitSMCount.Load(),
		"deliver_sm_count":         st.DeliverSMCount.Load(),
		"data_sm_count":            st.DataSMCount.Load(),
		"elink_count":              st.ElinkCount.Load(),
		"throttling_error_count":   st.ThroughputErrorCount.Load(),
		"other_submit_error_count": st.OtherSubmitErrorCount.Load(),
		"interceptor_count":        st.InterceptorCount.Load(),
		"interceptor_error_count":  st.InterceptorErrorCount.Load(),
		"query_sm_count":           st.QuerySMCount.Load(),
		"created_at":               at(st.Created.Load()),
		"last_received_pdu_at":     atTime(s.d.SMPP.LastReceived("")),
	}
}

func (s *Server) userStats(uid string) (map[string]any, error) {
	c, err := s.m.Counters(uid)
	if err != nil {
		return nil, err
	}
	balance, sms := countersView(c)
	srv := s.d.SMPP
	return map[string]any{
		"uid":                     uid,
		"bound_connections_count": srv.Binds(uid),
		"last_activity_at":        atTime(srv.LastReceived(uid)),
		"deliver_sm_waiting":      srv.OutboxLen(uid),
		"balance":                 balance,
		"sms_count":               sms,
	}, nil
}

func (s *Server) statsUsers(_ *fasthttp.RequestCtx, _ []string) (int, any, error) {
	out := []map[string]any{}
	for _, u := range s.m.Accounts().Users("") {
		st, err := s.userStats(u.UID)
		if err != nil {
			return 0, nil, err
		}
		out = append(out, st)
	}
	return fasthttp.StatusOK, map[string]any{"users": out, "total": len(out)}, nil
}

func (s *Server) statsUser(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	if _, err := s.user(a[0]); err != nil {
		return 0, nil, err
	}
	st, err := s.userStats(a[0])
	return fasthttp.StatusOK, st, err
}

func (s *Server) statsConnectors(_ *fasthttp.RequestCtx, _ []string) (int, any, error) {
	out := []map[string]any{}
	for _, c := range s.m.Connectors() {
		out = append(out, connectorStats(c))
	}
	return fasthttp.StatusOK, map[string]any{"connectors": out, "total": len(out)}, nil
}

func (s *Server) statsConnector(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	c, err := s.connector(a[0])
	if err != nil {
		return 0, nil, err
	}
	return fasthttp.StatusOK, connectorStats(c), nil
}

func (s *Server) statsSMPPS(_ *fasthttp.RequestCtx, _ []string) (int, any, error) {
	return fasthttp.StatusOK, s.smppsStats(), nil
}

// statsAll is every section at once.
func (s *Server) statsAll(ctx *fasthttp.RequestCtx, a []string) (int, any, error) {
	_, users, err := s.statsUsers(ctx, a)
	if err != nil {
		return 0, nil, err
	}
	_, conns, _ := s.statsConnectors(ctx, a)
	return fasthttp.StatusOK, map[string]any{
		"smppsapi":   s.smppsStats(),
		"connectors": conns.(map[string]any)["connectors"],
		"users":      users.(map[string]any)["users"],
	}, nil
}
