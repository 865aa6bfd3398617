package junebug

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync/atomic"
	"time"

	"github.com/gwd-project/gwd/engine/content"
	"github.com/gwd-project/gwd/engine/mt"
	"github.com/gwd-project/gwd/engine/thrower"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/wal"
)

// replyContext is what an inbound message leaves for replies, kept
// inbound_message_ttl under its message id.
type replyContext struct {
	ChannelID string `json:"c"`
	From      string `json:"f"`
	To        string `json:"t"`
}

// concatOf returns the concatenation of an MO part, if it is one of
// several (UDH or SAR), and its payload.
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

// moPayload is the content octets of a single-part MO: short_message, or
// message_payload when short_message is empty, without a user data header.
func moPayload(p *smpp.PDU) []byte {
	b := p.ShortMessage
	if len(b) == 0 {
		if v, ok := p.TLVs.Get(smpp.TagMessagePayload); ok {
			b = v
		}
	}
	if p.EsmClass&0x40 != 0 && len(b) > 0 {
		if _, _, n, err := content.ParseUDH(b); err == nil {
			return b[n:]
		}
		if n := int(b[0]) + 1; n <= len(b) {
			return b[n:]
		}
	}
	return b
}

// deliverMO hands one whole inbound message to its channel: the reply
// context into the index, and the message to mo_url through the thrower.
// done learns when both are durable (or the first failure). p and payload
// are read before deliverMO returns.
func (s *Server) deliverMO(ch *channel, p *smpp.PDU, payload []byte, at time.Time, done func(error)) {
	if at.IsZero() {
		at = s.now()
	}
	m := inbound{id: mt.NewID(), channelID: ch.id, from: string(p.Source.Addr), to: string(p.Dest.Addr),
		at: at, dataCoding: p.DataCoding}
	c := content.Coding(p.DataCoding)
	if text, err := content.Decode(payload, c); err == nil && !c.Binary() {
		m.content, m.hasContent = text, true
	} else if len(payload) > 0 {
		m.binary = hex.EncodeToString(payload)
	}
	ctxJSON, err := json.Marshal(replyContext{ChannelID: ch.id, From: m.from, To: m.to})
	if err != nil {
		done(fmt.Errorf("reply context of %s: %w", m.id, err))
		return
	}
	rec := ch.rec.Load()
	moURL := rec.moURL()
	pending := int32(1)
	if moURL != "" {
		pending = 2
	}
	var left atomic.Int32
	left.Store(pending)
	var firstErr atomic.Pointer[error]
	id := m.id
	finish := func(err error) {
		if err != nil {
			firstErr.CompareAndSwap(nil, &err)
		}
		if left.Add(-1) != 0 {
			return
		}
		if e := firstErr.Load(); e != nil {
			ch.lg.Warn("inbound message not handed over", "id", id, "err", *e)
			done(*e)
			return
		}
		ch.lg.Debug("inbound message handed over", "id", id)
		done(nil)
	}
	ch.rates.add(rateInbound, at)
	s.idx.PutInbound(id, ctxJSON, finish)
	if moURL == "" {
		return
	}
	bp := s.bufs.Get().(*[]byte)
	body := appendInbound((*bp)[:0], &m)
	v := tmplValues{channelID: ch.id, messageID: id}
	cb := thrower.Callback{Kind: thrower.Event, URL: expandURL(moURL, &v), Method: "POST", Body: body,
		ContentType: "application/json", Accept: thrower.Accept2xx, Ref: id}
	s.th.Throw(&cb, finish)
	*bp = body
	s.bufs.Put(bp)
}

// Long inbound messages. Each part is stored in the durable queue
// "jb/moparts" before the SMSC gets its deliver_sm_resp; one assembler
// goroutine joins the parts and hands the whole message over, and only then
// removes the parts, so a restart assembles again what was not handed
// over. A message still incomplete after inbound_message_ttl is handed
// over with the parts that came.
//
// Part record, version 1: 1 | channel id (u8 length) | deliver_sm frame.

const partsQueue = "jb/moparts"

func (s *Server) queuePart(ch *channel, p *smpp.PDU, done func(error)) {
	b := make([]byte, 0, 64+len(ch.id)+len(p.ShortMessage)+len(p.TLVs))
	b = append(b, 1, byte(len(ch.id)))
	b = append(b, ch.id...)
	q := *p
	q.Seq = 0
	b = q.AppendTo(b)
	s.parts.Append([]wal.NewMsg{{Payload: b}}, nil, func(_ []uint64, err error) {
		if err != nil {
			err = fmt.Errorf("store inbound part: %w", err)
		}
		done(err)
	})
}

type moPart struct {
	m         *wal.Msg
	channelID string
	p         smpp.PDU
	at        time.Time
}

func decodePart(m *wal.Msg) (*moPart, error) {
	b := m.Payload
	if len(b) < 2 || b[0] != 1 || int(b[1])+2 > len(b) {
		return nil, fmt.Errorf("inbound part %d: bad record", m.Seq)
	}
	mp := &moPart{m: m, channelID: string(b[2 : 2+int(b[1])])}
	if err := mp.p.Decode(b[2+int(b[1]):]); err != nil {
		return nil, fmt.Errorf("inbound part %d: %w", m.Seq, err)
	}
	return mp, nil
}

// assemble runs the assembler until stop.
func (s *Server) assemble(r *content.Reassembler) {
	defer s.wg.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		for {
			m, err := s.parts.Take()
			if err != nil {
				s.log.Error("junebug inbound parts queue", "err", err)
				break
			}
			if m == nil {
				break
			}
			mp, err := decodePart(m)
			if err != nil {
				s.log.Error("dropping an unreadable inbound part", "err", err)
				s.parts.Ack(m, nil, nil)
				continue
			}
			mp.at = s.now()
			c, payload, ok := concatOf(&mp.p)
			if !ok {
				s.handOver(mp, moPayload(&mp.p), []any{mp})
				continue
			}
			key := mp.channelID + "\x00" + string(mp.p.Source.Addr) + "\x00" + string(mp.p.Dest.Addr)
			whole, tokens, dup, err := r.Add(key, c, payload, mp, mp.at)
			if dup != nil {
				s.parts.Ack(dup.(*moPart).m, nil, nil)
			}
			switch {
			case err != nil:
				s.log.Warn("inbound part not assembled; handed over alone", "channel_id", mp.channelID, "err", err)
				s.handOver(mp, payload, []any{mp})
			case whole != nil:
				s.handOver(tokens[0].(*moPart), whole, tokens)
			}
		}
		for _, x := range r.Expire(s.now()) {
			seqs := slices.Sorted(maps.Keys(x.Parts))
			var joined []byte
			for _, k := range seqs {
				joined = append(joined, x.Parts[k]...)
			}
			s.log.Warn("inbound message incomplete after inbound_message_ttl; handing over the parts that came",
				"parts", len(x.Parts), "total", x.Total)
			s.handOver(x.Tokens[0].(*moPart), joined, x.Tokens)
		}
		select {
		case <-s.stop:
			return
		case <-s.parts.Notify():
		case <-tick.C:
		}
	}
}

// handOver delivers an assembled message and then removes its parts;
// when the hand-off fails they are tried again later.
func (s *Server) handOver(first *moPart, whole []byte, tokens []any) {
	ch := s.maps.Load().byID[first.channelID]
	if ch == nil {
		s.log.Warn("inbound message for a deleted channel dropped", "channel_id", first.channelID)
		for _, t := range tokens {
			s.parts.Ack(t.(*moPart).m, nil, nil)
		}
		return
	}
	p := first.p
	p.EsmClass &^= 0x40
	s.deliverMO(ch, &p, whole, first.at, func(err error) {
		for _, t := range tokens {
			m := t.(*moPart).m
			if err != nil {
				if rerr := s.parts.Requeue(m, partsRetry); rerr != nil {
					s.log.Error("inbound part requeue failed", "err", rerr)
				}
				continue
			}
			s.parts.Ack(m, nil, nil)
		}
	})
}

// partsRetry is how long the parts of a message whose hand-off failed wait
// before they are assembled again.
const partsRetry = 10 * time.Second
