package store

// Configuration: users, groups, filters, routes, interceptors and
// connectors, stored as opaque objects (the router serialises them) and
// grouped in profiles, as jCli's persist / load.
//
// Keys are ksConfig | profile | 0 | kind | 0 | id. The live configuration
// (what gwd runs with) is the profile with the empty name, which no
// persisted profile can have: profile names are 1 to 64 characters of
// [A-Za-z0-9_.-]. Every change to the live configuration is durable when
// its call returns; a persisted profile is a named copy of it, taken and
// restored atomically. A persisted profile also holds a marker key,
// ksConfig | profile | 0 | 0 (kind "" sorts before every real kind), so an
// empty profile still exists; its value is the persist time (unix
// nanoseconds, big-endian).
//
// User balances and quotas are not configuration objects: they live in
// ksCounter (counters.go), change with every message, and neither persist
// nor load touches them.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/cockroachdb/pebble/v2"
)

// Limits on configuration names and objects.
const (
	MaxObjectName  = 128      // kind and id, in octets
	MaxProfileName = 64       // profile names, in characters
	MaxObjectSize  = 16 << 20 // one object's value, in octets
)

// ErrInvalidName: a kind, id, profile or user name breaks the rules.
// (Object and Load report a missing object or profile with the package's
// ErrNotFound.)
var ErrInvalidName = errors.New("store: invalid name")

// Object is one stored configuration object.
type Object struct {
	Kind  string
	ID    string
	Value []byte
}

// ObjectChange is one put (Delete false) or delete in PutObjects.
type ObjectChange struct {
	Kind   string
	ID     string
	Value  []byte
	Delete bool
}

// liveProfile names the running configuration.
const liveProfile = ""

// configPrefix is ksConfig | profile | 0: every key of the profile.
func configPrefix(profile string) []byte {
	k := make([]byte, 0, 2+len(profile))
	k = append(k, ksConfig)
	k = append(k, profile...)
	return append(k, 0)
}

// configKindPrefix is ksConfig | profile | 0 | kind | 0.
func configKindPrefix(profile, kind string) []byte {
	k := configPrefix(profile)
	k = append(k, kind...)
	return append(k, 0)
}

func configKey(profile, kind, id string) []byte {
	return append(configKindPrefix(profile, kind), id...)
}

// profileMarker is ksConfig | profile | 0 | 0.
func profileMarker(profile string) []byte { return append(configPrefix(profile), 0) }

func validObjectName(arg, s string) error {
	switch {
	case s == "":
		return fmt.Errorf("store: %s must not be empty: %w", arg, ErrInvalidName)
	case len(s) > MaxObjectName:
		return fmt.Errorf("store: %s %.32q… is %d octets, more than %d: %w", arg, s, len(s), MaxObjectName, ErrInvalidName)
	case bytes.IndexByte([]byte(s), 0) >= 0:
		return fmt.Errorf("store: %s %q holds a NUL octet: %w", arg, s, ErrInvalidName)
	}
	return nil
}

func validProfile(s string) error {
	if s == "" || len(s) > MaxProfileName {
		return fmt.Errorf("store: profile %q must be 1 to %d characters: %w", s, MaxProfileName, ErrInvalidName)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-') {
			return fmt.Errorf("store: profile %q: character %q is not one of [A-Za-z0-9_.-]: %w", s, c, ErrInvalidName)
		}
	}
	return nil
}

func validChange(ch ObjectChange) error {
	if err := validObjectName("kind", ch.Kind); err != nil {
		return err
	}
	if err := validObjectName("id", ch.ID); err != nil {
		return err
	}
	if !ch.Delete && len(ch.Value) > MaxObjectSize {
		return fmt.Errorf("store: object %s/%s is %d octets, more than %d", ch.Kind, ch.ID, len(ch.Value), MaxObjectSize)
	}
	return nil
}

// PutObject stores v as the live object kind/id, replacing any, and returns
// once it is durable. It may block for an fsync: not for event loops.
func (db *DB) PutObject(kind, id string, v []byte) error {
	return db.PutObjects([]ObjectChange{{Kind: kind, ID: id, Value: v}})
}

// DeleteObject removes the live object kind/id (absent is not an error)
// and returns once that is durable.
func (db *DB) DeleteObject(kind, id string) error {
	return db.PutObjects([]ObjectChange{{Kind: kind, ID: id, Delete: true}})
}

// PutObjects applies every change, in order, in one atomic write: readers
// and a crash see all of them or none. One invalid change refuses them all
// and nothing is written.
func (db *DB) PutObjects(changes []ObjectChange) error {
	if len(changes) == 0 {
		return nil
	}
	keys := make([][]byte, len(changes))
	for i, ch := range changes {
		if err := validChange(ch); err != nil {
			return fmt.Errorf("put objects: change %d: %w", i, err)
		}
		keys[i] = configKey(liveProfile, ch.Kind, ch.ID)
	}
	st := db.ext()
	st.cfgMu.Lock()
	defer st.cfgMu.Unlock()
	err := db.Do(func(b *Batch) {
		for i, ch := range changes {
			if ch.Delete {
				b.delete(keys[i])
			} else {
				b.set(keys[i], ch.Value)
			}
		}
	})
	if err != nil {
		return fmt.Errorf("put objects: %w", err)
	}
	return nil
}

// Object returns a copy of the live object kind/id, or ErrNotFound.
func (db *DB) Object(kind, id string) ([]byte, error) {
	if err := validObjectName("kind", kind); err != nil {
		return nil, err
	}
	if err := validObjectName("id", id); err != nil {
		return nil, err
	}
	v, c, err := db.pdb.Get(configKey(liveProfile, kind, id))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, fmt.Errorf("object %s/%s: %w", kind, id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("object %s/%s: %w", kind, id, err)
	}
	out := append([]byte(nil), v...)
	c.Close()
	return out, nil
}

// Objects returns the live objects of kind, sorted by id (octet order),
// as of one consistent moment.
func (db *DB) Objects(kind string) ([]Object, error) {
	if err := validObjectName("kind", kind); err != nil {
		return nil, err
	}
	lo := configKindPrefix(liveProfile, kind)
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	if err != nil {
		return nil, fmt.Errorf("objects %s: %w", kind, err)
	}
	var out []Object
	for it.First(); it.Valid(); it.Next() {
		out = append(out, Object{Kind: kind, ID: string(it.Key()[len(lo):]), Value: append([]byte(nil), it.Value()...)})
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("objects %s: %w", kind, err)
	}
	return out, nil
}

// cfgKV is one key and value read from a profile, the key without the
// profile's prefix (kind | 0 | id).
type cfgKV struct{ k, v []byte }

// readProfile returns the objects of profile (marker excluded) and whether
// the profile exists; the live profile always exists.
func readProfile(r pebble.Reader, profile string) ([]cfgKV, bool, error) {
	lo := configPrefix(profile)
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	if err != nil {
		return nil, false, err
	}
	exists := profile == liveProfile
	var out []cfgKV
	for it.First(); it.Valid(); it.Next() {
		rest := it.Key()[len(lo):]
		if len(rest) == 1 && rest[0] == 0 {
			exists = true
			continue
		}
		out = append(out, cfgKV{append([]byte(nil), rest...), append([]byte(nil), it.Value()...)})
	}
	if err := it.Close(); err != nil {
		return nil, false, err
	}
	return out, exists, nil
}

// replaceProfile replaces profile to's keys with objs (and, for a
// persisted profile, its marker) in one atomic write.
func (db *DB) replaceProfile(to string, objs []cfgKV, marker bool) error {
	lo := configPrefix(to)
	hi := prefixEnd(lo)
	var stamp []byte
	if marker {
		stamp = binary.BigEndian.AppendUint64(nil, uint64(db.opts.Now().UnixNano()))
	}
	return db.Do(func(b *Batch) {
		b.deleteRange(lo, hi)
		if marker {
			b.set(profileMarker(to), stamp)
		}
		k := make([]byte, 0, 64)
		for _, o := range objs {
			k = append(append(k[:0], lo...), o.k...)
			b.set(k, o.v)
		}
	})
}

// Runtime kinds are objects kept in the configuration store that are not
// configuration: work in progress such as HTTP batches. Persist does not
// copy them into profiles and Load leaves the live ones alone, so loading
// an old profile never resurrects finished work.
var runtimeKinds sync.Map // kind → struct{}

// RegisterRuntimeKind marks kind as runtime state (see above). Packages
// call it from init.
func RegisterRuntimeKind(kind string) { runtimeKinds.Store(kind, struct{}{}) }

func isRuntime(o cfgKV) bool {
	kind, _, ok := bytes.Cut(o.k, []byte{0})
	if !ok {
		return false
	}
	_, rt := runtimeKinds.Load(string(kind))
	return rt
}

// splitRuntime separates runtime objects from configuration.
func splitRuntime(objs []cfgKV) (cfg, rt []cfgKV) {
	for _, o := range objs {
		if isRuntime(o) {
			rt = append(rt, o)
		} else {
			cfg = append(cfg, o)
		}
	}
	return cfg, rt
}

// Persist copies the whole live configuration to profile, replacing what
// the profile held, in one atomic write (jCli's persist -p NAME).
func (db *DB) Persist(profile string) error {
	if err := validProfile(profile); err != nil {
		return err
	}
	st := db.ext()
	st.cfgMu.Lock()
	defer st.cfgMu.Unlock()
	objs, _, err := readProfile(db.pdb, liveProfile)
	if err != nil {
		return fmt.Errorf("persist %s: %w", profile, err)
	}
	objs, _ = splitRuntime(objs)
	if err := db.replaceProfile(profile, objs, true); err != nil {
		return fmt.Errorf("persist %s: %w", profile, err)
	}
	return nil
}

// Load replaces the whole live configuration with profile's, in one atomic
// write (jCli's load -p NAME). A profile never persisted is ErrNotFound and
// leaves the live configuration alone.
func (db *DB) Load(profile string) error {
	if err := validProfile(profile); err != nil {
		return err
	}
	st := db.ext()
	st.cfgMu.Lock()
	defer st.cfgMu.Unlock()
	objs, ok, err := readProfile(db.pdb, profile)
	if err != nil {
		return fmt.Errorf("load %s: %w", profile, err)
	}
	if !ok {
		return fmt.Errorf("load profile %s: %w", profile, ErrNotFound)
	}
	live, _, err := readProfile(db.pdb, liveProfile)
	if err != nil {
		return fmt.Errorf("load %s: %w", profile, err)
	}
	objs, _ = splitRuntime(objs)
	_, keep := splitRuntime(live)
	if err := db.replaceProfile(liveProfile, append(objs, keep...), false); err != nil {
		return fmt.Errorf("load %s: %w", profile, err)
	}
	return nil
}

// IsPersisted reports whether profile exists and holds exactly the live
// configuration, octet for octet.
func (db *DB) IsPersisted(profile string) (bool, error) {
	if err := validProfile(profile); err != nil {
		return false, err
	}
	snap := db.pdb.NewSnapshot()
	defer snap.Close()
	prof, ok, err := readProfile(snap, profile)
	if err != nil || !ok {
		return false, err
	}
	live, _, err := readProfile(snap, liveProfile)
	if err != nil {
		return false, err
	}
	live, _ = splitRuntime(live)
	if len(live) != len(prof) {
		return false, nil
	}
	for i := range live {
		if !bytes.Equal(live[i].k, prof[i].k) || !bytes.Equal(live[i].v, prof[i].v) {
			return false, nil
		}
	}
	return true, nil
}

// Profiles returns the names of the persisted profiles, sorted.
func (db *DB) Profiles() ([]string, error) {
	// Skip the live profile (ksConfig | 0 | …): start past it.
	lo := []byte{ksConfig, 1}
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: []byte{ksConfig + 1}})
	if err != nil {
		return nil, err
	}
	var out []string
	for ok := it.SeekGE(lo); ok; {
		k := it.Key()[1:]
		n := bytes.IndexByte(k, 0)
		if n < 0 {
			ok = it.Next() // not a config key: should not happen
			continue
		}
		name := string(k[:n])
		if len(k) == n+2 && k[n+1] == 0 {
			out = append(out, name)
		}
		ok = it.SeekGE(prefixEnd(configPrefix(name)))
	}
	if err := it.Close(); err != nil {
		return nil, err
	}
	sort.Strings(out)
	return out, nil
}

// DeleteProfile removes a persisted profile (absent is not an error).
func (db *DB) DeleteProfile(profile string) error {
	if err := validProfile(profile); err != nil {
		return err
	}
	st := db.ext()
	st.cfgMu.Lock()
	defer st.cfgMu.Unlock()
	lo := configPrefix(profile)
	hi := prefixEnd(lo)
	if err := db.Do(func(b *Batch) { b.deleteRange(lo, hi) }); err != nil {
		return fmt.Errorf("delete profile %s: %w", profile, err)
	}
	return nil
}

// dbExt is the state config.go and counters.go keep per open store.
type dbExt struct {
	// cfgMu orders configuration writes: persist and load read a range
	// and write it back, which must not interleave with other changes.
	cfgMu sync.Mutex
	// users holds each user's counters once read: string → *userLedger.
	users sync.Map
}

func (db *DB) ext() *dbExt { return &db.x }
