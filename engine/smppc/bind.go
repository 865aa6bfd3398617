package smppc

import (
	"context"
	"crypto/tls"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/gwd-project/gwd/engine/session"
	"github.com/gwd-project/gwd/smpp"
)

// bind keeps one session up.
type bind struct {
	c    *Connector
	idx  int
	sess atomic.Pointer[session.Session]
	// backoff pauses this bind (only) after a throttling answer.
	backoff backoff
}

func (b *bind) run(stop chan struct{}) {
	c := b.c
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	sleep := func(d time.Duration) bool {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-stop:
			return false
		case <-t.C:
			return true
		}
	}
	for {
		cfg := c.cfg.Load()
		s, err := b.connect(ctx, cfg)
		if err != nil {
			c.Stats.BindFailed.Add(1)
			c.sink.StateChanged(c, b.idx, "None", err)
			if ctx.Err() != nil {
				return
			}
			if !cfg.ConFailRetry {
				c.log.Warn("bind failed; con_fail_retry is no", "err", err)
				return
			}
			c.log.Warn("bind failed; retrying", "err", err, "in", secs(cfg.ConFailDelay))
			if !sleep(secs(cfg.ConFailDelay)) {
				return
			}
			continue
		}
		c.Stats.Connected.Add(1)
		c.Stats.LastConnect.Store(time.Now().UnixNano())
		b.sess.Store(s)
		// A connector paused because every other bind was throttled
		// may send on this one (unless it is paused itself).
		c.pausedUntil.Store(0)
		c.sink.StateChanged(c, b.idx, s.State().String(), nil)
		c.pump.Signal()
		select {
		case <-s.Done():
		case <-stop:
			s.Unbind()
			t := time.NewTimer(secs(cfg.ResTO))
			select {
			case <-s.Done():
			case <-t.C:
				s.Close()
				<-s.Done()
			}
			t.Stop()
			b.sess.Store(nil)
			c.sink.StateChanged(c, b.idx, "None", nil)
			return
		}
		b.sess.Store(nil)
		c.Stats.Disconnected.Add(1)
		c.Stats.LastDisconnect.Store(time.Now().UnixNano())
		c.sink.StateChanged(c, b.idx, "None", s.Err())
		if !cfg.ConLossRetry {
			c.log.Warn("connection lost; con_loss_retry is no", "err", s.Err())
			return
		}
		c.log.Warn("connection lost; reconnecting", "err", s.Err(), "in", secs(cfg.ConLossDelay))
		if !sleep(secs(cfg.ConLossDelay)) {
			return
		}
	}
}

func (b *bind) connect(ctx context.Context, cfg *Config) (*session.Session, error) {
	d, err := b.c.dialers.Dialer(cfg.SSL)
	if err != nil {
		return nil, err
	}
	typ := smpp.BindTransceiver
	switch cfg.Bind {
	case "transmitter":
		typ = smpp.BindTransmitter
	case "receiver":
		typ = smpp.BindReceiver
	}
	scfg := session.Config{
		BindTimeout:         secs(cfg.BindTO),
		EnquireLinkInterval: secs(cfg.ElinkInterval),
		InactivityTimeout:   secs(cfg.TrxTO),
		ResponseTimeout:     secs(cfg.ResTO),
		Window:              cfg.Window + 2, // room for enquire_link and unbind
		Elinks:              &b.c.Stats.Elinks,
		PDUReadTimeout:      secs(cfg.PDUReadTO),
	}
	req := session.BindRequest{Type: typ, SystemID: cfg.Username, Password: cfg.Password, SystemType: cfg.SysType,
		AddrTON: byte(cfg.BindTON), AddrNPI: byte(cfg.BindNPI), AddressRange: cfg.AddrRange}
	var tlsCfg *tls.Config
	if cfg.SSL {
		if tlsCfg, err = b.c.tls.get(cfg); err != nil {
			return nil, err
		}
		if !cfg.SSLVerify {
			b.c.log.Warn("connecting over TLS without verifying the SMSC's certificate (ssl_verify no)", "addr", cfg.Addr())
		}
	}
	s, err := session.DialTLS(ctx, d, cfg.Addr(), tlsCfg, scfg, b.c.app, req)
	if err != nil {
		return nil, fmt.Errorf("connector %s: %w", b.c.cid, err)
	}
	s.User = b
	if err := s.WaitBound(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("connector %s: bind %s as %s: %w", b.c.cid, cfg.Addr(), cfg.Username, err)
	}
	return s, nil
}

// Reply answers one deliver_sm or data_sm from the SMSC: a value (no
// closure per PDU) the sink keeps until the hand-off is durable.
type Reply struct {
	s   *session.Session
	cmd smpp.CommandID
	seq uint32
}

// Send sends the response with command_status st. A closed session drops
// it: the SMSC sends the PDU again.
func (r Reply) Send(st smpp.Status) { _ = r.s.Respond(r.cmd, r.seq, st, nil) }

// app is the session.App of a connector's sessions.
type app struct {
	session.BaseApp
	c *Connector
}

func (a *app) Request(s *session.Session, req *smpp.PDU) {
	switch req.Command {
	case smpp.DeliverSM, smpp.DataSM:
		if req.Command == smpp.DeliverSM {
			a.c.Stats.DeliverSM.Add(1)
		} else {
			a.c.Stats.DataSM.Add(1)
		}
		a.c.sink.Deliver(a.c, req, Reply{s: s, cmd: req.Command, seq: req.Seq})
	default:
		_ = s.Respond(req.Command, req.Seq, smpp.ESME_RINVCMDID, nil)
	}
}

func (a *app) Response(s *session.Session, resp *smpp.PDU, ctx any) {
	a.c.pump.Response(resp, ctx)
}

func (a *app) NoResponse(s *session.Session, cmd smpp.CommandID, seq uint32, ctx any, reason error) {
	a.c.pump.NoResponse(ctx, reason)
}

func (a *app) Closed(s *session.Session, err error) { a.c.pump.Signal() }
