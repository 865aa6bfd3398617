package gateway

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/smsc"
	"github.com/gwd-project/gwd/store"
)

// storeGate stalls the store's committer while shut, as a stalled fsync
// would.
type storeGate struct {
	shut atomic.Bool
	open chan struct{}
	once sync.Once
}

// release lets the committer go on, for good.
func (g *storeGate) release() {
	g.shut.Store(false)
	g.once.Do(func() { close(g.open) })
}

func (g *storeGate) hook(o *store.Options) {
	o.BeforeCommit = func() {
		if g.shut.Load() {
			<-g.open
		}
	}
}

// rawESME is an ESME on a plain socket: the bytes gwd writes, unparsed by
// gwd's own session code.
type rawESME struct {
	t *testing.T
	c net.Conn
}

func (r *rawESME) write(ps ...smpp.PDU) {
	r.t.Helper()
	var b []byte
	for i := range ps {
		b = ps[i].AppendTo(b)
	}
	if _, err := r.c.Write(b); err != nil {
		r.t.Fatal(err)
	}
}

// read returns the next PDU's command, status, sequence number and body,
// or fails when none comes within wait.
func (r *rawESME) read(wait time.Duration, what string) (smpp.CommandID, smpp.Status, uint32, []byte) {
	r.t.Helper()
	_ = r.c.SetReadDeadline(time.Now().Add(wait))
	var hd [16]byte
	if _, err := io.ReadFull(r.c, hd[:]); err != nil {
		r.t.Fatalf("%s: %v", what, err)
	}
	n := binary.BigEndian.Uint32(hd[0:4])
	body := make([]byte, n-16)
	if _, err := io.ReadFull(r.c, body); err != nil {
		r.t.Fatalf("%s: body: %v", what, err)
	}
	return smpp.CommandID(binary.BigEndian.Uint32(hd[4:8])), smpp.Status(binary.BigEndian.Uint32(hd[8:12])),
		binary.BigEndian.Uint32(hd[12:16]), body
}

// An ESME that pipelines three windows of submit_sm while the store is
// stalled gets ESME_RTHROTTLED at once for the two beyond the window, and
// ESME_ROK for the window once the store commits; exactly those reach the
// SMSC, and the window is free again afterwards.
func TestInboundWindowThrottlesBeyondWindow(t *testing.T) {
	const window = 10
	gate := &storeGate{open: make(chan struct{})}
	e := newEnvWith(t, smsc.Config{}, nil,
		func(c *config.Config) { c.SMPPServer.Window = window },
		func(o *Options) { o.StoreOptions = gate.hook })
	t.Cleanup(gate.release) // runs before the gateway's Close
	e.waitUp()

	r := e.rawTransmitter()

	pipeline := func(first uint32, n int) {
		ps := make([]smpp.PDU, n)
		for i := range ps {
			ps[i] = submit(fmt.Sprintf("336%08d", i), 0, fmt.Sprintf("message %d", i))
			ps[i].Seq = first + uint32(i)
		}
		r.write(ps...)
	}
	gate.shut.Store(true)
	pipeline(2, 3*window) // sequence numbers 2 .. 3*window+1
	// Beyond the window: answered at once, though nothing is durable.
	for range 2 * window {
		cmd, st, seq, _ := r.read(10*time.Second, "an answer while the store is stalled (no inbound window?)")
		if cmd != smpp.SubmitSMResp || st != smpp.ESME_RTHROTTLED || seq < 2+window {
			t.Fatalf("while the store is stalled: %v %v seq %d, want submit_sm_resp ESME_RTHROTTLED for seq >= %d", cmd, st, seq, 2+window)
		}
	}
	gate.release()
	ok := map[uint32]bool{}
	for range window {
		cmd, st, seq, body := r.read(10*time.Second, "the window's answers")
		if cmd != smpp.SubmitSMResp || st != smpp.ESME_ROK || seq < 2 || seq >= 2+window || len(body) != 37 {
			t.Fatalf("after the store resumed: %v %v seq %d message_id %q, want ESME_ROK for seq < %d", cmd, st, seq, body, 2+window)
		}
		ok[seq] = true
	}
	if len(ok) != window {
		t.Fatalf("%d distinct sequence numbers answered ESME_ROK, want %d", len(ok), window)
	}
	waitUntil(t, "the window's messages at the SMSC", func() bool { return e.sim.Stats().Total.SubmitOK >= window })
	waitUntil(t, "the connector's queue empty", func() bool {
		st := e.g.Connector("sim").Queue().Stats()
		return st.Ready == [4]int{} && st.Delayed == 0 && st.Leased == 0
	})
	if n := e.sim.Stats().Total.Submits; n != window {
		t.Fatalf("the SMSC saw %d submit_sm, want %d (the throttled ones were stored)", n, window)
	}
	var b strings.Builder
	e.g.WriteMetrics(&b)
	if want := fmt.Sprintf(`gwd_smpp_throttled_total{reason="window"} %d`+"\n", 2*window); !strings.Contains(b.String(), want) {
		t.Fatalf("metrics lack %q", want)
	}

	// Answered requests free their places: a full window goes through.
	pipeline(100, window)
	for range window {
		if cmd, st, seq, _ := r.read(10*time.Second, "the second window's answers"); cmd != smpp.SubmitSMResp || st != smpp.ESME_ROK {
			t.Fatalf("second window: %v %v seq %d, want ESME_ROK", cmd, st, seq)
		}
	}
}

// rawTransmitter binds user1 as a transmitter over a raw socket (a client
// that is not ours, for the bytes the window and admission tests read).
func (e *env) rawTransmitter() *rawESME { return e.rawBind(smpp.BindTransmitter) }

// rawBind binds user1 over a raw socket with bind command cmd.
func (e *env) rawBind(cmd smpp.CommandID) *rawESME {
	t := e.t
	t.Helper()
	c, err := net.Dial("tcp", e.g.SMPPAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	r := &rawESME{t: t, c: c}
	var bind smpp.PDU
	bind.Command, bind.Seq = cmd, 1
	bind.SystemID, bind.Password, bind.InterfaceVersion = []byte("user1"), []byte("pass1"), 0x34
	r.write(bind)
	if rc, st, _, _ := r.read(10*time.Second, "bind"); rc != cmd.Resp() || st != smpp.ESME_ROK {
		t.Fatalf("bind answered %v %v", rc, st)
	}
	return r
}
