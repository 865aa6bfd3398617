package httpapi

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/engine/mt"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/router/ledger"
)

// /balance and /rate: what a user may ask about its account before
// sending. Both authenticate as /send does and check the user's
// http_balance / http_rate authorization.

// balanceOf answers the user's balance and sms_count as the store keeps
// them.
func (s *Server) balanceOf(uid string) (ledger.Counters, outcome) {
	u, err := s.acc.Current(uid)
	if err != nil {
		return ledger.Counters{}, refused(err)
	}
	if err := u.CheckHTTPBalance(); err != nil {
		return ledger.Counters{}, refused(err)
	}
	c, err := s.b.Counters(uid)
	if err != nil {
		return c, refused(fmt.Errorf("balance of %s: %w", uid, err))
	}
	return c, outcome{status: http.StatusOK}
}

// rateOf answers the route's rate and the submit_sm count for j's
// (validated) request.
func (s *Server) rateOf(j *sendJob, uid string) (ledger.Money, int, outcome) {
	u, err := s.acc.Current(uid)
	if err != nil {
		return 0, 0, refused(err)
	}
	if err := u.CheckHTTPRate(); err != nil {
		return 0, 0, refused(err)
	}
	octets, c, err := j.encode()
	if err != nil {
		return 0, 0, refused(err)
	}
	// /rate counts every part the content needs, without the send limit.
	parts, err := s.splitParts(j, octets, c, router.MaxBillParts)
	if err != nil {
		return 0, 0, refused(err)
	}
	j.mtr = router.MTRequest{Dst: j.req.val[fTo], Src: j.req.val[fFrom], SrcSet: j.req.set[fFrom]}
	if len(j.mtr.Src) == 0 && u.MT.DefaultValue.SrcAddr.Set {
		j.mtr.Src = []byte(u.MT.DefaultValue.SrcAddr.V)
	}
	j.sub = mt.Submit{User: u, Channel: router.ChannelHTTP, Received: s.now()}
	s.buildParts(j)
	j.sub.Parts = j.parts
	rate, err := s.b.RateMT(&j.sub)
	if err != nil {
		return 0, 0, refused(err)
	}
	return rate, parts, outcome{status: http.StatusOK}
}

// plainUser reads /balance's or /rate's parameters (endpoint ep) into j
// and authenticates them as /send does; on failure it answers the
// refusal and returns nil.
func (s *Server) plainUser(ctx *fasthttp.RequestCtx, j *sendJob, ep endpoint) *router.User {
	j.args = collectArgs(ctx, j.args[:0])
	if err := j.req.parse(j.args, ep, false); err != nil {
		o := refused(err)
		writePlain(ctx, &o)
		return nil
	}
	u, err := s.authenticate(ctx, unsafeString(j.req.val[fUsername]), unsafeString(j.req.val[fPassword]))
	if err != nil {
		o := refused(err)
		writePlain(ctx, &o)
		return nil
	}
	return u
}

// serveBalance is /balance: {"balance": 100.0, "sms_count": "ND"}.
func (s *Server) serveBalance(ctx *fasthttp.RequestCtx) {
	mRequests.Inc()
	j := s.getJob()
	defer s.putJob(j)
	u := s.plainUser(ctx, j, epBalance)
	if u == nil {
		return
	}
	c, o := s.balanceOf(u.UID)
	if !o.ok() {
		writePlain(ctx, &o)
		return
	}
	mSuccess.Inc()
	ctx.SetContentType("application/json")
	ctx.Response.SetBodyRaw(appendBalance(nil, c, false))
}

// appendBalance writes the balance object. The HTTP API gives the balance
// as a number (Jasmin: {"balance": 100.0, …}), the REST API as a string
// ({"balance": "10.23", …}), each as its manual shows; "ND" when
// unlimited.
func appendBalance(b []byte, c ledger.Counters, balanceString bool) []byte {
	b = append(b, `{"balance": `...)
	switch {
	case !c.HasBalance:
		b = append(b, `"ND"`...)
	case balanceString:
		b = append(b, '"')
		b = c.Balance.Append(b)
		b = append(b, '"')
	default:
		b = c.Balance.Append(b)
	}
	b = append(b, `, "sms_count": `...)
	if c.HasSMS {
		b = strconv.AppendInt(b, c.SMS, 10)
	} else {
		b = append(b, `"ND"`...)
	}
	return append(b, '}')
}

// appendRate writes {"submit_sm_count": 2, "unit_rate": 2.8}.
func appendRate(b []byte, rate ledger.Money, count int) []byte {
	b = append(b, `{"submit_sm_count": `...)
	b = strconv.AppendInt(b, int64(count), 10)
	b = append(b, `, "unit_rate": `...)
	b = rate.Append(b)
	return append(b, '}')
}

// serveRate is /rate: {"submit_sm_count": 2, "unit_rate": 2.8}.
func (s *Server) serveRate(ctx *fasthttp.RequestCtx) {
	mRequests.Inc()
	j := s.getJob()
	defer s.putJob(j)
	u := s.plainUser(ctx, j, epRate)
	if u == nil {
		return
	}
	rate, n, o := s.rateOf(j, u.UID)
	if !o.ok() {
		writePlain(ctx, &o)
		return
	}
	mSuccess.Inc()
	ctx.SetContentType("application/json")
	ctx.Response.SetBodyRaw(appendRate(nil, rate, n))
}
