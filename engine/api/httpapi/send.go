package httpapi

import (
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"time"
	"unsafe"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/engine/authguard"
	"github.com/gwd-project/gwd/engine/content"
	"github.com/gwd-project/gwd/engine/mt"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/smpp"
)

// Authentication on /send
//
// Every /send carries the user's password, and the router stores only a
// slow salted hash of it (PBKDF2, tens of milliseconds of CPU per check).
// /send first asks Accounts.AuthenticateCached, which answers without the
// KDF when the password is the one last verified for that user: the router
// keeps, per user, an HMAC of that password under a key drawn at random
// when the process starts, and a matching MAC is the same password (about
// 0.3 µs, no allocation). Only when the cache cannot decide (the first
// request after a start or a password change, or a wrong password) does
// the handler hand Authenticate to the gateway's shared password-check
// pool (engine/authguard) and wait for its answer: at most [auth]
// kdf_workers KDFs run at once, whatever the number of requests. A full
// queue, or a source address or username backed off after repeated
// failures, is answered at once with 429 Too Many Requests, Retry-After
// and Error "Too many authentication attempts, retry later", without a
// KDF. Nothing is weakened: only successes are remembered, so a wrong
// password always costs the full KDF (and an unknown username the same,
// against a dummy hash); the MAC and its key never leave the process's
// memory, and a password change invalidates the cached entry at once.

// fallbackError is the manual's 500 answer for a failure with no better
// text.
const fallbackError = "Cannot send submit_sm, check SMPPClientManagerPB log file for details"

// outcome is the answer to one message: 200 with the id, or an error
// status with the text that goes in Error "…".
type outcome struct {
	status int
	id     string
	msg    string
	err    error
}

func (o *outcome) ok() bool { return o.status == http.StatusOK }

// refused turns an error into the outcome a client sees.
func refused(err error) outcome {
	var pe *paramError
	if errors.As(err, &pe) {
		return outcome{status: http.StatusBadRequest, msg: pe.msg, err: err}
	}
	var rf router.Refusal
	if errors.As(err, &rf) {
		st := refusalStatus(rf)
		countRefusal(rf, st)
		return outcome{status: st, msg: rf.Text(), err: err}
	}
	mServerErrors.Inc()
	return outcome{status: http.StatusInternalServerError, msg: fallbackError, err: err}
}

// sendJob is the scratch one message uses on its way through the API,
// reused from a pool: the request's arguments, the validated request, the
// encoded content, the submit_sm parts and the Submit handed to the
// gateway, and the channel its answer comes back on.
type sendJob struct {
	args  []arg
	req   sendReq
	mtr   router.MTRequest
	mb    mt.Builder // encoded content, split and submit_sm parts
	parts []smpp.PDU // the last buildParts', in mb
	vp    []byte
	sub   mt.Submit

	// hold is the idempotency-key this job holds, if any: done
	// finishes it with the gateway's answer.
	hold *keyHold

	// Set by done, read after <-ready.
	id    string
	err   error
	ready chan struct{}
	done  func(id string, err error)
	timer *time.Timer // await's, reused
}

func newSendJob() *sendJob {
	j := &sendJob{ready: make(chan struct{}, 1), vp: make([]byte, 0, 16)}
	j.done = func(id string, err error) {
		if f := j.hold; f != nil {
			f.finish(id, err)
		}
		j.id, j.err = id, err
		j.ready <- struct{}{}
	}
	return j
}

func (s *Server) getJob() *sendJob { return s.jobs.Get().(*sendJob) }

func (s *Server) putJob(j *sendJob) {
	for i := range j.args {
		j.args[i] = arg{}
	}
	j.args = j.args[:0]
	j.mb.Reset()
	j.parts = nil
	j.mtr = router.MTRequest{}
	j.sub = mt.Submit{}
	j.hold = nil
	j.id, j.err = "", nil
	s.jobs.Put(j)
}

// authenticate checks a username and password from address src (see
// "Authentication on /send" above). The strings may alias the request:
// nothing keeps them.
func (s *Server) authenticate(ctx *fasthttp.RequestCtx, username, password string) (*router.User, error) {
	u, decided, err := s.acc.AuthenticateCached(username, password)
	if decided {
		if err != nil {
			// The error holds the username: give it its own copy.
			return nil, &router.AuthError{Reason: authReason(err), Username: string([]byte(username))}
		}
		return u, nil
	}
	return s.authenticateSlow(ctx, username, password)
}

// authenticateSlow is authenticate's KDF path, on the shared pool: apart,
// so that what its closure captures does not escape on the cached path.
func (s *Server) authenticateSlow(ctx *fasthttp.RequestCtx, username, password string) (*router.User, error) {
	// The check may outlive this request (Run gives up waiting after a
	// bound): it gets its own copies.
	name, pw := string([]byte(username)), string([]byte(password))
	var u *router.User
	var authErr error
	src, _ := netip.AddrFromSlice(ctx.RemoteIP())
	err := s.b.AuthGuard().Run(src, name, func() authguard.Result {
		u, authErr = s.acc.Authenticate(name, pw)
		return authguard.UserResult(authErr)
	})
	if err != nil {
		return nil, err
	}
	return u, authErr
}

func authReason(err error) router.AuthReason {
	var ae *router.AuthError
	if errors.As(err, &ae) {
		return ae.Reason
	}
	return router.AuthBadPassword
}

// encode turns the request's content into octets: hex-content as it is,
// content encoded for its coding. Without a coding parameter, content that
// GSM 03.38 cannot carry goes as UCS2 (coding 8) rather than being refused
// (Jasmin would send its UTF-8 bytes as GSM, which phones show garbled).
func (j *sendJob) encode() ([]byte, content.Coding, error) {
	r := &j.req
	c := content.Coding(r.coding)
	if r.set[fHexContent] {
		return r.hex, c, nil
	}
	c, octets, err := j.mb.Encode(unsafeString(r.val[fContent]), c, !r.set[fCoding])
	if err != nil {
		return nil, c, &paramError{"Argument [content] has an invalid value: " +
			strings.TrimPrefix(err.Error(), "content: ") + "."}
	}
	return octets, c, nil
}

// splitParts cuts octets into parts (in j.mb) and returns how many: one
// when it fits, else per long_content_split and mt.DefaultRef, at most
// maxParts.
func (s *Server) splitParts(j *sendJob, octets []byte, c content.Coding, maxParts int) (int, error) {
	n, err := j.mb.Cut(octets, c, mt.Split{Method: s.split, Ref: mt.DefaultRef, MaxParts: maxParts})
	if err != nil {
		return 0, splitError(err, maxParts)
	}
	return n, nil
}

func splitError(err error, maxParts int) error {
	var tl *content.TooLongError
	if errors.As(err, &tl) {
		return errTooLong(tl.Parts, maxParts)
	}
	return &paramError{"Cannot split content: " + strings.TrimPrefix(err.Error(), "content: ") + "."}
}

func errTooLong(n, maxParts int) error {
	return &paramError{"Content too long: " + itoa(n) + " parts, long_content_max_parts is " + itoa(maxParts) + "."}
}

// prepare builds j's message for user uid from its validated request:
// content, the user's credential checks (CheckMT, with the HTTP notion of
// a parameter being "set"), the submit_sm parts and the Submit. It changes
// nothing anywhere; a refusal comes back as the error.
func (s *Server) prepare(j *sendJob, uid string) error {
	r := &j.req
	octets, c, err := j.encode()
	if err != nil {
		return err
	}
	parts, err := s.splitParts(j, octets, c, s.maxParts)
	if err != nil {
		return err
	}
	m := &j.mtr
	*m = router.MTRequest{
		Dst:          r.val[fTo],
		Src:          r.val[fFrom],
		SrcSet:       r.set[fFrom],
		HexContent:   r.set[fHexContent],
		Priority:     r.priority,
		PrioritySet:  r.set[fPriority],
		Validity:     r.val[fValidity],
		ValiditySet:  r.set[fValidity],
		SDTSet:       r.set[fSDT],
		DLRLevelSet:  r.dlr,
		DLRMethodSet: r.set[fDLRMethod],
		Parts:        parts,
	}
	if r.set[fContent] {
		m.Content, m.ContentSet = r.val[fContent], true
	}
	u, err := s.acc.CheckMT(uid, router.ChannelHTTP, m)
	if err != nil {
		return err
	}
	// After the user's own checks (a user not allowed receipts hears
	// that first), since it may resolve a name.
	if r.set[fDLRURL] {
		if err := s.checkCallback(fieldNames[fDLRURL], r.val[fDLRURL]); err != nil {
			return err
		}
	}
	now := s.now()
	sub := &j.sub
	*sub = mt.Submit{User: u, Channel: router.ChannelHTTP, Priority: uint8(r.priority), Received: now}
	j.vp = j.vp[:0]
	if r.set[fValidity] {
		sub.Expires = now.Add(time.Duration(r.validityMin) * time.Minute)
		j.vp = validityPeriod(j.vp, r.validityMin)
	}
	if r.dlr {
		sub.DLR = mt.DLRRequest{Level: r.dlrLevel, URL: string(r.val[fDLRURL]), Method: r.dlrMethod}
	}
	if len(r.tags) > 0 {
		sub.Tags = append([]int64(nil), r.tags...)
	}
	s.buildParts(j)
	sub.Parts = j.parts
	return nil
}

// buildParts fills j.parts: one submit_sm per part of the last
// splitParts. Their fields alias the request and j's buffers (the gateway
// copies them in SubmitMT).
func (s *Server) buildParts(j *sendJob) {
	r := &j.req
	f := mt.Fields{Source: smpp.Address{Addr: j.mtr.Src}, Dest: smpp.Address{Addr: j.mtr.Dst},
		Priority: byte(r.priority)}
	if r.dlr && r.dlrLevel >= mt.DLRTerminal {
		f.RegisteredDelivery = 1
	}
	if r.set[fSDT] {
		f.ScheduleDeliveryTime = r.val[fSDT]
	}
	if len(j.vp) > 0 {
		f.ValidityPeriod = j.vp
	}
	j.parts = j.mb.Parts(&f)
}

// dispatch hands j.sub to the gateway and waits for its answer. It reports
// false when the wait timed out: j then belongs to the gateway's callback
// and must not be reused.
func (s *Server) dispatch(j *sendJob) (outcome, bool) {
	s.b.SubmitMT(&j.sub, j.done)
	return s.await(j)
}

// await waits for the answer of a job handed to the gateway, at most
// SubmitTimeout (the job's own timer, reused).
func (s *Server) await(j *sendJob) (outcome, bool) {
	select {
	case <-j.ready: // answered before SubmitMT returned
		return j.result(), true
	default:
	}
	if j.timer == nil {
		j.timer = time.NewTimer(s.opts.SubmitTimeout)
	} else {
		j.timer.Reset(s.opts.SubmitTimeout)
	}
	select {
	case <-j.ready:
		j.timer.Stop()
		return j.result(), true
	case <-j.timer.C:
		mServerErrors.Inc()
		s.log.Debug("httpapi: gateway did not answer", "timeout", s.opts.SubmitTimeout)
		return outcome{status: http.StatusInternalServerError, msg: fallbackError}, false
	}
}

// result is the outcome of a job whose done ran.
func (j *sendJob) result() outcome {
	if j.err != nil {
		return refused(j.err)
	}
	mSuccess.Inc()
	return outcome{status: http.StatusOK, id: j.id}
}

// sendHTTP runs one /send or /secure/send message: validation (already in
// j.req), its idempotency-key if it has one, the user's checks and
// throughput quota, then the gateway. The bool is false when j must not be
// reused (see dispatch).
func (s *Server) sendHTTP(j *sendJob, uid string) (outcome, bool) {
	if j.req.set[fIdemKey] {
		return s.sendIdempotent(j, uid)
	}
	o, reuse, _ := s.submit(j, uid)
	return o, reuse
}

// submit is sendHTTP past the idempotency-key; dispatched says whether
// the message reached the gateway (whose answer then runs j.done).
func (s *Server) submit(j *sendJob, uid string) (o outcome, reuse, dispatched bool) {
	if err := s.prepare(j, uid); err != nil {
		return refused(err), true, false
	}
	// http_throughput: after the checks, so that a refused request does
	// not use up the user's rate.
	if !j.sub.User.Allow(router.ChannelHTTP) {
		return refused(router.ErrThroughputExceeded), true, false
	}
	o, reuse = s.dispatch(j)
	return o, reuse, true
}

// serveSend is /send (GET query or POST form, and the Idempotency-Key
// header).
func (s *Server) serveSend(ctx *fasthttp.RequestCtx) {
	mRequests.Inc()
	j := s.getJob()
	j.args = collectArgs(ctx, j.args[:0])
	j.args = appendIdemHeader(ctx, j.args)
	o, reuse := s.sendArgs(ctx, j)
	writePlain(ctx, &o)
	if reuse {
		s.putJob(j)
	}
}

// sendArgs is /send once the arguments are collected.
func (s *Server) sendArgs(ctx *fasthttp.RequestCtx, j *sendJob) (outcome, bool) {
	if err := j.req.parse(j.args, epSend, false); err != nil {
		return refused(err), true
	}
	u, err := s.authenticate(ctx, unsafeString(j.req.val[fUsername]), unsafeString(j.req.val[fPassword]))
	if err != nil {
		return refused(err), true
	}
	return s.sendHTTP(j, u.UID)
}

// collectArgs appends the query's arguments, then (POST) the form's.
func collectArgs(ctx *fasthttp.RequestCtx, dst []arg) []arg {
	for k, v := range ctx.QueryArgs().All() {
		dst = append(dst, arg{k, v})
	}
	if string(ctx.Method()) == "POST" {
		for k, v := range ctx.PostArgs().All() {
			dst = append(dst, arg{k, v})
		}
	}
	return dst
}

// idemHeader is the header that may carry the idempotency-key.
const idemHeader = "Idempotency-Key"

var idemKeyArg = []byte("idempotency-key")

// appendIdemHeader appends the Idempotency-Key headers as arguments, after
// the request's own: parse then refuses a key given twice with two values.
func appendIdemHeader(ctx *fasthttp.RequestCtx, dst []arg) []arg {
	for _, v := range ctx.Request.Header.PeekAll(idemHeader) {
		dst = append(dst, arg{idemKeyArg, v})
	}
	return dst
}

// writePlain answers the HTTP API's way: Success "id" or Error "…".
func writePlain(ctx *fasthttp.RequestCtx, o *outcome) {
	if !o.ok() {
		setRetryAfter(ctx, o.err)
		writePlainError(ctx, o.status, o.msg)
		return
	}
	ctx.SetStatusCode(http.StatusOK)
	ctx.SetContentType("text/plain; charset=utf-8")
	ctx.Response.ResetBody()
	ctx.Response.AppendBodyString(`Success "`)
	ctx.Response.AppendBodyString(o.id)
	ctx.Response.AppendBodyString(`"`)
}

func unsafeBytesToString(b []byte) string { return unsafe.String(&b[0], len(b)) }

// retryAfter is a refusal that says when to try again: the password
// check pool's back-off, a full disk.
type retryAfter interface{ RetryAfterHeader() string }

// setRetryAfter sets Retry-After on an answer refused with a retryAfter.
func setRetryAfter(ctx *fasthttp.RequestCtx, err error) {
	var rf retryAfter
	if err != nil && errors.As(err, &rf) {
		ctx.Response.Header.Set("Retry-After", rf.RetryAfterHeader())
	}
}
