package router

// Lookups that keep scripts off event loops. An EvalPyFilter runs a
// Starlark script (up to script.DefaultLimits: 50 ms) on every Match, and
// a route or interceptor lookup made on an event loop would run it there,
// holding every other connection of that loop. LookupInline walks a table
// as Lookup does but never runs a script: it answers when the walk
// reaches the entry that takes the message without one (most lookups:
// tables without scripts, or a script route below the one that matches),
// and says deferred when it reaches an entry whose other filters all pass
// and that holds a script. The caller then runs Lookup where a script may
// block (the engine's script workers). Like Lookup, it neither locks nor
// allocates.

// matchInline runs the filters of fl that are not scripts: match when
// they all pass and there is no script, needScript when they all pass
// and a script remains to run.
func matchInline(fl []Filter, r *Routable) (match, needScript bool) {
	for _, f := range fl {
		if _, ok := f.(*EvalPyFilter); ok {
			needScript = true
			continue
		}
		if !f.Match(r) {
			return false, false
		}
	}
	return !needScript, needScript
}

func (rt *Route) matchInline(r *Routable) (match, needScript bool) {
	fl := rt.eval
	if fl == nil {
		fl = rt.Filters
	}
	return matchInline(fl, r)
}

func (ic *Interceptor) matchInline(r *Routable) (match, needScript bool) {
	fl := ic.eval
	if fl == nil {
		fl = ic.Filters
	}
	return matchInline(fl, r)
}

// LookupInline is Lookup without running an EvalPyFilter: the same
// answer, or deferred when the answer needs a script (run Lookup off the
// event loop then).
func (t *MTTable) LookupInline(r *Routable, up func(connector string) bool) (rt *Route, conn string, ok, deferred bool) {
	return t.t.cur().lookupInline(r, up)
}

// LookupInline: see MTTable.LookupInline.
func (t *MOTable) LookupInline(r *Routable, up func(connector string) bool) (rt *Route, conn string, ok, deferred bool) {
	return t.t.cur().lookupInline(r, up)
}

func (s *rtSnapshot) lookupInline(r *Routable, up func(string) bool) (*Route, string, bool, bool) {
	var c rtCandidates
	s.idx.candidates(r, &c)
	for {
		i, ok := c.next()
		if !ok {
			return nil, "", false, false
		}
		rt := s.routes[i]
		match, needScript := rt.matchInline(r)
		if needScript {
			return nil, "", false, true
		}
		if !match {
			continue
		}
		conn, ok := rt.Pick(r, up)
		return rt, conn, ok, false
	}
}

// LookupInline is Lookup without running an EvalPyFilter: the same
// answer, or deferred when the answer needs a script.
func (t *MTInterceptorTable) LookupInline(r *Routable) (ic *Interceptor, ok, deferred bool) {
	return t.t.cur().lookupInline(r)
}

// LookupInline: see MTInterceptorTable.LookupInline.
func (t *MOInterceptorTable) LookupInline(r *Routable) (ic *Interceptor, ok, deferred bool) {
	return t.t.cur().lookupInline(r)
}

func (s *icSnapshot) lookupInline(r *Routable) (*Interceptor, bool, bool) {
	var c rtCandidates
	s.idx.candidates(r, &c)
	for {
		i, ok := c.next()
		if !ok {
			return nil, false, false
		}
		match, needScript := s.ics[i].matchInline(r)
		if needScript {
			return nil, false, true
		}
		if match {
			return s.ics[i], true, false
		}
	}
}
