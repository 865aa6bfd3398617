package smpps

import (
	"errors"
	"time"

	"github.com/gwd-project/gwd/engine/content"
	"github.com/gwd-project/gwd/engine/mt"
	"github.com/gwd-project/gwd/engine/session"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/store"
)

// app is the session.App of every ESME session.
type app struct {
	s *Server
}

// Bind authenticates against the users (system_id = username), with the
// user's smpps_cred bind authorization and max_bindings. A password the
// authentication cache knows is checked here; any other is checked off
// the event loop (see bindauth.go) and answered later.
func (a *app) Bind(ss *session.Session, req *smpp.PDU) smpp.Status {
	s := a.s
	switch req.Command {
	case smpp.BindTransmitter:
		s.Stats.BindTXCount.Add(1)
	case smpp.BindReceiver:
		s.Stats.BindRXCount.Add(1)
	default:
		s.Stats.BindTRXCount.Add(1)
	}
	acc := s.b.Accounts()
	username, password := string(req.SystemID), string(req.Password)
	u, decided, err := acc.AuthenticateCached(username, password)
	if !decided {
		if err := a.startCheck(ss, username, password, remoteIP(ss), req.Command); err != nil {
			s.log.Debug("bind refused without a password check", "username", username, "err", err)
			return a.refuse(err)
		}
		return session.BindPending
	}
	if err != nil {
		return a.refuse(err)
	}
	if s.lookup(u.UID) == nil {
		// Its outbox is opened off the loop, the bind answered then.
		from, cmd := remoteIP(ss), req.Command
		if !s.openThen(u.UID, func(_ *user, err error) { a.finishBind(ss, u, from, cmd, err) }) {
			return a.outboxUnavailable(u.UID, ErrOutboxBusy)
		}
		return session.BindPending
	}
	u, err = acc.BindAuthenticated(u, remoteIP(ss))
	return a.bound(ss, u, err, req.Command)
}

// bound finishes a bind the router has answered (u and err from
// BindAuthenticated) once the user's outbox is open: the session's state.
func (a *app) bound(ss *session.Session, u *router.User, err error, cmd smpp.CommandID) smpp.Status {
	s := a.s
	if err != nil {
		return a.refuse(err)
	}
	uo := s.lookup(u.UID)
	if uo == nil {
		u.Unbind()
		return a.outboxUnavailable(u.UID, errors.New("outbox not open"))
	}
	ss.User = &sess{u: u, uid: u.UID, user: uo, typ: cmd}
	s.Stats.BindCount.Add(1)
	return smpp.ESME_ROK
}

// outboxUnavailable refuses a bind whose user's outbox could not be
// opened.
func (a *app) outboxUnavailable(uid string, err error) smpp.Status {
	a.s.log.Error("bind refused: outbox unavailable", "uid", uid, "err", err)
	a.s.Stats.BindErrorCount.Add(1)
	return smpp.ESME_RBINDFAIL
}

func (a *app) Bound(ss *session.Session) {
	st, ok := ss.User.(*sess)
	if !ok {
		return
	}
	switch st.typ {
	case smpp.BindTransmitter:
		a.s.Stats.BoundTX.Add(1)
	case smpp.BindReceiver:
		a.s.Stats.BoundRX.Add(1)
	default:
		a.s.Stats.BoundTRX.Add(1)
	}
	st.user.add(ss, st.typ != smpp.BindTransmitter)
}

func (a *app) Closed(ss *session.Session, err error) {
	a.s.Stats.DisconnectCount.Add(1)
	st, ok := ss.User.(*sess)
	if !ok {
		return
	}
	switch st.typ {
	case smpp.BindTransmitter:
		a.s.Stats.BoundTX.Add(-1)
	case smpp.BindReceiver:
		a.s.Stats.BoundRX.Add(-1)
	default:
		a.s.Stats.BoundTRX.Add(-1)
	}
	a.s.Stats.UnbindCount.Add(1)
	st.user.remove(ss)
	st.u.Unbind()
}

func (a *app) Request(ss *session.Session, req *smpp.PDU) {
	st, ok := ss.User.(*sess)
	if !ok {
		_ = ss.Respond(req.Command, req.Seq, smpp.ESME_RINVBNDSTS, nil)
		return
	}
	switch req.Command {
	case smpp.SubmitSM, smpp.DataSM:
		if req.Command == smpp.SubmitSM {
			a.s.Stats.SubmitSMRequest.Add(1)
		} else {
			a.s.Stats.DataSMCount.Add(1)
		}
		p := &st.part[0]
		mt.FromSMPP(req, p)
		a.submit(ss, st, req, p)
		*p = smpp.PDU{} // the gateway copied what it keeps
	case smpp.QuerySM:
		a.s.Stats.QuerySMCount.Add(1)
		a.query(ss, req)
	case smpp.CancelSM:
		seq := req.Seq
		if len(req.MessageID) == 0 {
			// Cancelling by addresses and service_type alone would need
			// an index gwd does not keep.
			_ = ss.Respond(smpp.CancelSM, seq, smpp.ESME_RCANCELFAIL, nil)
			return
		}
		a.s.b.CancelMT(st.uid, string(req.MessageID), func(status smpp.Status) {
			_ = ss.Respond(smpp.CancelSM, seq, status, nil)
		})
	case smpp.ReplaceSM:
		// A queued message is not rewritten in place.
		_ = ss.Respond(req.Command, req.Seq, cancelFail(req.Command), nil)
	default:
		_ = ss.Respond(req.Command, req.Seq, smpp.ESME_RINVCMDID, nil)
	}
}

func cancelFail(cmd smpp.CommandID) smpp.Status {
	if cmd == smpp.ReplaceSM {
		return smpp.ESME_RREPLACEFAIL
	}
	return smpp.ESME_RCANCELFAIL
}

// submit runs the checks a bound session makes per message and hands the
// message (p, st.part[0], built by mt.FromSMPP) to the gateway; the
// response goes out when the message is durable (or refused).
func (a *app) submit(ss *session.Session, st *sess, req, p *smpp.PDU) {
	s := a.s
	cmd, seq := req.Command, req.Seq
	expires, err := smppTime(p.ValidityPeriod, time.Now())
	if err != nil {
		_ = ss.Respond(cmd, seq, smpp.ESME_RINVEXPIRY, nil)
		return
	}
	if _, err := smppTime(p.ScheduleDeliveryTime, time.Now()); err != nil {
		_ = ss.Respond(cmd, seq, smpp.ESME_RINVSCHED, nil)
		return
	}
	if len(p.Dest.Addr) == 0 {
		_ = ss.Respond(cmd, seq, smpp.ESME_RINVDSTADR, nil)
		return
	}
	if !content.Coding(p.DataCoding).Supported() {
		// A reserved data_coding: SMPP v3.4 has no status of its own for
		// it; submit_sm failed is the closest.
		_ = ss.Respond(cmd, seq, smpp.ESME_RSUBMITFAIL, nil)
		return
	}
	m := router.MTRequest{
		Dst: p.Dest.Addr, Src: p.Source.Addr, SrcSet: len(p.Source.Addr) > 0,
		Content: p.ShortMessage, ContentSet: true,
		Priority: int(min(p.PriorityFlag, 3)), PrioritySet: p.PriorityFlag != 0,
		Validity: p.ValidityPeriod, ValiditySet: len(p.ValidityPeriod) > 0,
		SDTSet: len(p.ScheduleDeliveryTime) > 0, DLRLevelSet: p.RegisteredDelivery != 0, Parts: 1,
	}
	acc := s.b.Accounts()
	if isBinary(p.DataCoding) {
		m.Content = nil
	} else if cu := acc.User(st.uid); cu != nil && cu.MT.ValueFilter.Content.Pattern() != ".*" {
		// The content filter sees the text (Jasmin decodes it first);
		// decoded only for users whose filter can refuse something.
		if txt, err := content.AppendDecode(st.text[:0], p.ShortMessage, content.Coding(p.DataCoding)); err == nil {
			st.text = txt
			m.Content = txt
		}
	}
	u, err := acc.CheckMT(st.uid, router.ChannelSMPPS, &m)
	if err != nil {
		s.Stats.OtherSubmitErrorCount.Add(1)
		_ = ss.Respond(cmd, seq, submitStatus(err), nil)
		return
	}
	if !acc.Allow(st.uid, router.ChannelSMPPS) {
		s.Stats.ThroughputErrorCount.Add(1)
		_ = ss.Respond(cmd, seq, smpp.ESME_RTHROTTLED, nil)
		return
	}
	sub := &st.sub
	if m.SrcDefaulted {
		p.Source.Addr = m.Src
	}
	*sub = mt.Submit{User: u, Channel: router.ChannelSMPPS, Parts: st.part[:],
		Priority: byte(m.Priority), Expires: expires, Received: time.Now()}
	if p.RegisteredDelivery&0x03 != 0 {
		sub.DLR.Level = mt.DLRTerminal
	}
	s.b.SubmitMT(sub, func(id string, err error) {
		if err != nil {
			s.Stats.OtherSubmitErrorCount.Add(1)
			_ = ss.Respond(cmd, seq, submitStatus(err), nil)
			return
		}
		s.Stats.SubmitSMCount.Add(1)
		_ = ss.Respond(cmd, seq, smpp.ESME_ROK, []byte(id))
	})
}

func isBinary(dc byte) bool {
	switch dc {
	case 2, 4:
		return true
	}
	return dc&0xF4 == 0xF4 // GSM message class, 8-bit data
}

// query answers query_sm from the message's last event (ENROUTE for a
// message still queued or at the SMSC without a final receipt).
func (a *app) query(ss *session.Session, req *smpp.PDU) {
	state, at, ok := a.s.b.MessageState(string(req.MessageID))
	resp := smpp.PDU{Header: smpp.Header{Command: smpp.QuerySMResp, Seq: req.Seq}}
	if !ok {
		resp.Status = smpp.ESME_RQUERYFAIL
		_ = ss.Write(&resp)
		return
	}
	resp.MessageID = req.MessageID
	switch state {
	case store.EventDelivered:
		resp.MessageState = 2 // DELIVERED
	case store.EventFailed:
		resp.MessageState = 5 // UNDELIVERABLE
	case store.EventRejected:
		resp.MessageState = 8 // REJECTED
	case store.EventCancelled:
		resp.MessageState = 7 // DELETED: withdrawn by cancel_sm
	default: // queued, submitted, delivery_pending
		resp.MessageState = smpp.MessageStateEnroute
	}
	if resp.MessageState != smpp.MessageStateEnroute && !at.IsZero() {
		resp.FinalDate = absTime(at)
	}
	_ = ss.Write(&resp)
}

func (a *app) Response(ss *session.Session, resp *smpp.PDU, ctx any) {
	if st, ok := ss.User.(*sess); ok {
		st.user.pump.Response(resp, ctx)
	}
}

func (a *app) NoResponse(ss *session.Session, cmd smpp.CommandID, seq uint32, ctx any, reason error) {
	if st, ok := ss.User.(*sess); ok {
		st.user.pump.NoResponse(ctx, reason)
	}
}
