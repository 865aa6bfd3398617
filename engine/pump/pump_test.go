package pump

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gwd-project/gwd/engine/session"
	"github.com/gwd-project/gwd/netio"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/store"
)

// smsc answers each submit_sm with the status its short_message names:
// "ok" ESME_ROK, "no" ESME_RSUBMITFAIL the first time and ESME_ROK after.
type smsc struct {
	session.BaseApp
	mu   sync.Mutex
	seen map[string]int
}

func (a *smsc) Bind(s *session.Session, req *smpp.PDU) smpp.Status { return smpp.ESME_ROK }
func (a *smsc) Request(s *session.Session, req *smpp.PDU) {
	a.mu.Lock()
	a.seen[string(req.ShortMessage)]++
	n := a.seen[string(req.ShortMessage)]
	a.mu.Unlock()
	st := smpp.ESME_ROK
	if string(req.ShortMessage) == "no" && n == 1 {
		st = smpp.ESME_RSUBMITFAIL
	}
	_ = s.Respond(req.Command, req.Seq, st, nil)
}

func (a *smsc) count(sm string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.seen[sm]
}

// lane sends the queued payload as a submit_sm's short_message, keeping
// it decoded (V) for the answer; a refusal is requeued, an OK acked.
type lane struct {
	session.BaseApp
	s        atomic.Pointer[session.Session]
	p        *Pump[string]
	answered chan string
	takes    atomic.Int64
	refunds  atomic.Int64
}

func (l *lane) Pick() *session.Session { return l.s.Load() }
func (l *lane) Prepare(f *Flight[string], p *smpp.PDU) bool {
	f.V = string(f.Msg.Payload)
	p.Command = smpp.SubmitSM
	p.ShortMessage = f.Msg.Payload
	return true
}
func (l *lane) Answered(f *Flight[string], resp *smpp.PDU) {
	if resp.Status != smpp.ESME_ROK {
		f.Requeue(0)
		return
	}
	f.Ack(store.Write{})
	l.answered <- f.V
}
func (l *lane) Unanswered(f *Flight[string], reason error) { f.Requeue(0) }

func (l *lane) Paused(now time.Time) time.Duration { return 0 }
func (l *lane) Take(now time.Time) time.Duration   { l.takes.Add(1); return 0 }
func (l *lane) Refund()                            { l.refunds.Add(1) }

func (l *lane) Response(s *session.Session, resp *smpp.PDU, ctx any) { l.p.Response(resp, ctx) }
func (l *lane) NoResponse(s *session.Session, cmd smpp.CommandID, seq uint32, ctx any, reason error) {
	l.p.NoResponse(ctx, reason)
}

// TestPumpSendsAcksAndRequeues: every queued message reaches the far end;
// an OK answer acks it (the queue empties), a refusal puts it back and it
// goes again; the lane sees its decoded fields with the answer, and the
// throttle hooks are asked once per send and refunded when the queue is
// empty.
func TestPumpSendsAcksAndRequeues(t *testing.T) {
	db, err := store.Open(t.TempDir(), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	q, err := db.Queue("out")
	if err != nil {
		t.Fatal(err)
	}
	far := &smsc{seen: map[string]int{}}
	srv, err := netio.Listen("127.0.0.1:0", netio.Options{}, session.NewServerHandler(session.Config{}, far))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	d, err := netio.NewDialer(netio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	l := &lane{answered: make(chan string, 10)}
	var sent atomic.Uint64
	l.p = New[string](q, l, &sent, nil)
	s, err := session.Dial(context.Background(), d, srv.Addr().String(), session.Config{}, l,
		session.BindRequest{Type: smpp.BindTransceiver, SystemID: "u", Password: "p"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.WaitBound(ctx); err != nil {
		t.Fatal(err)
	}
	l.s.Store(s)

	done := make(chan error, 1)
	q.Append([]store.NewMsg{{Payload: []byte("ok")}, {Payload: []byte("no")}}, store.Write{}, func(_ []uint64, err error) { done <- err })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	ran := make(chan struct{})
	go func() { l.p.Run(stop); close(ran) }()
	got := map[string]bool{}
	for range 2 {
		select {
		case v := <-l.answered:
			got[v] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("answers so far %v", got)
		}
	}
	close(stop)
	<-ran
	if !got["ok"] || !got["no"] {
		t.Fatalf("answered %v", got)
	}
	if far.count("ok") != 1 || far.count("no") != 2 {
		t.Fatalf("the far end saw ok %d times, no %d times; want 1 and 2 (refused once, requeued)", far.count("ok"), far.count("no"))
	}
	if sent.Load() != 3 || l.takes.Load() < 3 || l.takes.Load()-l.refunds.Load() != 3 {
		t.Fatalf("sent %d, throughput taken %d, refunded %d", sent.Load(), l.takes.Load(), l.refunds.Load())
	}
	waitEmpty := time.Now().Add(5 * time.Second)
	for q.Stats().Total() != 0 && time.Now().Before(waitEmpty) {
		time.Sleep(5 * time.Millisecond)
	}
	if st := q.Stats(); st.Total() != 0 {
		t.Fatalf("queue after both acks: %+v", st)
	}
}
