// Package moparts holds the parts of long MO messages (concatenated with a
// UDH, 8- or 16-bit references, or with SAR TLVs) durably until they are
// whole. A part is stored in a store queue before its deliver_sm is
// answered; one assembler goroutine joins the parts of a message and
// hands the whole message over, and only when the hand-over succeeds are
// the parts removed — a restart assembles again, a failed hand-over is
// retried. A message still incomplete after the TTL is handed over with
// the parts that came.
//
// The gateway uses it for MO routed to HTTP connectors, the Junebug
// channel API for its channels' inbound messages.
package moparts

import (
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/gwd-project/gwd/engine/content"
	"github.com/gwd-project/gwd/engine/recovery"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/store"
)

// Deliver hands a whole message over: p is the first part's deliver_sm
// with the concatenation removed (no UDHI, no SAR TLVs) and whole the
// joined payload; tag is what Add was given; at is when the first part
// was taken from the store. done(nil) removes the parts; an error keeps
// them for another try after RetryDelay.
type Deliver func(tag string, p *smpp.PDU, whole []byte, at time.Time, done func(error))

// RetryDelay is how long the parts of a message whose hand-over failed
// wait before they are assembled again.
const RetryDelay = 10 * time.Second

// Assembler is one durable assembly line.
type Assembler struct {
	q       *store.Queue
	deliver Deliver
	log     *slog.Logger
	now     func() time.Time
	stop    chan struct{}
	done    chan struct{}
}

// Open opens the queue named queue in db and starts the assembler.
func Open(db *store.DB, queue string, ttl time.Duration, deliver Deliver, log *slog.Logger, now func() time.Time) (*Assembler, error) {
	q, err := db.Queue(queue)
	if err != nil {
		return nil, fmt.Errorf("MO parts queue %s: %w", queue, err)
	}
	if log == nil {
		log = slog.Default()
	}
	if now == nil {
		now = time.Now
	}
	if ttl <= 0 {
		ttl = 10 * time.Minute
	}
	a := &Assembler{q: q, deliver: deliver, log: log, now: now, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(a.done)
		r := content.NewReassembler(ttl, 100_000)
		recovery.Loop("moparts", a.log, a.stop, func() { a.run(r) })
	}()
	return a, nil
}

// Close stops the assembler; stored parts stay for the next Open.
func (a *Assembler) Close() {
	close(a.stop)
	<-a.done
}

// Concat returns the concatenation of an MO part when it is one part of
// several (UDH or SAR), and its payload without the UDH.
func Concat(p *smpp.PDU) (content.Concat, []byte, bool) {
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

// Add stores one part with its tag (where the whole message goes, for
// Deliver); done(nil) once it is durable.
//
// Record, version 1: 1 | tag (u16 length) | deliver_sm frame.
func (a *Assembler) Add(tag string, p *smpp.PDU, done func(error)) {
	if len(tag) > 0xFFFF {
		done(fmt.Errorf("MO part: tag of %d octets", len(tag)))
		return
	}
	b := make([]byte, 0, 64+len(tag)+len(p.ShortMessage)+len(p.TLVs))
	b = append(b, 1, byte(len(tag)>>8), byte(len(tag)))
	b = append(b, tag...)
	q := *p
	q.Seq = 0
	b = q.AppendTo(b)
	a.q.Append([]store.NewMsg{{Payload: b}}, store.Write{}, func(_ []uint64, err error) {
		if err != nil {
			err = fmt.Errorf("store MO part: %w", err)
		}
		done(err)
	})
}

type part struct {
	m   *store.Msg
	tag string
	p   smpp.PDU
	at  time.Time
}

func decode(m *store.Msg) (*part, error) {
	b := m.Payload
	if len(b) < 3 || b[0] != 1 {
		return nil, fmt.Errorf("MO part %d: bad record", m.Seq)
	}
	n := int(b[1])<<8 | int(b[2])
	if len(b) < 3+n {
		return nil, fmt.Errorf("MO part %d: bad tag", m.Seq)
	}
	pt := &part{m: m, tag: string(b[3 : 3+n])}
	if err := pt.p.Decode(b[3+n:]); err != nil {
		return nil, fmt.Errorf("MO part %d: %w", m.Seq, err)
	}
	return pt, nil
}

func (a *Assembler) run(r *content.Reassembler) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		for {
			m, err := a.q.Take()
			if err != nil {
				a.log.Error("MO parts queue", "err", err)
				break
			}
			if m == nil {
				break
			}
			pt, err := decode(m)
			if err != nil {
				a.log.Error("dropping an unreadable MO part", "err", err)
				a.q.Ack(m, store.Write{}, nil)
				continue
			}
			pt.at = a.now()
			c, payload, ok := Concat(&pt.p)
			if !ok {
				a.handOver(pt, pt.p.ShortMessage, []any{pt})
				continue
			}
			key := pt.tag + "\x00" + string(pt.p.Source.Addr) + "\x00" + string(pt.p.Dest.Addr)
			whole, tokens, dup, err := r.Add(key, c, payload, pt, pt.at)
			if dup != nil {
				a.q.Ack(dup.(*part).m, store.Write{}, nil)
			}
			switch {
			case err != nil:
				a.log.Warn("MO part not assembled; handed over alone", "err", err)
				a.handOver(pt, payload, []any{pt})
			case whole != nil:
				a.handOver(tokens[0].(*part), whole, tokens)
			}
		}
		for _, x := range r.Expire(a.now()) {
			var joined []byte
			for _, k := range slices.Sorted(maps.Keys(x.Parts)) {
				joined = append(joined, x.Parts[k]...)
			}
			a.log.Warn("MO message incomplete after its TTL; handing over the parts that came",
				"parts", len(x.Parts), "total", x.Total)
			a.handOver(x.Tokens[0].(*part), joined, x.Tokens)
		}
		select {
		case <-a.stop:
			return
		case <-a.q.Notify():
		case <-tick.C:
		}
	}
}

// handOver delivers a whole message, then removes its parts (or keeps
// them for another try).
func (a *Assembler) handOver(first *part, whole []byte, tokens []any) {
	p := first.p
	p.EsmClass &^= 0x40
	p.ShortMessage = whole
	p.TLVs = p.TLVs.Without(smpp.TagSarMsgRefNum).Without(smpp.TagSarTotalSegments).Without(smpp.TagSarSegmentSeqnum)
	a.deliver(first.tag, &p, whole, first.at, func(err error) {
		for _, t := range tokens {
			m := t.(*part).m
			if err != nil {
				if rerr := a.q.Requeue(m, RetryDelay); rerr != nil {
					a.log.Error("MO part requeue failed", "err", rerr)
				}
				continue
			}
			a.q.Ack(m, store.Write{}, nil)
		}
	})
}
