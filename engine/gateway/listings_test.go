package gateway

import (
	"bufio"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/gwd-project/gwd/config"
	"github.com/gwd-project/gwd/engine/api/admin"
	"github.com/gwd-project/gwd/engine/api/jcli"
	"github.com/gwd-project/gwd/engine/manage"
	"github.com/gwd-project/gwd/router/ledger"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/smsc"
)

// A balance and sms_count charged by a message show at once in jCli's
// `user -s` and `user -l` and in the admin API's user: the listings read
// the store's ledger when they are made (router keeps no copy of it to
// refresh).
func TestListingsShowChargesAtOnce(t *testing.T) {
	e := newEnv(t, smsc.Config{}, nil)
	e.waitUp()
	e.rateRoute(1_200_000)
	e.g.do(t, func(tx *manage.Tx) error {
		return tx.SetCounters("u1", ledger.Counters{Balance: 2 * ledger.MoneyUnit, HasBalance: true, SMS: 5, HasSMS: true})
	})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	p := e.g.Parts()
	jl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	js := jcli.New(config.Default().JCli, p.Manager, jcli.Deps{Admin: p.Admin, SMPP: p.SMPP}, quiet)
	go func() { _ = js.Serve(jl) }()
	t.Cleanup(func() { _ = js.Close() })
	al, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	as := admin.New(p.Manager, admin.Deps{Admin: p.Admin, SMPP: p.SMPP}, admin.Options{Logger: quiet})
	go func() { _ = as.Serve(al) }()
	t.Cleanup(func() { _ = as.Close() })

	s, a := e.mustBind(smpp.BindTransmitter)
	sendN(t, s, a, 1, 0)
	waitUntil(t, "the message charged", func() bool {
		c, _ := e.g.Counters("u1")
		return c.Balance == 800_000 && c.SMS == 4
	})

	con := dialConsole(t, jl.Addr().String())
	show := con.cmd("user -s u1")
	for _, want := range []string{"mt_messaging_cred quota balance 0.8\n", "mt_messaging_cred quota sms_count 4\n"} {
		if !strings.Contains(show, want) {
			t.Errorf("user -s u1 lacks %q:\n%s", want, show)
		}
	}
	if list := con.cmd("user -l"); !strings.Contains(list, " 0.8     4      ") {
		t.Errorf("user -l does not show 0.8 and 4:\n%s", list)
	}

	req, _ := http.NewRequest("GET", "http://"+al.Addr().String()+"/admin/users/u1", nil)
	req.SetBasicAuth("jcliadmin", "jclipwd")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		MT struct {
			Quota struct {
				Balance  json.Number `json:"balance"`
				SMSCount json.Number `json:"sms_count"`
			} `json:"quota"`
		} `json:"mt_messaging_cred"`
	}
	d := json.NewDecoder(resp.Body)
	d.UseNumber()
	if err := d.Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET user: %d %v", resp.StatusCode, err)
	}
	if q := body.MT.Quota; q.Balance != "0.8" || q.SMSCount != "4" {
		t.Errorf("admin API user quota: balance %s, sms_count %s; want 0.8 and 4", q.Balance, q.SMSCount)
	}
}

// console is a minimal jCli client: line mode, telnet negotiation ignored.
type console struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dialConsole(t *testing.T, addr string) *console {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	con := &console{t: t, c: c, r: bufio.NewReader(c)}
	con.until("Authentication required.\n\n")
	con.send("jcliadmin")
	con.until("Password: ")
	con.send("jclipwd")
	con.until("jcli : ")
	return con
}

func (con *console) send(line string) {
	if _, err := con.c.Write([]byte(line + "\r\n")); err != nil {
		con.t.Fatal(err)
	}
}

// until reads up to and including suffix, dropping telnet commands.
func (con *console) until(suffix string) string {
	con.t.Helper()
	var b strings.Builder
	for !strings.HasSuffix(b.String(), suffix) {
		c, err := con.r.ReadByte()
		if err != nil {
			con.t.Fatalf("console: %v after %q", err, b.String())
		}
		if c == 255 { // IAC: a command and, for option verbs, its option
			v, _ := con.r.ReadByte()
			if v >= 251 && v <= 254 {
				_, _ = con.r.ReadByte()
			}
			continue
		}
		if c != '\r' {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// cmd runs line and returns what came before the next prompt.
func (con *console) cmd(line string) string {
	con.t.Helper()
	con.send(line)
	return strings.TrimSuffix(con.until("jcli : "), "jcli : ")
}
