//go:build chaos

package chaos

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/linxGnu/gosmpp"
	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"

	"github.com/gwd-project/gwd/smpp"
)

// load is the mixed load of every scenario: gosmpp ESMEs submitting with
// registered_delivery (each also receives receipts and MO), HTTP /send
// with a level-3 dlr-url, MO from smppsim to the ESMEs and to the HTTP
// connector, and a /secure/sendbatch now and then.
type load struct {
	h       *harness
	stop    chan struct{}
	wg      sync.WaitGroup
	esmes   []*esme
	start   time.Time
	elapsed time.Duration
	moSent  atomic.Int64
	batches atomic.Int64
}

// loadShape is how much of each kind of load runs.
type loadShape struct {
	esmes, esmeWindow, httpSenders int
	esmeRound                      time.Duration // an ESME submits its window at most this often
	moEvery                        time.Duration // one MO this often (0: none)
	batchEvery                     time.Duration // one sendbatch of batchSize this often (0: none)
	batchSize                      int
}

// mixedLoad is paced (about 2,000 MT/s from the ESMEs): the suite checks
// behaviour under faults, bench/ measures the ceiling.
var mixedLoad = loadShape{esmes: 2, esmeWindow: 50, esmeRound: 50 * time.Millisecond, httpSenders: 2, moEvery: 20 * time.Millisecond,
	batchEvery: 5 * time.Second, batchSize: 20}

func (s loadShape) String() string {
	return fmt.Sprintf("%d ESME (%d per %v) + %d HTTP /send + MO %.0f/s + batch of %d every %v",
		s.esmes, s.esmeWindow, s.esmeRound, s.httpSenders, float64(time.Second)/float64(s.moEvery), s.batchSize, s.batchEvery)
}

func startLoad(h *harness, shape loadShape) *load {
	l := &load{h: h, stop: make(chan struct{}), start: time.Now()}
	for range shape.esmes {
		e := dialESME(h)
		l.esmes = append(l.esmes, e)
		l.goLoop(func() {
			next := time.Now().Add(shape.esmeRound)
			e.round(shape.esmeWindow)
			time.Sleep(time.Until(next))
		})
	}
	for range shape.httpSenders {
		l.goLoop(func() { h.sendHTTP() })
	}
	if shape.moEvery > 0 {
		l.goTicker(shape.moEvery, func(n int64) {
			to := moToESME
			if n%2 == 0 {
				to = moToHTTP
			}
			if h.sendMO(to) {
				l.moSent.Add(1)
			}
		})
	}
	if shape.batchEvery > 0 {
		l.goTicker(shape.batchEvery, func(int64) {
			if h.sendBatch(shape.batchSize) {
				l.batches.Add(1)
			}
		})
	}
	return l
}

func (l *load) stopped() bool {
	select {
	case <-l.stop:
		return true
	default:
		return false
	}
}

// goLoop runs fn again and again until the load stops.
func (l *load) goLoop(fn func()) {
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		for !l.stopped() {
			fn()
		}
	}()
}

// goTicker runs fn every d (numbered from 1) until the load stops.
func (l *load) goTicker(d time.Duration, fn func(n int64)) {
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		t := time.NewTicker(d)
		defer t.Stop()
		for n := int64(1); ; n++ {
			select {
			case <-l.stop:
				return
			case <-t.C:
				fn(n)
			}
		}
	}()
}

// end stops sending; the ESMEs stay bound for receipts and MO until
// the harness ends.
func (l *load) end() {
	close(l.stop)
	l.wg.Wait()
	l.elapsed = time.Since(l.start)
}

// esme is a gosmpp transceiver of the chaos account that rebinds by
// itself after gwd goes away.
type esme struct {
	h        *harness
	sess     *gosmpp.Session
	mu       sync.Mutex
	pending  map[int32]string // sequence number → content, of this round
	answered chan struct{}
}

func dialESME(h *harness) *esme {
	h.t.Helper()
	e := &esme{h: h, pending: map[int32]string{}, answered: make(chan struct{}, 1)}
	sess, err := gosmpp.NewSession(
		gosmpp.TRXConnector(gosmpp.NonTLSDialer, gosmpp.Auth{SMSC: h.addr(h.smppPort), SystemID: user, Password: password}),
		gosmpp.Settings{ReadTimeout: 60 * time.Second, WriteTimeout: 5 * time.Second, OnPDU: e.onPDU},
		300*time.Millisecond)
	if err != nil {
		h.t.Fatalf("gosmpp bind: %v", err)
	}
	h.t.Cleanup(func() { _ = sess.Close() })
	e.sess = sess
	return e
}

func (e *esme) onPDU(p pdu.PDU, _ bool) {
	switch pd := p.(type) {
	case *pdu.SubmitSMResp:
		e.mu.Lock()
		content, ok := e.pending[pd.SequenceNumber]
		delete(e.pending, pd.SequenceNumber)
		left := len(e.pending)
		e.mu.Unlock()
		if !ok {
			return // answered after its round gave up on it: not counted
		}
		if pd.CommandStatus == data.ESME_ROK {
			e.h.led.ack(content, pd.MessageID)
		} else {
			e.h.led.refuse(smpp.Status(pd.CommandStatus).String())
		}
		if left == 0 {
			select {
			case e.answered <- struct{}{}:
			default:
			}
		}
	case *pdu.DeliverSM:
		msg, err := pd.Message.GetMessage()
		if err != nil {
			return
		}
		if pd.EsmClass&0x04 != 0 {
			if id, final := receiptID(msg); final {
				e.h.led.receipt(id)
			}
			return
		}
		e.h.led.mo(msg)
	}
}

// receiptID reads the id of a receipt's text ("id:X sub:... stat:Y ...")
// and whether its stat is final.
func receiptID(text string) (string, bool) {
	var id, stat string
	for _, f := range strings.Fields(text) {
		if v, ok := strings.CutPrefix(f, "id:"); ok && id == "" {
			id = v
		}
		if v, ok := strings.CutPrefix(f, "stat:"); ok {
			stat = v
		}
	}
	return id, id != "" && stat != "" && stat != "ENROUTE" && stat != "ACCEPTD"
}

// round submits window messages, then waits for their answers (3 s at
// most: a message unanswered then, gwd killed say, is not acknowledged).
func (e *esme) round(window int) {
	n := 0
	for range window {
		content := nextContent("s")
		sm := pdu.NewSubmitSM().(*pdu.SubmitSM)
		src, dst := pdu.NewAddress(), pdu.NewAddress()
		_ = src.SetAddress("chaos")
		_ = dst.SetAddress("33600000001")
		sm.SourceAddr, sm.DestAddr = src, dst
		_ = sm.Message.SetMessageWithEncoding(content, data.GSM7BIT)
		sm.RegisteredDelivery = 1
		e.mu.Lock()
		e.pending[sm.SequenceNumber] = content
		e.mu.Unlock()
		if err := e.sess.Transceiver().Submit(sm); err != nil {
			e.mu.Lock()
			delete(e.pending, sm.SequenceNumber)
			e.mu.Unlock()
			break
		}
		n++
	}
	if n == 0 {
		time.Sleep(100 * time.Millisecond) // not bound: gosmpp is rebinding
		return
	}
	select {
	case <-e.answered:
	case <-time.After(3 * time.Second):
	}
	e.mu.Lock()
	clear(e.pending)
	e.mu.Unlock()
	select { // an answer signalled while the round was closing
	case <-e.answered:
	default:
	}
}

// sendHTTP makes one /send with a level-3 dlr-url.
func (h *harness) sendHTTP() {
	content := nextContent("h")
	q := url.Values{"username": {user}, "password": {password}, "to": {"33600000002"}, "content": {content},
		"dlr": {"yes"}, "dlr-url": {h.recv.url + "/dlr"}, "dlr-level": {"3"}}
	code, body := h.do("GET", fmt.Sprintf("http://%s/send?%s", h.addr(h.httpPort), q.Encode()), "", "", "")
	if code == 200 && strings.HasPrefix(body, "Success \"") {
		id := strings.Trim(strings.TrimPrefix(strings.TrimSpace(body), "Success "), `"`)
		h.led.ack(content, id)
		return
	}
	if code != 0 {
		h.led.refuse(fmt.Sprintf("HTTP %d", code))
	}
	time.Sleep(50 * time.Millisecond) // refused or gwd away: do not spin
}

// sendMO asks smppsim for one MO to `to`; gwd acknowledging it is in
// smppsim's record.
func (h *harness) sendMO(to string) bool {
	resp, err := h.client.PostForm(fmt.Sprintf("http://%s/mo", h.addr(h.simStats)),
		url.Values{"from": {"33699999999"}, "to": {to}, "content": {nextContent("o")}})
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == 200
}

// sendBatch posts a /secure/sendbatch of n messages; every message of an
// accepted batch is acknowledged (batches are stored before the answer).
func (h *harness) sendBatch(n int) bool {
	type msg struct {
		To      string `json:"to"`
		Content string `json:"content"`
	}
	var b struct {
		Messages []msg `json:"messages"`
	}
	for range n {
		b.Messages = append(b.Messages, msg{To: "33600000003", Content: nextContent("b")})
	}
	body, _ := json.Marshal(b)
	code, resp := h.do("POST", fmt.Sprintf("http://%s/secure/sendbatch", h.addr(h.httpPort)), user, password, string(body))
	if code != 200 || !strings.Contains(resp, "batchId") {
		if code != 0 {
			h.led.refuse(fmt.Sprintf("sendbatch HTTP %d", code))
		}
		return false
	}
	for _, m := range b.Messages {
		h.led.ack(m.Content, "")
	}
	return true
}
