package junebug

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/gwd-project/gwd/engine/content"
	"github.com/gwd-project/gwd/engine/mt"
	"github.com/gwd-project/gwd/engine/thrower"
	"github.com/gwd-project/gwd/smpp"
)

// replyContext is what an inbound message leaves for replies, kept
// inbound_message_ttl under its message id.
type replyContext struct {
	ChannelID string `json:"c"`
	From      string `json:"f"`
	To        string `json:"t"`
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

// Long inbound messages go through a durable assembler (package moparts,
// queue "jb/moparts", tagged with the channel id): each part is stored
// before the SMSC gets its deliver_sm_resp, and the whole message is handed
// over once every part is in (or inbound_message_ttl has passed).

const partsQueue = "jb/moparts"

func (s *Server) queuePart(ch *channel, p *smpp.PDU, done func(error)) {
	s.asm.Add(ch.id, p, done)
}

// handOver delivers an assembled message of channel id.
func (s *Server) handOver(id string, p *smpp.PDU, whole []byte, at time.Time, done func(error)) {
	ch := s.maps.Load().byID[id]
	if ch == nil {
		s.log.Warn("inbound message for a deleted channel dropped", "channel_id", id)
		done(nil)
		return
	}
	s.deliverMO(ch, p, whole, at, done)
}
