package gateway

import (
	"fmt"
	"slices"
	"time"

	"github.com/gwd-project/gwd/engine/content"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/wal"
)

// Long MO for HTTP connectors. Each part of a concatenated MO message
// (UDH or SAR) routed to an HTTP connector is stored in the durable queue
// "mo/parts" before the SMSC gets its deliver_sm_resp. One assembler
// goroutine takes the parts, joins them, throws the whole message to the
// connector and only then removes the parts: a restart re-reads the parts
// and assembles again. A message still incomplete after
// inbound_message_ttl is delivered with the parts that came.
//
// Part record, version 1: 1 | cid (u8 len) | target (u8 len) | deliver_sm frame.

func (g *Gateway) startAssembler() error {
	q, err := g.db.Queue("mo/parts")
	if err != nil {
		return fmt.Errorf("MO parts queue: %w", err)
	}
	g.moParts = q
	ttl := g.cfg.Store.InboundMessageTTL()
	if ttl <= 0 {
		ttl = 10 * time.Minute
	}
	g.moStop = make(chan struct{})
	g.moDone = make(chan struct{})
	go g.assemble(content.NewReassembler(ttl, 100_000))
	return nil
}

func (g *Gateway) stopAssembler() {
	if g.moStop != nil {
		close(g.moStop)
		<-g.moDone
	}
}

// concatOf returns the concatenation of an MO part, if it is one.
func concatOf(p *smpp.PDU) (content.Concat, []byte, bool) {
	if p.EsmClass&0x40 != 0 {
		c, ok, n, err := content.ParseUDH(p.ShortMessage)
		if err == nil && ok && c.Total > 1 {
			return c, p.ShortMessage[n:], true
		}
		return content.Concat{}, nil, false
	}
	if c, ok, err := content.SARConcat(p.TLVs); err == nil && ok && c.Total > 1 {
		return c, p.ShortMessage, true
	}
	return content.Concat{}, nil, false
}

// queuePart stores one part for the assembler.
func (g *Gateway) queuePart(cid, target string, p *smpp.PDU, done func(error)) {
	b := make([]byte, 0, 64+len(cid)+len(target)+len(p.ShortMessage)+len(p.TLVs))
	b = append(b, 1)
	b = str8(b, cid)
	b = str8(b, target)
	q := *p
	q.Seq = 0
	b = q.AppendTo(b)
	g.moParts.Append([]wal.NewMsg{{Payload: b}}, nil, func(_ []uint64, err error) { done(err) })
}

type moPart struct {
	m           *wal.Msg
	cid, target string
	p           smpp.PDU
}

func decodePart(m *wal.Msg) (*moPart, error) {
	b := m.Payload
	if len(b) < 1 || b[0] != 1 {
		return nil, fmt.Errorf("MO part: bad version")
	}
	cid, b, ok := rd8(b[1:])
	if !ok {
		return nil, fmt.Errorf("MO part: bad cid")
	}
	target, b, ok := rd8(b)
	if !ok {
		return nil, fmt.Errorf("MO part: bad target")
	}
	mp := &moPart{m: m, cid: cid, target: target}
	if err := mp.p.Decode(b); err != nil {
		return nil, fmt.Errorf("MO part: %w", err)
	}
	return mp, nil
}

func (g *Gateway) assemble(r *content.Reassembler) {
	defer close(g.moDone)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		for {
			m, err := g.moParts.Take()
			if err != nil {
				g.log.Error("MO parts queue", "err", err)
				break
			}
			if m == nil {
				break
			}
			mp, err := decodePart(m)
			if err != nil {
				g.log.Error("dropping an unreadable MO part", "err", err)
				g.moParts.Ack(m, nil, nil)
				continue
			}
			c, payload, ok := concatOf(&mp.p)
			if !ok {
				g.deliverAssembled(mp, mp.p.ShortMessage, []any{mp})
				continue
			}
			key := mp.cid + "\x00" + mp.target + "\x00" + string(mp.p.Source.Addr) + "\x00" + string(mp.p.Dest.Addr)
			whole, tokens, dup, err := r.Add(key, c, payload, mp, time.Now())
			if dup != nil {
				g.moParts.Ack(dup.(*moPart).m, nil, nil)
			}
			switch {
			case err != nil:
				g.log.Warn("MO part not assembled; delivered alone", "cid", mp.cid, "err", err)
				g.deliverAssembled(mp, payload, []any{mp})
			case whole != nil:
				g.deliverAssembled(tokens[0].(*moPart), whole, tokens)
			}
		}
		for _, x := range r.Expire(time.Now()) {
			seqs := make([]uint8, 0, len(x.Parts))
			for s := range x.Parts {
				seqs = append(seqs, s)
			}
			slices.Sort(seqs)
			var joined []byte
			for _, s := range seqs {
				joined = append(joined, x.Parts[s]...)
			}
			g.log.Warn("MO message incomplete after inbound_message_ttl; delivering the parts that came",
				"parts", len(x.Parts), "total", x.Total)
			g.deliverAssembled(x.Tokens[0].(*moPart), joined, x.Tokens)
		}
		select {
		case <-g.moStop:
			return
		case <-g.moParts.Notify():
		case <-tick.C:
		}
	}
}

// deliverAssembled throws the whole message to its HTTP connector and
// then removes its parts.
func (g *Gateway) deliverAssembled(first *moPart, whole []byte, tokens []any) {
	_, id := splitTarget(first.target)
	h, ok := g.HTTPConnector(id)
	ack := func() {
		for _, t := range tokens {
			g.moParts.Ack(t.(*moPart).m, nil, nil)
		}
	}
	if !ok {
		g.log.Warn("MO for a removed HTTP connector dropped", "target", first.target)
		ack()
		return
	}
	p := first.p
	p.EsmClass &^= 0x40
	p.ShortMessage = whole
	p.TLVs = p.TLVs.Without(smpp.TagSarMsgRefNum).Without(smpp.TagSarTotalSegments).Without(smpp.TagSarSegmentSeqnum)
	g.throw(g.moCallback(h, first.cid, &p), func(err error) {
		if err != nil {
			// Stays in the queue; the next restart tries again.
			g.log.Warn("assembled MO not stored for delivery", "target", first.target, "err", err)
			return
		}
		ack()
	})
}

func splitTarget(t string) (string, string) {
	for i := 0; i < len(t); i++ {
		if t[i] == '(' && t[len(t)-1] == ')' {
			return t[:i], t[i+1 : len(t)-1]
		}
	}
	return "", t
}
