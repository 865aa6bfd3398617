//go:build chaos

package chaos

import (
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// receiver is the HTTP end of gwd's callbacks: dlr-url receipts on /dlr,
// MO of the HTTP connector on /mo. Down, it answers 503 to everything
// (for a scenario with the receiver away).
type receiver struct {
	url  string
	led  *ledger
	down atomic.Bool
	dlrs atomic.Int64 // requests, all levels
	mos  atomic.Int64
}

func startReceiver(t *testing.T, led *ledger) *receiver {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &receiver{url: "http://" + ln.Addr().String(), led: led}
	mux := http.NewServeMux()
	mux.HandleFunc("/dlr", func(w http.ResponseWriter, req *http.Request) {
		if r.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		r.dlrs.Add(1)
		// Level 1 says ESME_ROK (the SMSC's answer); the receipt's level
		// carries its stat (DELIVRD, ...).
		if st := req.FormValue("message_status"); st != "" && !strings.HasPrefix(st, "ESME_") {
			r.led.receipt(req.FormValue("id"))
		}
		_, _ = w.Write([]byte("ACK/Jasmin"))
	})
	mux.HandleFunc("/mo", func(w http.ResponseWriter, req *http.Request) {
		if r.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		r.mos.Add(1)
		r.led.mo(req.FormValue("content"))
		_, _ = w.Write([]byte("ACK/Jasmin"))
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return r
}
