package smsc

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"time"
)

// serveHTTP starts the stats and control server:
//
//	GET  /stats                         counters, total and per bind (JSON)
//	POST /drop[?system_id=X]            drop connections without unbinding
//	POST /mo?from=&to=&content=&coding=&split=&system_id=
//	                                    send one MO (long content is split)
//	POST /faults?drop_percent=&no_response_percent=&throttle=&response_delay=
//	                                    change the injected faults (omitted: unchanged)
//	POST /stall?for=2s                  stop reading SMPP for that long
func (sim *Sim) serveHTTP(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, sim.Stats())
	})
	mux.HandleFunc("POST /drop", func(w http.ResponseWriter, r *http.Request) {
		n := sim.Drop(r.FormValue("system_id"))
		writeJSON(w, http.StatusOK, map[string]int{"dropped": n})
	})
	mux.HandleFunc("POST /mo", func(w http.ResponseWriter, r *http.Request) {
		m := MO{
			From: r.FormValue("from"), To: r.FormValue("to"), Content: r.FormValue("content"),
			Coding: r.FormValue("coding"), Split: r.FormValue("split"), SystemID: r.FormValue("system_id"),
		}
		if m.From == "" || m.To == "" || m.Content == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "from, to and content are required"})
			return
		}
		if m.Split != "" && m.Split != "udh" && m.Split != "sar" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("split %q: want udh or sar", m.Split)})
			return
		}
		n, err := sim.SendMO(m)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]int{"parts": n})
	})
	mux.HandleFunc("POST /faults", func(w http.ResponseWriter, r *http.Request) {
		err := r.ParseForm()
		var c Faults
		if err == nil {
			c, err = parseFaults(r.Form)
		}
		if err == nil {
			err = sim.SetFaults(c)
		}
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"faults": "changed"})
	})
	mux.HandleFunc("POST /stall", func(w http.ResponseWriter, r *http.Request) {
		d, err := time.ParseDuration(r.FormValue("for"))
		if err != nil || d <= 0 || d > time.Hour {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "for: want a duration from 1ns to 1h"})
			return
		}
		until := sim.Stall(d)
		writeJSON(w, http.StatusOK, map[string]string{"stalled_until": until.Format(time.RFC3339Nano)})
	})
	sim.httpLn = ln
	sim.http = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = sim.http.Serve(ln) }()
	return nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
