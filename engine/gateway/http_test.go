package gateway

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/gwd-project/gwd/engine/mt"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/smsc"
)

// sink is an HTTP receiver that acknowledges like a Jasmin application.
type sink struct {
	mu  sync.Mutex
	got []url.Values
}

func newSink(t *testing.T) (*sink, string) {
	s := &sink{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		s.mu.Lock()
		s.got = append(s.got, r.Form)
		s.mu.Unlock()
		_, _ = w.Write([]byte("ACK/Jasmin"))
	}))
	t.Cleanup(srv.Close)
	return s, srv.URL
}

func (s *sink) all() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]url.Values(nil), s.got...)
}

func TestMOToHTTPConnector(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	e.waitUp()
	sk, u := newSink(t)
	if err := e.g.AddHTTPConnector(HTTPConnector{CID: "app1", URL: u + "/mo", Method: "POST"}); err != nil {
		t.Fatal(err)
	}
	rt, err := router.NewMORoute(router.RouteDefault, 0, nil, []string{"http(app1)"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.g.moTable.Add(rt, e.g.Known); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sim.SendMO(smsc.MO{From: "33612345678", To: "1234", Content: "hello app"}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "MO at the HTTP connector", func() bool { return len(sk.all()) >= 1 })
	got := sk.all()[0]
	for k, want := range map[string]string{"from": "33612345678", "to": "1234", "content": "hello app",
		"origin-connector": "sim", "coding": "0", "binary": "68656c6c6f20617070"} {
		if got.Get(k) != want {
			t.Errorf("%s = %q, want %q (all: %v)", k, got.Get(k), want, got)
		}
	}
	if len(got.Get("id")) != 36 {
		t.Errorf("id %q", got.Get("id"))
	}
}

func TestLongMOAssembledForHTTPConnector(t *testing.T) {
	for _, split := range []string{"udh", "sar"} {
		t.Run(split, func(t *testing.T) {
			e := newEnv(t, smsc.Config{}, nil)
			e.waitUp()
			sk, u := newSink(t)
			if err := e.g.AddHTTPConnector(HTTPConnector{CID: "app1", URL: u + "/mo", Method: "GET"}); err != nil {
				t.Fatal(err)
			}
			rt, err := router.NewMORoute(router.RouteDefault, 0, nil, []string{"http(app1)"})
			if err != nil {
				t.Fatal(err)
			}
			if err := e.g.moTable.Add(rt, e.g.Known); err != nil {
				t.Fatal(err)
			}
			long := ""
			for i := range 40 {
				long += string(rune('a'+i%26)) + "123456"
			}
			n, err := e.sim.SendMO(smsc.MO{From: "33612345678", To: "1234", Content: long, Split: split})
			if err != nil {
				t.Fatal(err)
			}
			if n < 2 {
				t.Fatalf("the simulator sent %d parts: the test proves nothing", n)
			}
			waitUntil(t, "assembled MO", func() bool { return len(sk.all()) >= 1 })
			if got := sk.all()[0].Get("content"); got != long {
				t.Fatalf("content %q, want %q", got, long)
			}
			time.Sleep(50 * time.Millisecond)
			if len(sk.all()) != 1 {
				t.Fatalf("%d callbacks for one message", len(sk.all()))
			}
		})
	}
}

// A receipt for an HTTP message whose dlr-url the callback client cannot
// call (stored before the API checked it as strictly) is answered OK to
// the SMSC and dropped with a warning, not refused: the SMSC would send
// it again forever.
func TestReceiptWithUncallableDLRURL(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	e.waitUp()
	u := e.g.Accounts().User("u1")
	s := &mt.Submit{User: u, Channel: router.ChannelHTTP, Received: time.Now(),
		DLR:   mt.DLRRequest{Level: mt.DLRTerminal, URL: "http://]/dlr", Method: "GET"},
		Parts: []smpp.PDU{{Dest: smpp.Address{TON: 1, NPI: 1, Addr: []byte("33600000001")}, ShortMessage: []byte("hi"), RegisteredDelivery: 1}}}
	done := make(chan error, 1)
	e.g.SubmitMT(s, func(_ string, err error) { done <- err })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the receipt acknowledged by gwd", func() bool { return e.sim.Stats().Total.ReceiptsAcked == 1 })
	if st := e.sim.Stats().Total; st.ReceiptsSent != 1 {
		t.Fatalf("receipts sent %d, want 1 (no resend)", st.ReceiptsSent)
	}
}
