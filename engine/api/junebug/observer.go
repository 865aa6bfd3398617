package junebug

import (
	"errors"
	"github.com/gwd-project/gwd/engine/moparts"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gwd-project/gwd/engine/thrower"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/store"
)

var _ Observer = (*Server)(nil)

// msgRef is what the server needs to forward a message's events: its
// channel, its event_url, and for a long message which event types it
// already forwarded (one of each per message, not one per part).
type msgRef struct {
	channelID string
	eventURL  string
	parts     uint8
	sent      atomic.Uint32
}

// msgRefOf reads a message's record from its events.
func msgRefOf(events []store.Event) *msgRef {
	for i := range events {
		if events[i].Type != store.EventRecord {
			continue
		}
		if r, ok := parseRecord(events[i].Data); ok {
			return &msgRef{channelID: r.channelID, eventURL: r.eventURL, parts: uint8(min(max(r.parts, 1), 255))}
		}
	}
	return nil
}

// msgCache keeps the refs of recent messages in memory, so that their
// events are forwarded without a store read. Sharded; each shard keeps two
// generations and drops the older one when the newer fills up. A miss
// falls back to the store (the resolver).
type msgCache struct {
	shards   [16]cacheShard
	perShard int
}

type cacheShard struct {
	mu       sync.Mutex
	cur, old map[string]*msgRef
}

func newMsgCache(size int) *msgCache {
	c := &msgCache{perShard: max(size/16, 16)}
	for i := range c.shards {
		c.shards[i].cur = make(map[string]*msgRef)
	}
	return c
}

func (c *msgCache) shard(id string) *cacheShard {
	var h uint32 = 2166136261
	for i := 0; i < len(id); i++ {
		h = (h ^ uint32(id[i])) * 16777619
	}
	return &c.shards[h%uint32(len(c.shards))]
}

func (c *msgCache) get(id string) *msgRef {
	s := c.shard(id)
	s.mu.Lock()
	r := s.cur[id]
	if r == nil {
		r = s.old[id]
	}
	s.mu.Unlock()
	return r
}

func (c *msgCache) put(id string, r *msgRef) {
	s := c.shard(id)
	s.mu.Lock()
	if len(s.cur) >= c.perShard {
		s.old, s.cur = s.cur, make(map[string]*msgRef, c.perShard)
	}
	s.cur[id] = r
	s.mu.Unlock()
}

// MessageEvent implements Observer: an event of a message of one
// of the server's channels is counted and forwarded to the message's
// event_url. Events of other connectors' messages cost two map lookups.
func (s *Server) MessageEvent(id string, ev store.Event) {
	ch := s.maps.Load().byCID[ev.Connector]
	if ch == nil {
		return
	}
	ch.rates.add(rateOf(ev.Type), s.now())
	if r := s.cache.get(id); r != nil {
		s.forward(id, r, ev)
		return
	}
	s.res.push(pendingEvent{id: id, ev: ev})
}

// forward posts one event to its message's event_url.
func (s *Server) forward(id string, r *msgRef, ev store.Event) {
	if r.parts > 1 {
		if k := rateOf(ev.Type); k >= 0 {
			bit := uint32(1) << k
			if r.sent.Or(bit)&bit != 0 {
				return
			}
		}
	}
	if r.eventURL == "" {
		return
	}
	bp := s.bufs.Get().(*[]byte)
	body := appendEvent((*bp)[:0], id, r.channelID, &ev)
	v := tmplValues{channelID: r.channelID, messageID: id, eventType: eventType(ev.Type)}
	cb := thrower.Callback{Kind: thrower.Event, URL: expandURL(r.eventURL, &v), Method: "POST", Body: body,
		ContentType: "application/json", Accept: thrower.Accept2xx, Ref: id}
	s.th.Throw(&cb, func(err error) {
		if err != nil {
			s.log.Warn("junebug event not stored for delivery", "id", id, "event", eventType(ev.Type), "err", err)
		}
	})
	*bp = body
	s.bufs.Put(bp)
}

// pendingEvent is an event whose message is not in the cache.
type pendingEvent struct {
	id string
	ev store.Event
}

// maxPending bounds the events waiting for a store read.
const maxPending = 100_000

// resolver reads the records of messages the cache does not hold (after
// a restart, or once they aged out of it) off the store goroutines.
type resolver struct {
	mu      sync.Mutex
	q       []pendingEvent
	dropped int
	wake    chan struct{}
}

func (r *resolver) push(p pendingEvent) {
	r.mu.Lock()
	if len(r.q) >= maxPending {
		r.dropped++
		r.mu.Unlock()
		return
	}
	r.q = append(r.q, p)
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (s *Server) resolve() {
	var batch []pendingEvent
	for {
		select {
		case <-s.stop:
			return
		case <-s.res.wake:
		}
		for {
			s.res.mu.Lock()
			batch, s.res.q = s.res.q, batch[:0]
			dropped := s.res.dropped
			s.res.dropped = 0
			s.res.mu.Unlock()
			if dropped > 0 {
				s.log.Warn("junebug events not forwarded: too many waiting for their message records",
					"dropped", dropped)
			}
			if len(batch) == 0 {
				break
			}
			for _, p := range batch {
				r := s.cache.get(p.id)
				if r == nil {
					_, events, err := s.idx.MessageState(p.id)
					if err != nil {
						if !errors.Is(err, store.ErrNotFound) {
							s.log.Warn("junebug message record unreadable", "id", p.id, "err", err)
						}
						continue
					}
					if r = msgRefOf(events); r == nil {
						s.log.Debug("event of a message without a junebug record", "id", p.id)
						continue
					}
					s.cache.put(p.id, r)
				}
				s.forward(p.id, r, p.ev)
			}
			clear(batch)
		}
	}
}

// MO implements Observer: the MO of a channel's connector goes to
// the channel's mo_url.
func (s *Server) MO(cid string, p *smpp.PDU, done func(error)) bool {
	ch := s.maps.Load().byCID[cid]
	if ch == nil {
		return false
	}
	if _, _, long := moparts.Concat(p); long {
		s.queuePart(ch, p, done)
		return true
	}
	s.deliverMO(ch, p, moPayload(p), time.Time{}, done)
	return true
}

// ConnectorState implements Observer: bind changes of a channel's
// connector become its smpp component's status.
func (s *Server) ConnectorState(cid string, bind int, state string, err error) {
	ch := s.maps.Load().byCID[cid]
	if ch == nil {
		return
	}
	s.bindState(ch, bind, state, err)
}
