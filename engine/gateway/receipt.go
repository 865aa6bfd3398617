package gateway

import (
	"errors"
	"strconv"
	"time"

	"github.com/gwd-project/gwd/engine/mt"
	"github.com/gwd-project/gwd/engine/smppc"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/store"
)

// receipt is one SMSC receipt on its way: parsed (receipt), looked up in
// the DLR index (found), handed to the message's sender — the ESME's
// outbox or an HTTP callback — and answered to the SMSC once that hand-off
// is durable (answered, finish). Each step is a method the store or the
// thrower calls back when it is done; nothing nests.
type receipt struct {
	g      *Gateway
	cid    string
	reply  smppc.Reply
	smscID string
	r      smpp.Receipt
	raw    []byte // what r aliases: the PDU is valid only during Deliver

	// Set by found.
	d     store.DLR
	ds    dest
	now   time.Time
	final bool            // a terminal stat: the mapping is closed
	ev    store.EventType // the message's event
}

func (g *Gateway) receipt(c *smppc.Connector, p *smpp.PDU, reply smppc.Reply) {
	g.Stats.ReceiptsIn.Add(1)
	rc := &receipt{g: g, cid: c.CID(), reply: reply, raw: append([]byte(nil), p.ShortMessage...)}
	if r, err := smpp.ParseReceipt(rc.raw); err == nil {
		rc.r = r
	}
	if v, ok := p.TLVs.CString(smpp.TagReceiptedMessageID); ok && len(v) > 0 {
		rc.smscID = string(v)
	} else {
		rc.smscID = string(rc.r.ID)
	}
	if v, ok := p.TLVs.Uint(smpp.TagMessageState); ok && len(rc.r.Stat) == 0 {
		rc.r.Stat = []byte(smpp.StatFromMessageState(byte(v)))
	}
	if rc.smscID == "" {
		g.Stats.ReceiptsUnknown.Add(1)
		reply.Send(smpp.ESME_ROK) // nothing to correlate; do not make the SMSC retry forever
		return
	}
	g.idx.LookupDLR(rc.cid, smppc.NormalizeSMSCID(rc.smscID, c.Config().DLRMsgID), rc.found)
}

// found is the DLR index's answer: hand the receipt to the sender.
func (rc *receipt) found(d store.DLR, err error) {
	g := rc.g
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			rc.reply.Send(smpp.ESME_RSYSERR)
			return
		}
		if g.db.Refusing() != nil {
			// Its mapping may be an ack waiting out a full disk: the
			// SMSC sends the receipt again later rather than lose it.
			rc.reply.Send(smpp.ESME_RSYSERR)
			return
		}
		g.Stats.ReceiptsUnknown.Add(1)
		g.log.Debug("receipt for an unknown message", "cid", rc.cid, "id_smsc", rc.smscID)
		rc.reply.Send(smpp.ESME_ROK)
		return
	}
	rc.d = d
	if err := rc.ds.decode(d.Dest); err != nil {
		g.log.Error("DLR destination unreadable", "id", d.GatewayID, "err", err)
		rc.reply.Send(smpp.ESME_ROK)
		return
	}
	rc.now = time.Now()
	rc.final = terminal(rc.r.Stat)
	rc.ev = store.EventPending
	switch string(rc.r.Stat) {
	case "DELIVRD":
		rc.ev = store.EventDelivered
	case "EXPIRED", "DELETED", "UNDELIV", "REJECTD", "UNKNOWN":
		rc.ev = store.EventFailed
	}
	ds := &rc.ds
	switch ds.Channel {
	case router.ChannelSMPPS:
		if !wantsReceipt(ds.RegDLR, rc.r.Stat) {
			rc.finish(nil)
			return
		}
		g.receiptToESME(ds, d.GatewayID, rc.r, rc.now, rc.bookkeeping(), rc.queued)
	case router.ChannelHTTP:
		switch {
		case ds.Level&mt.DLRTerminal == 0 || ds.URL == "":
			rc.finish(nil)
		case d.Parts <= 1:
			g.throw(rc.callback(), rc.finish)
		case !rc.final:
			rc.finish(nil) // intermediate states of one part are not reported per message
		default:
			// One receipt per message: the part whose finish leaves no
			// part open reports, with its state. Its mapping stays until
			// the report is durable (ClosePart): if the callback store
			// fails, the SMSC's copy of the receipt finds it again.
			g.idx.ClosePart(d, rc.partClosed)
		}
	default:
		rc.finish(nil)
	}
}

// partClosed: one part of a multipart HTTP message is final; the last one
// throws the message's receipt (again, when a copy of the last part's
// receipt comes back because the first throw failed). A part the store
// could not close is refused (ESME_RSYSERR): the SMSC sends the receipt
// again. Another part closed twice (a resent receipt) is answered OK: its
// first copy counted.
func (rc *receipt) partClosed(remaining int, err error) {
	switch {
	case errors.Is(err, store.ErrDLRFinished):
		rc.reply.Send(smpp.ESME_ROK)
		return
	case err != nil:
		rc.g.log.Warn("receipt part not recorded", "id", rc.d.GatewayID, "part", rc.d.Part, "err", err)
		rc.reply.Send(smpp.ESME_RSYSERR)
		return
	case remaining > 0:
		rc.reply.Send(smpp.ESME_ROK)
		return
	}
	rc.g.throw(rc.callback(), rc.lastThrown)
}

// lastThrown: the multipart message's receipt is durable in the thrower:
// answer, record the event, remove the last part's mapping. Not durable:
// ESME_RSYSERR, and the mapping stays for the SMSC's next copy.
func (rc *receipt) lastThrown(err error) {
	if err != nil {
		rc.g.log.Warn("multipart receipt not stored: the SMSC will send it again", "id", rc.d.GatewayID, "err", err)
		rc.reply.Send(handOffStatus(err))
		return
	}
	rc.reply.Send(smpp.ESME_ROK)
	rc.g.addEvent(rc.d.GatewayID, rc.event())
	rc.g.idx.DeleteDLR(rc.d, nil) // ErrDLRFinished: the part was closed by partClosed
}

// queued is the ESME's outbox append (with the bookkeeping) done.
func (rc *receipt) queued(err error) {
	if err != nil {
		rc.g.receiptNotQueued(rc.ds.UID, rc.d.GatewayID, err)
	}
	rc.answered(err)
}

// answered answers the SMSC once the hand-off is durable (or not: then it
// sends the receipt again).
func (rc *receipt) answered(err error) {
	if err != nil {
		rc.reply.Send(handOffStatus(err))
		return
	}
	rc.reply.Send(smpp.ESME_ROK)
}

// finish answers, then writes the bookkeeping on its own (when it did
// not join the hand-off's write).
func (rc *receipt) finish(err error) {
	rc.answered(err)
	if err == nil {
		rc.g.db.Submit(rc.bookkeeping())
	}
}

// bookkeeping is the receipt's write: the mapping closed once final, and
// the message's event, in one write — merged into the ESME's outbox
// append when there is one.
func (rc *receipt) bookkeeping() store.Write {
	g := rc.g
	var closing store.Write
	closed := false
	if rc.final {
		w, err := g.idx.DeleteDLRWrite(rc.d, nil)
		if err != nil {
			g.log.Debug("DLR mapping not closed", "id", rc.d.GatewayID, "err", err)
		}
		closing, closed = w, err == nil
	}
	event, ok := g.eventWrite(rc.d.GatewayID, rc.event())
	switch {
	case closed && ok:
		return store.Merge(closing, event)
	case closed:
		return closing
	case ok:
		return event
	}
	return store.Merge()
}

func (rc *receipt) event() store.Event {
	return store.Event{Type: rc.ev, At: rc.now, Connector: rc.cid, SMSCID: rc.smscID, Stat: string(rc.r.Stat)}
}

// callback is the HTTP sender's receipt: Jasmin's DLR parameters.
func (rc *receipt) callback() *Callback {
	id, r := rc.d.GatewayID, &rc.r
	return &Callback{Kind: CallbackDLR, URL: rc.ds.URL, Method: rc.ds.Method, Ref: id, Params: []Param{
		{"id", id}, {"id_smsc", rc.smscID}, {"message_status", string(r.Stat)},
		{"level", strconv.Itoa(int(rc.ds.Level))}, {"connector", rc.cid},
		{"subdate", string(r.SubmitDate)}, {"donedate", string(r.DoneDate)},
		{"sub", string(r.Sub)}, {"dlvrd", string(r.Dlvrd)}, {"err", string(r.Err)},
		{"text", string(r.Text)},
	}}
}

func terminal(stat []byte) bool {
	switch string(stat) {
	case "DELIVRD", "EXPIRED", "DELETED", "UNDELIV", "REJECTD", "UNKNOWN":
		return true
	}
	return false
}

// wantsReceipt applies registered_delivery's SMSC delivery receipt bits:
// 1 every final outcome, 2 failures only.
func wantsReceipt(rd byte, stat []byte) bool {
	switch rd & 0x03 {
	case 1:
		return true
	case 2:
		return terminal(stat) && string(stat) != "DELIVRD"
	}
	return false
}
