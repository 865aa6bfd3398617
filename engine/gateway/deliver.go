package gateway

import (
	"errors"
	"strconv"
	"time"

	"github.com/gwd-project/gwd/engine/moparts"
	"github.com/gwd-project/gwd/engine/mt"
	"github.com/gwd-project/gwd/engine/smppc"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/wal"
)

// isReceipt tells a delivery receipt from an MO message: esm_class says
// SMSC delivery receipt, SME delivery acknowledgement or intermediate
// notification, or the receipted_message_id TLV is there.
func isReceipt(p *smpp.PDU) bool {
	switch p.EsmClass & 0x3C {
	case 0x04, 0x08, 0x20:
		return true
	}
	_, ok := p.TLVs.Get(smpp.TagReceiptedMessageID)
	return ok
}

// Deliver implements smppc.Sink: a deliver_sm or data_sm from an SMSC.
func (g *Gateway) Deliver(c *smppc.Connector, p *smpp.PDU, respond func(smpp.Status)) {
	if isReceipt(p) {
		g.receipt(c, p, respond)
		return
	}
	g.mo(c, p, respond)
}

// inReceipt is what gwd keeps of an SMSC receipt while it looks up the
// message (the PDU is valid only during Deliver).
type inReceipt struct {
	smscID string
	r      smpp.Receipt
	raw    []byte
}

func (g *Gateway) receipt(c *smppc.Connector, p *smpp.PDU, respond func(smpp.Status)) {
	g.Stats.ReceiptsIn.Add(1)
	in := &inReceipt{raw: append([]byte(nil), p.ShortMessage...)}
	if r, err := smpp.ParseReceipt(in.raw); err == nil {
		in.r = r
	}
	if v, ok := p.TLVs.CString(smpp.TagReceiptedMessageID); ok && len(v) > 0 {
		in.smscID = string(v)
	} else {
		in.smscID = string(in.r.ID)
	}
	if v, ok := p.TLVs.Uint(smpp.TagMessageState); ok && len(in.r.Stat) == 0 {
		in.r.Stat = []byte(smpp.StatFromMessageState(byte(v)))
	}
	if in.smscID == "" {
		g.Stats.ReceiptsUnknown.Add(1)
		respond(smpp.ESME_ROK) // nothing to correlate; do not make the SMSC retry forever
		return
	}
	cfg := c.Config()
	key := smppc.NormalizeSMSCID(in.smscID, cfg.DLRMsgID)
	cid := c.CID()
	g.idx.LookupDLR(cid, key, func(d wal.DLR, err error) {
		if err != nil {
			if !errors.Is(err, wal.ErrNotFound) {
				respond(smpp.ESME_RSYSERR)
				return
			}
			g.Stats.ReceiptsUnknown.Add(1)
			g.log.Debug("receipt for an unknown message", "cid", cid, "id_smsc", in.smscID)
			respond(smpp.ESME_ROK)
			return
		}
		g.routeReceipt(cid, in, d, respond)
	})
}

func terminal(stat []byte) bool {
	switch string(stat) {
	case "DELIVRD", "EXPIRED", "DELETED", "UNDELIV", "REJECTD", "UNKNOWN":
		return true
	}
	return false
}

func (g *Gateway) routeReceipt(cid string, in *inReceipt, d wal.DLR, respond func(smpp.Status)) {
	var ds dest
	if err := ds.decode(d.Dest); err != nil {
		g.log.Error("DLR destination unreadable", "id", d.GatewayID, "err", err)
		respond(smpp.ESME_ROK)
		return
	}
	now := time.Now()
	final := terminal(in.r.Stat)
	ev := wal.EventPending
	switch string(in.r.Stat) {
	case "DELIVRD":
		ev = wal.EventDelivered
	case "EXPIRED", "DELETED", "UNDELIV", "REJECTD", "UNKNOWN":
		ev = wal.EventFailed
	}
	// The receipt's bookkeeping: the mapping closed once final, and the
	// message's event, in one write — merged into the ESME's outbox
	// append when there is one.
	bookkeeping := func() wal.Write {
		var ws [2]wal.Write
		n := 0
		if final {
			if w, err := g.idx.DeleteDLRWrite(d, nil); err == nil {
				ws[n] = w
				n++
			} else {
				g.log.Debug("DLR mapping not closed", "id", d.GatewayID, "err", err)
			}
		}
		if w, ok := g.eventWrite(d.GatewayID, wal.Event{Type: ev, At: now,
			Connector: cid, SMSCID: in.smscID, Stat: string(in.r.Stat)}); ok {
			ws[n] = w
			n++
		}
		return wal.Merge(ws[:n]...)
	}
	answered := func(err error) {
		if err != nil {
			// Not durable: let the SMSC send it again.
			respond(smpp.ESME_RSYSERR)
			return
		}
		respond(smpp.ESME_ROK)
	}
	finish := func(err error) {
		answered(err)
		if err == nil {
			g.db.Submit(bookkeeping())
		}
	}
	switch ds.Channel {
	case router.ChannelSMPPS:
		if !wantsReceipt(ds.RegDLR, in.r.Stat) {
			finish(nil)
			return
		}
		g.receiptToESME(&ds, d.GatewayID, in.r, now, bookkeeping(), answered)
	case router.ChannelHTTP:
		if ds.Level&mt.DLRTerminal == 0 || ds.URL == "" {
			finish(nil)
			return
		}
		cb := &Callback{Kind: CallbackDLR, URL: ds.URL, Method: ds.Method, Ref: d.GatewayID, Params: []Param{
			{"id", d.GatewayID}, {"id_smsc", in.smscID}, {"message_status", string(in.r.Stat)},
			{"level", strconv.Itoa(int(ds.Level))}, {"connector", cid},
			{"subdate", string(in.r.SubmitDate)}, {"donedate", string(in.r.DoneDate)},
			{"sub", string(in.r.Sub)}, {"dlvrd", string(in.r.Dlvrd)}, {"err", string(in.r.Err)},
			{"text", string(in.r.Text)},
		}}
		if d.Parts > 1 {
			if !final {
				finish(nil) // intermediate states of one part are not reported per message
				return
			}
			// One receipt per message: the part whose finish leaves no
			// part open reports, with its state.
			g.idx.DeleteDLR(d, func(remaining int, err error) {
				if err != nil || remaining > 0 {
					respond(smpp.ESME_ROK)
					return
				}
				g.throw(cb, func(err error) {
					if err != nil {
						respond(smpp.ESME_RSYSERR)
						return
					}
					respond(smpp.ESME_ROK)
					g.addEvent(d.GatewayID, wal.Event{Type: ev, At: now,
						Connector: cid, SMSCID: in.smscID, Stat: string(in.r.Stat)})
				})
			})
			return
		}
		g.throw(cb, finish)
	default:
		finish(nil)
	}
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

// mo routes an MO message with the MO table: to an SMPP server user's
// outbox or to an HTTP connector. deliver_sm_resp goes back once the
// hand-off is durable; an MO no route takes is refused (ESME_RSYSERR) so
// the SMSC keeps it.
func (g *Gateway) mo(c *smppc.Connector, p *smpp.PDU, respond func(smpp.Status)) {
	g.Stats.MOIn.Add(1)
	cid := c.CID()
	if o := g.obs(); o != nil && o.MO(cid, p, func(err error) {
		if err != nil {
			respond(smpp.ESME_RSYSERR)
			return
		}
		respond(smpp.ESME_ROK)
	}) {
		return
	}
	if g.interceptMO(cid, p, respond, func(p *smpp.PDU, tags []int64) { g.routeMO(cid, p, tags, respond) }) {
		return
	}
	g.routeMO(cid, p, nil, respond)
}

func (g *Gateway) routeMO(cid string, p *smpp.PDU, tags []int64, respond func(smpp.Status)) {
	now := time.Now()
	r := router.Routable{Dir: router.MO, PDU: p, Connector: cid, Time: now, Tags: tags}
	_, target, ok := g.moTable.Lookup(&r, g.up)
	if !ok {
		g.Stats.MOUnrouted.Add(1)
		g.log.Warn("MO without a route", "cid", cid)
		respond(smpp.ESME_RSYSERR)
		return
	}
	kind, id := router.SplitConnector(target)
	done := func(err error) {
		if err != nil {
			g.log.Warn("MO hand-off failed", "cid", cid, "target", target, "err", err)
			respond(smpp.ESME_RSYSERR)
			return
		}
		respond(smpp.ESME_ROK)
	}
	switch kind {
	case "smpps":
		q := smpp.PDU{Header: smpp.Header{Command: smpp.DeliverSM}}
		q.ServiceType = append([]byte(nil), p.ServiceType...)
		q.Source = smpp.Address{TON: p.Source.TON, NPI: p.Source.NPI, Addr: append([]byte(nil), p.Source.Addr...)}
		q.Dest = smpp.Address{TON: p.Dest.TON, NPI: p.Dest.NPI, Addr: append([]byte(nil), p.Dest.Addr...)}
		q.EsmClass, q.ProtocolID, q.PriorityFlag = p.EsmClass, p.ProtocolID, p.PriorityFlag
		q.DataCoding = p.DataCoding
		q.ShortMessage = append([]byte(nil), p.ShortMessage...)
		q.TLVs = append(smpp.TLVs(nil), p.TLVs...)
		if p.Command == smpp.DataSM {
			q.EsmClass &^= 0x3C
		}
		g.smpps.Deliver(id, &q, now.Add(g.cfg.Store.OutboundMessageTTL()), wal.Write{}, done)
	case "http":
		h, ok := g.HTTPConnector(id)
		if !ok {
			done(errors.New("unknown HTTP connector " + id))
			return
		}
		if _, _, long := moparts.Concat(p); long {
			g.queuePart(cid, target, p, done)
			return
		}
		g.throw(g.moCallback(h, cid, p), done)
	default:
		done(errors.New("MO route to " + target + " is not supported"))
	}
}

// moCallback builds Jasmin's MO parameters: id, from, to,
// origin-connector, priority, coding, validity, content, binary.
func (g *Gateway) moCallback(h HTTPConnector, cid string, p *smpp.PDU) *Callback {
	id := mt.NewID()
	content := p.ShortMessage
	if v, ok := p.TLVs.Get(smpp.TagMessagePayload); ok && len(content) == 0 {
		content = v
	}
	if p.EsmClass&0x40 != 0 && len(content) > 0 && int(content[0])+1 <= len(content) {
		content = content[int(content[0])+1:]
	}
	return &Callback{Kind: CallbackMO, URL: h.URL, Method: h.Method, Ref: id, Params: []Param{
		{"id", id}, {"from", string(p.Source.Addr)}, {"to", string(p.Dest.Addr)},
		{"origin-connector", cid}, {"priority", strconv.Itoa(int(p.PriorityFlag))},
		{"coding", strconv.Itoa(int(p.DataCoding))}, {"validity", string(p.ValidityPeriod)},
		{"content", string(content)}, {"binary", hexString(content)},
	}}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(out)
}
