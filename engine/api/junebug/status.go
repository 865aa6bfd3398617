package junebug

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gwd-project/gwd/engine/smppc"
	"github.com/gwd-project/gwd/engine/thrower"
)

// Status levels.
const (
	statusOK       = "ok"
	statusDegraded = "degraded"
	statusDown     = "down"
)

// componentSMPP is the component a channel's connector reports as.
const componentSMPP = "smpp"

// componentStatus tracks the smpp component of one channel: which binds
// are up, whether the SMSC throttles, and the last status event.
type componentStatus struct {
	mu            sync.Mutex
	bound         map[int]bool
	throttled     bool
	lastThrottled uint64
	cur           statusEvent
}

func worse(a, b string) string {
	rank := func(s string) int {
		switch s {
		case statusOK:
			return 0
		case statusDegraded:
			return 1
		}
		return 2
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// initStatus sets a channel's status from its connector as it is now,
// without a status event (New, create, restart).
func (s *Server) initStatus(ch *channel, c *smppc.Connector) {
	st := &ch.status
	st.mu.Lock()
	defer st.mu.Unlock()
	st.bound = map[int]bool{}
	st.throttled = false
	ev := statusEvent{Component: componentSMPP, ChannelID: ch.id, Details: map[string]string{},
		Timestamp: string(appendTimestamp(nil, s.now()))}
	switch {
	case c == nil:
		ev.Status, ev.Type, ev.Message = statusDown, "no_connector", "The channel's connector is missing: restart the channel"
	case c.Up():
		st.bound[0] = true
		ev.Status, ev.Type, ev.Message = statusOK, "bound", "Bound to the SMSC"
	case c.Running():
		ev.Status, ev.Type, ev.Message = statusDown, "connecting", "Connecting to the SMSC"
	default:
		ev.Status, ev.Type, ev.Message = statusDown, "stopped", "The channel's connector is stopped"
	}
	if c != nil {
		st.lastThrottled = c.Stats.Throttled.Load()
		cfg := c.Config()
		ev.Details["smsc"] = cfg.Addr()
	}
	st.cur = ev
}

// bindState applies a bind's session state change and reports a status
// event when the component's status or reason changed.
func (s *Server) bindState(ch *channel, bind int, state string, err error) {
	c := s.m.Connector(ch.cid)
	binds, addr := 1, ""
	if c != nil {
		cfg := c.Config()
		binds, addr = max(cfg.Binds, 1), cfg.Addr()
	}
	st := &ch.status
	st.mu.Lock()
	if st.bound == nil {
		st.bound = map[int]bool{}
	}
	ev := statusEvent{Component: componentSMPP, ChannelID: ch.id,
		Details: map[string]string{"bind": strconv.Itoa(bind), "smsc": addr, "state": state}}
	if strings.HasPrefix(state, "BOUND") {
		st.bound[bind] = true
		if n := len(st.bound); n >= binds {
			ev.Status, ev.Type, ev.Message = statusOK, "bound", "Bound to the SMSC"
		} else {
			ev.Status, ev.Type, ev.Message = statusDegraded, "partially_bound", fmt.Sprintf("%d of %d binds up", n, binds)
		}
	} else {
		was := st.bound[bind]
		delete(st.bound, bind)
		switch {
		case err == nil:
			ev.Type, ev.Message = "unbound", "Unbound from the SMSC"
		case was:
			ev.Type, ev.Message = "connection_lost", "Connection lost"
		default:
			ev.Type, ev.Message = "bind_failed", "Could not bind to the SMSC"
		}
		if err != nil {
			ev.Details["error"] = err.Error()
		}
		ev.Status = statusDown
		if len(st.bound) > 0 {
			ev.Status = statusDegraded
		}
	}
	body := s.setStatus(ch, &ev)
	st.mu.Unlock()
	s.throwStatus(ch, body, ev.Status)
}

// setStatus makes ev the component's status; it returns the status event
// to send, or nil when neither the status nor its reason changed. Callers
// hold ch.status.mu.
func (s *Server) setStatus(ch *channel, ev *statusEvent) []byte {
	st := &ch.status
	ev.Timestamp = string(appendTimestamp(nil, s.now()))
	changed := ev.Status != st.cur.Status || ev.Type != st.cur.Type
	st.cur = *ev
	if !changed {
		return nil
	}
	ch.lg.Info("channel status", "status", ev.Status, "type", ev.Type, "message", ev.Message)
	return appendStatus(nil, ev)
}

// throwStatus posts a status event to the channel's status_url.
func (s *Server) throwStatus(ch *channel, body []byte, status string) {
	if body == nil {
		return
	}
	rec := ch.rec.Load()
	u := rec.statusURL()
	if u == "" {
		return
	}
	v := tmplValues{channelID: ch.id, component: componentSMPP, status: status}
	cb := &thrower.Callback{Kind: thrower.Event, URL: expandURL(u, &v), Method: "POST", Body: body,
		ContentType: "application/json", Accept: thrower.Accept2xx, Ref: ch.id}
	s.th.Throw(cb, func(err error) {
		if err != nil {
			ch.lg.Warn("status event not stored for delivery", "err", err)
		}
	})
}

// checkThrottle turns the connector's throttling (ESME_RTHROTTLED or
// ESME_RMSGQFUL answers since the last check) into a degraded status,
// and its end into ok again.
func (s *Server) checkThrottle(ch *channel) {
	c := s.m.Connector(ch.cid)
	if c == nil {
		return
	}
	n := c.Stats.Throttled.Load()
	binds := max(c.Config().Binds, 1)
	st := &ch.status
	st.mu.Lock()
	var ev statusEvent
	switch {
	case n > st.lastThrottled && !st.throttled:
		st.throttled = true
		ev = statusEvent{Status: statusDegraded, Type: "throttled", Message: "Throttled by the SMSC"}
	case n == st.lastThrottled && st.throttled:
		st.throttled = false
		ev = statusEvent{Status: statusOK, Type: "throttled_end", Message: "No longer throttled"}
		if len(st.bound) < binds {
			// The binds' own state stands; only the throttling ended.
			ev = st.cur
			ev.Type, ev.Message = "throttled_end", "No longer throttled; "+st.cur.Message
		}
	}
	st.lastThrottled = n
	if ev.Type == "" {
		st.mu.Unlock()
		return
	}
	ev.Component, ev.ChannelID = componentSMPP, ch.id
	ev.Details = map[string]string{"throttled": strconv.FormatUint(n, 10)}
	body := s.setStatus(ch, &ev)
	st.mu.Unlock()
	s.throwStatus(ch, body, ev.Status)
}

// watch checks every channel's throttling every interval until stop.
func (s *Server) watch(interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			for _, ch := range s.maps.Load().byID {
				s.checkThrottle(ch)
			}
		}
	}
}

// statusView is the status object of GET /channels/{id}.
type statusView struct {
	Status                string                  `json:"status"`
	Components            map[string]*statusEvent `json:"components"`
	InboundMessageRate    float64                 `json:"inbound_message_rate"`
	OutboundMessageRate   float64                 `json:"outbound_message_rate"`
	SubmittedEventRate    float64                 `json:"submitted_event_rate"`
	RejectedEventRate     float64                 `json:"rejected_event_rate"`
	DeliverySucceededRate float64                 `json:"delivery_succeeded_rate"`
	DeliveryFailedRate    float64                 `json:"delivery_failed_rate"`
	DeliveryPendingRate   float64                 `json:"delivery_pending_rate"`
	// gwd's own: messages in the channel's queue (waiting, delayed or in
	// flight), per Junebug's design goal "possible to query the queue
	// length".
	QueueLength int `json:"queue_length"`
}

func (s *Server) statusOf(ch *channel) *statusView {
	st := &ch.status
	st.mu.Lock()
	cur := st.cur
	st.mu.Unlock()
	v := &statusView{Status: worse(statusOK, cur.Status), Components: map[string]*statusEvent{componentSMPP: &cur}}
	r := ch.rates.perSecond(s.now())
	v.InboundMessageRate, v.OutboundMessageRate = r[rateInbound], r[rateOutbound]
	v.SubmittedEventRate, v.RejectedEventRate = r[rateSubmitted], r[rateRejected]
	v.DeliverySucceededRate, v.DeliveryFailedRate = r[rateDeliverySucceeded], r[rateDeliveryFailed]
	v.DeliveryPendingRate = r[rateDeliveryPending]
	if c := s.m.Connector(ch.cid); c != nil {
		v.QueueLength = c.Queue().Stats().Total()
	}
	return v
}
