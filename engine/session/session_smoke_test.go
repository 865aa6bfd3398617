package session

import (
	"context"
	"testing"
	"time"

	"github.com/gwd-project/gwd/netio"
	"github.com/gwd-project/gwd/smpp"
)

type acceptAll struct {
	BaseApp
	got chan string
}

func (a *acceptAll) Bind(s *Session, req *smpp.PDU) smpp.Status { return smpp.ESME_ROK }
func (a *acceptAll) Request(s *Session, req *smpp.PDU) {
	a.got <- string(req.ShortMessage)
	_ = s.Respond(req.Command, req.Seq, smpp.ESME_ROK, []byte("id-1"))
}

type clientApp struct {
	BaseApp
	resp chan string
}

func (c *clientApp) Response(s *Session, resp *smpp.PDU, ctx any) {
	c.resp <- string(resp.MessageID) + "/" + ctx.(string)
}

func TestSmokeBindSubmit(t *testing.T) {
	srvApp := &acceptAll{got: make(chan string, 1)}
	srv, err := netio.Listen("127.0.0.1:0", netio.Options{}, NewServerHandler(Config{}, srvApp))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	d, err := netio.NewDialer(netio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ca := &clientApp{resp: make(chan string, 1)}
	s, err := Dial(context.Background(), d, srv.Addr().String(), Config{}, ca, BindRequest{Type: smpp.BindTransceiver, SystemID: "u", Password: "p"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.WaitBound(ctx); err != nil {
		t.Fatal(err)
	}
	if s.State() != BoundTRX {
		t.Fatalf("state %v", s.State())
	}
	p := smpp.PDU{Header: smpp.Header{Command: smpp.SubmitSM}, ShortMessage: []byte("hi")}
	if _, err := s.Send(&p, "ctx"); err != nil {
		t.Fatal(err)
	}
	if got := <-srvApp.got; got != "hi" {
		t.Fatalf("server got %q", got)
	}
	if got := <-ca.resp; got != "id-1/ctx" {
		t.Fatalf("client got %q", got)
	}
	// An enquire_link the app sends itself comes back to the app.
	el := smpp.PDU{Header: smpp.Header{Command: smpp.EnquireLink}}
	if _, err := s.Send(&el, "el"); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-ca.resp:
		if got != "/el" {
			t.Fatalf("enquire_link response reached the app as %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("app-sent enquire_link response never reached the app")
	}
	s.Unbind()
	select {
	case <-s.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("unbind did not close")
	}
	if s.Err() != ErrUnbound {
		t.Fatalf("err %v", s.Err())
	}
}
