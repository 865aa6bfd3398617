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
	"github.com/gwd-project/gwd/store"
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
func (g *Gateway) Deliver(c *smppc.Connector, p *smpp.PDU, reply smppc.Reply) {
	if isReceipt(p) {
		g.receipt(c, p, reply)
		return
	}
	g.mo(c, p, reply.Send)
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
	if g.interceptMO(cid, p, respond, func(p *smpp.PDU, tags []int64) { g.routeMO(cid, p, tags, respond, true) }) {
		return
	}
	g.routeMO(cid, p, nil, respond, false)
}

// routeMO routes and hands off an MO; scripts as for Gateway.submit.
func (g *Gateway) routeMO(cid string, p *smpp.PDU, tags []int64, respond func(smpp.Status), scripts bool) {
	now := time.Now()
	r := router.Routable{Dir: router.MO, PDU: p, Connector: cid, Time: now, Tags: tags}
	var target string
	var ok, deferred bool
	if scripts {
		_, target, ok = g.moTable.Lookup(&r, g.up)
	} else if _, target, ok, deferred = g.moTable.LookupInline(&r, g.up); deferred {
		g.routeMOScripted(cid, p, tags, respond)
		return
	}
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
			respond(handOffStatus(err))
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
		g.smpps.Deliver(id, &q, now.Add(g.cfg.Store.OutboundMessageTTL()), store.Write{}, done)
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
