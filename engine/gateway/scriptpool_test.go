package gateway

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/router/script"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/smsc"
)

// rawAnswer is one submit_sm_resp read off a raw socket, and when.
type rawAnswer struct {
	at  time.Time
	cmd smpp.CommandID
	st  smpp.Status
	err error
}

// collect reads n answers from c on a goroutine of its own (each stamped
// as it arrives) and hands them over together.
func collect(c net.Conn, n int) <-chan []rawAnswer {
	out := make(chan []rawAnswer, 1)
	go func() {
		var got []rawAnswer
		defer func() { out <- got }()
		_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
		for range n {
			var hd [16]byte
			if _, err := io.ReadFull(c, hd[:]); err != nil {
				got = append(got, rawAnswer{err: err})
				return
			}
			if _, err := io.CopyN(io.Discard, c, int64(binary.BigEndian.Uint32(hd[0:4])-16)); err != nil {
				got = append(got, rawAnswer{err: err})
				return
			}
			got = append(got, rawAnswer{at: time.Now(), cmd: smpp.CommandID(binary.BigEndian.Uint32(hd[4:8])),
				st: smpp.Status(binary.BigEndian.Uint32(hd[8:12]))})
		}
	}()
	return out
}

// slowScriptRoute adds MT route 20: messages to 44… whose EvalPyFilter
// spins until its 40 ms timeout (a failed run: no match, so they take the
// default route and are accepted).
func (e *env) slowScriptRoute() {
	t := e.t
	t.Helper()
	py, err := router.NewEvalPyFilter("SLOW", "n = 0\nfor i in range(1000000000):\n    n += i\nresult = True",
		script.Limits{MaxSteps: 1 << 40, Timeout: 40 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	to44, err := router.NewFilter(router.DestinationAddrFilterType, "DA-44", map[string]string{"destination_addr": "^44"})
	if err != nil {
		t.Fatal(err)
	}
	rt, err := router.NewMTRoute(router.RouteStaticMT, 20, []router.Filter{to44, py}, []string{"sim"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.g.mtTable.Add(rt, e.g.Known); err != nil {
		t.Fatal(err)
	}
}

// submits are n submit_sm to prefix… with sequence numbers from 2.
func submits(n int, prefix string) []smpp.PDU {
	ps := make([]smpp.PDU, n)
	for i := range ps {
		ps[i] = submit(fmt.Sprintf("%s%08d", prefix, i), 0, "hello")
		ps[i].Seq = 2 + uint32(i)
	}
	return ps
}

// An ESME whose messages take a route decided by a slow script (40 ms a
// message, one script worker) does not hold another ESME's answers: the
// slow one has connections on every event loop (two per loop on two
// CPUs), so the other shares a loop with it, and the other's 100
// submit_sm_resp, read on a raw socket, all arrive before the slow one's
// 5th of 20. On main the scripts ran on the loops: the other's answers
// came after the slow ESME's batches on its loop.
func TestSlowScriptDoesNotHoldOtherESMEs(t *testing.T) {
	const slowConns, slowEach, fast = 4, 5, 100
	e := newEnvWith(t, smsc.Config{}, nil, func(c *config.Config) {
		c.SMPPServer.Window = 2 * fast
		c.Scripts.Workers = 1
	}, nil)
	e.waitUp()
	e.slowScriptRoute()
	// Two connections per event loop, opened before the other ESME's.
	var got []<-chan []rawAnswer
	var slowESMEs []*rawESME
	for range slowConns {
		r := e.rawTransmitter()
		slowESMEs = append(slowESMEs, r)
		got = append(got, collect(r.c, slowEach))
	}
	other := e.rawTransmitter()
	gotOther := collect(other.c, fast)
	for _, r := range slowESMEs {
		r.write(submits(slowEach, "44")...)
	}
	time.Sleep(20 * time.Millisecond) // the slow ESME's first scripts have begun
	other.write(submits(fast, "33")...)
	var slow []time.Time
	for _, ch := range got {
		for _, a := range <-ch {
			if a.err != nil || a.cmd != smpp.SubmitSMResp || a.st != smpp.ESME_ROK {
				t.Fatalf("slow ESME's answer: %v %v %v", a.cmd, a.st, a.err)
			}
			slow = append(slow, a.at)
		}
	}
	var last time.Time
	for _, a := range <-gotOther {
		if a.err != nil || a.cmd != smpp.SubmitSMResp || a.st != smpp.ESME_ROK {
			t.Fatalf("other ESME's answer: %v %v %v", a.cmd, a.st, a.err)
		}
		last = a.at
	}
	if len(slow) != slowConns*slowEach {
		t.Fatalf("%d answers to the slow ESME, want %d", len(slow), slowConns*slowEach)
	}
	earlier := 0
	for _, at := range slow {
		if !at.After(last) {
			earlier++
		}
	}
	if earlier >= slowEach {
		t.Fatalf("%d of the slow ESME's answers came before the other ESME's last one, want fewer than %d: the slow scripts held its event loop", earlier, slowEach)
	}
}

// With one script worker and a queue of one, submit_sm that need a
// script beyond those two are answered ESME_RTHROTTLED at once (read on
// a raw socket); the others are accepted, and only they reach the SMSC.
func TestScriptQueueFullThrottles(t *testing.T) {
	const sent = 10
	e := newEnvWith(t, smsc.Config{}, nil, func(c *config.Config) {
		c.Scripts.Workers, c.Scripts.Queue = 1, 1
	}, nil)
	e.waitUp()
	e.slowScriptRoute()
	r := e.rawTransmitter()
	answers := collect(r.c, sent)
	r.write(submits(sent, "44")...)
	ok, throttled := 0, 0
	for _, a := range <-answers {
		switch {
		case a.err != nil || a.cmd != smpp.SubmitSMResp:
			t.Fatalf("answer: %v %v", a.cmd, a.err)
		case a.st == smpp.ESME_ROK:
			ok++
		case a.st == smpp.ESME_RTHROTTLED:
			throttled++
		default:
			t.Fatalf("answer %v, want ESME_ROK or ESME_RTHROTTLED", a.st)
		}
	}
	if throttled == 0 || ok == 0 || ok+throttled != sent {
		t.Fatalf("%d accepted, %d throttled of %d, want some of each", ok, throttled, sent)
	}
	waitUntil(t, "the accepted messages at the SMSC", func() bool { return e.sim.Stats().Total.SubmitOK >= int64(ok) })
	time.Sleep(100 * time.Millisecond)
	if n := e.sim.Stats().Total.SubmitOK; n != int64(ok) {
		t.Fatalf("the SMSC got %d messages, want the %d accepted", n, ok)
	}
}
