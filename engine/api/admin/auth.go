package admin

import (
	"errors"
	"net/netip"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/engine/authguard"
)

// Authentication
//
// Every request carries HTTP Basic credentials, checked against [jcli]'s
// admin account (Deps.Admin): credentials verified before are
// recognised from a keyed MAC at once; others go through the gateway's
// shared password-check pool, whose back-off refuses, at once and without
// checking, further attempts from a source address or for a username that
// failed too often (429 Too Many Requests with Retry-After, even with the
// right password: only credentials verified before pass during a
// back-off). Nothing sleeps on the request's goroutine.

// authResult is what check found.
type authResult uint8

const (
	authOK authResult = iota
	authFailed
	authRefused
)

// check authenticates the request; on authRefused, retry is the
// Retry-After value.
func (s *Server) check(ctx *fasthttp.RequestCtx) (res authResult, retry string) {
	src, _ := netip.AddrFromSlice(ctx.RemoteIP())
	err := s.d.Admin.CheckBasic(src, ctx.Request.Header.Peek("Authorization"))
	var rf *authguard.Refused
	switch {
	case err == nil:
		return authOK, ""
	case errors.As(err, &rf):
		s.Stats.AuthRefused.Add(1)
		return authRefused, rf.RetryAfterHeader()
	}
	s.Stats.AuthFailures.Add(1)
	return authFailed, ""
}
