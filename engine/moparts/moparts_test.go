package moparts

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/store"
)

type got struct {
	mu    sync.Mutex
	calls []string
	fail  int // fail this many deliveries first
}

func (g *got) deliver(tag string, p *smpp.PDU, whole []byte, _ time.Time, done func(error)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if p.EsmClass&0x40 != 0 {
		panic("UDHI left set on the whole message")
	}
	if g.fail > 0 {
		g.fail--
		done(errors.New("receiver down"))
		return
	}
	g.calls = append(g.calls, tag+":"+string(whole))
	done(nil)
}

func (g *got) list() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.calls...)
}

func mkPart(ref, total, seq byte, text string) smpp.PDU {
	p := smpp.PDU{Header: smpp.Header{Command: smpp.DeliverSM}}
	p.Source.Addr, p.Dest.Addr = []byte("336"), []byte("1234")
	p.EsmClass = 0x40
	p.ShortMessage = append([]byte{5, 0, 3, ref, total, seq}, text...)
	return p
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func add(t *testing.T, a *Assembler, tag string, p smpp.PDU) {
	t.Helper()
	errc := make(chan error, 1)
	a.Add(tag, &p, func(err error) { errc <- err })
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

func TestAssemblesOutOfOrderAndSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	g := &got{}
	a, err := Open(db, "mo/parts", time.Hour, g.deliver, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	add(t, a, "x", mkPart(7, 3, 3, "!"))
	add(t, a, "x", mkPart(7, 3, 1, "hello "))
	// Two of three parts in, then a restart: nothing delivered, nothing lost.
	a.Close()
	if n := len(g.list()); n != 0 {
		t.Fatalf("%d deliveries of an incomplete message", n)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = store.Open(dir, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g.fail = 1 // the first hand-over fails: the parts stay for a retry
	a, err = Open(db, "mo/parts", time.Hour, g.deliver, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	add(t, a, "x", mkPart(7, 3, 2, "world"))
	waitFor(t, "the failed hand-over", func() bool { g.mu.Lock(); defer g.mu.Unlock(); return g.fail == 0 })
	q, _ := db.Queue("mo/parts")
	if st := q.Stats(); st.Delayed != 3 {
		t.Fatalf("after a failed hand-over %+v, want the 3 parts delayed for a retry", st)
	}
}

func TestConcatOnlyForLongParts(t *testing.T) {
	p := mkPart(1, 2, 1, "a")
	if _, payload, ok := Concat(&p); !ok || string(payload) != "a" {
		t.Fatalf("UDH part: %v %q", ok, payload)
	}
	one := mkPart(1, 1, 1, "a")
	if _, _, ok := Concat(&one); ok {
		t.Fatal("a 1-part concatenation is not long")
	}
	plain := smpp.PDU{ShortMessage: []byte("hi")}
	if _, _, ok := Concat(&plain); ok {
		t.Fatal("a plain message is not long")
	}
	sar := smpp.PDU{ShortMessage: []byte("b")}
	sar.TLVs = sar.TLVs.AppendUint16(smpp.TagSarMsgRefNum, 9).AppendUint8(smpp.TagSarTotalSegments, 2).AppendUint8(smpp.TagSarSegmentSeqnum, 2)
	if c, payload, ok := Concat(&sar); !ok || c.Seq != 2 || string(payload) != "b" {
		t.Fatalf("SAR part: %+v %v %q", c, ok, payload)
	}
}

func TestDeliversAfterRetry(t *testing.T) {
	db, err := store.Open(t.TempDir(), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g := &got{}
	a, err := Open(db, "mo/parts", time.Hour, g.deliver, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	add(t, a, "y", mkPart(9, 2, 2, "two"))
	add(t, a, "y", mkPart(9, 2, 1, "one "))
	waitFor(t, "delivery", func() bool { return len(g.list()) == 1 })
	if c := g.list()[0]; c != "y:one two" {
		t.Fatalf("delivered %q", c)
	}
	q, _ := db.Queue("mo/parts")
	waitFor(t, "parts removed", func() bool { st := q.Stats(); return st.Leased == 0 && st.Ready == [4]int{} })
}
