package gateway

import (
	"errors"
	"fmt"
	"time"

	"github.com/gwd-project/gwd/engine/mt"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/router/ledger"
	"github.com/gwd-project/gwd/router/script"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/store"
)

// RouteError is a message no MT route takes: Jasmin's "No route found"
// (router.RefusedNoRoute).
type RouteError struct{ Reason string }

func (e *RouteError) Error() string            { return "no route found: " + e.Reason }
func (e *RouteError) Kind() router.RefusalKind { return router.RefusedNoRoute }
func (e *RouteError) Text() string             { return "No route found" }

// StoreError is a message the store could not take (closing, a write
// error; router.RefusedStore; a full disk is a DiskFullError): the sender may retry; nothing was kept.
type StoreError struct{ Err error }

func (e *StoreError) Error() string            { return "store: " + e.Err.Error() }
func (e *StoreError) Unwrap() error            { return e.Err }
func (e *StoreError) Kind() router.RefusalKind { return router.RefusedStore }
func (e *StoreError) Text() string             { return "Internal error" }

// DiskFullError is a message refused because the store's disk is under
// its free-space floor (store.ErrDiskFull; router.RefusedDiskFull):
// nothing was kept, and the gateway takes messages again by itself once
// space returns. RetryAfterHeader is the HTTP front-ends' Retry-After.
type DiskFullError struct{ Err error }

// DiskFullRetryAfter is the Retry-After, in seconds, of a DiskFullError.
const DiskFullRetryAfter = "10"

func (e *DiskFullError) Error() string            { return "store: " + e.Err.Error() }
func (e *DiskFullError) Unwrap() error            { return e.Err }
func (e *DiskFullError) Kind() router.RefusalKind { return router.RefusedDiskFull }
func (e *DiskFullError) Text() string             { return "Disk full, message not stored: retry later" }
func (e *DiskFullError) RetryAfterHeader() string { return DiskFullRetryAfter }

// BusyError is a message refused because the store already has its
// bound of pending writes ([store] max_pending_writes; store.ErrBusy;
// router.RefusedBusy): the store is slower than its clients; nothing was
// kept. RetryAfterHeader is the HTTP front-ends' Retry-After.
type BusyError struct{ Err error }

// BusyRetryAfter is the Retry-After, in seconds, of a BusyError.
const BusyRetryAfter = "1"

func (e *BusyError) Error() string            { return "store: " + e.Err.Error() }
func (e *BusyError) Unwrap() error            { return e.Err }
func (e *BusyError) Kind() router.RefusalKind { return router.RefusedBusy }
func (e *BusyError) Text() string             { return "Gateway busy, message not stored: retry later" }
func (e *BusyError) RetryAfterHeader() string { return BusyRetryAfter }

// storeRefusal is the refusal of a message the store did not take.
func storeRefusal(err error) router.Refusal {
	if errors.Is(err, store.ErrDiskFull) {
		return &DiskFullError{Err: err}
	}
	if errors.Is(err, store.ErrBusy) {
		return &BusyError{Err: err}
	}
	if errors.Is(err, store.ErrFailed) {
		return &StoreFailedError{Err: err}
	}
	if qf := (*store.QueueFullError)(nil); errors.As(err, &qf) {
		return &QueueFullError{Err: qf}
	}
	return &StoreError{Err: err}
}

var (
	_ router.Refusal = (*RouteError)(nil)
	_ router.Refusal = (*StoreError)(nil)
	_ router.Refusal = (*DiskFullError)(nil)
	_ router.Refusal = (*BusyError)(nil)
)

// route picks the connector for a message: interceptors first (when
// configured), then the MT table.
// With scripts false (the caller may be an event loop) it runs no
// EvalPyFilter: a lookup that needs one answers errNeedsScript.
func (g *Gateway) route(s *mt.Submit, scripts bool) (*router.Route, string, error) {
	if len(s.Parts) == 0 {
		return nil, "", fmt.Errorf("gateway: message without parts")
	}
	u := s.User
	r := router.Routable{Dir: router.MT, PDU: &s.Parts[0], UID: u.UID, GID: u.GID, Time: s.Received, Tags: s.Tags}
	if r.Time.IsZero() {
		r.Time = time.Now()
	}
	var rt *router.Route
	var cid string
	var ok, deferred bool
	if scripts {
		rt, cid, ok = g.mtTable.Lookup(&r, g.up)
	} else if rt, cid, ok, deferred = g.mtTable.LookupInline(&r, g.up); deferred {
		return nil, "", errNeedsScript
	}
	if !ok {
		g.Stats.RouteErrors.Add(1)
		if rt != nil {
			return nil, "", &RouteError{Reason: "failover route has no bound connector"}
		}
		return nil, "", &RouteError{Reason: "no MT route matches"}
	}
	if g.Connector(cid) == nil {
		g.Stats.RouteErrors.Add(1)
		return nil, "", &RouteError{Reason: "route to unknown connector " + cid}
	}
	return rt, cid, nil
}

// RateMT is what /rate answers: the rate per submit_sm of the route the
// message would take (nothing queued, nothing charged).
func (g *Gateway) RateMT(s *mt.Submit) (ledger.Money, error) {
	rt, _, err := g.route(s, true)
	if err != nil {
		return 0, err
	}
	return rt.Rate, nil
}

// SubmitMT runs the MT interceptors, routes, charges and queues a
// message; done gets its id once it is durable in the connector's queue.
func (g *Gateway) SubmitMT(s *mt.Submit, done func(id string, err error)) {
	if len(s.Parts) == 0 || (s.User == nil && s.Connector == "") {
		done("", fmt.Errorf("gateway: message without parts or user"))
		return
	}
	if s.User != nil && g.interceptMT(s, done) {
		return
	}
	g.submit(s, done, false)
}

// billed reports whether messages from ch are charged: billing_feature of
// [smpp-server] or [http-api] (Jasmin's); other channels always are.
func (g *Gateway) billed(ch router.Channel) bool {
	switch ch {
	case router.ChannelSMPPS:
		return g.cfg.SMPPServer.BillingFeature
	case router.ChannelHTTP:
		return g.cfg.HTTPAPI.BillingFeature
	}
	return true
}

// submit routes (scripts: on a script worker, where a route's
// EvalPyFilter may run; else a lookup that needs one moves there),
// charges and queues s.
func (g *Gateway) submit(s *mt.Submit, done func(id string, err error), scripts bool) {
	var rate ledger.Money
	order := -1
	cid := s.Connector
	if cid == "" {
		rt, rcid, err := g.route(s, scripts)
		if err == errNeedsScript {
			g.submitScripted(s, done)
			return
		}
		if err != nil {
			done("", err)
			return
		}
		rate, cid, order = rt.Rate, rcid, rt.Order
	}
	c := g.Connector(cid)
	if c == nil {
		done("", &RouteError{Reason: "unknown connector " + cid})
		return
	}
	u := s.User
	uid := ""
	if u != nil {
		uid = u.UID
	}
	parts := len(s.Parts)
	// Billed as sent: a part carrying its content in message_payload
	// counts the SMs the SMSC will cut it into.
	sms := 0
	for i := range s.Parts {
		sms += mt.SMs(&s.Parts[i])
	}
	if sms > router.MaxBillParts {
		done("", &RouteError{Reason: "too many parts"})
		return
	}
	// Charge: the store's counters are the ledger; the charge is in the
	// same batch as the message.
	var res *store.Reservation
	var respCharge int64
	if u != nil && g.billed(s.Channel) {
		// The store's counters are the ledger, and the only place that
		// knows whether the user is limited at all: a user with neither
		// limit gets a nil reservation at the cost of its own mutex.
		bill, err := router.BillFor(u, rate, sms)
		if err != nil {
			done("", err)
			return
		}
		res, err = g.db.ReserveCover(u.UID, bill.Total(), bill.Now(), int64(sms))
		switch {
		case errors.Is(err, store.ErrInsufficientBalance):
			g.Stats.ChargeErrors.Add(1)
			done("", router.ErrInsufficientBalance)
			return
		case errors.Is(err, store.ErrQuotaExceeded):
			g.Stats.ChargeErrors.Add(1)
			done("", router.ErrQuotaExceeded)
			return
		case err != nil:
			g.Stats.StoreErrors.Add(1)
			done("", storeRefusal(err))
			return
		}
		if res.TookBalance() {
			// The rest is owed only by a user whose first share was
			// taken: one with no balance limit at submit owes nothing,
			// even if a balance is set before the SMSC answers.
			respCharge = int64(bill.SubmitSmResp)
		}
	}
	id := mt.NewID()
	cfg := c.Config()
	msgs := make([]store.NewMsg, parts)
	for i := range s.Parts {
		p := &s.Parts[i]
		if s.Channel == router.ChannelHTTP {
			// The link's addressing for messages gwd built itself,
			// except what an interceptor locked.
			lk := s.Locked
			if !lk.Has(script.ParamSourceAddrTON) {
				p.Source.TON = byte(cfg.SrcTON)
			}
			if !lk.Has(script.ParamSourceAddrNPI) {
				p.Source.NPI = byte(cfg.SrcNPI)
			}
			if !lk.Has(script.ParamDestAddrTON) {
				p.Dest.TON = byte(cfg.DstTON)
			}
			if !lk.Has(script.ParamDestAddrNPI) {
				p.Dest.NPI = byte(cfg.DstNPI)
			}
		}
		rec := mt.Record{ID: id, UID: uid, Channel: s.Channel, Part: uint8(i + 1), Parts: uint8(parts),
			DLR: s.DLR, RespCharge: respCharge}
		if respCharge > 0 {
			rec.RespCharge = respCharge * int64(mt.SMs(p))
		}
		p.Command = smpp.SubmitSM
		size := 64 + len(id) + len(uid) + len(s.DLR.URL) + len(p.ShortMessage) + len(p.TLVs) + 96
		msgs[i] = store.NewMsg{Priority: s.Priority, Expires: s.Expires, Payload: rec.AppendPDU(make([]byte, 0, size), p)}
	}
	var extra store.Write
	if res != nil {
		extra.Apply = res.Apply
	}
	c.Queue().AppendNew(msgs, extra, func(_ []uint64, err error) {
		if err != nil {
			res.Cancel()
			g.Stats.StoreErrors.Add(1)
			done("", storeRefusal(err))
			return
		}
		if uid != "" {
			count(&g.perUser, uid)
		}
		if order >= 0 {
			count(&g.perRoute, order)
		}
		done(id, nil)
	})
}

// MessageState implements smpps.Backend for query_sm: the message's last
// event; for a message this process accepted that has none yet (still in
// its connector's queue) EventQueued.
func (g *Gateway) MessageState(id string) (store.EventType, time.Time, bool) {
	state, events, err := g.idx.MessageState(id)
	if err != nil || state == store.EventNone || len(events) == 0 {
		if mt.Issued(id) {
			return EventQueued, time.Time{}, true
		}
		return store.EventNone, time.Time{}, false
	}
	return state, events[len(events)-1].At, true
}

// EventQueued is MessageState's answer for a message accepted and not yet
// answered by an SMSC: no event stored yet.
const EventQueued = store.EventNone
