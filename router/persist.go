package router

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gwd-project/gwd/router/script"
)

// Persistence encodings: how the router's configuration is stored in the
// store's config objects (store.DB.PutObject(kind, id, bytes)).
//
// Every object is one JSON document with a version field "v" (1 today);
// a decoder refuses versions it does not know, fields it does not know and
// trailing data, so that a newer or hand-damaged store is reported instead
// of half read. One Encode/Decode pair per kind:
//
//	kind            id                 Encode / Decode
//	group           gid                EncodeGroup / DecodeGroup
//	user            uid                EncodeUser / DecodeUser
//	filter          fid                EncodeFilter / DecodeFilter
//	mtroute         order ("100")      EncodeRoute / DecodeRoute(MT, …)
//	moroute         order              EncodeRoute / DecodeRoute(MO, …)
//	mtinterceptor   order              EncodeInterceptor / DecodeInterceptor(MT, …)
//	mointerceptor   order              EncodeInterceptor / DecodeInterceptor(MO, …)
//
// (ObjectID gives the id for an order; RouteKind and InterceptorKind the
// kind for a direction.)
//
// Decoding validates exactly as the jCli path does — the same
// constructors (NewFilter, NewMTRoute, NewMTInterceptor …) and, for users,
// the same User.SetCredential as `user -u` — and returns either the whole
// object or a *ObjectError naming the object and the field; never a part.
// Cross-object rules are the loader's: a user's group must exist
// (Accounts.Load), routes and interceptors decode against the filters
// already decoded (a FilterSet) and, for routes, the connectors known
// (KnownConnector), and the tables refuse two objects at one order.
//
// What is stored:
//
//   - group: gid, enabled.
//   - user: uid, gid, username, the password's salted hash (never the
//     password), enabled, and the credential keys whose value differs from
//     the manual's default, as jCli shows them ("mt_messaging_cred
//     authorization http_bulk": "True"). A key left at its default is not
//     stored, so it keeps following the default: a key the operator set to
//     the default value is indistinguishable from one never set, which
//     changes nothing while gwd's defaults are the manual's. The
//     consumable quotas balance and sms_count are not stored here: the
//     store's counters (store.DB.Counters) are the only copy.
//   - filter: fid, type and its jCli parameters; an EvalPyFilter's pyCode
//     is the script's source (never re-read from a file on decode; its
//     run limits are not stored: a decoded one runs with
//     script.DefaultLimits, as NewFilter's do).
//   - route: order, type, filter ids, connectors (MT: smppc ids; MO:
//     "http(cid)" / "smpps(uid)"), rate (MT, exact decimal string).
//   - interceptor: order, type, filter ids, script source. Run limits are
//     not stored: DecodeInterceptor takes them.

// Config object kinds.
const (
	KindGroup         = "group"
	KindUser          = "user"
	KindFilter        = "filter"
	KindMTRoute       = "mtroute"
	KindMORoute       = "moroute"
	KindMTInterceptor = "mtinterceptor"
	KindMOInterceptor = "mointerceptor"
)

// PersistVersion is the version Encode* write and Decode* read.
const PersistVersion = 1

// RouteKind is KindMTRoute or KindMORoute.
func RouteKind(d Direction) string {
	if d == MO {
		return KindMORoute
	}
	return KindMTRoute
}

// InterceptorKind is KindMTInterceptor or KindMOInterceptor.
func InterceptorKind(d Direction) string {
	if d == MO {
		return KindMOInterceptor
	}
	return KindMTInterceptor
}

// ObjectID is the id a route or interceptor is stored under: its order in
// decimal.
func ObjectID(order int) string { return strconv.Itoa(order) }

// ObjectError is an object that cannot be encoded or a stored object that
// cannot be rebuilt: Op is "encode" or "decode", Kind and ID name the
// object (ID is empty when the document is unreadable), Field the field at
// fault ("" for the document as a whole).
type ObjectError struct {
	Op, Kind, ID, Field string
	Err                 error
}

func (e *ObjectError) Error() string {
	op := e.Op
	if op == "" {
		op = "decode"
	}
	s := op + " " + e.Kind
	if e.ID != "" {
		s += " " + e.ID
	}
	if e.Field != "" {
		s += ": " + e.Field
	}
	msg := e.Err.Error()
	if e.Field != "" {
		msg = strings.TrimPrefix(msg, e.Field+": ")
	}
	return s + ": " + msg
}

// Unwrap is the underlying error (a *FieldError or *RoutingConfigError
// when a value was refused).
func (e *ObjectError) Unwrap() error { return e.Err }

func pEncodeErr(kind, id string, err error) error {
	e := pDecodeErr(kind, id, err).(*ObjectError)
	e.Op = "encode"
	return e
}

func pDecodeErr(kind, id string, err error) error {
	de := &ObjectError{Op: "decode", Kind: kind, ID: id, Err: err}
	var fe *FieldError
	var ce *RoutingConfigError
	switch {
	case errors.As(err, &fe):
		de.Field = fe.Field
	case errors.As(err, &ce):
		de.Field = ce.Field
	}
	return de
}

func pFieldErr(kind, id, field, msg string) error {
	return &ObjectError{Op: "decode", Kind: kind, ID: id, Field: field, Err: errors.New(msg)}
}

// pUnmarshal decodes one JSON document strictly into v and checks its
// version.
func pUnmarshal(kind string, b []byte, v any, version func() *int) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &ObjectError{Op: "decode", Kind: kind, Err: errors.New("invalid document: " + err.Error())}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &ObjectError{Op: "decode", Kind: kind, Err: errors.New("invalid document: data after the object")}
	}
	switch p := version(); {
	case p == nil:
		return &ObjectError{Op: "decode", Kind: kind, Field: "v", Err: errors.New("missing version")}
	case *p != PersistVersion:
		return &ObjectError{Op: "decode", Kind: kind, Field: "v", Err: errors.New("unsupported version " + strconv.Itoa(*p) + " (this gwd reads version " + strconv.Itoa(PersistVersion) + ")")}
	}
	return nil
}

// pText refuses strings JSON cannot carry unchanged.
func pText(kind, id, field, s string) error {
	if !utf8.ValidString(s) {
		return &ObjectError{Op: "encode", Kind: kind, ID: id, Field: field, Err: errors.New("not valid UTF-8, cannot be stored")}
	}
	return nil
}

func pVersion() *int { v := PersistVersion; return &v }

// ---- groups

type pGroup struct {
	V       *int   `json:"v"`
	GID     string `json:"gid"`
	Enabled *bool  `json:"enabled"`
}

// EncodeGroup encodes a group.
func EncodeGroup(g Group) ([]byte, error) {
	if err := checkGID(g.GID); err != nil {
		return nil, pEncodeErr(KindGroup, g.GID, err)
	}
	return json.Marshal(pGroup{V: pVersion(), GID: g.GID, Enabled: &g.Enabled})
}

// DecodeGroup rebuilds a group.
func DecodeGroup(b []byte) (Group, error) {
	var p pGroup
	if err := pUnmarshal(KindGroup, b, &p, func() *int { return p.V }); err != nil {
		return Group{}, err
	}
	if err := checkGID(p.GID); err != nil {
		return Group{}, pDecodeErr(KindGroup, p.GID, err)
	}
	if p.Enabled == nil {
		return Group{}, pFieldErr(KindGroup, p.GID, "enabled", "missing")
	}
	return Group{GID: p.GID, Enabled: *p.Enabled}, nil
}

// ---- users

type pUser struct {
	V            *int              `json:"v"`
	UID          string            `json:"uid"`
	GID          string            `json:"gid"`
	Username     string            `json:"username"`
	PasswordHash string            `json:"password_hash"`
	Enabled      *bool             `json:"enabled"`
	Creds        map[string]string `json:"creds,omitempty"`
}

// pCounterKey reports whether k is a live counter (balance, sms_count),
// which the user object does not hold.
func pCounterKey(k *credKey) bool { return k.counter != nil }

// pMaxIterations bounds a stored hash's PBKDF2 iterations (100 times the
// default).
const pMaxIterations = 10_000_000

var pDefaultUser = &User{MT: DefaultMTCred(), SMPPS: DefaultSMPPSCred(), live: newUserLive()}

// EncodeUser encodes a user's configuration: never its password, only the
// password's hash; no counters.
func EncodeUser(u *User) ([]byte, error) {
	if u == nil {
		return nil, &ObjectError{Op: "encode", Kind: KindUser, Err: errors.New("nil user")}
	}
	for _, c := range []error{checkUID(u.UID), checkGID(u.GID), checkUsername(u.Username)} {
		if c != nil {
			return nil, pEncodeErr(KindUser, u.UID, c)
		}
	}
	if !ValidPasswordHash(u.PasswordHash) {
		return nil, &ObjectError{Op: "encode", Kind: KindUser, ID: u.UID, Field: "password", Err: errors.New("missing or not a password hash")}
	}
	p := pUser{V: pVersion(), UID: u.UID, GID: u.GID, Username: u.Username,
		PasswordHash: string(u.PasswordHash), Enabled: &u.Enabled}
	for i := range credKeys {
		k := &credKeys[i]
		if pCounterKey(k) {
			continue
		}
		v := k.show(u)
		if v == k.show(pDefaultUser) {
			continue
		}
		name := k.cred + " " + k.section + " " + k.key
		if err := pText(KindUser, u.UID, name, v); err != nil {
			return nil, err
		}
		if p.Creds == nil {
			p.Creds = make(map[string]string)
		}
		p.Creds[name] = v
	}
	return json.Marshal(p)
}

// DecodeUser rebuilds a user as a draft (register it with Accounts.AddUser
// or Accounts.Load; its counters stay in the store's ledger).
// Each stored credential key is applied with User.SetCredential, in `user
// -s` order, so it is validated as jCli validates it; the keys not stored
// keep their defaults. balance and sms_count are refused: they are the
// store's counters.
func DecodeUser(b []byte) (*User, error) {
	var p pUser
	if err := pUnmarshal(KindUser, b, &p, func() *int { return p.V }); err != nil {
		return nil, err
	}
	for _, c := range []error{checkUID(p.UID), checkGID(p.GID), checkUsername(p.Username)} {
		if c != nil {
			return nil, pDecodeErr(KindUser, p.UID, c)
		}
	}
	iter, _, _, ok := pwParse([]byte(p.PasswordHash))
	if !ok {
		return nil, pFieldErr(KindUser, p.UID, "password_hash", "missing or not a password hash (pbkdf2-sha256$iterations$salt$key)")
	}
	if iter > pMaxIterations {
		// Every check of a wrong password would pay them: refuse what
		// only a damaged store holds.
		return nil, pFieldErr(KindUser, p.UID, "password_hash", "more than "+strconv.Itoa(pMaxIterations)+" iterations")
	}
	if p.Enabled == nil {
		return nil, pFieldErr(KindUser, p.UID, "enabled", "missing")
	}
	u := &User{UID: p.UID, GID: p.GID, Username: p.Username, PasswordHash: []byte(p.PasswordHash),
		Enabled: *p.Enabled, MT: DefaultMTCred(), SMPPS: DefaultSMPPSCred(),
		live: newUserLive(), pwGen: pwGenSeq.Add(1)}
	used := 0
	for i := range credKeys {
		k := &credKeys[i]
		name := k.cred + " " + k.section + " " + k.key
		v, ok := p.Creds[name]
		if !ok {
			continue
		}
		used++
		if pCounterKey(k) {
			return nil, pFieldErr(KindUser, p.UID, name, "is a live counter, kept in the store's counters, not in the user object")
		}
		if err := u.SetCredential(k.cred, k.section, k.key, v); err != nil {
			return nil, pDecodeErr(KindUser, p.UID, err)
		}
	}
	if used != len(p.Creds) {
		var unknown []string
		for name := range p.Creds {
			if !slices.Contains(CredentialKeys(), name) {
				unknown = append(unknown, name)
			}
		}
		slices.Sort(unknown)
		return nil, pFieldErr(KindUser, p.UID, "creds", "unknown credential key \""+unknown[0]+"\"")
	}
	return u, nil
}

// ---- filters

type pFilter struct {
	V      *int              `json:"v"`
	FID    string            `json:"fid"`
	Type   string            `json:"type"`
	Params map[string]string `json:"params"`
}

// EncodeFilter encodes a filter: its id, type and jCli parameters
// (Filter.Params; an EvalPyFilter's script source).
func EncodeFilter(f Filter) ([]byte, error) {
	if f == nil {
		return nil, &ObjectError{Op: "encode", Kind: KindFilter, Err: errors.New("nil filter")}
	}
	params := f.Params()
	for k, v := range params {
		if err := pText(KindFilter, f.ID(), k, v); err != nil {
			return nil, err
		}
	}
	if params == nil {
		params = map[string]string{}
	}
	return json.Marshal(pFilter{V: pVersion(), FID: f.ID(), Type: f.Type(), Params: params})
}

// DecodeFilter rebuilds a filter with NewFilter. An EvalPyFilter is built
// from the stored source and never from a file, whatever the source looks
// like.
func DecodeFilter(b []byte) (Filter, error) {
	var p pFilter
	if err := pUnmarshal(KindFilter, b, &p, func() *int { return p.V }); err != nil {
		return nil, err
	}
	if p.Params == nil {
		return nil, pFieldErr(KindFilter, p.FID, "params", "missing")
	}
	if t, ok := CanonicalFilterType(p.Type); ok && t == EvalPyFilterType {
		f, err := pEvalPyFilter(p.FID, p.Params)
		if err != nil {
			return nil, pDecodeErr(KindFilter, p.FID, err)
		}
		return f, nil
	}
	f, err := NewFilter(p.Type, p.FID, p.Params)
	if err != nil {
		return nil, pDecodeErr(KindFilter, p.FID, err)
	}
	return f, nil
}

// pEvalPyFilter is NewFilter for an EvalPyFilter whose pyCode is the
// source itself (NewFilter would read a one-line value naming a file).
func pEvalPyFilter(fid string, params map[string]string) (Filter, error) {
	if !ValidFilterID(fid) {
		return nil, rtParamErr("fid", "invalid filter id \""+fid+"\" (1 to 16 characters of A-Z a-z 0-9 _ - * .)")
	}
	src, found := "", false
	for k, v := range params {
		if !strings.EqualFold(k, "pyCode") {
			return nil, rtParamErr(k, "unknown parameter for EvalPyFilter (takes pyCode)")
		}
		src, found = v, true
	}
	if !found {
		return nil, rtParamErr("pyCode", "missing (a EvalPyFilter needs pyCode)")
	}
	if strings.TrimSpace(src) == "" {
		return nil, rtParamErr("pyCode", "empty script")
	}
	prog, err := compileScript("pyCode", src)
	if err != nil {
		return nil, err
	}
	return &EvalPyFilter{filterBase: filterBase{fid: fid, typ: EvalPyFilterType, mo: true, mt: true},
		source: src, prog: prog}, nil
}

// pResolve finds stored filter ids in fs.
func pResolve(ids []string, fs *FilterSet) ([]Filter, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if fs == nil {
		return nil, rtParamErr("filters", "no filter registry")
	}
	out := make([]Filter, 0, len(ids))
	for _, id := range ids {
		f, ok := fs.Get(id)
		if !ok {
			return nil, rtParamErr("filters", "unknown filter id "+id)
		}
		out = append(out, f)
	}
	return out, nil
}

func pFilterIDs(fl []Filter) []string {
	if len(fl) == 0 {
		return nil
	}
	ids := make([]string, len(fl))
	for i, f := range fl {
		ids[i] = f.ID()
	}
	return ids
}

// ---- routes

type pRoute struct {
	V          *int     `json:"v"`
	Order      *int     `json:"order"`
	Type       string   `json:"type"`
	Filters    []string `json:"filters,omitempty"`
	Connectors []string `json:"connectors"`
	Rate       string   `json:"rate,omitempty"`
}

// EncodeRoute encodes an MT or MO route (one a table holds, or built with
// NewMTRoute / NewMORoute / BuildRoute). Its kind is RouteKind(route's
// Direction()), its id ObjectID(order).
func EncodeRoute(rt *Route) ([]byte, error) {
	if rt == nil || rt.dir == 0 {
		return nil, &ObjectError{Op: "encode", Kind: "route", Err: errors.New("not a built route")}
	}
	order := rt.Order
	p := pRoute{V: pVersion(), Order: &order, Type: rt.Type.String(), Filters: pFilterIDs(rt.Filters),
		Connectors: slices.Clone(rt.Connectors)}
	if rt.dir == MT {
		p.Rate = rt.Rate.Decimal()
	}
	return json.Marshal(p)
}

// DecodeRoute rebuilds a route of direction d. Its filters are looked up
// by id in fs, its connectors checked with known (nil accepts all), and it
// is validated as a table validates it.
func DecodeRoute(d Direction, b []byte, fs *FilterSet, known KnownConnector) (*Route, error) {
	kind := RouteKind(d)
	var p pRoute
	if err := pUnmarshal(kind, b, &p, func() *int { return p.V }); err != nil {
		return nil, err
	}
	if p.Order == nil {
		return nil, pFieldErr(kind, "", "order", "missing")
	}
	id := ObjectID(*p.Order)
	typ, ok := ParseRouteType(p.Type)
	if !ok {
		return nil, pFieldErr(kind, id, "type", "unknown route type \""+p.Type+"\" (use one of "+rtTypeList(d)+")")
	}
	fl, err := pResolve(p.Filters, fs)
	if err != nil {
		return nil, pDecodeErr(kind, id, err)
	}
	var rt *Route
	if d == MT {
		if p.Rate == "" {
			return nil, pFieldErr(kind, id, "rate", "missing")
		}
		rate, err := ParseRouteRate(p.Rate)
		if err != nil {
			return nil, pDecodeErr(kind, id, err)
		}
		rt, err = NewMTRoute(typ, *p.Order, fl, p.Connectors, rate)
		if err != nil {
			return nil, pDecodeErr(kind, id, err)
		}
	} else {
		if p.Rate != "" {
			return nil, pFieldErr(kind, id, "rate", "MO routes are not rated")
		}
		rt, err = NewMORoute(typ, *p.Order, fl, p.Connectors)
		if err != nil {
			return nil, pDecodeErr(kind, id, err)
		}
	}
	if known != nil {
		for _, c := range rt.Connectors {
			ck, cid := SplitConnector(c)
			if ck == "" {
				ck = ConnectorSMPPClient
			}
			if !known(ck, cid) {
				return nil, pFieldErr(kind, id, rt.connectorField(), "unknown "+ck+" connector "+cid)
			}
		}
	}
	return rt, nil
}

// ---- interceptors

type pInterceptor struct {
	V       *int     `json:"v"`
	Order   *int     `json:"order"`
	Type    string   `json:"type"`
	Filters []string `json:"filters,omitempty"`
	Script  string   `json:"script"`
}

// EncodeInterceptor encodes an MT or MO interceptor with its script's
// source. Its kind is InterceptorKind(Direction()), its id
// ObjectID(order).
func EncodeInterceptor(ic *Interceptor) ([]byte, error) {
	if ic == nil || ic.dir == 0 {
		return nil, &ObjectError{Op: "encode", Kind: "interceptor", Err: errors.New("not a built interceptor")}
	}
	if err := pText(InterceptorKind(ic.dir), ObjectID(ic.Order), "script", ic.source); err != nil {
		return nil, err
	}
	order := ic.Order
	return json.Marshal(pInterceptor{V: pVersion(), Order: &order, Type: ic.Type.String(),
		Filters: pFilterIDs(ic.Filters), Script: ic.source})
}

// DecodeInterceptor rebuilds an interceptor of direction d, its filters
// looked up in fs, its script compiled and run within lim (zero fields:
// script.DefaultLimits).
func DecodeInterceptor(d Direction, b []byte, fs *FilterSet, lim script.Limits) (*Interceptor, error) {
	kind := InterceptorKind(d)
	var p pInterceptor
	if err := pUnmarshal(kind, b, &p, func() *int { return p.V }); err != nil {
		return nil, err
	}
	if p.Order == nil {
		return nil, pFieldErr(kind, "", "order", "missing")
	}
	id := ObjectID(*p.Order)
	typ, ok := ParseInterceptorType(p.Type)
	if !ok {
		return nil, pFieldErr(kind, id, "type", "unknown interceptor type \""+p.Type+"\" (use one of "+icTypeList(d)+")")
	}
	fl, err := pResolve(p.Filters, fs)
	if err != nil {
		return nil, pDecodeErr(kind, id, err)
	}
	ic, err := icNew(d, typ, *p.Order, fl, p.Script, lim)
	if err != nil {
		return nil, pDecodeErr(kind, id, err)
	}
	return ic, nil
}
