package router

import (
	"slices"
	"strings"
	"sync"
)

// FilterSet is the filter manager's registry: filters by fid. It is safe
// for concurrent use; it is not on the message path (routes hold their
// filters).
type FilterSet struct {
	mu sync.RWMutex
	m  map[string]Filter
}

// FilterUser is anything that holds filters and can say where a fid is
// used: MTTable and MOTable (and interception tables) implement it.
type FilterUser interface {
	// FilterUsedBy names what uses fid, e.g. "MT route 100".
	FilterUsedBy(fid string) []string
}

// NewFilterSet returns an empty set.
func NewFilterSet() *FilterSet { return &FilterSet{m: make(map[string]Filter)} }

// Add registers f. A fid already present is refused (the manual: "fid:
// Filter id (must be unique)"); remove it first to replace it.
func (s *FilterSet) Add(f Filter) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[f.ID()]; ok {
		return rtParamErr("fid", "filter "+f.ID()+" already exists")
	}
	s.m[f.ID()] = f
	return nil
}

// Load replaces every filter at once (a restart from the store, a profile
// load). Duplicate fids are refused and leave the set unchanged.
func (s *FilterSet) Load(fs []Filter) error {
	m := make(map[string]Filter, len(fs))
	for _, f := range fs {
		if _, ok := m[f.ID()]; ok {
			return rtParamErr("fid", "filter "+f.ID()+" appears twice")
		}
		m[f.ID()] = f
	}
	s.mu.Lock()
	s.m = m
	s.mu.Unlock()
	return nil
}

// Get returns the filter with id fid.
func (s *FilterSet) Get(fid string) (Filter, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	f, ok := s.m[fid]
	return f, ok
}

// All returns the filters sorted by fid.
func (s *FilterSet) All() []Filter {
	s.mu.RLock()
	out := make([]Filter, 0, len(s.m))
	for _, f := range s.m {
		out = append(out, f)
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b Filter) int { return strings.Compare(a.ID(), b.ID()) })
	return out
}

// Len is the number of filters.
func (s *FilterSet) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.m)
}

// Remove deletes the filter fid. It is refused when fid is unknown, or
// when any of users still uses it (the error names the routes).
func (s *FilterSet) Remove(fid string, users ...FilterUser) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[fid]; !ok {
		return rtParamErr("fid", "unknown filter "+fid)
	}
	var used []string
	for _, u := range users {
		used = append(used, u.FilterUsedBy(fid)...)
	}
	if len(used) > 0 {
		return rtParamErr("fid", "filter "+fid+" is used by "+strings.Join(used, ", "))
	}
	delete(s.m, fid)
	return nil
}

// Resolve turns jCli's "filters" value ("f1;f2", spaces allowed) into the
// filters, in that order. An unknown fid is an error naming it.
func (s *FilterSet) Resolve(ids string) ([]Filter, error) {
	var out []Filter
	for _, id := range strings.Split(ids, ";") {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		f, ok := s.Get(id)
		if !ok {
			return nil, rtParamErr("filters", "unknown filter id "+id)
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, rtParamErr("filters", "no filter given")
	}
	return out, nil
}
