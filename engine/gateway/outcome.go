package gateway

import (
	"fmt"
	"strconv"
	"time"

	"github.com/gwd-project/gwd/engine/mt"
	"github.com/gwd-project/gwd/engine/smppc"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/router/ledger"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/store"
)

// Outcome implements smppc.Sink: the end of one submit. What it returns
// the connector writes with the message's ack, in one batch.
func (g *Gateway) Outcome(c *smppc.Connector, o *smppc.Outcome) store.Write {
	cid := c.CID()
	now := time.Now()
	rec, p := &o.Rec, &o.PDU
	id := rec.ID
	switch o.Result {
	case smppc.Accepted:
		return g.accepted(cid, o, now)
	case smppc.Cancelled:
		if rec.Part >= rec.Parts {
			go g.forgetCancel(id)
		}
		g.addEvent(id, store.Event{Type: store.EventCancelled, At: now, Connector: cid})
	case smppc.Rejected, smppc.Unknown, smppc.Expired:
		st := o.Status
		stat := "REJECTD"
		ev := store.EventRejected
		switch o.Result {
		case smppc.Unknown:
			stat, ev = "UNKNOWN", store.EventPending
		case smppc.Expired:
			stat, ev = "EXPIRED", store.EventFailed
		}
		d := destOf(o, now)
		if rec.Channel == router.ChannelHTTP && rec.DLR.Level&mt.DLRSMSC != 0 {
			g.throwLevel1(&d, id, cid, st, "")
		}
		if rec.Channel == router.ChannelSMPPS && rec.DLR.Level != 0 && wantsReceipt(p.RegisteredDelivery, []byte(stat)) {
			uid := d.UID
			g.receiptToESME(&d, id, smpp.Receipt{Stat: []byte(stat), Err: fmt.Appendf(nil, "%03d", int(st)&0x3FF)}, now, store.Write{},
				func(err error) {
					if err != nil {
						g.receiptNotQueued(uid, id, err)
					}
				})
		}
		g.addEvent(id, store.Event{Type: ev, At: now,
			Connector: cid, Status: st.String()})
	}
	return store.Write{}
}

// accepted is an OK submit_sm_resp: the level-1 receipt, and what goes in
// the ack's batch — the DLR mapping, the "submitted" event and the
// submit_sm_resp share of the charge, atomically: the mapping can never
// be lost while the message is gone from the queue.
func (g *Gateway) accepted(cid string, o *smppc.Outcome, now time.Time) store.Write {
	rec := &o.Rec
	d := destOf(o, now)
	id := rec.ID
	var resv *store.Reservation
	if rec.RespCharge > 0 {
		r, err := g.db.Adjust(rec.UID, -ledger.Money(rec.RespCharge), 0)
		if err != nil {
			g.log.Warn("submit_sm_resp charge failed", "uid", rec.UID, "id", id, "err", err)
		}
		resv = r
	}
	if rec.Channel == router.ChannelHTTP && rec.DLR.Level&mt.DLRSMSC != 0 && rec.Part <= 1 {
		// One level-1 receipt per message: its first part's answer
		// (a failed later part reports its own error).
		g.throwLevel1(&d, id, cid, o.Status, string(o.SMSCID))
	}
	// At most two writes, kept apart (not in an array that escapes) so
	// that one of them goes back as it is.
	var mapping, event store.Write
	var hasMapping, hasEvent bool
	if rec.DLR.Level&mt.DLRTerminal != 0 && len(o.SMSCID) > 0 {
		dl := store.DLR{Connector: cid, SMSCID: smppc.NormalizeSMSCID(string(o.SMSCID), smppc.DLRIDSameBase),
			GatewayID: id, Part: uint16(max(rec.Part, 1)), Parts: uint16(max(rec.Parts, 1)),
			Dest: d.appendTo(nil)}
		w, err := g.idx.PutDLRWrite(dl, func(err error) {
			if err != nil {
				g.log.Warn("DLR mapping not stored", "id", id, "err", err)
			}
		})
		if err != nil {
			g.log.Warn("DLR mapping refused", "id", id, "err", err)
		} else {
			mapping, hasMapping = w, true
		}
	}
	if w, ok := g.eventWrite(id, store.Event{Type: store.EventSubmitted, At: now,
		Connector: cid, SMSCID: string(o.SMSCID)}); ok {
		event, hasEvent = w, true
	}
	var w store.Write
	switch {
	case hasMapping && hasEvent:
		w = store.Merge(mapping, event)
	case hasMapping:
		w = mapping
	case hasEvent:
		w = event
	}
	switch {
	case resv == nil:
		return w
	case !hasMapping && !hasEvent:
		return store.Write{Apply: resv.Apply}
	}
	return store.Write{Apply: func(b *store.Batch) {
		w.Apply(b)
		resv.Apply(b)
	}, Done: w.Done}
}

// destOf is where o's receipts go (kept with its DLR mapping).
func destOf(o *smppc.Outcome, now time.Time) dest {
	rec, p := &o.Rec, &o.PDU
	return dest{Channel: rec.Channel, Level: rec.DLR.Level, RegDLR: p.RegisteredDelivery, SubmitUnix: now.Unix(),
		UID: rec.UID, URL: rec.DLR.URL, Method: rec.DLR.Method, Src: p.Source, Dst: p.Dest}
}

// StateChanged implements smppc.Sink.
func (g *Gateway) StateChanged(c *smppc.Connector, bind int, state string, err error) {
	g.observeState(c, bind, state, err)
	if err != nil {
		g.log.Info("connector session", "cid", c.CID(), "bind", bind, "state", state, "err", err)
		return
	}
	g.log.Info("connector session", "cid", c.CID(), "bind", bind, "state", state)
}

// throwLevel1 sends a level-1 receipt (the SMSC's answer) to an HTTP
// sender: id, message_status, level, connector.
func (g *Gateway) throwLevel1(d *dest, id, cid string, st smpp.Status, smscID string) {
	cb := &Callback{Kind: CallbackDLR, URL: d.URL, Method: d.Method, Ref: id, Params: []Param{
		{"id", id}, {"message_status", st.String()}, {"level", strconv.Itoa(int(d.Level))}, {"connector", cid},
	}}
	if smscID != "" {
		cb.Params = append(cb.Params, Param{"id_smsc", smscID})
	}
	g.throw(cb, func(err error) {
		if err != nil {
			g.log.Warn("level 1 receipt not stored", "id", id, "err", err)
		}
	})
}

// receiptToESME queues a deliver_sm receipt for the SMPP user that sent
// message id: from the message's destination to its source, the receipt
// text with gwd's message id, and the receipted_message_id and
// message_state TLVs. done gets the outbox append's result (the caller
// logs a failure): it is not wrapped, no closure per receipt.
func (g *Gateway) receiptToESME(d *dest, id string, r smpp.Receipt, now time.Time, extra store.Write, done func(error)) {
	r.ID = []byte(id)
	if len(r.Sub) == 0 {
		r.Sub = []byte("001")
	}
	if len(r.Dlvrd) == 0 {
		if string(r.Stat) == "DELIVRD" {
			r.Dlvrd = []byte("001")
		} else {
			r.Dlvrd = []byte("000")
		}
	}
	if len(r.SubmitDate) == 0 {
		r.SubmitDate = receiptDate(time.Unix(d.SubmitUnix, 0))
	}
	if len(r.DoneDate) == 0 {
		r.DoneDate = receiptDate(now)
	}
	if len(r.Err) == 0 {
		r.Err = []byte("000")
	}
	p := smpp.PDU{Header: smpp.Header{Command: smpp.DeliverSM}}
	p.Source, p.Dest = d.Dst, d.Src
	p.EsmClass = 0x04
	// Sized once: grown from nil the text took three allocations.
	p.ShortMessage = r.AppendTo(make([]byte, 0, 128+len(r.ID)+len(r.Text)))
	p.TLVs = make(smpp.TLVs, 0, 4+len(r.ID)+1+5) // the two TLVs below
	p.TLVs = p.TLVs.AppendCString(smpp.TagReceiptedMessageID, r.ID)
	if ms, ok := smpp.MessageStateFromStat(r.Stat); ok {
		p.TLVs = p.TLVs.AppendUint8(smpp.TagMessageState, ms)
	}
	exp := now.Add(g.cfg.Store.OutboundMessageTTL())
	g.smpps.Deliver(d.UID, &p, exp, extra, done)
}

// receiptNotQueued logs a receipt the ESME's outbox did not take.
func (g *Gateway) receiptNotQueued(uid, id string, err error) {
	g.log.Warn("receipt not queued for ESME", "uid", uid, "id", id, "err", err)
}

func receiptDate(t time.Time) []byte {
	t = t.UTC()
	return []byte(t.Format("0601021504"))
}
