package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/valyala/fasthttp"
)

// fakeJasmin answers /send and /secure/send as Jasmin's manual says and
// posts receipts (an SMS-C level then a terminal one, as Jasmin does for
// dlr-level 3) to the dlr-url of each request that asks for them.
type fakeJasmin struct {
	user, pass string
	ln         net.Listener
	srv        *fasthttp.Server
	n          atomic.Int64

	mu    sync.Mutex
	reqs  []map[string]string // parameters of each accepted request
	tries []try               // every /send request, accepted or not
	conns atomic.Int64        // connections accepted

	jobs    chan dlrJob
	acked   atomic.Int64 // callbacks answered ACK/Jasmin
	badAcks atomic.Int64
	wg      sync.WaitGroup
}

// try is who sent a request: its source address and username.
type try struct{ src, user string }

type dlrJob struct{ url, method, id string }

func startFakeJasmin(t *testing.T, user, pass string) *fakeJasmin {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	j := &fakeJasmin{user: user, pass: pass, ln: ln, jobs: make(chan dlrJob, 100000)}
	j.srv = &fasthttp.Server{Handler: j.handle, ConnState: func(_ net.Conn, s fasthttp.ConnState) {
		if s == fasthttp.StateNew {
			j.conns.Add(1)
		}
	}}
	go func() { _ = j.srv.Serve(ln) }()
	for range 2 {
		j.wg.Add(1)
		go j.postReceipts()
	}
	t.Cleanup(func() {
		_ = j.srv.Shutdown()
		close(j.jobs)
		j.wg.Wait()
	})
	return j
}

func (j *fakeJasmin) url(path string) string { return "http://" + j.ln.Addr().String() + path }

func (j *fakeJasmin) handle(ctx *fasthttp.RequestCtx) {
	params := map[string]string{}
	rest := string(ctx.Path()) == "/secure/send"
	switch {
	case rest:
		user, pass, ok := basicAuth(string(ctx.Request.Header.Peek("Authorization")))
		if !ok || user != j.user || pass != j.pass {
			ctx.SetStatusCode(401)
			ctx.SetBodyString(`{"message": "Authentication failure"}`)
			return
		}
		var body map[string]any
		if err := json.Unmarshal(ctx.PostBody(), &body); err != nil {
			ctx.SetStatusCode(400)
			ctx.SetBodyString(`{"message": "Error \"bad json"}`)
			return
		}
		for k, v := range body {
			params[k] = fmt.Sprint(v)
		}
	case string(ctx.Path()) == "/send":
		ctx.PostArgs().VisitAll(func(k, v []byte) { params[string(k)] = string(v) })
		j.mu.Lock()
		j.tries = append(j.tries, try{src: ctx.RemoteIP().String(), user: params["username"]})
		j.mu.Unlock()
		if params["username"] != j.user || params["password"] != j.pass {
			ctx.SetStatusCode(403)
			ctx.SetBodyString(`Error "Authentication failure for username:` + params["username"] + `"`)
			return
		}
	default:
		ctx.SetStatusCode(404)
		return
	}
	if params["to"] == "" {
		ctx.SetStatusCode(400)
		ctx.SetBodyString(`Error "Mandatory argument [to] is not found."`)
		return
	}
	id := fmt.Sprintf("%08x-4b1d-4c3e-8f00-%012x", j.n.Add(1), time.Now().UnixNano()&0xFFFFFFFFFFFF)
	params["_path"] = string(ctx.Path())
	j.mu.Lock()
	j.reqs = append(j.reqs, params)
	j.mu.Unlock()
	if rest {
		ctx.SetBodyString(`{"data": "Success \"` + id + `"}`)
	} else {
		ctx.SetBodyString(`Success "` + id + `"`)
	}
	if params["dlr"] == "yes" && params["dlr-url"] != "" {
		j.jobs <- dlrJob{url: params["dlr-url"], method: params["dlr-method"], id: id}
	}
}

func basicAuth(h string) (user, pass string, ok bool) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(h, "Basic "))
	if err != nil {
		return "", "", false
	}
	user, pass, ok = strings.Cut(string(b), ":")
	return user, pass, ok
}

func (j *fakeJasmin) postReceipts() {
	defer j.wg.Done()
	c := &fasthttp.Client{}
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	for job := range j.jobs {
		for _, form := range []string{
			"id=" + job.id + "&level=1&message_status=ESME_ROK&connector=smsc1",
			"id=" + job.id + "&level=2&message_status=DELIVRD&connector=smsc1&id_smsc=6B02&sub=001&dlvrd=001&err=000&text=hello",
		} {
			req.Reset()
			if job.method == "GET" {
				req.SetRequestURI(job.url + "?" + form)
			} else {
				req.SetRequestURI(job.url)
				req.Header.SetMethod("POST")
				req.Header.SetContentType("application/x-www-form-urlencoded")
				req.SetBodyString(form)
			}
			if err := c.DoTimeout(req, resp, 5*time.Second); err == nil && resp.StatusCode() == 200 && string(resp.Body()) == "ACK/Jasmin" {
				j.acked.Add(1)
			} else {
				j.badAcks.Add(1)
			}
		}
	}
}

func (j *fakeJasmin) requests() []map[string]string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]map[string]string(nil), j.reqs...)
}

func TestHTTPSendWithReceipts(t *testing.T) {
	j := startFakeJasmin(t, "foo", "bar")
	out := filepath.Join(t.TempDir(), "http.json")
	code, stdout, stderr := runBench(t, "http", "-url", j.url("/send"), "-username", "foo", "-password", "bar",
		"-concurrency", "8", "-count", "600", "-duration", "60s", "-content", "mix",
		"-dlr", "-receipt-wait", "15s", "-json", out, "-progress", "0")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	r := readReport(t, out)
	if r.Messages.Sent != 600 || r.Messages.Acked != 600 || len(r.Errors) != 0 {
		t.Errorf("messages %+v, errors %v; want 600 acknowledged, no errors", r.Messages, r.Errors)
	}
	if r.PDUs.Acked != 200+200+200*3 {
		t.Errorf("pdus acked %d, want 1000 (gsm7 + ucs2 + 3-part long)", r.PDUs.Acked)
	}
	rc := r.Receipts
	if rc.Received != 600 || rc.Level1 != 600 || rc.ByStat["DELIVRD"] != 600 || rc.Missing != 0 || rc.Unmatched != 0 {
		t.Errorf("receipts %+v; want 600 terminal DELIVRD and 600 level 1", rc)
	}
	if r.SubmitToResp.Count != 600 || r.SubmitToReceipt.Count != 600 {
		t.Errorf("latency counts resp %d, receipt %d; want 600", r.SubmitToResp.Count, r.SubmitToReceipt.Count)
	}
	if n := j.acked.Load(); n != 1200 || j.badAcks.Load() != 0 {
		t.Errorf("sink answered ACK/Jasmin to %d callbacks (%d not), want 1200", n, j.badAcks.Load())
	}
	reqs := j.requests()
	if len(reqs) != 600 {
		t.Fatalf("server accepted %d requests, want 600", len(reqs))
	}
	kinds := map[string]int{}
	tos := map[string]bool{}
	for _, p := range reqs {
		tos[p["to"]] = true
		if p["from"] != "1000" || p["dlr"] != "yes" || p["dlr-level"] != "3" || p["dlr-method"] != "POST" || !strings.HasPrefix(p["dlr-url"], "http://127.0.0.1:") {
			t.Fatalf("request parameters %v", p)
		}
		switch {
		case p["coding"] == "8":
			b, err := hex.DecodeString(p["hex-content"])
			if err != nil || len(b)%2 != 0 {
				t.Fatalf("ucs2 hex-content %q: %v", p["hex-content"], err)
			}
			u := make([]uint16, len(b)/2)
			for i := range u {
				u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
			}
			if s := string(utf16.Decode(u)); !strings.Contains(s, "Привет") {
				t.Fatalf("ucs2 content decodes to %q", s)
			}
			kinds["ucs2"]++
		case len(p["content"]) == 3*153:
			kinds["long"]++
		case strings.HasPrefix(p["content"], "gwd bench GSM7"):
			kinds["gsm7"]++
		default:
			t.Fatalf("unexpected content in %v", p)
		}
	}
	if kinds["gsm7"] != 200 || kinds["ucs2"] != 200 || kinds["long"] != 200 {
		t.Errorf("content mix %v, want 200 of each", kinds)
	}
	if len(tos) != 600 {
		t.Errorf("%d distinct destinations, want 600", len(tos))
	}
}

func TestHTTPRESTWithGETReceipts(t *testing.T) {
	j := startFakeJasmin(t, "foo", "bar")
	out := filepath.Join(t.TempDir(), "rest.json")
	// A -url path of /send is taken as the REST API's /secure/send.
	code, stdout, stderr := runBench(t, "http", "-rest", "-url", j.url("/send"), "-username", "foo", "-password", "bar",
		"-concurrency", "4", "-count", "200", "-dlr", "-dlr-method", "GET", "-receipt-wait", "15s", "-json", out, "-progress", "0")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	r := readReport(t, out)
	if r.Messages.Acked != 200 || r.Receipts.Received != 200 || r.SubmitToReceipt.Count != 200 || len(r.Errors) != 0 {
		t.Errorf("acked %d, receipts %+v, errors %v; want 200 and 200", r.Messages.Acked, r.Receipts, r.Errors)
	}
	for _, p := range j.requests() {
		if p["_path"] != "/secure/send" || p["dlr-level"] != "3" || p["dlr-method"] != "GET" || p["username"] != "" || p["content"] == "" {
			t.Fatalf("REST request %v", p)
		}
	}
}

func TestHTTPWrongPasswordCountsErrors(t *testing.T) {
	j := startFakeJasmin(t, "foo", "bar")
	out := filepath.Join(t.TempDir(), "bad.json")
	code, stdout, stderr := runBench(t, "http", "-url", j.url("/send"), "-username", "foo", "-password", "nope",
		"-concurrency", "2", "-count", "50", "-json", out, "-progress", "0")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	r := readReport(t, out)
	if r.Messages.Acked != 0 || r.Messages.Failed != 50 || r.Errors["HTTP 403"] != 50 {
		t.Errorf("messages %+v, errors %v; want 50 failed with HTTP 403", r.Messages, r.Errors)
	}
	if s := r.ErrorSamples["HTTP 403"]; s != `Error "Authentication failure for username:foo"` {
		t.Errorf("error sample %q", s)
	}
	if !strings.Contains(stdout, "HTTP 403") || !strings.Contains(stdout, "Authentication failure") {
		t.Errorf("table lacks the error:\n%s", stdout)
	}
}

func TestHTTPUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	code, _, stderr := runBench(t, "http", "-url", "http://"+addr+"/send", "-username", "u", "-password", "p", "-count", "5", "-progress", "0")
	if code != 1 || !strings.Contains(stderr, "cannot reach http://"+addr+"/send") {
		t.Errorf("exit %d, stderr %q; want 1 and cannot reach", code, stderr)
	}
}

// A flood as bench/auth-flood.sh sends it: wrong passwords from several
// source addresses, spread over usernames, a connection per request, at a
// fixed rate; every refusal is counted and the run goes on.
func TestHTTPFloodFromManySources(t *testing.T) {
	j := startFakeJasmin(t, "foo", "bar")
	out := filepath.Join(t.TempDir(), "flood.json")
	code, _, stderr := runBench(t, "http", "-url", j.url("/send"), "-username", "foo", "-password", "nope",
		"-source-addrs", "127.0.0.2-127.0.0.4", "-usernames", "4", "-close", "-rate", "200",
		"-concurrency", "8", "-count", "40", "-json", out, "-progress", "0")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	r := readReport(t, out)
	if r.Messages.Sent != 40 || r.Messages.Failed != 40 || r.Errors["HTTP 403"] != 40 {
		t.Errorf("messages %+v, errors %v; want 40 sent, 40 failed with HTTP 403", r.Messages, r.Errors)
	}
	// 40 requests at 200/s: the last is due 195 ms after the first.
	if r.SendSeconds < 0.19 {
		t.Errorf("40 requests at -rate 200 took %.3f s; want at least 0.195", r.SendSeconds)
	}
	// One more: bench checks the target answers TCP before the run.
	if n := j.conns.Load(); n != 41 {
		t.Errorf("%d connections for 40 requests with -close; want 40 and the reachability check", n)
	}
	j.mu.Lock()
	tries := append([]try(nil), j.tries...)
	j.mu.Unlock()
	srcs, users := map[string]int{}, map[string]int{}
	for _, tr := range tries {
		srcs[tr.src]++
		users[tr.user]++
	}
	if len(tries) != 40 || len(srcs) != 3 || srcs["127.0.0.2"] != 14 || srcs["127.0.0.3"] != 13 || srcs["127.0.0.4"] != 13 {
		t.Errorf("%d requests by source %v; want 14, 13, 13 from 127.0.0.2-4", len(tries), srcs)
	}
	if len(users) != 31 || users["foo"] != 10 || users["foo-1"] != 1 || users["foo-39"] != 1 {
		t.Errorf("usernames %v; want foo 10 times and 30 others once each", users)
	}
}

func TestHTTPSourceAddrsUsage(t *testing.T) {
	for _, bad := range []string{"127.0.0.9-127.0.0.1", "127.0.0.1-::1", "nope", "10.0.0.0-10.0.255.255"} {
		code, _, stderr := runBench(t, "http", "-url", "http://127.0.0.1:1/send", "-username", "u", "-password", "p",
			"-source-addrs", bad, "-progress", "0")
		if code != 2 || !strings.Contains(stderr, "source addrs") {
			t.Errorf("-source-addrs %s: exit %d, stderr %q; want 2 and the flag's complaint", bad, code, stderr)
		}
	}
}
