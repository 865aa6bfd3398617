package admin

import (
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/gwd-project/gwd/engine/manage"
	"github.com/gwd-project/gwd/engine/redact"
	"github.com/gwd-project/gwd/engine/smppc"
	"github.com/gwd-project/gwd/engine/thrower"
	"github.com/gwd-project/gwd/router"
)

// connectorView is an SMPP client connector as `smppccm -l` lists it, plus
// its queue; Parameters (every key, `smppccm -s`) only for one connector.
type connectorView struct {
	CID        string            `json:"cid"`
	Service    string            `json:"service"` // started, stopped
	Session    string            `json:"session"` // BOUND_TRX … or None
	Starts     int               `json:"starts"`
	Stops      int               `json:"stops"`
	Queue      queueView         `json:"queue"`
	Parameters map[string]string `json:"parameters,omitempty"`
	// RestartRequired lists the keys an update changed that take effect
	// only when the running connector restarts.
	RestartRequired []string `json:"restart_required,omitempty"`
}

type queueView struct {
	Ready    int `json:"ready"`
	Delayed  int `json:"delayed"`
	InFlight int `json:"in_flight"`
}

func viewConnector(c *smppc.Connector, full bool) connectorView {
	v := connectorView{CID: c.CID(), Service: "stopped", Session: c.SessionState()}
	if c.Running() {
		v.Service = "started"
	}
	v.Starts, v.Stops = c.Counts()
	if q := c.Queue(); q != nil {
		st := q.Stats()
		for _, n := range st.Ready {
			v.Queue.Ready += n
		}
		v.Queue.Delayed, v.Queue.InFlight = st.Delayed, st.Leased
	}
	if full {
		cfg := c.Config()
		v.Parameters = cfg.Map()
		// Write-only: set with PATCH/POST, never shown (jCli's smppccm -s
		// shows it, as Jasmin's does).
		delete(v.Parameters, writeOnlyParam)
	}
	return v
}

// writeOnlyParam is the connector parameter the API accepts and never
// returns: the SMSC bind password.
const writeOnlyParam = "password"

// httpConnectorView is an HTTP connector as the API shows it: its URL
// without credentials (userinfo and password-like query parameters masked
// with "***", redact.URL); the connector keeps and uses the full URL.
type httpConnectorView struct {
	CID    string `json:"cid"`
	URL    string `json:"url"`
	Method string `json:"method"`
}

func viewHTTPConnector(h manage.HTTPConnector) httpConnectorView {
	return httpConnectorView{CID: h.CID, URL: redact.URL(h.URL), Method: h.Method}
}

func (s *Server) connector(cid string) (*smppc.Connector, error) {
	c := s.m.Connector(cid)
	if c == nil {
		return nil, notFound("unknown connector " + cid)
	}
	return c, nil
}

func (s *Server) listConnectors(_ *fasthttp.RequestCtx, _ []string) (int, any, error) {
	out := []connectorView{}
	for _, c := range s.m.Connectors() {
		out = append(out, viewConnector(c, false))
	}
	return fasthttp.StatusOK, map[string]any{"connectors": out, "total": len(out)}, nil
}

func (s *Server) getConnector(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	c, err := s.connector(a[0])
	if err != nil {
		return 0, nil, err
	}
	return fasthttp.StatusOK, viewConnector(c, true), nil
}

// applyParams sets a body's keys on cfg with jCli's syntax, in the body's
// order; an error names the key.
func applyParams(cfg *smppc.Config, o object) error {
	for _, m := range o {
		if m.key == "cid" {
			continue
		}
		v, err := scalar(m.raw, m.key)
		if err != nil {
			return err
		}
		if err := cfg.Set(m.key, v); err != nil {
			return badField(m.key, err.Error())
		}
	}
	return nil
}

// createConnector adds a stopped connector: {"cid": …} and any parameter
// of `smppccm -a`; the others take their defaults.
func (s *Server) createConnector(ctx *fasthttp.RequestCtx, _ []string) (int, any, error) {
	o, err := decodeObject(ctx.PostBody(), "")
	if err != nil {
		return 0, nil, err
	}
	raw, ok := o.get("cid")
	if !ok {
		return 0, nil, badField("cid", "missing")
	}
	cid, err := text(raw, "cid")
	if err != nil {
		return 0, nil, err
	}
	if !smppc.ValidCID(cid) {
		return 0, nil, badField("cid", "must be 3 to 25 characters of A-Z a-z 0-9 _ -, not "+strconv.Quote(cid))
	}
	cfg := smppc.DefaultConfig(cid)
	if err := applyParams(&cfg, o); err != nil {
		return 0, nil, err
	}
	err = s.m.Do(func(tx *manage.Tx) error {
		if s.m.Connector(cid) != nil {
			return conflict("cid", "connector "+cid+" already exists")
		}
		return tx.AddConnector(cfg)
	})
	if err != nil {
		return 0, nil, err
	}
	s.setPrivacy(cid, cfg.LogPrivacy)
	c, err := s.connector(cid)
	if err != nil {
		return 0, nil, err
	}
	return fasthttp.StatusCreated, viewConnector(c, true), nil
}

func (s *Server) setPrivacy(cid string, on bool) {
	if s.opts.Logs != nil {
		s.opts.Logs.SetPrivacy(cid, on)
	}
}

// updateBody reads the body of an update of connector cid: a cid in it
// must be cid.
func updateBody(ctx *fasthttp.RequestCtx, cid string) (object, error) {
	o, err := decodeObject(ctx.PostBody(), "")
	if err != nil {
		return nil, err
	}
	if raw, ok := o.get("cid"); ok {
		if v, err := scalar(raw, "cid"); err != nil || v != cid {
			return nil, badField("cid", "a connector's cid cannot change")
		}
	}
	return o, nil
}

// updateConnector changes parameters (smppccm -u).
func (s *Server) updateConnector(ctx *fasthttp.RequestCtx, a []string) (int, any, error) {
	o, err := updateBody(ctx, a[0])
	if err != nil {
		return 0, nil, err
	}
	var c *smppc.Connector
	var old, cfg smppc.Config
	err = s.m.Do(func(tx *manage.Tx) error {
		var err error
		if c, err = s.connector(a[0]); err != nil {
			return err
		}
		old = c.Config()
		cfg = old
		if err := applyParams(&cfg, o); err != nil {
			return err
		}
		return tx.UpdateConnector(cfg)
	})
	if err != nil {
		return 0, nil, err
	}
	s.setPrivacy(cfg.CID, cfg.LogPrivacy)
	v := viewConnector(c, true)
	if c.Running() {
		oldMap, newMap := old.Map(), cfg.Map()
		for _, k := range smppc.Keys() {
			if smppc.NeedsRestart(k) && oldMap[k] != newMap[k] {
				v.RestartRequired = append(v.RestartRequired, k)
			}
		}
	}
	return fasthttp.StatusOK, v, nil
}

// removeUnused removes what remove removes unless direction d's routes
// send to target (a route to a connector that no longer exists would not
// load at restart); what names it in the refusal.
func (s *Server) removeUnused(d router.Direction, target, what string, exists func() error, remove func(tx *manage.Tx) error) (int, any, error) {
	err := s.m.Do(func(tx *manage.Tx) error {
		if err := exists(); err != nil {
			return err
		}
		if used := s.m.RoutesTo(d, target); len(used) > 0 {
			return conflict("cid", what+" is used by "+strings.Join(used, ", "))
		}
		return remove(tx)
	})
	if err != nil {
		return 0, nil, err
	}
	return fasthttp.StatusNoContent, nil, nil
}

// deleteConnector stops and removes a connector no MT route sends to.
func (s *Server) deleteConnector(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	cid := a[0]
	return s.removeUnused(router.MT, router.ConnectorSMPPClient+"("+cid+")", "connector "+cid,
		func() error { _, err := s.connector(cid); return err },
		func(tx *manage.Tx) error { return tx.RemoveConnector(cid) })
}

func (s *Server) startConnector(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	return s.startStop(a[0], true)
}

func (s *Server) stopConnector(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	return s.startStop(a[0], false)
}

func (s *Server) startStop(cid string, start bool) (int, any, error) {
	var c *smppc.Connector
	err := s.m.Do(func(tx *manage.Tx) error {
		var err error
		if c, err = s.connector(cid); err != nil {
			return err
		}
		switch {
		case start && c.Running():
			return conflict("cid", "connector "+cid+" is already started")
		case !start && !c.Running():
			return conflict("cid", "connector "+cid+" is already stopped")
		case start:
			return tx.StartConnector(cid)
		}
		return tx.StopConnector(cid)
	})
	if err != nil {
		return 0, nil, err
	}
	return fasthttp.StatusOK, viewConnector(c, false), nil
}

type logView struct {
	Time      string         `json:"time"`
	Timestamp float64        `json:"timestamp"` // seconds since the epoch (Junebug)
	Level     string         `json:"level"`
	LevelNo   int            `json:"level_no"` // Python's logging number (Junebug's level)
	Message   string         `json:"message"`
	Attrs     map[string]any `json:"attrs"`
}

// connectorLogs answers a connector's recent logs, newest first: n of them
// (default and most: MaxLogs).
func (s *Server) connectorLogs(ctx *fasthttp.RequestCtx, a []string) (int, any, error) {
	if _, err := s.connector(a[0]); err != nil {
		return 0, nil, err
	}
	n := s.opts.MaxLogs
	if q := ctx.QueryArgs().Peek("n"); q != nil {
		v, err := strconv.Atoi(string(q))
		if err != nil || v < 1 {
			return 0, nil, badField("n", "must be an integer ≥ 1, not "+strconv.Quote(string(q)))
		}
		n = min(v, s.opts.MaxLogs)
	}
	if s.opts.Logs == nil {
		return 0, nil, notFound("this server keeps no connector logs")
	}
	out := []logView{}
	for _, r := range s.opts.Logs.Recent(a[0], n) {
		out = append(out, logView{Time: r.Time.Format(time.RFC3339Nano),
			Timestamp: float64(r.Time.UnixNano()) / 1e9, Level: r.Level.String(), LevelNo: r.PythonLevel(),
			Message: r.Message, Attrs: r.AttrMap()})
	}
	return fasthttp.StatusOK, map[string]any{"cid": a[0], "logs": out}, nil
}

// HTTP client connectors (httpccm).

func (s *Server) httpConnector(cid string) (manage.HTTPConnector, error) {
	h, ok := s.m.HTTPConnector(cid)
	if !ok {
		return h, notFound("unknown HTTP connector " + cid)
	}
	return h, nil
}

func (s *Server) listHTTPConnectors(_ *fasthttp.RequestCtx, _ []string) (int, any, error) {
	hs := s.m.HTTPConnectors()
	out := make([]httpConnectorView, len(hs))
	for i, h := range hs {
		out[i] = viewHTTPConnector(h)
	}
	return fasthttp.StatusOK, map[string]any{"httpconnectors": out, "total": len(out)}, nil
}

func (s *Server) getHTTPConnector(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	h, err := s.httpConnector(a[0])
	if err != nil {
		return 0, nil, err
	}
	return fasthttp.StatusOK, viewHTTPConnector(h), nil
}

// applyHTTP sets a body's url and method on h, checking them.
func applyHTTP(h *manage.HTTPConnector, o object) error {
	for _, m := range o {
		switch m.key {
		case "cid":
		case "url":
			v, err := text(m.raw, "url")
			if err != nil {
				return err
			}
			if thrower.CheckURL(v) != nil {
				return badField("url", "must be an absolute http:// or https:// URL, not "+strconv.Quote(v))
			}
			h.URL = v
		case "method":
			v, err := text(m.raw, "method")
			if err != nil {
				return err
			}
			v = strings.ToUpper(v)
			if v != "GET" && v != "POST" {
				return badField("method", "must be GET or POST, not "+strconv.Quote(v))
			}
			h.Method = v
		default:
			return badField(m.key, "unknown key (keys: cid, url, method)")
		}
	}
	return nil
}

func (s *Server) createHTTPConnector(ctx *fasthttp.RequestCtx, _ []string) (int, any, error) {
	o, err := decodeObject(ctx.PostBody(), "")
	if err != nil {
		return 0, nil, err
	}
	for _, k := range []string{"cid", "url", "method"} {
		if _, ok := o.get(k); !ok {
			return 0, nil, badField(k, "missing (an HTTP connector needs cid, url and method)")
		}
	}
	raw, _ := o.get("cid")
	cid, err := text(raw, "cid")
	if err != nil {
		return 0, nil, err
	}
	if !smppc.ValidCID(cid) {
		return 0, nil, badField("cid", "must be 3 to 25 characters of A-Z a-z 0-9 _ -, not "+strconv.Quote(cid))
	}
	h := manage.HTTPConnector{CID: cid}
	if err := applyHTTP(&h, o); err != nil {
		return 0, nil, err
	}
	err = s.m.Do(func(tx *manage.Tx) error {
		if _, exists := s.m.HTTPConnector(cid); exists {
			return conflict("cid", "HTTP connector "+cid+" already exists")
		}
		return tx.PutHTTPConnector(h)
	})
	if err != nil {
		return 0, nil, err
	}
	return fasthttp.StatusCreated, viewHTTPConnector(h), nil
}

func (s *Server) updateHTTPConnector(ctx *fasthttp.RequestCtx, a []string) (int, any, error) {
	o, err := updateBody(ctx, a[0])
	if err != nil {
		return 0, nil, err
	}
	var h manage.HTTPConnector
	err = s.m.Do(func(tx *manage.Tx) error {
		var err error
		if h, err = s.httpConnector(a[0]); err != nil {
			return err
		}
		if err := applyHTTP(&h, o); err != nil {
			return err
		}
		return tx.PutHTTPConnector(h)
	})
	if err != nil {
		return 0, nil, err
	}
	return fasthttp.StatusOK, viewHTTPConnector(h), nil
}

// deleteHTTPConnector removes an HTTP connector no MO route targets.
func (s *Server) deleteHTTPConnector(_ *fasthttp.RequestCtx, a []string) (int, any, error) {
	cid := a[0]
	return s.removeUnused(router.MO, router.ConnectorHTTP+"("+cid+")", "HTTP connector "+cid,
		func() error { _, err := s.httpConnector(cid); return err },
		func(tx *manage.Tx) error { return tx.RemoveHTTPConnector(cid) })
}
