package gateway

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gwd-project/gwd/smsc"
)

// flakyCallbacks is a callback store that refuses while broken and keeps
// what it takes.
type flakyCallbacks struct {
	broken  atomic.Bool
	refused atomic.Int64
	mu      sync.Mutex
	got     []*Callback
}

func (f *flakyCallbacks) Throw(cb *Callback, done func(error)) {
	if f.broken.Load() {
		f.refused.Add(1)
		go done(errors.New("callback store: write failed"))
		return
	}
	f.mu.Lock()
	f.got = append(f.got, cb)
	f.mu.Unlock()
	go done(nil)
}

func (f *flakyCallbacks) taken() []*Callback {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*Callback(nil), f.got...)
}

// The last receipt of a multipart HTTP message arrives while the
// callback store refuses (the DLR index still writes): the SMSC is
// answered ESME_RSYSERR, not OK, and once the callback store works its
// next copy of the receipt is found and reported, once. On main the
// mapping was closed before the callback was stored: the copy was
// "unknown", answered OK, and the receipt lost.
func TestLastMultipartReceiptKeptWhenCallbackStoreFails(t *testing.T) {
	cbs := &flakyCallbacks{}
	cbs.broken.Store(true)
	e := newEnvWith(t, smsc.Config{ReceiptDelay: smsc.Duration{Duration: 200 * time.Millisecond}}, nil, nil,
		func(o *Options) { o.Callbacks = cbs })
	e.waitUp()
	id := e.submitTwoParts("http://127.0.0.1:9/dlr")
	waitUntil(t, "the last receipt refused", func() bool { return cbs.refused.Load() >= 1 })
	if st := e.sim.Stats().Total; st.ReceiptsAcked > 1 {
		t.Fatalf("%d receipts answered OK while the callback store refused (the first part's is the only one owed)", st.ReceiptsAcked)
	}
	cbs.broken.Store(false)
	waitUntil(t, "the message's receipt stored", func() bool { return len(cbs.taken()) >= 1 })
	waitUntil(t, "both receipts answered OK", func() bool { return e.sim.Stats().Total.ReceiptsAcked >= 2 })
	time.Sleep(200 * time.Millisecond)
	got := cbs.taken()
	if len(got) != 1 || got[0].Ref != id {
		t.Fatalf("callbacks stored: %+v, want one for %s", got, id)
	}
	if st := e.sim.Stats().Total; st.ReceiptsLost != 0 {
		t.Fatalf("the SMSC gave up %d receipts", st.ReceiptsLost)
	}
}
