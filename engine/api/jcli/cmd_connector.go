package jcli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gwd-project/gwd/engine/manage"
	"github.com/gwd-project/gwd/engine/smppc"
	"github.com/gwd-project/gwd/engine/thrower"
	"github.com/gwd-project/gwd/router"
)

func smppccmCommand() *command {
	return &command{name: "smppccm", doc: "SMPP connector management",
		opts: []option{
			{short: "-l", long: "--list", help: "List SMPP connectors"},
			{short: "-a", long: "--add", help: "Add SMPP connector"},
			{short: "-u", long: "--update", metavar: "CID", help: "Update SMPP connector configuration using it's CID"},
			{short: "-r", long: "--remove", metavar: "CID", help: "Remove SMPP connector using it's CID"},
			{short: "-s", long: "--show", metavar: "CID", help: "Show SMPP connector using it's CID"},
			{short: "-1", long: "--start", metavar: "CID", help: "Start SMPP connector using it's CID"},
			{short: "-0", long: "--stop", metavar: "CID", help: "Stop SMPP connector using it's CID"},
		},
		actions: []action{
			{"list", smppccList},
			{"add", func(s *session, _ opts) {
				s.startInteraction(&smppccAdd{}, "Adding a new connector: (ok: save, ko: exit)")
			}},
			{"update", smppccUpdateStart},
			{"remove", smppccRemove},
			{"show", func(s *session, o opts) {
				if c := connectorExists(s, o.get("show")); c != nil {
					cfg := c.Config()
					s.lines(cfg.ShowLines())
				}
			}},
			{"start", func(s *session, o opts) { smppccStartStop(s, o.get("start"), true) }},
			{"stop", func(s *session, o opts) { smppccStartStop(s, o.get("stop"), false) }},
		}}
}

// connectorExists answers Jasmin's refusal when cid is not a connector.
func connectorExists(s *session, cid string) *smppc.Connector {
	c := s.srv.m.Connector(cid)
	if c == nil {
		s.println("Unknown smppc cid: " + cid)
	}
	return c
}

// smppccList is `smppccm -l`:
//
//	#Connector id                        Service Session          Starts Stops
//	#smsc1                               started BOUND_TRX        1      0
//	Total connectors: 1
func smppccList(s *session, _ opts) {
	cs := s.srv.m.Connectors()
	widths := []int{35, 7, 16, 6}
	if len(cs) > 0 {
		s.println(row([]string{"Connector id", "Service", "Session", "Starts", "Stops"}, widths))
	}
	for _, c := range cs {
		service := "stopped"
		if c.Running() {
			service = "started"
		}
		starts, stops := c.Counts()
		s.println(row([]string{c.CID(), service, c.SessionState(), strconv.Itoa(starts), strconv.Itoa(stops)}, widths))
	}
	s.println("Total connectors: " + strconv.Itoa(len(cs)))
}

func smppccStartStop(s *session, cid string, start bool) {
	if connectorExists(s, cid) == nil {
		return
	}
	err := s.change(func(tx *manage.Tx) error {
		if start {
			return tx.StartConnector(cid)
		}
		return tx.StopConnector(cid)
	})
	switch {
	case err != nil && start:
		s.println("Failed starting connector, check log for details")
		s.errLine(err)
	case err != nil:
		s.println("Failed stopping connector, check log for details")
		s.errLine(err)
	case start:
		s.println("Successfully started connector id:" + cid)
	default:
		s.println("Successfully stopped connector id:" + cid)
	}
}

// errInUse refuses removing a connector that routes still use.
var errInUse = errors.New("in use")

// removeUnused removes a connector unless direction d's routes send to
// target ("smppc(x)", "http(x)"): used names those that do.
func removeUnused(s *session, d router.Direction, target string, remove func(tx *manage.Tx) error) (used []string, err error) {
	err = s.change(func(tx *manage.Tx) error {
		if used = s.srv.m.RoutesTo(d, target); len(used) > 0 {
			return errInUse
		}
		return remove(tx)
	})
	return used, err
}

// smppccRemove refuses a connector that MT routes still send to: they
// would route messages nowhere.
func smppccRemove(s *session, o opts) {
	cid := o.get("remove")
	if connectorExists(s, cid) == nil {
		return
	}
	used, err := removeUnused(s, router.MT, router.ConnectorSMPPClient+"("+cid+")",
		func(tx *manage.Tx) error { return tx.RemoveConnector(cid) })
	switch {
	case len(used) > 0:
		s.println(fmt.Sprintf("Error: connector %s is used by %s: remove or change these routes first", cid, strings.Join(used, ", ")))
	case err != nil:
		s.println("Failed removing connector, check log for details")
		s.errLine(err)
	default:
		s.println("Successfully removed connector id:" + cid)
	}
}

// smppccAdd is the `smppccm -a` session. Values are tried on a scratch
// configuration as they come; the connector is built from the defaults
// for its cid and the lines in order.
type smppccAdd struct {
	cid     string
	scratch smppc.Config
	started bool
	lines   [][2]string
}

func (a *smppccAdd) keys() []string { return smppc.Keys() }

func (a *smppccAdd) set(s *session, key, arg string) {
	if !a.started {
		a.scratch, a.started = smppc.DefaultConfig("scratch"), true
	}
	if _, ok := a.scratch.Get(key); !ok {
		s.println("Unknown SMPPClientConfig key: " + key)
		return
	}
	if key == "cid" {
		if !smppc.ValidCID(arg) {
			s.println("Error: SMPPConfig id syntax is invalid")
			return
		}
		a.cid = arg
		return
	}
	if err := a.scratch.Set(key, arg); err != nil {
		s.errLine(err)
		return
	}
	a.lines = append(a.lines, [2]string{key, arg})
}

func (a *smppccAdd) save(s *session) bool {
	if a.cid == "" {
		s.println("You must set at least connector id (cid) before saving !")
		return false
	}
	cfg := smppc.DefaultConfig(a.cid)
	for _, l := range a.lines {
		if err := cfg.Set(l[0], l[1]); err != nil {
			s.errLine(err)
			return false
		}
	}
	if err := s.change(func(tx *manage.Tx) error { return tx.AddConnector(cfg) }); err != nil {
		s.errLine(err)
		return false
	}
	s.println("Successfully added connector [" + a.cid + "]")
	return true
}

// smppccUpdate is the `smppccm -u CID` session.
type smppccUpdate struct {
	cid   string
	cfg   smppc.Config // the connector's configuration with the changes
	keysC []string     // changed keys, in order
}

func smppccUpdateStart(s *session, o opts) {
	c := connectorExists(s, o.get("update"))
	if c == nil {
		return
	}
	s.startInteraction(&smppccUpdate{cid: c.CID(), cfg: c.Config()},
		"Updating connector id ["+c.CID()+"]: (ok: save, ko: exit)")
}

func (u *smppccUpdate) keys() []string { return smppc.Keys() }

func (u *smppccUpdate) set(s *session, key, arg string) {
	if _, ok := u.cfg.Get(key); !ok {
		s.println("Unknown SMPPClientConfig key: " + key)
		return
	}
	if key == "cid" {
		s.println("Connector id can not be modified !")
		return
	}
	if err := u.cfg.Set(key, arg); err != nil {
		s.errLine(err)
		return
	}
	u.keysC = append(u.keysC, key)
}

// save applies the changes; a running connector restarts when a changed
// key takes effect only at a start (host, port, credentials …), as
// Jasmin does.
func (u *smppccUpdate) save(s *session) bool {
	if len(u.keysC) == 0 {
		s.println("Nothing to save")
		return false
	}
	m := s.srv.m
	c := m.Connector(u.cid)
	if c == nil {
		s.println("Unknown smppc cid: " + u.cid)
		return true
	}
	// Keep what other sessions changed since this one began: apply this
	// session's keys to the current configuration.
	cfg := c.Config()
	for _, k := range u.keysC {
		v, _ := u.cfg.Get(k)
		if err := cfg.Set(k, v); err != nil {
			s.errLine(err)
			return false
		}
	}
	restart := false
	for _, k := range u.keysC {
		if smppc.NeedsRestart(k) {
			restart = true
		}
	}
	if err := m.Do(func(tx *manage.Tx) error { return tx.UpdateConnector(cfg) }); err != nil {
		s.errLine(err)
		return false
	}
	if restart && c.Running() {
		s.println("Restarting connector [" + u.cid + "] for updates to take effect ...")
		if err := m.Do(func(tx *manage.Tx) error { return tx.StopConnector(u.cid) }); err != nil {
			s.println("Failed stopping connector, check log for details")
			s.errLine(err)
		} else if err := m.Do(func(tx *manage.Tx) error { return tx.StartConnector(u.cid) }); err != nil {
			s.println("Failed starting connector, check log for details")
			s.errLine(err)
		}
	}
	s.audit()
	s.println("Successfully updated connector [" + u.cid + "]")
	return true
}

func httpccmCommand() *command {
	return &command{name: "httpccm", doc: "HTTP client connector management",
		opts: []option{
			{short: "-l", long: "--list", help: "List HTTP client connectors"},
			{short: "-a", long: "--add", help: "Add a new HTTP client connector"},
			{short: "-r", long: "--remove", metavar: "CID", help: "Remove HTTP client connector using it's CID"},
			{short: "-s", long: "--show", metavar: "CID", help: "Show HTTP client connector using it's CID"},
		},
		actions: []action{
			{"list", httpccList},
			{"add", func(s *session, _ opts) {
				s.startInteraction(&httpccAdd{}, "Adding a new Httpcc: (ok: save, ko: exit)")
			}},
			{"remove", httpccRemove},
			{"show", func(s *session, o opts) {
				h, ok := s.srv.m.HTTPConnector(o.get("show"))
				if !ok {
					s.println("Unknown Httpcc: " + o.get("show"))
					return
				}
				s.println("HttpConnector:\ncid = " + h.CID + "\nbaseurl = " + h.URL + "\nmethod = " + h.Method)
			}},
		}}
}

// httpccList is `httpccm -l`:
//
//	#Httpcc id        Type                   Method URL
//	#HTTP-01          HttpConnector          GET    http://10.10.20.125/receive-sms/mo.php
//	Total Httpccs: 1
func httpccList(s *session, _ opts) {
	hs := s.srv.m.HTTPConnectors()
	widths := []int{16, 22, 6}
	if len(hs) > 0 {
		s.println(row([]string{"Httpcc id", "Type", "Method", "URL"}, widths))
	}
	for _, h := range hs {
		s.println(row([]string{h.CID, "HttpConnector", strings.ToUpper(h.Method), h.URL}, widths))
	}
	s.println("Total Httpccs: " + strconv.Itoa(len(hs)))
}

// httpccRemove refuses a connector that MO routes still deliver to.
func httpccRemove(s *session, o opts) {
	cid := o.get("remove")
	if _, ok := s.srv.m.HTTPConnector(cid); !ok {
		s.println("Unknown Httpcc: " + cid)
		return
	}
	used, err := removeUnused(s, router.MO, router.ConnectorHTTP+"("+cid+")",
		func(tx *manage.Tx) error { return tx.RemoveHTTPConnector(cid) })
	switch {
	case len(used) > 0:
		s.println(fmt.Sprintf("Error: Httpcc %s is used by %s: remove or change these routes first", cid, strings.Join(used, ", ")))
	case err != nil:
		s.errLine(err)
	default:
		s.println("Successfully removed Httpcc id:" + cid)
	}
}

// httpccAdd is the `httpccm -a` session.
type httpccAdd struct {
	h manage.HTTPConnector
}

func (a *httpccAdd) keys() []string { return []string{"cid", "url", "method"} }

func (a *httpccAdd) set(s *session, key, arg string) {
	switch key {
	case "cid":
		if !smppc.ValidCID(arg) {
			s.println("Error: HttpConnector cid syntax is invalid")
			return
		}
		a.h.CID = arg
	case "url":
		if thrower.CheckURL(arg) != nil {
			s.println("Error: HttpConnector url syntax is invalid (an http:// or https:// URL)")
			return
		}
		a.h.URL = arg
	case "method":
		m := strings.ToUpper(arg)
		if m != "GET" && m != "POST" {
			s.println("Error: HttpConnector method syntax is invalid, must be GET or POST")
			return
		}
		a.h.Method = m
	default:
		s.println("Unknown Httpcc key: " + key)
	}
}

func (a *httpccAdd) save(s *session) bool {
	if a.h.CID == "" || a.h.URL == "" || a.h.Method == "" {
		s.missing(a.keys())
		return false
	}
	if err := s.change(func(tx *manage.Tx) error { return tx.PutHTTPConnector(a.h) }); err != nil {
		s.errLine(err)
		return false
	}
	s.println("Successfully added Httpcc [HttpConnector] with cid:" + a.h.CID)
	return true
}
