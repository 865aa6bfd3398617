package gateway

import (
	"time"

	"github.com/gwd-project/gwd/engine/mt"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/smpp"
)

// Interceptor scripts run on the script workers (scriptpool.go), never on
// an event loop: a message that an interceptor matches — or that only a
// script filter can say whether one matches — is copied and handed over;
// its answer comes from the worker.

// copySubmit makes s independent of the caller's buffers.
func copySubmit(s *mt.Submit) *mt.Submit {
	c := *s
	c.Parts = make([]smpp.PDU, len(s.Parts))
	for i := range s.Parts {
		c.Parts[i] = s.Parts[i]
		c.Parts[i].Own()
	}
	c.Tags = append([]int64(nil), s.Tags...)
	return &c
}

// interceptMT runs the MT interceptor that matches s, if any; it returns
// false when none does (the caller goes on at once).
func (g *Gateway) interceptMT(s *mt.Submit, done func(string, error)) bool {
	if g.mtICs.Len() == 0 {
		return false
	}
	r := router.Routable{Dir: router.MT, PDU: &s.Parts[0], UID: s.User.UID, GID: s.User.GID, Time: s.Received, Tags: s.Tags}
	if r.Time.IsZero() {
		r.Time = time.Now()
	}
	ic, ok, deferred := g.mtICs.LookupInline(&r)
	if !ok && !deferred {
		return false
	}
	cp := copySubmit(s)
	smppsCh := s.Channel == router.ChannelSMPPS
	at := r.Time
	if !g.offload(func() {
		if deferred {
			r := router.Routable{Dir: router.MT, PDU: &cp.Parts[0], UID: cp.User.UID, GID: cp.User.GID, Time: at, Tags: cp.Tags}
			if ic, ok = g.mtICs.Lookup(&r); !ok {
				g.submit(cp, done, true)
				return
			}
		}
		g.Stats.Intercepted.Add(1)
		if smppsCh {
			g.smpps.Stats.InterceptorCount.Add(1)
		}
		r := router.Routable{Dir: router.MT, PDU: &cp.Parts[0], UID: cp.User.UID, GID: cp.User.GID, Time: at, Tags: cp.Tags}
		v, err := ic.Run(&r, cp.Channel)
		switch {
		case err != nil:
			g.Stats.InterceptErrors.Add(1)
			if smppsCh {
				g.smpps.Stats.InterceptorErrorCount.Add(1)
			}
			g.log.Warn("MT interceptor failed", "order", ic.Order, "uid", cp.User.UID, "err", err)
			done("", err)
		case v.Reject:
			done("", v.Refusal())
		case v.Bypass:
			done(mt.NewID(), nil)
		default:
			cp.Tags = r.Tags
			cp.Locked = v.Locked
			g.submit(cp, done, true)
		}
	}) {
		done("", errScriptsBusy)
	}
	return true
}

// interceptMO runs the MO interceptor that matches p (a deliver_sm from
// connector cid), then goes on with next on the worker; it returns false
// when none matches. A rejection or script error answers the SMSC with
// the script's status (or ESME_RSYSERR); a bypass answers ESME_ROK
// without routing.
func (g *Gateway) interceptMO(cid string, p *smpp.PDU, respond func(smpp.Status), next func(p *smpp.PDU, tags []int64)) bool {
	if g.moICs.Len() == 0 {
		return false
	}
	r := router.Routable{Dir: router.MO, PDU: p, Connector: cid, Time: time.Now()}
	ic, ok, deferred := g.moICs.LookupInline(&r)
	if !ok && !deferred {
		return false
	}
	cp := *p
	cp.Own()
	at := r.Time
	conn := g.Connector(cid)
	if !g.offload(func() {
		if deferred {
			r := router.Routable{Dir: router.MO, PDU: &cp, Connector: cid, Time: at}
			if ic, ok = g.moICs.Lookup(&r); !ok {
				next(&cp, nil)
				return
			}
		}
		g.Stats.Intercepted.Add(1)
		if conn != nil {
			conn.Stats.InterceptorCount.Add(1)
		}
		r := router.Routable{Dir: router.MO, PDU: &cp, Connector: cid, Time: at}
		v, err := ic.Run(&r, 0)
		switch {
		case err != nil:
			g.Stats.InterceptErrors.Add(1)
			if conn != nil {
				conn.Stats.InterceptorErrorCount.Add(1)
			}
			g.log.Warn("MO interceptor failed", "order", ic.Order, "cid", cid, "err", err)
			respond(smpp.ESME_RSYSERR)
		case v.Reject:
			respond(v.SMPPStatus)
		case v.Bypass:
			respond(smpp.ESME_ROK)
		default:
			next(&cp, r.Tags)
		}
	}) {
		respond(smpp.ESME_RTHROTTLED)
	}
	return true
}
