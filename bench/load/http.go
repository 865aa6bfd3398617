package load

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/valyala/fasthttp"
)

// HTTPConfig describes an HTTP run: Concurrency keep-alive clients posting
// to Jasmin's /send (form, credentials as parameters) or, with REST, to
// /secure/send (JSON, Basic authorization).
type HTTPConfig struct {
	// URL is the send endpoint, e.g. http://127.0.0.1:1401/send. With
	// REST, a path of /send is taken as /secure/send.
	URL      string
	Username string
	Password string
	REST     bool
	// Usernames > 1 spreads the requests over usernames: every
	// Usernames-th request carries Username, each other one a name never
	// used before (Username followed by "-" and the request number), as a
	// credential-stuffing flood does. 0 or 1: Username only.
	Usernames int
	// SourceAddrs, when set, are the local addresses the client sockets
	// bind to, taken in turn per request (one keep-alive client each);
	// empty lets the system choose.
	SourceAddrs []netip.Addr
	// Close opens a new connection for every request (Connection: close)
	// instead of keeping them alive.
	Close bool

	Concurrency int

	// DLR asks for receipts (dlr=yes, dlr-url, dlr-level, dlr-method) to a
	// sink listening on DLRListen; DLRURL, when set, is the dlr-url sent
	// instead of the sink's own address. After the last answer the run
	// waits up to ReceiptWait for them.
	DLR       bool
	DLRListen string
	DLRURL    string
	DLRLevel  int
	DLRMethod string

	// Timeout bounds each request (default 10 s).
	Timeout time.Duration
	Traffic
}

// Defaults of the optional HTTPConfig fields.
const (
	DefaultConcurrency = 32
	DefaultHTTPTimeout = 10 * time.Second
	DefaultDLRListen   = "127.0.0.1:0"
)

// Validate checks c as RunHTTP would, so that a command can tell a usage
// error from a failed run.
func (c HTTPConfig) Validate() error {
	_, _, err := c.normalized()
	return err
}

func (c HTTPConfig) normalized() (HTTPConfig, *url.URL, error) {
	if c.URL == "" {
		return c, nil, errors.New("http: -url is required")
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		return c, nil, fmt.Errorf("http: url: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, nil, fmt.Errorf("http: url %q: want http://host:port/path or https://…", c.URL)
	}
	if c.REST && (u.Path == "/send" || u.Path == "" || u.Path == "/") {
		u.Path = "/secure/send"
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.LongParts == 0 {
		c.LongParts = DefaultLongParts
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultHTTPTimeout
	}
	if c.DLRListen == "" {
		c.DLRListen = DefaultDLRListen
	}
	if c.DLRLevel == 0 {
		c.DLRLevel = 3
	}
	if c.DLRMethod == "" {
		c.DLRMethod = "POST"
	}
	if c.Src == "" {
		c.Src = "1000"
	}
	switch {
	case c.Username == "" || c.Password == "":
		return c, nil, errors.New("http: -username and -password are required")
	case c.Concurrency < 1 || c.Concurrency > 10000:
		return c, nil, fmt.Errorf("http: concurrency %d: want 1 to 10000", c.Concurrency)
	case c.Usernames < 0:
		return c, nil, fmt.Errorf("http: usernames %d: want 0 or more", c.Usernames)
	case len(c.SourceAddrs) > MaxSourceAddrs:
		return c, nil, fmt.Errorf("http: %d source addresses: want at most %d", len(c.SourceAddrs), MaxSourceAddrs)
	case c.Rate < 0:
		return c, nil, fmt.Errorf("http: rate %g: want 0 (flat out) or more", c.Rate)
	case c.Count < 1:
		return c, nil, fmt.Errorf("http: count %d: a run needs a message count of 1 or more", c.Count)
	case c.Duration <= 0:
		return c, nil, fmt.Errorf("http: duration %v: a run needs a positive duration", c.Duration)
	case c.LongParts < 2 || c.LongParts > MaxLongParts:
		return c, nil, fmt.Errorf("http: long parts %d: want 2 to %d", c.LongParts, MaxLongParts)
	case c.DLRLevel < 1 || c.DLRLevel > 3:
		return c, nil, fmt.Errorf("http: dlr level %d: want 1, 2 or 3", c.DLRLevel)
	case c.DLRMethod != "GET" && c.DLRMethod != "POST":
		return c, nil, fmt.Errorf("http: dlr method %q: want GET or POST", c.DLRMethod)
	case c.ReceiptWait < 0:
		return c, nil, fmt.Errorf("http: receipt wait %v: want 0 or more", c.ReceiptWait)
	case len(c.DstPrefix)+dstDigits > maxAddrLen || !allDigits(c.DstPrefix):
		return c, nil, fmt.Errorf("http: dst prefix %q: want up to %d digits", c.DstPrefix, maxAddrLen-dstDigits)
	case !utf8.ValidString(c.Username) || !utf8.ValidString(c.Password) || !utf8.ValidString(c.Src):
		return c, nil, errors.New("http: username, password and src must be UTF-8")
	}
	return c, u, nil
}

func (c HTTPConfig) settings() Settings {
	return Settings{
		Concurrency: c.Concurrency, REST: c.REST, Rate: c.Rate, Count: c.Count,
		Usernames: c.Usernames, SourceAddrs: len(c.SourceAddrs), Close: c.Close,
		Duration: c.Duration.String(), Content: c.Content.String(), LongParts: c.LongParts,
		Receipts: c.DLR, ReceiptWait: c.ReceiptWait.String(),
	}
}

type httpRun struct {
	cfg   HTTPConfig
	uri   string
	hcs   []*fasthttp.HostClient // one per source address, or one
	pay   *payloads
	track *tracker
	sink  *sink
	stop  *stopper
	start int64
	next  atomic.Uint64

	// Request bodies, built once: everything but the destination.
	prefix  []byte    // form: credentials, from and DLR fields; JSON: from and DLR fields
	rest    []byte    // form with Usernames > 1: the prefix after the username
	content [3][]byte // per Kind
	auth    string    // REST Basic authorization
	parts   [3]int64  // PDUs per Kind
}

type httpWorker struct {
	run *httpRun
	c   counters

	lastResp atomic.Int64
	lat      Histogram
	rcpt     Histogram
	errs     map[string]int64
	samples  map[string]string
	body     []byte
	scratch  []byte
}

// RunHTTP checks that the target answers TCP, starts the receipt sink
// when asked, sends, waits for answers and receipts, and reports. It
// returns an error, and no report, when the target cannot be reached, the
// sink cannot listen or smppsim's stats cannot be read at the start.
func RunHTTP(ctx context.Context, cfg HTTPConfig) (*Report, error) {
	cfg, u, err := cfg.normalized()
	if err != nil {
		return nil, err
	}
	hostport := u.Host
	if u.Port() == "" {
		if u.Scheme == "https" {
			hostport = net.JoinHostPort(u.Hostname(), "443")
		} else {
			hostport = net.JoinHostPort(u.Hostname(), "80")
		}
	}
	conn, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, "tcp", hostport)
	if err != nil {
		return nil, fmt.Errorf("http: cannot reach %s: %w", u.Redacted(), err)
	}
	_ = conn.Close()

	rep, err := newReport(ctx, "http", u.String(), cfg.settings(), cfg.SimStatsURL)
	if err != nil {
		return nil, err
	}
	r := &httpRun{cfg: cfg, uri: u.String(), pay: newPayloads(cfg.LongParts), stop: newStopper()}
	r.hcs = newHostClients(cfg, hostport, u.Scheme == "https")
	defer func() {
		for _, hc := range r.hcs {
			hc.CloseIdleConnections()
		}
	}()
	if cfg.DLR {
		r.track = newTracker(min(cfg.Count, 1<<20))
		r.sink, err = startSink(cfg.DLRListen, cfg.DLRURL, r.track, cfg.DLRLevel == 1)
		if err != nil {
			return nil, err
		}
	}
	r.buildBodies()

	workers := make([]*httpWorker, cfg.Concurrency)
	cs := make([]*counters, len(workers))
	for i := range workers {
		workers[i] = &httpWorker{run: r, errs: map[string]int64{}, samples: map[string]string{}}
		cs[i] = &workers[i].c
	}
	var sinkReceipts func() int64
	if r.sink != nil {
		sinkReceipts = r.sink.received.Load
	}
	var endPhase func()
	r.start, endPhase = startPhase(ctx, r.stop, cfg.Duration, cfg.Progress, cfg.ProgressInterval, cs, sinkReceipts)
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.loop()
		}()
	}
	wg.Wait()
	r.stop.stop("count")
	sendEnd := nanotime()
	for _, w := range workers {
		sendEnd = max(sendEnd, w.lastResp.Load())
	}
	rep.SendSeconds = float64(sendEnd-r.start) / 1e9

	var acked int64
	for _, w := range workers {
		acked += w.c.msgsAcked.Load()
	}
	if r.sink != nil && ctx.Err() == nil {
		deadline := time.Now().Add(cfg.ReceiptWait)
		for r.sink.received.Load() < acked && time.Now().Before(deadline) && ctx.Err() == nil {
			time.Sleep(5 * time.Millisecond)
		}
	}
	rep.simAfter(ctx)
	endPhase()
	if r.sink != nil {
		if err := r.sink.close(); err != nil {
			rep.ConnErrors = append(rep.ConnErrors, err.Error())
		}
	}
	r.collect(rep, workers)
	rep.TotalSeconds = time.Since(rep.StartedAt).Seconds()
	rep.StopReason = r.stop.reason
	rep.finish()
	return rep, nil
}

// buildBodies encodes the parts of every request body that do not change.
func (r *httpRun) buildBodies() {
	cfg := r.cfg
	for k := GSM7; k <= Long; k++ {
		r.parts[k] = int64(r.pay.parts(k))
	}
	dlrURL := ""
	if r.sink != nil {
		dlrURL = r.sink.url
	}
	if !cfg.REST {
		b := append([]byte(nil), "username="...)
		b = append(b, url.QueryEscape(cfg.Username)...)
		n := len(b)
		b = append(b, "&password="...)
		b = append(b, url.QueryEscape(cfg.Password)...)
		b = append(b, "&from="...)
		b = append(b, url.QueryEscape(cfg.Src)...)
		if cfg.DLR {
			b = append(b, "&dlr=yes&dlr-url="...)
			b = append(b, url.QueryEscape(dlrURL)...)
			b = append(b, "&dlr-level="...)
			b = strconv.AppendInt(b, int64(cfg.DLRLevel), 10)
			b = append(b, "&dlr-method="...)
			b = append(b, cfg.DLRMethod...)
		}
		r.prefix = b
		r.rest = b[n:]
		r.content[GSM7] = append([]byte("&content="), url.QueryEscape(string(r.pay.gsm7))...)
		r.content[UCS2] = append([]byte("&coding=8&hex-content="), hex.EncodeToString(r.pay.ucs2)...)
		r.content[Long] = append([]byte("&content="), url.QueryEscape(string(r.pay.long))...)
		return
	}
	r.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.Username+":"+cfg.Password))
	b := append([]byte(nil), `{"from":`...)
	b = appendJSONQuote(b, cfg.Src)
	if cfg.DLR {
		b = append(b, `,"dlr":"yes","dlr-url":`...)
		b = appendJSONQuote(b, dlrURL)
		b = append(b, `,"dlr-level":`...)
		b = strconv.AppendInt(b, int64(cfg.DLRLevel), 10)
		b = append(b, `,"dlr-method":`...)
		b = appendJSONQuote(b, cfg.DLRMethod)
	}
	r.prefix = b
	r.content[GSM7] = appendJSONQuote([]byte(`,"content":`), string(r.pay.gsm7))
	r.content[UCS2] = appendJSONQuote([]byte(`,"coding":8,"hex_content":`), hex.EncodeToString(r.pay.ucs2))
	r.content[Long] = appendJSONQuote([]byte(`,"content":`), string(r.pay.long))
}

// appendJSONQuote appends s, valid UTF-8, as a JSON string.
func appendJSONQuote(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for _, c := range []byte(s) {
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// body builds request number num's body into w.body.
func (w *httpWorker) buildBody(num uint64, kind Kind) []byte {
	r := w.run
	b := append(w.body[:0], r.prefix...)
	if !r.cfg.REST && r.cfg.Usernames > 1 && num%uint64(r.cfg.Usernames) != 0 {
		b = append(b[:0], "username="...)
		b = append(b, url.QueryEscape(r.cfg.Username)...)
		b = append(b, '-')
		b = strconv.AppendUint(b, num, 10)
		b = append(b, r.rest...)
	}
	if r.cfg.REST {
		b = append(b, `,"to":"`...)
		b = appendDest(b, r.cfg.DstPrefix, num)
		b = append(b, '"')
		b = append(b, r.content[kind]...)
		b = append(b, '}')
	} else {
		b = append(b, "&to="...)
		b = appendDest(b, r.cfg.DstPrefix, num) // digits only: nothing to escape
		b = append(b, r.content[kind]...)
	}
	w.body = b
	return b
}

func (w *httpWorker) loop() {
	r := w.run
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.Header.SetMethod(fasthttp.MethodPost)
	req.SetRequestURI(r.uri)
	if r.cfg.REST {
		req.Header.SetContentType("application/json")
		req.Header.Set(fasthttp.HeaderAuthorization, r.auth)
	} else {
		req.Header.SetContentType("application/x-www-form-urlencoded")
	}
	var interval float64
	if r.cfg.Rate > 0 {
		interval = 1e9 / r.cfg.Rate
	}
	count := uint64(r.cfg.Count)
	for !r.stop.stopped() {
		num := r.next.Add(1) - 1
		if num >= count {
			return
		}
		if interval > 0 && !pace(r.stop, r.start+int64(float64(num)*interval)) {
			return
		}
		kind := r.cfg.Content.Kind(num)
		parts := r.parts[kind]
		req.SetBody(w.buildBody(num, kind))
		if r.cfg.REST && r.cfg.Usernames > 1 {
			req.Header.Set(fasthttp.HeaderAuthorization, r.authFor(num))
		}
		if r.cfg.Close {
			req.SetConnectionClose()
		}
		w.c.msgsSent.Add(1)
		w.c.pdusSent.Add(parts)
		t0 := nanotime()
		err := r.hcs[num%uint64(len(r.hcs))].DoTimeout(req, resp, r.cfg.Timeout)
		now := nanotime()
		if err != nil {
			key := "transport: " + transportKind(err)
			w.errs[key]++
			if _, ok := w.samples[key]; !ok {
				w.samples[key] = err.Error()
			}
			w.c.msgsUnanswered.Add(1)
			w.c.pdusNoResp.Add(parts)
			continue
		}
		w.lat.Record(now - t0)
		w.lastResp.Store(now)
		status := resp.StatusCode()
		body := resp.Body()
		var id []byte
		var perr error
		if r.cfg.REST {
			id, w.scratch, perr = ParseRESTResponse(body, w.scratch)
		} else {
			id, perr = ParseSendResponse(body)
		}
		if status != fasthttp.StatusOK || perr != nil {
			key := "HTTP " + strconv.Itoa(status)
			if status == fasthttp.StatusOK {
				key += " (not Success)"
			}
			w.errs[key]++
			if _, ok := w.samples[key]; !ok {
				w.samples[key] = string(body)
			}
			w.c.msgsFailed.Add(1)
			w.c.pdusFailed.Add(parts)
			continue
		}
		w.c.msgsAcked.Add(1)
		w.c.pdusAcked.Add(parts)
		if r.track != nil {
			if lat, ok := r.track.submitted(id, t0); ok {
				w.rcpt.Record(lat)
			}
		}
	}
}

// authFor is the REST Basic authorization of request num with Usernames
// > 1 (see HTTPConfig.Usernames).
func (r *httpRun) authFor(num uint64) string {
	if num%uint64(r.cfg.Usernames) == 0 {
		return r.auth
	}
	user := r.cfg.Username + "-" + strconv.FormatUint(num, 10)
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+r.cfg.Password))
}

// newHostClients makes the run's clients: one, or one per source address
// whose connections bind to it.
func newHostClients(cfg HTTPConfig, hostport string, tls bool) []*fasthttp.HostClient {
	mk := func() *fasthttp.HostClient {
		return &fasthttp.HostClient{
			Addr: hostport, IsTLS: tls, Name: "gwd-bench",
			MaxConns: cfg.Concurrency, ReadTimeout: cfg.Timeout, WriteTimeout: cfg.Timeout,
			MaxIdleConnDuration: time.Minute, MaxConnWaitTimeout: cfg.Timeout,
		}
	}
	if len(cfg.SourceAddrs) == 0 {
		return []*fasthttp.HostClient{mk()}
	}
	hcs := make([]*fasthttp.HostClient, len(cfg.SourceAddrs))
	for i, a := range cfg.SourceAddrs {
		d := &net.Dialer{Timeout: cfg.Timeout, LocalAddr: &net.TCPAddr{IP: a.AsSlice()}}
		hc := mk()
		hc.Dial = func(addr string) (net.Conn, error) { return d.Dial("tcp", addr) }
		hcs[i] = hc
	}
	return hcs
}

// pace sleeps until due, in steps that notice the stop; false when the run
// stopped meanwhile.
func pace(st *stopper, due int64) bool {
	for {
		wait := due - nanotime()
		if wait < int64(time.Millisecond) {
			return true
		}
		select {
		case <-st.ch:
			return false
		case <-time.After(min(time.Duration(wait), 50*time.Millisecond)):
		}
	}
}

// transportKind names an HTTP client error for the error table.
func transportKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, fasthttp.ErrTimeout), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, fasthttp.ErrNoFreeConns):
		return "no free connections"
	case errors.Is(err, fasthttp.ErrConnectionClosed), errors.Is(err, io.EOF):
		return "connection closed"
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		return "connect"
	}
	return "other"
}

func (r *httpRun) collect(rep *Report, workers []*httpWorker) {
	rep.Errors = map[string]int64{}
	rep.ErrorSamples = map[string]string{}
	rep.Receipts.Requested = r.cfg.DLR
	rep.Receipts.ByStat = map[string]int64{}
	var lat, rcpt Histogram
	for _, w := range workers {
		rep.addCounts(&w.c)
		lat.Merge(&w.lat)
		rcpt.Merge(&w.rcpt)
		for k, v := range w.errs {
			rep.Errors[k] += v
		}
		for k, v := range w.samples {
			if _, ok := rep.ErrorSamples[k]; !ok {
				rep.ErrorSamples[k] = v
			}
		}
	}
	if k := r.sink; k != nil {
		k.merge(&rcpt)
		rep.Receipts.Expected = rep.Messages.Acked
		rep.Receipts.Received = k.received.Load()
		rep.Receipts.Level1 = k.level1.Load()
		rep.Receipts.Intermediate = k.intermediate.Load()
		rep.Receipts.Unmatched = r.track.unmatched()
		for st := range k.byState {
			if v := k.byState[st].Load(); v > 0 {
				rep.Receipts.ByStat[statName(byte(st))] += v
			}
		}
		k.mu.Lock()
		for key, v := range k.l1Errors {
			rep.Errors[key] += v
		}
		k.mu.Unlock()
		if n := k.noID.Load(); n > 0 {
			rep.Errors["dlr without id"] += n
		}
	}
	rep.SubmitToResp = lat.Summary()
	rep.SubmitToReceipt = rcpt.Summary()
}
