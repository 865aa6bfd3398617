package load

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/smpp"
)

// sink is the HTTP server the gateway posts receipts to (dlr-url): it
// counts them, by level and stat, matches them to the submits by id and
// answers ACK/Jasmin.
type sink struct {
	track *tracker
	// level1Counted: with dlr-level 1 the SMS-C level callbacks are the
	// receipts waited for; otherwise the terminal ones are.
	level1Counted bool

	srv *fasthttp.Server
	ln  net.Listener
	url string

	received     atomic.Int64 // the receipts waited for
	level1       atomic.Int64
	intermediate atomic.Int64
	noID         atomic.Int64
	byState      [9]atomic.Int64

	mu       sync.Mutex
	l1Errors map[string]int64 // level-1 callbacks with an error status

	hists [sinkHistShards]struct {
		mu sync.Mutex
		h  Histogram
	}
}

const sinkHistShards = 8

// startSink listens on addr; publicURL, when set, is the dlr-url given to
// the gateway instead of http://<listen address>/dlr.
func startSink(addr, publicURL string, track *tracker, level1Counted bool) (*sink, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dlr sink: %w", err)
	}
	k := &sink{track: track, level1Counted: level1Counted, ln: ln, url: publicURL, l1Errors: map[string]int64{}}
	if k.url == "" {
		k.url = "http://" + ln.Addr().String() + "/dlr"
	}
	k.srv = &fasthttp.Server{Handler: k.handle, Name: "gwd-bench", ReadTimeout: 30 * time.Second}
	go func() { _ = k.srv.Serve(ln) }()
	return k, nil
}

// Callback is what a receipt callback says, as Jasmin's dlr-url
// parameters (manual, "Receiving DLR").
type Callback struct {
	ID     []byte
	Status []byte // message_status: ESME_* at SMS-C level, the stat word at terminal level
	// Level1 is an SMS-C level callback: its message_status is an ESME_*
	// command_status (or, with none, level is 1). Jasmin sends level=1 then
	// level=2 for dlr-level 3; gwd sends the level asked for in both, so
	// the status is what tells them apart.
	Level1 bool
}

// ParseCallback reads a receipt callback's parameters.
func ParseCallback(args *fasthttp.Args) Callback {
	cb := Callback{ID: args.Peek("id"), Status: args.Peek("message_status")}
	cb.Level1 = bytes.HasPrefix(cb.Status, []byte("ESME_")) ||
		(len(cb.Status) == 0 && string(args.Peek("level")) == "1")
	return cb
}

var ackJasmin = []byte("ACK/Jasmin")

func (k *sink) handle(ctx *fasthttp.RequestCtx) {
	now := nanotime()
	args := ctx.QueryArgs()
	if ctx.IsPost() {
		args = ctx.PostArgs()
		if args.Len() == 0 {
			args = ctx.QueryArgs()
		}
	}
	cb := ParseCallback(args)
	ctx.SetContentType("text/plain")
	ctx.SetBody(ackJasmin)
	if len(cb.ID) == 0 {
		k.noID.Add(1)
		return
	}
	if cb.Level1 {
		k.level1.Add(1)
		if !bytes.Equal(cb.Status, []byte("ESME_ROK")) {
			k.mu.Lock()
			k.l1Errors["dlr level 1 "+string(cb.Status)]++
			k.mu.Unlock()
		}
		if !k.level1Counted {
			return
		}
	} else {
		st, ok := smpp.MessageStateFromStat(cb.Status)
		if !ok {
			st = smpp.MessageStateUnknown
		}
		if st == smpp.MessageStateEnroute {
			k.intermediate.Add(1)
			return
		}
		k.byState[st].Add(1)
		if k.level1Counted {
			return
		}
	}
	k.received.Add(1)
	if k.track == nil {
		return
	}
	if lat, ok := k.track.received(cb.ID, now); ok {
		k.record(cb.ID, lat)
	}
}

func (k *sink) record(id []byte, lat int64) {
	s := &k.hists[idKey(id)%sinkHistShards]
	s.mu.Lock()
	s.h.Record(lat)
	s.mu.Unlock()
}

func (k *sink) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := k.srv.ShutdownWithContext(ctx); err != nil {
		return fmt.Errorf("dlr sink: %w", err)
	}
	return nil
}

// merge adds the sink's latencies to h; call it after close.
func (k *sink) merge(h *Histogram) {
	for i := range k.hists {
		s := &k.hists[i]
		s.mu.Lock()
		h.Merge(&s.h)
		s.mu.Unlock()
	}
}
