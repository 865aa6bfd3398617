package smppc

import (
	"errors"
	"fmt"
	"time"

	"github.com/gwd-project/gwd/engine/mt"
	"github.com/gwd-project/gwd/engine/pump"
	"github.com/gwd-project/gwd/engine/session"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/store"
)

// Result is how a submit ended.
type Result uint8

// Results.
const (
	// Accepted: submit_sm_resp ESME_ROK; SMSCID is the SMSC's message id.
	Accepted Result = iota + 1
	// Rejected: submit_sm_resp with an error status (other than the
	// throttling ones, which requeue).
	Rejected
	// Unknown: no response within res_to and res_to_policy is fail (or
	// the one resend timed out too); the SMSC may or may not have it.
	Unknown
	// Expired: the message's validity passed while it waited in the
	// queue; it is already gone from the store.
	Expired
	// Cancelled: withdrawn by its sender (cancel_sm) before it was sent.
	Cancelled
)

// Outcome is the end of one submit, with the message decoded once when it
// was taken from the queue.
type Outcome struct {
	Result Result
	// Status is the submit_sm_resp's command_status (Rejected), or what
	// stands for it (ESME_RUNKNOWNERR for Unknown, ESME_RSYSERR for a
	// queued submit_sm that does not decode).
	Status smpp.Status
	// SMSCID is the SMSC's message id (Accepted); valid only during
	// Sink.Outcome.
	SMSCID []byte
	// Rec is the queue record; PDU its submit_sm as it was queued
	// (before the connector's link defaults). Both alias the queued
	// message and are valid only during Sink.Outcome.
	Rec mt.Record
	PDU smpp.PDU
}

// Sink is where a connector reports; the gateway implements it. Methods
// are called from event loops or the pump and must not block.
type Sink interface {
	// Outcome reports the end of one submit and returns what must be
	// written in the same batch as the message's removal from the queue
	// (its DLR mapping, event and charge; zero: nothing): the connector
	// acks its queue with it. For Expired the queue has already dropped
	// the message and the return is ignored.
	Outcome(c *Connector, o *Outcome) store.Write
	// Deliver hands over a deliver_sm or data_sm from the SMSC (a receipt
	// or an MO message). p is valid only during the call: copy what is
	// kept. reply.Send must be called exactly once, with the
	// command_status for the SMSC, once the hand-off is durable.
	Deliver(c *Connector, p *smpp.PDU, reply Reply)
	// StateChanged reports a bind's session state change (logs, status).
	StateChanged(c *Connector, bind int, state string, err error)
	// Cancelled reports whether message id of user uid was cancelled
	// while it waited (cancel_sm): it is then dropped, not sent. Called
	// for every message taken, so it must be cheap.
	Cancelled(id, uid string) bool
}

// submits is the connector's pump.Lane (and pump.Throttle): submit_sm
// from its queue to its binds.
type submits struct{ c *Connector }

type flight = pump.Flight[Outcome]

// Pick returns a bound session that may submit, has window room and is
// not paused by a throttling answer.
func (l submits) Pick() *session.Session {
	c := l.c
	window := c.cfg.Load().Window
	c.mu.Lock()
	binds := c.binds
	c.mu.Unlock()
	n := len(binds)
	start := int(c.rr.Add(1))
	var now int64
	for i := range n {
		b := binds[(start+i)%n]
		s := b.sess.Load()
		if s != nil && canSubmit(s.State()) && s.Outstanding() < window && !b.backoff.paused(&now) {
			return s
		}
	}
	return nil
}

// Prepare decodes the queued record and its submit_sm once, and sends a
// copy with the link defaults; a cancelled message or a record that does
// not decode is settled here.
func (l submits) Prepare(f *flight, p *smpp.PDU) bool {
	c := l.c
	o := &f.V
	if err := o.Rec.Decode(f.Msg.Payload); err != nil {
		c.log.Error("dropping a queue record that does not decode", "seq", f.Msg.Seq, "err", err)
		f.Ack(store.Write{})
		return false
	}
	if c.sink.Cancelled(o.Rec.ID, o.Rec.UID) {
		c.settle(f, Cancelled, smpp.ESME_ROK, nil)
		return false
	}
	if err := o.PDU.Decode(o.Rec.PDU); err != nil {
		c.log.Error("dropping a queued submit_sm that does not decode", "id", o.Rec.ID, "err", err)
		c.settle(f, Rejected, smpp.ESME_RSYSERR, nil)
		return false
	}
	*p = o.PDU
	c.applyDefaults(p)
	return true
}

// Answered handles a submit_sm_resp (or generic_nack).
func (l submits) Answered(f *flight, resp *smpp.PDU) {
	c := l.c
	st := resp.Status
	if resp.Command == smpp.GenericNack && st == smpp.ESME_ROK {
		st = smpp.ESME_RSYSERR
	}
	switch st {
	case smpp.ESME_ROK:
		c.Stats.SubmitOK.Add(1)
		if b, ok := f.Sess.User.(*bind); ok {
			b.backoff.succeeded()
		}
		c.settle(f, Accepted, st, resp.MessageID)
	case smpp.ESME_RTHROTTLED, smpp.ESME_RMSGQFUL:
		c.Stats.Throttled.Add(1)
		c.requeue(f)
		c.pauseBind(f.Sess, time.Now())
	default:
		c.Stats.SubmitErr.Add(1)
		c.settle(f, Rejected, st, nil)
	}
}

// Unanswered handles a submit that will get no response.
func (l submits) Unanswered(f *flight, reason error) {
	c := l.c
	if !errors.Is(reason, session.ErrResponseTimeout) {
		// The bind went away with the submit in its window: send it
		// again once a bind is up (at-least-once).
		c.requeue(f)
		return
	}
	c.Stats.Timeouts.Add(1)
	seq := f.Msg.Seq
	c.mu.Lock()
	again := c.cfg.Load().ResToPolicy == "resend" && !c.resent[seq]
	if again {
		c.resent[seq] = true
		c.nResent.Store(int64(len(c.resent)))
	}
	c.mu.Unlock()
	if again {
		c.requeue(f)
		return
	}
	c.settle(f, Unknown, smpp.ESME_RUNKNOWNERR, nil)
}

// pauseBind pauses the bind of session s after a throttling answer (the
// other binds go on sending) and, when every bind that can submit is
// paused, the connector until the first pause ends. The pump is signalled:
// the requeued message goes out first, on another bind if one may send.
func (c *Connector) pauseBind(s *session.Session, now time.Time) {
	limit := secs(c.cfg.Load().RequeueDelay)
	n := now.UnixNano()
	c.mu.Lock()
	if b, ok := s.User.(*bind); ok {
		b.backoff.throttled(now, limit)
	}
	var all int64
	for _, b := range c.binds {
		bs := b.sess.Load()
		if bs == nil || !canSubmit(bs.State()) {
			continue
		}
		u := b.backoff.until.Load()
		if u <= n {
			all = 0
			break
		}
		if all == 0 || u < all {
			all = u
		}
	}
	c.pausedUntil.Store(all)
	c.mu.Unlock()
	c.pump.Signal()
}

// Paused is how long every bind that can submit is still paused after
// ESME_RTHROTTLED or ESME_RMSGQFUL (0 while one of them may send).
func (l submits) Paused(now time.Time) time.Duration {
	if p := l.c.pausedUntil.Load(); p > now.UnixNano() {
		return time.Duration(p - now.UnixNano())
	}
	return 0
}

// Take paces submit_throughput.
func (l submits) Take(now time.Time) time.Duration {
	return l.c.tb.take(l.c.cfg.Load().SubmitThroughput, now)
}

// Refund gives back a Take that sent nothing.
func (l submits) Refund() { l.c.tb.refund() }

// settle reports a submit's end to the sink and acks the message with
// what the sink returns, in one batch.
func (c *Connector) settle(f *flight, res Result, st smpp.Status, smscID []byte) {
	o := &f.V
	o.Result, o.Status, o.SMSCID = res, st, smscID
	w := c.sink.Outcome(c, o)
	if c.nResent.Load() > 0 {
		c.mu.Lock()
		delete(c.resent, f.Msg.Seq)
		c.nResent.Store(int64(len(c.resent)))
		c.mu.Unlock()
	}
	f.Ack(w)
}

func (c *Connector) requeue(f *flight) {
	c.Stats.Requeued.Add(1)
	f.Requeue(0)
}

// expired reports a message whose validity passed in the queue (the
// queue has dropped it).
func (c *Connector) expired(m *store.Msg) {
	o := &Outcome{Result: Expired, Status: smpp.ESME_ROK}
	if err := o.Rec.Decode(m.Payload); err != nil {
		c.log.Error("expired message with a bad record", "err", err)
		return
	}
	if err := o.PDU.Decode(o.Rec.PDU); err != nil {
		c.log.Error("expired message with a bad submit_sm", "id", o.Rec.ID, "err", err)
	}
	c.sink.Outcome(c, o)
}

func canSubmit(st session.State) bool {
	return st == session.BoundTX || st == session.BoundTRX
}

// link is what applyDefaults writes into every submit_sm, encoded once
// per configuration rather than per message.
type link struct {
	cfg *Config
	src []byte // src_addr; nil: none
	vp  []byte // validity as an SMPP relative time; nil: none
}

// setConfig makes cfg the live configuration.
func (c *Connector) setConfig(cfg *Config) {
	l := &link{cfg: cfg}
	if cfg.SrcAddr != "" {
		l.src = []byte(cfg.SrcAddr)
	}
	if cfg.Validity > 0 {
		l.vp = relativeTime(cfg.Validity)
	}
	c.cfg.Store(cfg)
	c.link.Store(l)
}

// applyDefaults fills what the sender left unset with the connector's
// link settings: src_addr, validity, proto_id when set. p shares the
// link's slices (read only).
func (c *Connector) applyDefaults(p *smpp.PDU) {
	l := c.link.Load()
	cfg := l.cfg
	if len(p.Source.Addr) == 0 && l.src != nil {
		p.Source.Addr = l.src
		p.Source.TON, p.Source.NPI = byte(cfg.SrcTON), byte(cfg.SrcNPI)
	}
	if len(p.ValidityPeriod) == 0 && l.vp != nil {
		p.ValidityPeriod = l.vp
	}
	if cfg.ProtoID >= 0 && p.ProtocolID == 0 {
		p.ProtocolID = byte(cfg.ProtoID)
	}
	if p.ReplaceIfPresent == 0 {
		p.ReplaceIfPresent = byte(cfg.RIPF)
	}
	if p.SMDefaultMsgID == 0 {
		p.SMDefaultMsgID = byte(cfg.DefMsgID)
	}
}

// relativeTime formats seconds as an SMPP relative time
// (YYMMDDhhmmss000R).
func relativeTime(secs int) []byte {
	d := secs / 86400
	y, d := d/365, d%365
	mo, d := d/30, d%30
	r := secs % 86400
	return fmt.Appendf(nil, "%02d%02d%02d%02d%02d%02d000R", y, mo, d, r/3600, r/60%60, r%60)
}
