package load

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gwd-project/gwd/engine/session"
	"github.com/gwd-project/gwd/netio"
	"github.com/gwd-project/gwd/smpp"
)

// SMPPConfig describes an SMPP run: Binds sessions of Window outstanding
// submits each, against any SMPP server.
type SMPPConfig struct {
	Addr       string
	SystemID   string
	Password   string
	SystemType string
	// Bind is "trx" (transceiver, needed for receipts) or "tx".
	Bind   string
	Binds  int
	Window int
	// Receipts sets registered_delivery 1 and counts the receipts back;
	// after the last response the run waits up to ReceiptWait for them.
	Receipts bool
	// ResponseTimeout gives up on a submit without response (default
	// 10 s); BindTimeout on a bind (default 10 s).
	ResponseTimeout time.Duration
	BindTimeout     time.Duration
	Traffic
}

// Defaults of the optional SMPPConfig fields.
const (
	DefaultWindow          = 100
	DefaultLongParts       = 3
	DefaultResponseTimeout = 10 * time.Second
	DefaultBindTimeout     = 10 * time.Second
	maxAddrLen             = 20 // source_addr and destination_addr octets
	dstDigits              = 8
)

// Validate checks c as RunSMPP would, so that a command can tell a usage
// error from a failed run.
func (c SMPPConfig) Validate() error {
	_, err := c.normalized()
	return err
}

func (c SMPPConfig) normalized() (SMPPConfig, error) {
	if c.Addr == "" {
		return c, errors.New("smpp: -addr is required")
	}
	switch c.Bind {
	case "":
		c.Bind = "trx"
	case "trx", "tx":
	default:
		return c, fmt.Errorf("smpp: bind %q: want trx or tx", c.Bind)
	}
	if c.Receipts && c.Bind != "trx" {
		return c, errors.New("smpp: receipts need -bind trx: a transmitter bind cannot receive them")
	}
	if c.Binds == 0 {
		c.Binds = 1
	}
	if c.Window == 0 {
		c.Window = DefaultWindow
	}
	if c.LongParts == 0 {
		c.LongParts = DefaultLongParts
	}
	if c.ResponseTimeout <= 0 {
		c.ResponseTimeout = DefaultResponseTimeout
	}
	if c.BindTimeout <= 0 {
		c.BindTimeout = DefaultBindTimeout
	}
	if c.Src == "" {
		c.Src = "1000"
	}
	switch {
	case c.Binds < 1 || c.Binds > 1000:
		return c, fmt.Errorf("smpp: binds %d: want 1 to 1000", c.Binds)
	case c.Window < 1 || c.Window > 100000:
		return c, fmt.Errorf("smpp: window %d: want 1 to 100000", c.Window)
	case c.Rate < 0:
		return c, fmt.Errorf("smpp: rate %g: want 0 (flat out) or more", c.Rate)
	case c.Count < 1:
		return c, fmt.Errorf("smpp: count %d: a run needs a message count of 1 or more", c.Count)
	case c.Duration <= 0:
		return c, fmt.Errorf("smpp: duration %v: a run needs a positive duration", c.Duration)
	case c.LongParts < 2 || c.LongParts > MaxLongParts:
		return c, fmt.Errorf("smpp: long parts %d: want 2 to %d", c.LongParts, MaxLongParts)
	case c.ReceiptWait < 0:
		return c, fmt.Errorf("smpp: receipt wait %v: want 0 or more", c.ReceiptWait)
	case len(c.SystemID) > 15 || strings.IndexByte(c.SystemID, 0) >= 0:
		return c, fmt.Errorf("smpp: system id %q: want at most 15 characters (SMPP v3.4)", c.SystemID)
	case len(c.Password) > 8 || strings.IndexByte(c.Password, 0) >= 0:
		return c, errors.New("smpp: password: want at most 8 characters (SMPP v3.4)")
	case len(c.SystemType) > 12 || strings.IndexByte(c.SystemType, 0) >= 0:
		return c, fmt.Errorf("smpp: system type %q: want at most 12 characters (SMPP v3.4)", c.SystemType)
	case len(c.Src) > maxAddrLen || strings.IndexByte(c.Src, 0) >= 0:
		return c, fmt.Errorf("smpp: src %q: longer than %d characters", c.Src, maxAddrLen)
	case len(c.DstPrefix)+dstDigits > maxAddrLen || !allDigits(c.DstPrefix):
		return c, fmt.Errorf("smpp: dst prefix %q: want up to %d digits", c.DstPrefix, maxAddrLen-dstDigits)
	}
	return c, nil
}

// settings echoes c into a report.
func (c SMPPConfig) settings() Settings {
	return Settings{
		Bind: c.Bind, Binds: c.Binds, Window: c.Window, Rate: c.Rate, Count: c.Count,
		Duration: c.Duration.String(), Content: c.Content.String(), LongParts: c.LongParts,
		Receipts: c.Receipts, ReceiptWait: c.ReceiptWait.String(),
	}
}

// smppRun is one SMPP run.
type smppRun struct {
	cfg      SMPPConfig
	pay      *payloads
	track    *tracker // nil without receipts
	stop     *stopper
	start    int64
	srcTON   byte
	srcNPI   byte
	bindType smpp.CommandID
}

// slot is one outstanding submit_sm: the Send ctx that comes back with
// its response.
type slot struct {
	t0  int64
	msg *message
}

// message is one message in flight, until all of its parts are answered.
type message struct {
	remaining  atomic.Int32
	failed     atomic.Bool
	unanswered atomic.Bool
}

// smppBind is one session and its sender. Fields under "callbacks" are
// touched only from the session's App methods, which the session calls
// one at a time; they are read after Closed.
type smppBind struct {
	session.BaseApp
	run  *smppRun
	idx  int
	sess *session.Session
	c    counters

	slots chan *slot
	msgs  chan *message

	lastResp atomic.Int64
	closed   chan struct{}
	closeErr error // set by Closed, read after closed is closed

	// callbacks
	resp         Histogram
	rcpt         Histogram
	errs         map[string]int64
	byState      [9]int64
	intermediate int64
	mo           int64

	// sender
	pdu     smpp.PDU
	sm      []byte
	dst     []byte
	sendErr error
}

// RunSMPP binds, sends, waits for responses and receipts, unbinds and
// reports. It returns an error, and no report, when the target cannot be
// reached, a bind fails or smppsim's stats cannot be read at the start.
// Cancelling ctx ends the send phase early; the report says "interrupted".
func RunSMPP(ctx context.Context, cfg SMPPConfig) (*Report, error) {
	cfg, err := cfg.normalized()
	if err != nil {
		return nil, err
	}
	rep, err := newReport(ctx, "smpp", cfg.Addr, cfg.settings(), cfg.SimStatsURL)
	if err != nil {
		return nil, err
	}
	r := &smppRun{cfg: cfg, pay: newPayloads(cfg.LongParts), stop: newStopper(), srcTON: 1, srcNPI: 1, bindType: smpp.BindTransceiver}
	if cfg.Bind == "tx" {
		r.bindType = smpp.BindTransmitter
	}
	if _, err := strconv.ParseUint(cfg.Src, 10, 64); err != nil {
		r.srcTON, r.srcNPI = 5, 0 // alphanumeric
	}
	if cfg.Receipts {
		r.track = newTracker(min(cfg.Count*cfg.LongParts, 1<<20))
	}

	d, err := netio.NewDialer(netio.Options{DialTimeout: cfg.BindTimeout})
	if err != nil {
		return nil, fmt.Errorf("smpp: %w", err)
	}
	defer d.Close()
	binds, err := r.bindAll(ctx, d)
	if err != nil {
		return nil, err
	}

	cs := make([]*counters, len(binds))
	for i, b := range binds {
		cs[i] = &b.c
	}
	var endPhase func()
	r.start, endPhase = startPhase(ctx, r.stop, cfg.Duration, cfg.Progress, cfg.ProgressInterval, cs, nil)
	var wg sync.WaitGroup
	for i, b := range binds {
		n := cfg.Count / len(binds)
		if i < cfg.Count%len(binds) {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.sendLoop(n)
		}()
	}
	wg.Wait()
	lost := 0
	for _, b := range binds {
		if b.sendErr != nil {
			lost++
		}
	}
	if lost == len(binds) {
		r.stop.stop("connections lost")
	}
	r.stop.stop("count")
	sendEnd := nanotime()

	// Wait for the responses still due; the session gives up on each
	// after the response timeout, so this is bounded.
	drainUntil := time.Now().Add(cfg.ResponseTimeout + 2*time.Second)
	if ctx.Err() != nil {
		drainUntil = time.Now().Add(time.Second)
	}
	for _, b := range binds {
		for len(b.slots) < cap(b.slots) && time.Now().Before(drainUntil) {
			select {
			case <-b.sess.Done():
			case <-time.After(2 * time.Millisecond):
				continue
			}
			break
		}
	}
	for _, b := range binds {
		sendEnd = max(sendEnd, b.lastResp.Load())
	}
	rep.SendSeconds = float64(sendEnd-r.start) / 1e9

	if cfg.Receipts && ctx.Err() == nil {
		r.waitReceipts(ctx, binds)
	}
	rep.simAfter(ctx)
	endPhase()

	r.unbindAll(binds)
	r.collect(rep, binds)
	rep.TotalSeconds = time.Since(rep.StartedAt).Seconds()
	rep.StopReason = r.stop.reason
	rep.finish()
	return rep, nil
}

// bindAll opens and binds every session; on any failure it closes those
// already open and returns the failure.
func (r *smppRun) bindAll(ctx context.Context, d *netio.Dialer) ([]*smppBind, error) {
	cfg := r.cfg
	scfg := session.Config{
		BindTimeout:     cfg.BindTimeout,
		ResponseTimeout: cfg.ResponseTimeout,
		// One more than our own limit, for the session's enquire_link.
		Window: cfg.Window + 1,
	}
	binds := make([]*smppBind, 0, cfg.Binds)
	fail := func(err error) ([]*smppBind, error) {
		for _, b := range binds {
			b.sess.Close()
		}
		for _, b := range binds {
			select {
			case <-b.closed:
			case <-time.After(2 * time.Second):
			}
		}
		return nil, err
	}
	for i := range cfg.Binds {
		b := newSMPPBind(r, i)
		name := fmt.Sprintf("smpp: bind %d/%d as %q to %s", i+1, cfg.Binds, cfg.SystemID, cfg.Addr)
		bctx, cancel := context.WithTimeout(ctx, cfg.BindTimeout)
		s, err := session.Dial(bctx, d, cfg.Addr, scfg, b, session.BindRequest{
			Type: r.bindType, SystemID: cfg.SystemID, Password: cfg.Password, SystemType: cfg.SystemType,
		})
		if err != nil {
			cancel()
			return fail(fmt.Errorf("smpp: cannot reach %s (bind %d/%d): %w", cfg.Addr, i+1, cfg.Binds, err))
		}
		b.sess = s
		binds = append(binds, b)
		err = s.WaitBound(bctx)
		cancel()
		if err != nil {
			return fail(fmt.Errorf("%s: %w", name, err))
		}
	}
	return binds, nil
}

func newSMPPBind(r *smppRun, idx int) *smppBind {
	w := r.cfg.Window
	b := &smppBind{
		run: r, idx: idx,
		slots:  make(chan *slot, w),
		msgs:   make(chan *message, w+1),
		closed: make(chan struct{}),
		errs:   map[string]int64{},
	}
	slots := make([]slot, w)
	for i := range slots {
		b.slots <- &slots[i]
	}
	msgs := make([]message, w+1)
	for i := range msgs {
		b.msgs <- &msgs[i]
	}
	p := &b.pdu
	p.Command = smpp.SubmitSM
	p.Source = smpp.Address{TON: r.srcTON, NPI: r.srcNPI, Addr: []byte(r.cfg.Src)}
	p.Dest = smpp.Address{TON: 1, NPI: 1}
	if r.cfg.Receipts {
		p.RegisteredDelivery = 1
	}
	b.sm = make([]byte, 0, 6+longPartChars)
	b.dst = make([]byte, 0, maxAddrLen)
	return b
}

// sendLoop submits n messages, message numbers idx, idx+binds, … so that
// the content mix and destinations interleave across binds.
func (b *smppBind) sendLoop(n int) {
	r := b.run
	binds := uint64(r.cfg.Binds)
	var interval float64 // nanoseconds between messages of this bind
	if r.cfg.Rate > 0 {
		interval = 1e9 * float64(binds) / r.cfg.Rate
	}
	for i := range n {
		if r.stop.stopped() {
			return
		}
		if interval > 0 && !pace(r.stop, r.start+int64(float64(i)*interval)) {
			return
		}
		num := uint64(b.idx) + uint64(i)*binds
		if !b.sendMessage(num) {
			return
		}
	}
}

// sendMessage submits message num, all of its parts. It returns false when
// the run stopped before it began or the session is gone.
func (b *smppBind) sendMessage(num uint64) bool {
	r := b.run
	var m *message
	select {
	case m = <-b.msgs:
	case <-r.stop.ch:
		return false
	case <-b.sess.Done():
		b.sendErr = b.sess.Err()
		return false
	}
	kind := r.cfg.Content.Kind(num)
	parts := r.pay.parts(kind)
	m.remaining.Store(int32(parts))
	m.failed.Store(false)
	m.unanswered.Store(false)

	p := &b.pdu
	b.dst = appendDest(b.dst[:0], r.cfg.DstPrefix, num)
	p.Dest.Addr = b.dst
	p.EsmClass, p.DataCoding = 0, 0
	switch kind {
	case GSM7:
		p.ShortMessage = r.pay.gsm7
	case UCS2:
		p.ShortMessage, p.DataCoding = r.pay.ucs2, 8
	case Long:
		p.EsmClass = 0x40 // UDHI
	}
	for part := range parts {
		if kind == Long {
			b.sm = append(b.sm[:0], 0x05, 0x00, 0x03, byte(num), byte(parts), byte(part+1))
			b.sm = append(b.sm, r.pay.chunks[part]...)
			p.ShortMessage = b.sm
		}
		var sl *slot
		if part == 0 {
			select {
			case sl = <-b.slots:
			case <-r.stop.ch:
				b.msgs <- m
				return false
			case <-b.sess.Done():
			}
		} else {
			// A message started is finished, stop or not: half a
			// concatenated message is no use to anyone.
			select {
			case sl = <-b.slots:
			case <-b.sess.Done():
			}
		}
		err := netio.ErrClosed
		if sl != nil {
			sl.t0, sl.msg = nanotime(), m
			err = b.submit(sl)
		}
		if err != nil {
			if sl != nil {
				b.slots <- sl
			}
			if part == 0 {
				b.msgs <- m
			} else {
				m.unanswered.Store(true)
				b.partsDone(m, int32(parts-part))
			}
			b.sendErr = err
			if e := b.sess.Err(); e != nil {
				b.sendErr = e
			}
			return false
		}
		b.c.pdusSent.Add(1)
	}
	b.c.msgsSent.Add(1)
	return true
}

// submit sends the PDU with sl as its context, waiting out a window held
// full by the session's own enquire_link.
func (b *smppBind) submit(sl *slot) error {
	for {
		_, err := b.sess.Send(&b.pdu, sl)
		if !errors.Is(err, session.ErrWindowFull) {
			return err
		}
		select {
		case <-b.sess.Done():
			return b.sess.Err()
		case <-time.After(200 * time.Microsecond):
		}
	}
}

func allDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// appendDest appends prefix and num's last eight digits, zero padded.
func appendDest(dst []byte, prefix string, num uint64) []byte {
	dst = append(dst, prefix...)
	var d [dstDigits]byte
	v := num % 100_000_000
	for i := dstDigits - 1; i >= 0; i-- {
		d[i] = byte('0' + v%10)
		v /= 10
	}
	return append(dst, d[:]...)
}

// partsDone settles n parts of m; the last settles the message.
func (b *smppBind) partsDone(m *message, n int32) {
	if m.remaining.Add(-n) != 0 {
		return
	}
	switch {
	case m.failed.Load():
		b.c.msgsFailed.Add(1)
	case m.unanswered.Load():
		b.c.msgsUnanswered.Add(1)
	default:
		b.c.msgsAcked.Add(1)
	}
	b.msgs <- m
}

// Response implements session.App: submit_sm_resp or generic_nack.
func (b *smppBind) Response(s *session.Session, resp *smpp.PDU, ctx any) {
	sl, ok := ctx.(*slot)
	if !ok {
		return
	}
	now := nanotime()
	t0, m := sl.t0, sl.msg
	b.slots <- sl
	b.resp.Record(now - t0)
	b.lastResp.Store(now)
	switch {
	case resp.Command == smpp.GenericNack:
		b.errs["generic_nack "+resp.Status.String()]++
		b.c.pdusFailed.Add(1)
		m.failed.Store(true)
	case resp.Status != smpp.ESME_ROK:
		b.errs[resp.Status.String()]++
		b.c.pdusFailed.Add(1)
		m.failed.Store(true)
	default:
		b.c.pdusAcked.Add(1)
		if b.run.track != nil && len(resp.MessageID) > 0 {
			if lat, ok := b.run.track.submitted(resp.MessageID, t0); ok {
				b.rcpt.Record(lat)
			}
		}
	}
	b.partsDone(m, 1)
}

// NoResponse implements session.App.
func (b *smppBind) NoResponse(s *session.Session, cmd smpp.CommandID, seq uint32, ctx any, reason error) {
	sl, ok := ctx.(*slot)
	if !ok {
		return
	}
	m := sl.msg
	b.slots <- sl
	if errors.Is(reason, session.ErrResponseTimeout) {
		b.errs["no_response"]++
	} else {
		b.errs["connection_closed"]++
	}
	b.c.pdusNoResp.Add(1)
	m.unanswered.Store(true)
	b.partsDone(m, 1)
}

// Request implements session.App: receipts (and MO) by deliver_sm or
// data_sm.
func (b *smppBind) Request(s *session.Session, req *smpp.PDU) {
	switch req.Command {
	case smpp.DeliverSM, smpp.DataSM:
	default:
		_ = s.Respond(req.Command, req.Seq, smpp.ESME_RINVCMDID, nil)
		return
	}
	id, state, ok := ReceiptOf(req)
	switch {
	case !ok:
		b.mo++
	case state == smpp.MessageStateEnroute:
		b.intermediate++
	default:
		b.byState[state]++
		b.c.receipts.Add(1)
		if b.run.track != nil {
			if lat, ok := b.run.track.received(id, nanotime()); ok {
				b.rcpt.Record(lat)
			}
		}
	}
	_ = s.Respond(req.Command, req.Seq, smpp.ESME_ROK, nil)
}

// Closed implements session.App.
func (b *smppBind) Closed(s *session.Session, err error) {
	b.closeErr = err
	close(b.closed)
}

// waitReceipts waits until a receipt came back for every acknowledged
// PDU, ReceiptWait passes, every session is gone or ctx ends.
func (r *smppRun) waitReceipts(ctx context.Context, binds []*smppBind) {
	deadline := time.Now().Add(r.cfg.ReceiptWait)
	for {
		var acked, got int64
		alive := 0
		for _, b := range binds {
			acked += b.c.pdusAcked.Load()
			got += b.c.receipts.Load()
			if b.sess.State() != session.Closed {
				alive++
			}
		}
		if got >= acked || alive == 0 || !time.Now().Before(deadline) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// unbindAll unbinds every session and waits (boundedly) for each to end,
// closing those that do not answer.
func (r *smppRun) unbindAll(binds []*smppBind) {
	for _, b := range binds {
		b.sess.Unbind()
	}
	deadline := time.After(3 * time.Second)
	for _, b := range binds {
		select {
		case <-b.closed:
		case <-deadline:
			b.sess.Close()
		}
	}
	late := time.After(5 * time.Second)
	for _, b := range binds {
		select {
		case <-b.closed:
		case <-late:
		}
	}
}

// collect merges the binds' counters and histograms into rep.
func (r *smppRun) collect(rep *Report, binds []*smppBind) {
	rep.Errors = map[string]int64{}
	rep.Receipts.Requested = r.cfg.Receipts
	rep.Receipts.ByStat = map[string]int64{}
	var resp, rcpt Histogram
	for _, b := range binds {
		rep.addCounts(&b.c)
		rep.Receipts.Received += b.c.receipts.Load()
		if b.sendErr != nil {
			rep.ConnErrors = append(rep.ConnErrors, fmt.Sprintf("bind %d: %v", b.idx+1, b.sendErr))
		}
		select {
		case <-b.closed:
		default:
			rep.ConnErrors = append(rep.ConnErrors, fmt.Sprintf("bind %d: did not close; its latencies and errors are left out", b.idx+1))
			continue
		}
		// Ended other than by our unbind (or the close that follows an
		// unanswered one), and not already reported by its sender.
		if e := b.closeErr; b.sendErr == nil && e != nil && !errors.Is(e, session.ErrUnbound) && !errors.Is(e, netio.ErrClosed) {
			rep.ConnErrors = append(rep.ConnErrors, fmt.Sprintf("bind %d: %v", b.idx+1, e))
		}
		resp.Merge(&b.resp)
		rcpt.Merge(&b.rcpt)
		for k, v := range b.errs {
			rep.Errors[k] += v
		}
		for st, v := range b.byState {
			if v > 0 {
				rep.Receipts.ByStat[statName(byte(st))] += v
			}
		}
		rep.Receipts.Intermediate += b.intermediate
		rep.Receipts.MO += b.mo
	}
	if r.cfg.Receipts {
		rep.Receipts.Expected = rep.PDUs.Acked
		rep.Receipts.Unmatched = r.track.unmatched()
	}
	rep.SubmitToResp = resp.Summary()
	rep.SubmitToReceipt = rcpt.Summary()
}
